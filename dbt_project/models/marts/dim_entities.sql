with linked_mentions as (
    select * from {{ ref('int_mentions_linked') }}
)

select
    l.entity_id,
    any_value(l.entity_name) as name,
    any_value(l.entity_label) as label,
    count(*) as mention_count,
    count(distinct l.document_id) as document_count,
    list(distinct l.text order by l.text) as aliases
from linked_mentions l
where l.entity_id is not null
group by l.entity_id
