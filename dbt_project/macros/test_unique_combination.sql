{#- No two rows share these columns' values. changed_documents_only: on a table keyed by document
    whose rows of one document all come from that document (incremental_by_document, the key
    holding document_id or an id made from it), check only the documents the build redid
    (raw.document_changes), except on a --full-refresh: the other documents' rows were checked when
    they were built and have not been written since, so a duplicate can only be among the rows
    written now. touched_pairs_only: likewise on fct_entity_cooccurrence, whose build writes only the
    pairs of the touched entities (touched_entities). -#}
{% test unique_combination(model, columns, changed_documents_only=false, touched_pairs_only=false) %}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
{%- if changed_documents_only and not flags.FULL_REFRESH %}
where document_id in (select document_id from {{ document_changes() }})
{%- elif touched_pairs_only and not flags.FULL_REFRESH %}
where entity_id_a in ({{ touched_entities() }}) or entity_id_b in ({{ touched_entities() }})
{%- endif %}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
