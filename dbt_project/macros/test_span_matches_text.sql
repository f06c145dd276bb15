{#- Every stored span equals the document text at its offsets: substring(text, start + 1, end - start).
    DuckDB's substring counts Unicode code points, as Python's str does. -#}
{% test span_matches_text(model, column_name, start_column, end_column, document_model='ref("dim_documents")') %}
select m.*
from {{ model }} m
join {{ ref('dim_documents') }} d using (document_id)
where m.{{ column_name }} is not null
  and (m.{{ start_column }} < 0
       or m.{{ end_column }} > d.char_count
       or substring(d.text, m.{{ start_column }} + 1, m.{{ end_column }} - m.{{ start_column }}) != m.{{ column_name }})
{% endtest %}
