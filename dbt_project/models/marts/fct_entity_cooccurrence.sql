-- Who appears with whom: each pair of entities mentioned in one document, once per pair
-- (entity_id_a < entity_id_b), with the documents and sentences they share.
-- Incremental: a build counts again only the pairs of the entities changed documents named before
-- or name now (touched_entities), from every document naming them; the other pairs' counts stand.
{{ config(
    materialized="incremental",
    incremental_strategy="append",
    on_schema_change="fail",
    pre_hook="{% if is_incremental() %}delete from {{ this }} where entity_id_a in ({{ touched_entities() }})"
             ~ " or entity_id_b in ({{ touched_entities() }}){% endif %}",
) }}

with named as (
    select * from {{ ref('int_document_entities') }}
),

documents as (
    select * from {{ ref('dim_documents') }}
),

entities as (
    select * from {{ ref('dim_entities') }}
),

{% if is_incremental() %}
touched as (
    {{ touched_entities() }}
),

-- the documents naming a touched entity, each row marked whether its entity is touched
counted as (
    select *, entity_id in (select entity_id from touched) as is_touched
    from named
    where document_id in (select document_id from named where entity_id in (select entity_id from touched))
),
{% else %}
counted as (
    select *, true as is_touched from named
),
{% endif %}

doc_entities as (
    select distinct document_id, entity_id, is_touched from counted
),

-- each pair once per document: from its touched entity, or from the smaller one when both are
-- touched (in a whole build every entity is: the pairs a < b)
doc_pairs as (
    select least(a.entity_id, b.entity_id) as entity_id_a, greatest(a.entity_id, b.entity_id) as entity_id_b,
           count(*) as document_count, min(d.first_seen_at) as first_seen_at
    from doc_entities a
    join doc_entities b
      on b.document_id = a.document_id and a.is_touched
     and (a.entity_id < b.entity_id or (not b.is_touched and b.entity_id <> a.entity_id))
    left join documents d on d.document_id = a.document_id
    group by all
),

sentence_pairs as (
    select least(a.entity_id, b.entity_id) as entity_id_a, greatest(a.entity_id, b.entity_id) as entity_id_b,
           count(*) as sentence_count
    from counted a
    join counted b
      on b.document_id = a.document_id and b.sentence_index = a.sentence_index and a.is_touched
     and (a.entity_id < b.entity_id or (not b.is_touched and b.entity_id <> a.entity_id))
    group by all
)

select
    p.entity_id_a,
    ea.name as entity_name_a,
    p.entity_id_b,
    eb.name as entity_name_b,
    p.document_count,
    coalesce(s.sentence_count, 0) as sentence_count,
    p.first_seen_at
from doc_pairs p
left join sentence_pairs s using (entity_id_a, entity_id_b)
join entities ea on ea.entity_id = p.entity_id_a
join entities eb on eb.entity_id = p.entity_id_b
