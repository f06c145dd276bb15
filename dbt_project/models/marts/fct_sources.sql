-- The warehouse contract's first name for fct_source_citations (outside scorers and the README read it): the same rows.
{{ config(materialized='view') }}

select * from {{ ref('fct_source_citations') }}
