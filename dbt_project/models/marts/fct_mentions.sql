select
    m.mention_id,
    m.document_id,
    m.sentence_index,
    m.start_char,
    m.end_char,
    m.text,
    m.label,
    l.entity_id,
    m.extractor_version
from {{ ref('stg_mentions') }} m
left join {{ ref('stg_entity_links') }} l using (mention_id)
