with source as (
    select * from {{ source('raw', 'rejected_documents') }}
),

renamed as (

select
    input_dir::varchar as input_dir,
    path::varchar as path,
    reason::varchar as reason,
    detail::varchar as detail,
    size_bytes::bigint as size_bytes,
    detected_at::timestamp as detected_at
from source

)

select * from renamed
