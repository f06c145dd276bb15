{#- The model has at least `n` rows where `where` holds (a built warehouse with input is never empty). -#}
{% test at_least_rows(model, n=1) %}
select count(*) as n_rows from {{ model }} having count(*) < {{ n }}
{% endtest %}
