{{ config(**incremental_by_document()) }}

with all_source_citations as (
    select * from {{ ref('stg_source_citations') }}
),

source_citations as (
    select * from all_source_citations {{ changed_documents_only('document_id') }}
)

select
    source_citation_id,
    document_id,
    source_id,
    start_char,
    end_char,
    text,
    citation_kind,
    claim_id,
    sentence_index,
    extractor_version
from source_citations
