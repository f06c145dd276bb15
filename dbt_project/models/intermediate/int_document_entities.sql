-- Which entities each document names, sentence by sentence: the rows fct_entity_cooccurrence
-- counts pairs from. Incremental by document; before a changed document's rows are replaced, the
-- entities they named are noted (raw.cooccurrence_changes), so the pairs those entities were in
-- are counted again even where the document no longer names them.
{{ config(**incremental_by_document(note_entities=true)) }}

with all_mentions as (
    select * from {{ ref('fct_mentions') }}
),

mentions as (
    select * from all_mentions {{ changed_documents_only('document_id') }}
),

named as (
    select distinct document_id, sentence_index, entity_id
    from mentions
    where entity_id is not null
)

select * from named
