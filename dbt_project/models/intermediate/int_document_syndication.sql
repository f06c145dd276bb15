-- Each document's syndication group: the connected group of its copies (raw.syndication_components,
-- from the syndication index), named by its earliest document; a document without a copy is its
-- own group. Marts count a story once by counting distinct syndication_group_id.
with documents as (
    select * from {{ ref('stg_documents') }}
),

components as (
    select * from {{ ref('stg_syndication_components') }}
),

-- MERGE (feeds branch): when dim_documents gains published_at / publisher, join them here
-- (reported_at = coalesce(published_at, first_seen_at)) so the group is named by the first
-- document *published*, and the marts can count distinct publishers.
document_times as (
    select document_id, first_seen_at as reported_at
    from documents
),

grouped as (
    select
        t.document_id,
        t.reported_at,
        coalesce(c.component_id, t.document_id) as component_id
    from document_times t
    left join components c using (document_id)
)

select
    document_id,
    reported_at,
    arg_min(document_id, (reported_at, document_id)) over (partition by component_id) as syndication_group_id,
    count(*) over (partition by component_id) as syndication_group_size
from grouped
