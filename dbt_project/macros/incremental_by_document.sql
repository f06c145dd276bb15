{#- The marts keyed by document (dim_documents, fct_mentions, fct_claims, fct_claim_entities) are
    incremental:
    a build deletes the rows of the documents listed in raw.document_changes (loaded, re-linked to
    entities or removed since the last build; pipeline/warehouse/changes.py) and inserts those
    documents' rows anew, so one new article does not rebuild the corpus's facts. The first build,
    and any build newsclaims runs with --full-refresh (the dbt project changed since the marts
    were built), builds them whole.

    raw.document_changes is the build's own bookkeeping (as dbt's incremental state is), not news
    data: it is named here, not declared as a source, so it is neither a node of the lineage nor
    an asset in Dagster.

    In a model:  {{ config(**incremental_by_document()) }}
                 with x as (select * from {{ ref('x') }}),
                 changed_x as (select * from x {{ changed_documents_only('document_id') }}) -#}

{% macro document_changes() -%}
    raw.document_changes
{%- endmacro %}

{% macro incremental_by_document() -%}
    {{ return({
        "materialized": "incremental",
        "incremental_strategy": "append",
        "on_schema_change": "fail",
        "pre_hook": "{% if is_incremental() %}delete from {{ this }} where document_id in "
                    ~ "(select document_id from {{ document_changes() }}){% endif %}",
    }) }}
{%- endmacro %}

{% macro changed_documents_only(column) -%}
    {%- if is_incremental() -%}
    where {{ column }} in (select document_id from {{ document_changes() }})
    {%- endif -%}
{%- endmacro %}
