-- Each document's feed metadata, said once for dim_documents and the story marts: taken from its
-- earliest-published occurrence (present files first, then by path), with the number of distinct
-- publishers whose occurrences hold this exact text.
with document_occurrences as (
    select * from {{ ref('stg_document_occurrences') }}
),

published as (
    select
        document_id,
        title,
        url,
        publisher,
        published_at,
        author,
        publisher_source_id,
        metadata
    from document_occurrences
    qualify row_number() over (
        partition by document_id order by published_at asc nulls last, not is_present, path
    ) = 1
),

publishers as (
    select document_id, count(distinct publisher_source_id) as publisher_count
    from document_occurrences
    group by document_id
)

select
    p.*,
    n.publisher_count
from published p
join publishers n using (document_id)
