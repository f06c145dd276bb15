with source as (
    select * from {{ source('raw', 'claims') }}
),

renamed as (

select
    claim_id::varchar as claim_id,
    document_id::varchar as document_id,
    sentence_index::integer as sentence_index,
    speaker_text::varchar as speaker_text,
    speaker_start_char::integer as speaker_start_char,
    speaker_end_char::integer as speaker_end_char,
    speaker_kind::varchar as speaker_kind,
    speaker_mention_id::varchar as speaker_mention_id,
    speaker_resolved_text::varchar as speaker_resolved_text,
    cue_text::varchar as cue_text,
    cue_lemma::varchar as cue_lemma,
    cue_start_char::integer as cue_start_char,
    cue_end_char::integer as cue_end_char,
    content_text::varchar as content_text,
    content_start_char::integer as content_start_char,
    content_end_char::integer as content_end_char,
    construction::varchar as construction,
    source_id::varchar as source_id,
    extractor_version::varchar as extractor_version,
    claim_stance::varchar as claim_stance,
    is_negated::boolean as is_negated,
    evidence_start_char::integer as evidence_start_char,
    evidence_end_char::integer as evidence_end_char,
    confidence::double as confidence,
    speaker_source_id::varchar as speaker_source_id
from source

)

select * from renamed
