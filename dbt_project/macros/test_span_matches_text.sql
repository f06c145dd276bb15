{#- Every stored span equals the document text at its offsets, and a span with text has both
    offsets. DuckDB's substring counts Unicode code points, as Python's str does, but on text that is
    not pure ASCII it walks from the start of the string: one substring per span of a
    1,000,000-character document would take minutes. So each document is cut once into pieces of
    `piece` characters, and each span is compared inside the one or few pieces it covers: a span
    inside one piece (nearly all) against that piece as the join streams it, the few that cross a
    boundary against their pieces put together (gathering every span's window in one aggregate held
    4 kB per span: 0.9 GB for 220,000 mentions).

    On a mart keyed by document (incremental_by_document), `config: {where: changed documents}`
    (get_where_subquery) checks only the rows of the documents the build redid, except on a
    --full-refresh: the other rows were checked when they were built and have not been written
    since, and a document's text never changes (document_id is its hash). -#}
{% test span_matches_text(model, column_name, start_column, end_column, piece=4096) %}
with spans as (
    select row_number() over () as span_id, document_id,
           {{ start_column }} as s, {{ end_column }} as e, {{ column_name }} as span_text
    from {{ model }}
    where {{ column_name }} is not null
),

documents as (
    select document_id, char_count, text
    from {{ ref('dim_documents') }}
    where document_id in (select document_id from spans)
),

checked as (
    select sp.*, d.char_count,
           sp.s is null or sp.e is null or sp.s < 0 or sp.e < sp.s or d.char_count is null
               or sp.e > d.char_count as out_of_range
    from spans sp
    left join documents d using (document_id)
),

pieces as (
    select document_id, piece_index, substring(text, piece_index * {{ piece }} + 1, {{ piece }}) as piece_text
    from (select document_id, text,
                 unnest(range(0, greatest(1, (char_count + {{ piece }} - 1) // {{ piece }}))) as piece_index
          from documents)
),

inside_one_piece as (
    select c.s, c.e, c.span_text, p.piece_index, p.piece_text
    from checked c
    join pieces p on p.document_id = c.document_id and p.piece_index = c.s // {{ piece }}
    where not c.out_of_range and greatest(c.s, c.e - 1) // {{ piece }} = c.s // {{ piece }}
),

windows as (
    select c.span_id, any_value(c.s) as s, any_value(c.e) as e, any_value(c.span_text) as span_text,
           min(p.piece_index) as first_piece,
           string_agg(p.piece_text, '' order by p.piece_index) as window_text
    from checked c
    join pieces p
      on p.document_id = c.document_id
     and p.piece_index between c.s // {{ piece }} and greatest(c.s, c.e - 1) // {{ piece }}
    where not c.out_of_range and greatest(c.s, c.e - 1) // {{ piece }} > c.s // {{ piece }}
    group by c.span_id
)

select document_id, s, e, span_text, 'offsets missing or out of range' as problem
from checked
where out_of_range
union all
select null as document_id, s, e, span_text, 'text differs at its offsets' as problem
from inside_one_piece
where substring(piece_text, s - piece_index * {{ piece }} + 1, e - s) != span_text
union all
select null as document_id, s, e, span_text, 'text differs at its offsets' as problem
from windows
where substring(window_text, s - first_piece * {{ piece }} + 1, e - s) != span_text
{% endtest %}
