-- One row per named thing; raw.entity_links already carries the overrides (entity_overrides seed).
with entity_links as (
    select * from {{ ref('stg_entity_links') }}
),

mentions as (
    select * from {{ ref('stg_mentions') }}
),

documents as (
    select * from {{ ref('dim_documents') }}
)

select
    l.entity_id,
    any_value(l.entity_name) as name,
    any_value(l.entity_label) as label,
    count(*) as mention_count,
    count(distinct m.document_id) as document_count,
    list(distinct m.text order by m.text) as aliases,
    min(d.first_seen_at) as first_seen_at,
    max(d.first_seen_at) as last_seen_at,
    any_value(l.name_group) as name_space
from entity_links l
join mentions m using (mention_id)
left join documents d on d.document_id = m.document_id
group by l.entity_id
