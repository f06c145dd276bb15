with source_citations as (
    select * from {{ ref('stg_source_citations') }}
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
