with source as (
    select * from {{ source('raw', 'document_annotations') }}
),

renamed as (

select
    document_id::varchar as document_id,
    extractor_version::varchar as extractor_version,
    processed_at::timestamp as processed_at,
    sentence_count::integer as sentence_count,
    mention_count::integer as mention_count,
    claim_count::integer as claim_count,
    citation_count::integer as citation_count,
    batch_id::varchar as batch_id,
    coalesce(status, 'processed')::varchar as status
from source

)

select * from renamed
