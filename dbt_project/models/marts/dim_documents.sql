{{ config(**incremental_by_document()) }}

with all_documents as (
    select * from {{ ref('stg_documents') }}
),

document_occurrences as (
    select * from {{ ref('stg_document_occurrences') }}
),

metadata as (
    select * from {{ ref('int_document_metadata') }}
),

annotations as (
    select * from {{ ref('stg_document_annotations') }}
),

syndication as (
    select * from {{ ref('int_document_syndication') }}
),

documents as (
    select * from all_documents {{ changed_documents_only('document_id') }}
),

occurrences as (
    select
        document_id,
        -- the first of its paths in sorted order, preferring files still present
        arg_min(path, (not is_present, path)) as path,
        count(*) filter (where is_present) as present_file_count,
        count(*) as file_count
    from document_occurrences
    group by document_id
)

select
    d.document_id,
    o.path,
    coalesce(p.title, d.title) as title,
    d.text,
    d.char_count,
    a.processed_at,
    a.extractor_version,
    d.encoding,
    d.first_seen_at,
    coalesce(a.sentence_count, 0) as sentence_count,
    coalesce(a.mention_count, 0) as mention_count,
    coalesce(a.claim_count, 0) as claim_count,
    coalesce(a.citation_count, 0) as citation_count,
    coalesce(o.file_count, 0) as file_count,
    coalesce(o.present_file_count, 0) > 0 as is_present,
    d.language,
    d.language_confidence,
    d.is_language_uncertain,
    d.decode_errors,
    case when a.document_id is null then 'pending' else a.status end as annotation_status,
    coalesce(s.syndication_group_id, d.document_id) as syndication_group_id,
    p.url,
    p.publisher,
    p.published_at,
    p.author,
    p.publisher_source_id,
    p.metadata,
    coalesce(p.publisher_count, 0) as publisher_count
from documents d
left join occurrences o using (document_id)
left join annotations a using (document_id)
left join syndication s using (document_id)
left join metadata p using (document_id)
