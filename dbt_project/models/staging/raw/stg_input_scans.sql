with source as (
    select * from {{ source('raw', 'input_scans') }}
),

renamed as (

select
    input_dir::varchar as input_dir,
    scanned_at::timestamp as scanned_at
from source

)

select * from renamed
