-- The warehouse contract's name for fct_document_occurrences (outside scorers and the README read it): the same rows.
{{ config(materialized='view') }}

select * from {{ ref('fct_document_occurrences') }}
