with errors as (
    select * from {{ ref('stg_document_errors') }}
),

documents as (
    select * from {{ ref('dim_documents') }}
)

select
    e.document_id,
    d.path,
    e.extractor_version,
    e.stage,
    e.error_type,
    e.message,
    e.occurred_at
from errors e
join documents d using (document_id)
