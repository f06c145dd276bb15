with source as (
    select * from {{ source('raw', 'entity_links') }}
),

renamed as (

select
    mention_id::varchar as mention_id,
    entity_id::varchar as entity_id,
    entity_name::varchar as entity_name,
    entity_label::varchar as entity_label,
    resolver_version::varchar as resolver_version,
    document_id::varchar as document_id,
    name_group::varchar as name_group,
    name_key::varchar as name_key,
    name_form::varchar as name_form,
    key_kind::varchar as key_kind,
    short_key::varchar as short_key,
    entity_key::varchar as entity_key,
    gender::varchar as gender
from source

)

select * from renamed
