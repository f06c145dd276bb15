-- Who appears with whom: each pair of entities mentioned in one document, once per pair
-- (entity_id_a < entity_id_b), with the documents and sentences they share.
with mentions as (
    select * from {{ ref('fct_mentions') }}
),

documents as (
    select * from {{ ref('dim_documents') }}
),

entities as (
    select * from {{ ref('dim_entities') }}
),

doc_entities as (
    select distinct document_id, entity_id from mentions where entity_id is not null
),

sentence_entities as (
    select distinct document_id, sentence_index, entity_id from mentions where entity_id is not null
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
    from sentence_entities a
    join sentence_entities b
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
