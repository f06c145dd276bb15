-- About whom: each entity a claim involves, by role. "What has been said about the EU, and by
-- whom" is one join: fct_claim_entities (role 'mentioned in content') → fct_claims.
{{ config(**incremental_by_document()) }}

with all_claims as (
    select * from {{ ref('fct_claims') }}
),

all_mentions as (
    select * from {{ ref('fct_mentions') }}
),

entities as (
    select * from {{ ref('dim_entities') }}
),

-- cue verbs whose object, between the cue and the content, is the person addressed
-- ("Lukashenko told the European Parliament that ...", "warned Ukraine that ..."): the
-- addressee_cues seed, which the Python extractor reads as well
addressee_cues as (
    select * from {{ ref('addressee_cues') }}
),

claims as (
    select * from all_claims {{ changed_documents_only('document_id') }}
),

mentions as (
    select * from all_mentions where entity_id is not null
    {%- if is_incremental() %} and document_id in (select document_id from {{ document_changes() }}){% endif %}
),

speaker as (
    select claim_id, document_id, speaker_entity_id as entity_id, 'speaker' as role, 1 as mention_count
    from claims where speaker_entity_id is not null
),
content as (
    select c.claim_id, c.document_id, m.entity_id, 'mentioned in content' as role, count(*) as mention_count
    from claims c
    join mentions m
      on m.document_id = c.document_id and m.start_char >= c.content_start_char and m.end_char <= c.content_end_char
    group by all
),
addressee as (
    select c.claim_id, c.document_id, m.entity_id, 'addressee' as role, count(*) as mention_count
    from claims c
    join addressee_cues a on a.cue_lemma = lower(c.cue_lemma)
    join mentions m
      on m.document_id = c.document_id and m.start_char >= c.cue_end_char and m.end_char <= c.content_start_char
     and m.sentence_index = c.sentence_index
    where c.content_start_char > c.cue_end_char and m.entity_id is distinct from c.speaker_entity_id
    group by all
)
select r.claim_id, r.entity_id, r.role, r.document_id, e.name as entity_name, r.mention_count
from (
    select * from speaker
    union all select * from content
    union all select * from addressee
) r
join entities e using (entity_id)
