with linked_mentions as (
    select * from {{ ref('int_mentions_linked') }}
)

select
    m.mention_id,
    m.document_id,
    m.sentence_index,
    m.start_char,
    m.end_char,
    m.text,
    m.label,
    m.entity_id,
    m.extractor_version
from linked_mentions m
