{#- The marts keyed by document (dim_documents, fct_mentions, fct_claims, fct_claim_entities,
    fct_source_citations) are incremental:
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

{% macro incremental_by_document(note_entities=false) -%}
    {%- set delete_changed = "{% if is_incremental() %}delete from {{ this }} where document_id in "
                             ~ "(select document_id from {{ document_changes() }}){% endif %}" -%}
    {#- note_entities: first note the entities the changed documents' rows name (a model with an
        entity_id column), in raw.cooccurrence_changes (see fct_entity_cooccurrence) -#}
    {%- set note = "{% if is_incremental() %}insert into {{ cooccurrence_changes() }} select distinct entity_id, "
                   ~ "now()::timestamp from {{ this }} where entity_id is not null and document_id in "
                   ~ "(select document_id from {{ document_changes() }}){% endif %}" -%}
    {{ return({
        "materialized": "incremental",
        "incremental_strategy": "append",
        "on_schema_change": "fail",
        "pre_hook": [note, delete_changed] if note_entities else delete_changed,
    }) }}
{%- endmacro %}

{#- The entities whose co-occurrence counts a build redoes: the ones changed documents named before
    (noted by int_document_entities' pre-hook) and name now. raw.cooccurrence_changes is emptied,
    with raw.document_changes, after a build of the whole project. -#}
{% macro cooccurrence_changes() -%}
    raw.cooccurrence_changes
{%- endmacro %}

{% macro touched_entities() -%}
    select entity_id from {{ cooccurrence_changes() }}
    union
    select entity_id from {{ ref('int_document_entities') }}
    where document_id in (select document_id from {{ document_changes() }})
{%- endmacro %}

{#- fct_entity_cooccurrence's post-hook: the touched entities' names (dim_entities) in the pairs the
    build did not count again, on side `a` or `b` of the pair. -#}
{% macro rename_touched_entities(side) -%}
    {%- if is_incremental() -%}
    update {{ this }} p set entity_name_{{ side }} = e.name from {{ ref('dim_entities') }} e
    where e.entity_id = p.entity_id_{{ side }} and p.entity_id_{{ side }} in ({{ touched_entities() }})
      and p.entity_name_{{ side }} is distinct from e.name
    {%- endif -%}
{%- endmacro %}

{#- The speakers whose claim clusters fct_claim_cluster_members redoes: the ones the clusterer
    clustered again or dropped (pipeline/warehouse/claim_clusters.py) and the ones the members'
    changed documents had (noted by its pre-hook), in raw.cluster_changes, emptied with
    raw.document_changes; and the speakers of the changed documents' claims now. -#}
{% macro cluster_changes() -%}
    raw.cluster_changes
{%- endmacro %}

{% macro touched_speaker_ids(most=1000) -%}
    {{ return(id_list(
        "select speaker_entity_id from " ~ cluster_changes()
        ~ " union select speaker_entity_id from " ~ ref('fct_claims')
        ~ " where speaker_entity_id is not null and document_id in (" ~ changed_document_ids() ~ ")",
        most)) }}
{%- endmacro %}

{% macro changed_documents_only(column) -%}
    {%- if is_incremental() -%}
    where {{ column }} in ({{ changed_document_ids() }})
    {%- endif -%}
{%- endmacro %}

{#- The changed documents' ids as a list of literals when there are few (a small update), else the
    subquery. DuckDB pushes a literal IN list down into the scan of the table under a view, but not
    a subquery, which becomes a semi-join above the view's joins: on 21,270 documents
    int_mentions_linked joined all 944,657 mentions to their links (0.19 s) to keep three
    documents' 127. -#}
{% macro changed_document_ids(most=1000) -%}
    {{ return(id_list("select document_id from " ~ document_changes(), most)) }}
{%- endmacro %}

{#- The touched entities (touched_entities) likewise: a list of literals when there are few. Call it
    only once int_document_entities is built (in a model that imports it). -#}
{% macro touched_entity_ids(most=1000) -%}
    {{ return(id_list(touched_entities(), most)) }}
{%- endmacro %}

{#- What the one-column `subquery` returns (but null), as a list of quoted literals when that is at
    most `most` values, else the subquery itself (for `x in (...)`). -#}
{% macro id_list(subquery, most=1000) -%}
    {%- if execute -%}
        {%- set ids = run_query("select id from (" ~ subquery ~ ") s(id) where id is not null order by 1 limit "
                                ~ (most + 1)).columns[0].values() -%}
        {%- if ids | length <= most -%}
            {%- set quoted = [] -%}
            {%- for id in ids %}{% do quoted.append("'" ~ (id | replace("'", "''")) ~ "'") %}{% endfor -%}
            {{ return(quoted | join(", ") if quoted else "select null::varchar where false") }}
        {%- endif -%}
    {%- endif -%}
    {{ return(subquery) }}
{%- endmacro %}
