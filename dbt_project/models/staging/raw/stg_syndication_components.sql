with source as (
    select * from {{ source('raw', 'syndication_components') }}
),

renamed as (

select
    document_id::varchar as document_id,
    component_id::varchar as component_id
from source

)

select * from renamed
