-- One row per named thing; raw.entity_links already carries the overrides (entity_overrides seed).
with linked_mentions as (
    select * from {{ ref('int_mentions_linked') }}
),

documents as (
    select * from {{ ref('dim_documents') }}
),

entities as (
    select
        l.entity_id,
        any_value(l.entity_name) as name,
        any_value(l.entity_label) as label,
        count(*) as mention_count,
        count(distinct l.document_id) as document_count,
        list(distinct l.text order by l.text) as aliases,
        min(d.first_seen_at) as first_seen_at,
        max(d.first_seen_at) as last_seen_at,
        any_value(l.name_group) as name_space
    from linked_mentions l
    left join documents d on d.document_id = l.document_id
    where l.entity_id is not null
    group by l.entity_id
)

select * from entities
