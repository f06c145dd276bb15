-- Who appears with whom: each pair of entities mentioned in one document, once per pair
-- (entity_id_a < entity_id_b), with the documents and sentences they share.
-- Incremental: a pair's counts change only when a document naming both changed, and both are then
-- among the entities changed documents named before or name now (touched_entities). A build counts
-- again the pairs of two touched entities, from every document naming them; the other pairs'
-- counts stand, and the post-hook renames the touched entities in them (a new article can rename
-- an entity). Recounting every pair of a touched entity (every entity "UK" ever appeared with) grew
-- with the corpus: 0.15 s of a one-article update on a 10x corpus.
{{ config(
    materialized="incremental",
    incremental_strategy="append",
    on_schema_change="fail",
    pre_hook="{% if is_incremental() %}delete from {{ this }} where entity_id_a in ({{ touched_entities() }})"
             ~ " and entity_id_b in ({{ touched_entities() }}){% endif %}",
    post_hook=["{{ rename_touched_entities('a') }}", "{{ rename_touched_entities('b') }}"],
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

-- the touched entities' rows, in every document naming them
counted as (
    select * from named where entity_id in (select entity_id from touched)
),
{% else %}
counted as (
    select * from named
),
{% endif %}

doc_entities as (
    select distinct document_id, entity_id from counted
),

doc_pairs as (
    select a.entity_id as entity_id_a, b.entity_id as entity_id_b,
           count(*) as document_count, min(d.first_seen_at) as first_seen_at
    from doc_entities a
    join doc_entities b on b.document_id = a.document_id and a.entity_id < b.entity_id
    left join documents d on d.document_id = a.document_id
    group by all
),

sentence_pairs as (
    select a.entity_id as entity_id_a, b.entity_id as entity_id_b, count(*) as sentence_count
    from counted a
    join counted b
      on b.document_id = a.document_id and b.sentence_index = a.sentence_index and a.entity_id < b.entity_id
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
