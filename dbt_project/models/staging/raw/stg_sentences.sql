with source as (
    select * from {{ source('raw', 'sentences') }}
),

renamed as (

select
    document_id::varchar as document_id,
    sentence_index::integer as sentence_index,
    start_char::integer as start_char,
    end_char::integer as end_char,
    is_navigation::boolean as is_navigation,
    extractor_version::varchar as extractor_version
from source

)

select * from renamed
