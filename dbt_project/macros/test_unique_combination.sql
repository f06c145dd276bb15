{#- No two rows share these columns' values. On a table kept incrementally by document, `config:
    {where: changed documents}` (get_where_subquery) limits it to the rows the build wrote.
    touched_pairs_only: likewise on fct_entity_cooccurrence, whose build writes only the pairs of
    two touched entities (touched_entities), except on a --full-refresh; an argument rather than a
    `where` value, so that the test's ref() of int_document_entities is seen when dbt parses it. -#}
{% test unique_combination(model, columns, touched_pairs_only=false) %}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
{%- if touched_pairs_only and not flags.FULL_REFRESH %}
where entity_id_a in ({{ touched_entities() }}) and entity_id_b in ({{ touched_entities() }})
{%- endif %}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
