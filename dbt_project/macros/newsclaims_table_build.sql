{#- What the table and incremental materializations (materialization_table.sql,
    materialization_incremental.sql) both do: build a table in place of the old one, in the
    transaction the pre-hooks opened, and finish the build (post-hooks, grants, docs, commit). -#}

{#- Drop the relation in the table's place, if any, and create the table from `sql` with its
    contract's columns and constraints, as dbt-duckdb creates it (the statement named 'main'). -#}
{% macro newsclaims_replace_table(existing_relation, target_relation, sql) -%}
  {%- if existing_relation is not none %}
    {% call statement('drop_existing') -%}
      drop {{ existing_relation.type }} if exists {{ existing_relation }} cascade
    {%- endcall %}
    {% do adapter.cache_dropped(existing_relation) %}
  {%- endif %}
  {% call statement('main') -%}
    {{- create_table_as(False, target_relation, sql, 'sql') }}
  {%- endcall %}
{%- endmacro %}

{#- The post-hooks inside the transaction, the grants (revoked first when the table was rebuilt
    whole), the docs, `COMMIT`, then the post-hooks outside it. -#}
{% macro newsclaims_finish_build(target_relation, existing_relation, full_refresh_mode) -%}
  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {% set should_revoke = should_revoke(existing_relation, full_refresh_mode=full_refresh_mode) %}
  {% do apply_grants(target_relation, config.get('grants'), should_revoke=should_revoke) %}
  {% do persist_docs(target_relation, model) %}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
{%- endmacro %}
