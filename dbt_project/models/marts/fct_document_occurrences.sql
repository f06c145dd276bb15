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
    decode_errors,
    file_path,
    source_format,
    line,
    title,
    url,
    publisher,
    published_at,
    published_at_text,
    author,
    declared_language,
    record_id,
    metadata,
    metadata_error,
    publisher_source_id
from document_occurrences
