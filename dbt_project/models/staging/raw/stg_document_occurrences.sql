with source as (
    select * from {{ source('raw', 'document_occurrences') }}
),

renamed as (

select
    input_dir::varchar as input_dir,
    path::varchar as path,
    document_id::varchar as document_id,
    size_bytes::bigint as size_bytes,
    modified_at::timestamp as modified_at,
    encoding::varchar as encoding,
    first_seen_at::timestamp as first_seen_at,
    last_seen_at::timestamp as last_seen_at,
    present::boolean as is_present,
    coalesce(decode_errors, 0)::integer as decode_errors,
    coalesce(file_path, path)::varchar as file_path,
    coalesce(format, 'txt')::varchar as source_format,
    line::integer as line,
    title::varchar as title,
    url::varchar as url,
    publisher::varchar as publisher,
    published_at::timestamptz as published_at,
    published_at_text::varchar as published_at_text,
    author::varchar as author,
    declared_language::varchar as declared_language,
    record_id::varchar as record_id,
    metadata::json as metadata,
    metadata_error::varchar as metadata_error,
    publisher_source_id::varchar as publisher_source_id,
    publisher_name::varchar as publisher_name,
    publisher_kind::varchar as publisher_kind
from source

)

select * from renamed
