{#- Marts go to the default schema (`select * from fct_claims` needs no prefix); staging views
    and reference seeds to their own schema, named as written (not "main_staging"). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
