-- The warehouse contract's name for fct_rejected_documents (outside scorers and the README read it): the same rows.
{{ config(materialized='view') }}

select * from {{ ref('fct_rejected_documents') }}
