select
    document_id::varchar as document_id,
    text::varchar as text,
    title::varchar as title,
    char_count::integer as char_count,
    encoding::varchar as encoding,
    first_seen_at::timestamp as first_seen_at
from {{ source('raw', 'documents') }}
