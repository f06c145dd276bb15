with source as (
    select * from {{ source('raw', 'mentions') }}
),

renamed as (

select
    mention_id::varchar as mention_id,
    document_id::varchar as document_id,
    sentence_index::integer as sentence_index,
    start_char::integer as start_char,
    end_char::integer as end_char,
    text::varchar as text,
    label::varchar as label,
    extractor_version::varchar as extractor_version
from source

)

select * from renamed
