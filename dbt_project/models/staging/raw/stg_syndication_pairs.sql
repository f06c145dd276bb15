with source as (
    select * from {{ source('raw', 'syndication_pairs') }}
),

renamed as (

select
    document_id_a::varchar as document_id_a,
    document_id_b::varchar as document_id_b,
    jaccard::double as jaccard,
    containment::double as containment,
    minhash_version::varchar as minhash_version
from source

)

select * from renamed
