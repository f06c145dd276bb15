{#- The evidence span holds the claim's cue, content and speaker. -#}
{% test evidence_covers_claim(model, column_name) %}
select claim_id
from {{ model }}
where {{ column_name }} is not null
  and (evidence_start_char > least(cue_start_char, content_start_char, coalesce(speaker_start_char, cue_start_char))
       or evidence_end_char < greatest(cue_end_char, content_end_char, coalesce(speaker_end_char, cue_end_char)))
{% endtest %}
