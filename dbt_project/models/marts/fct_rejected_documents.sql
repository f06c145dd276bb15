with rejected_documents as (
    select * from {{ ref('stg_rejected_documents') }}
)

select
    path,
    reason,
    detail,
    detected_at,
    size_bytes,
    input_dir
from rejected_documents
