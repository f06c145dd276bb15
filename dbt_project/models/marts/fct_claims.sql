{{ config(**incremental_by_document()) }}

with all_claims as (
    select * from {{ ref('stg_claims') }}
),

all_linked_mentions as (
    select * from {{ ref('int_mentions_linked') }}
),

claims as (
    select * from all_claims {{ changed_documents_only('document_id') }}
),

linked_mentions as (
    select * from all_linked_mentions {{ changed_documents_only('document_id') }}
)

select
    c.claim_id,
    c.document_id,
    c.sentence_index,
    c.speaker_text,
    c.speaker_start_char,
    c.speaker_end_char,
    l.entity_id as speaker_entity_id,
    c.cue_text,
    c.cue_lemma,
    c.cue_start_char,
    c.cue_end_char,
    c.content_text,
    c.content_start_char,
    c.content_end_char,
    c.source_id,
    c.speaker_kind,
    l.entity_name as speaker_name,
    c.construction,
    c.extractor_version,
    c.claim_stance,
    c.is_negated,
    c.evidence_start_char,
    c.evidence_end_char,
    c.confidence,
    c.speaker_source_id
from claims c
left join linked_mentions l on l.mention_id = c.speaker_mention_id
