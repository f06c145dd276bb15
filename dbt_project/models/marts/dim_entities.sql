select
    l.entity_id,
    any_value(l.entity_name) as name,
    any_value(l.entity_label) as label,
    count(*) as mention_count,
    count(distinct m.document_id) as document_count,
    list(distinct m.text order by m.text) as aliases
from {{ ref('stg_entity_links') }} l
join {{ ref('stg_mentions') }} m using (mention_id)
group by l.entity_id
