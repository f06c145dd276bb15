-- Which entities each document names, sentence by sentence: the rows fct_entity_cooccurrence
-- counts pairs from. Incremental by document; before a changed document's rows are replaced, the
-- entities they named are noted (raw.cooccurrence_changes), so the pairs those entities were in
-- are counted again even where the document no longer names them.
{{ config(**incremental_by_document(note_entities=true)) }}

with mentions as (
    select * from {{ ref('fct_mentions') }}
),

named as (
    select distinct document_id, sentence_index, entity_id
    from mentions
    where entity_id is not null
    {%- if is_incremental() %} and document_id in (select document_id from {{ document_changes() }}){% endif %}
)

select * from named
