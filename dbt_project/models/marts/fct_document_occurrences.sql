with document_occurrences as (
    select * from {{ ref('stg_document_occurrences') }}
),

input_scans as (
    select * from {{ ref('stg_input_scans') }}
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
    -- a file still there was seen by its folder's latest scan (which does not rewrite every row it
    -- finds unchanged); a file gone was last seen by the scan before it went
    case when is_present then coalesce(scanned_at, last_seen_at) else last_seen_at end as last_seen_at,
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
left join input_scans using (input_dir)
