with citations as (
    select * from {{ ref('stg_source_citations') }}
),

claims as (
    select * from {{ ref('stg_claims') }}
),

occurrences as (
    select * from {{ ref('stg_document_occurrences') }}
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

published as (
    select
        publisher_source_id as source_id,
        mode(publisher_name order by publisher_name) as name,
        mode(publisher_kind order by publisher_kind) as kind,
        list(distinct publisher order by publisher) as aliases,
        count(distinct document_id) as publisher_document_count
    from occurrences
    where publisher_source_id is not null
    group by publisher_source_id
),

cited_or_published as (
    -- a publisher (feed or page metadata) is normalised like a cited source: one row for both
    select
        coalesce(n.source_id, p.source_id) as source_id,
        coalesce(n.name, p.name) as name,
        coalesce(n.kind, p.kind) as kind,
        list_sort(list_distinct(list_concat(coalesce(n.aliases, []), coalesce(p.aliases, [])))) as aliases,
        coalesce(n.citation_count, 0) as citation_count,
        coalesce(n.document_count, 0) as document_count,
        coalesce(p.publisher_document_count, 0) as publisher_document_count
    from named n
    full outer join published p using (source_id)
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
    k.description,
    n.publisher_document_count
from cited_or_published n
left join known_sources k on k.name = n.name
left join carried c using (source_id)
