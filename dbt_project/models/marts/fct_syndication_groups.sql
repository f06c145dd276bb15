-- One row per story: a syndication group (a document and its lightly edited copies), with how many
-- documents and how many outlets carried it. A document without a copy is a story of one document.
with syndication as (
    select * from {{ ref('int_document_syndication') }}
),

pairs as (
    select * from {{ ref('stg_syndication_pairs') }}
),

group_pairs as (
    select s.syndication_group_id, min(p.jaccard) as min_jaccard, count(*) as pair_count
    from pairs p
    join syndication s on s.document_id = p.document_id_a
    group by 1
)

select
    s.syndication_group_id,
    count(*) as document_count,
    count(distinct s.publisher_source_id) as publisher_count,
    -- the first report's publisher (earliest report, then document id, as the group is named)
    arg_min(s.publisher, (s.reported_at, s.document_id)) as first_publisher,
    min(s.reported_at) as first_reported_at,
    max(s.reported_at) as last_reported_at,
    count(*) > 1 as is_syndicated,
    coalesce(max(g.pair_count), 0) as copy_pair_count,
    max(g.min_jaccard) as min_pair_jaccard
from syndication s
left join group_pairs g using (syndication_group_id)
group by s.syndication_group_id
