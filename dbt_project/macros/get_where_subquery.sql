{#- dbt's `where` config on a test, as dbt-core's get_where_subquery applies it, plus one value:
    `where: changed documents` tests only the rows of the documents the build redid
    (raw.document_changes), except on a --full-refresh. For a key made from its document's id
    (mention_id, claim_id, document_id) on rows written only with their document listed as changed
    (pipeline/warehouse/changes.py: every step that writes raw rows lists their documents, and the
    marts keyed by document rewrite only those): a duplicate can only be among the rows written
    since the last successful build, and the other rows were tested when they were written. Likewise
    a relationship to a row of the same document (a claim's document, a citation's claim): both
    rows are rewritten together, only with their document listed. A relationship that crosses
    documents (to an entity, a source, a cluster) stays tested whole. `where: changed pairs` likewise
    on a table of document pairs (document_id_a, document_id_b): the pairs of the changed documents. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where == 'changed documents' -%}
        {%- set where = '' if flags.FULL_REFRESH else 'document_id in (' ~ changed_document_ids() ~ ')' -%}
    {%- elif where == 'changed pairs' -%}
        {%- set where = '' if flags.FULL_REFRESH else 'document_id_a in (' ~ changed_document_ids()
            ~ ') or document_id_b in (' ~ changed_document_ids() ~ ')' -%}
    {%- endif -%}
    {%- if where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}
