with citations as (
    select * from {{ ref('stg_source_citations') }}
),

claims as (
    select * from {{ ref('stg_claims') }}
),

known_sources as (
    select * from {{ ref('known_sources') }}
),

named as (
    select
        source_id,
        -- the short name it is best known by: the known-sources name, else the commonest form
        mode(source_name order by source_name) as name,
        mode(source_kind order by source_kind) as kind,
        list(distinct text order by text) as aliases,
        count(*) as citation_count,
        count(distinct document_id) as document_count
    from citations
    group by source_id
),

carried as (
    select source_id, count(*) as claim_count
    from claims
    where source_id is not null
    group by source_id
)

select
    n.source_id,
    n.name,
    coalesce(k.kind, n.kind) as kind,
    n.aliases,
    n.citation_count,
    n.document_count,
    coalesce(c.claim_count, 0) as claim_count,
    k.name is not null as is_known,
    k.description
from named n
left join known_sources k on k.name = n.name
left join carried c using (source_id)
