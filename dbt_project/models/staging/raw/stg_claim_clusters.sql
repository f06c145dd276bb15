with source as (
    select * from {{ source('raw', 'claim_clusters') }}
),

renamed as (

select
    claim_id::varchar as claim_id,
    speaker_entity_id::varchar as speaker_entity_id,
    cluster_key::varchar as cluster_key
from source

)

select * from renamed
