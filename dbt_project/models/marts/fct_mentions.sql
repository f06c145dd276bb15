{{ config(**incremental_by_document()) }}

with all_linked_mentions as (
    select * from {{ ref('int_mentions_linked') }}
),

linked_mentions as (
    select * from all_linked_mentions {{ changed_documents_only('document_id') }}
)

select
    m.mention_id,
    m.document_id,
    m.sentence_index,
    m.start_char,
    m.end_char,
    m.text,
    m.label,
    m.entity_id,
    m.extractor_version
from linked_mentions m
