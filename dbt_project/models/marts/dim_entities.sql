-- One row per named thing; raw.entity_links already carries the overrides (entity_overrides seed).
-- Incremental: a build counts again only the entities changed documents named before or name now
-- (touched_entities, as fct_entity_cooccurrence), from all their mentions; the others' rows stand.
{{ config(
    materialized="incremental",
    incremental_strategy="append",
    on_schema_change="fail",
    pre_hook="{% if is_incremental() %}delete from {{ this }} where entity_id in ({{ touched_entity_ids() }}){% endif %}",
) }}

with linked_mentions as (
    select * from {{ ref('int_mentions_linked') }}
),

documents as (
    select * from {{ ref('dim_documents') }}
),

-- what touched_entity_ids reads the changed documents' entities from (so dbt builds it first)
document_entities as (
    select * from {{ ref('int_document_entities') }}
),

counted as (
    select * from linked_mentions
    where entity_id is not null
    {% if is_incremental() %}and entity_id in ({{ touched_entity_ids() }}){% endif %}
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
    from counted l
    left join documents d on d.document_id = l.document_id
    group by l.entity_id
)

select * from entities
