select
    mention_id::varchar as mention_id,
    entity_id::varchar as entity_id,
    entity_name::varchar as entity_name,
    entity_label::varchar as entity_label,
    resolver_version::varchar as resolver_version,
    name_group::varchar as name_group,
    key_kind::varchar as key_kind
from {{ source('raw', 'entity_links') }}
