with document_occurrences as (
    select * from {{ ref('stg_document_occurrences') }}
)

select
    path,
    document_id,
    input_dir,
    size_bytes,
    modified_at,
    encoding,
    is_present,
    first_seen_at,
    last_seen_at,
    decode_errors
from document_occurrences
