-- Each document's syndication group: the connected group of its copies (raw.syndication_components,
-- from the syndication index), named by its first-reported document; a document without a copy is its
-- own group. Marts count a story once by counting distinct syndication_group_id.
with documents as (
    select * from {{ ref('stg_documents') }}
),

components as (
    select * from {{ ref('stg_syndication_components') }}
),

metadata as (
    select * from {{ ref('int_document_metadata') }}
),

-- a document is reported when it was published, else when newsclaims first saw it (naive UTC)
document_times as (
    select
        d.document_id,
        coalesce(m.published_at, timezone('UTC', d.first_seen_at)) as reported_at,
        m.publisher,
        m.publisher_source_id
    from documents d
    left join metadata m using (document_id)
),

grouped as (
    select
        t.document_id,
        t.reported_at,
        t.publisher,
        t.publisher_source_id,
        coalesce(c.component_id, t.document_id) as component_id
    from document_times t
    left join components c using (document_id)
)

select
    document_id,
    reported_at,
    publisher,
    publisher_source_id,
    arg_min(document_id, (reported_at, document_id)) over (partition by component_id) as syndication_group_id,
    count(*) over (partition by component_id) as syndication_group_size
from grouped
