with source as (
    select * from {{ source('raw', 'source_citations') }}
),

renamed as (

select
    source_citation_id::varchar as source_citation_id,
    document_id::varchar as document_id,
    sentence_index::integer as sentence_index,
    start_char::integer as start_char,
    end_char::integer as end_char,
    text::varchar as text,
    source_key::varchar as source_key,
    source_id::varchar as source_id,
    source_name::varchar as source_name,
    source_kind::varchar as source_kind,
    citation_kind::varchar as citation_kind,
    claim_id::varchar as claim_id,
    extractor_version::varchar as extractor_version
from source

)

select * from renamed
