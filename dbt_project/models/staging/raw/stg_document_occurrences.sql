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
    coalesce(decode_errors, 0)::integer as decode_errors
from source

)

select * from renamed
