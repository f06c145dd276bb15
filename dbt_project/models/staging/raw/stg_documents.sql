with source as (
    select * from {{ source('raw', 'documents') }}
),

renamed as (

select
    document_id::varchar as document_id,
    text::varchar as text,
    title::varchar as title,
    char_count::integer as char_count,
    encoding::varchar as encoding,
    first_seen_at::timestamp as first_seen_at,
    language::varchar as language,
    language_confidence::double as language_confidence,
    language_uncertain::boolean as is_language_uncertain,
    coalesce(decode_errors, 0)::integer as decode_errors
from source

)

select * from renamed
