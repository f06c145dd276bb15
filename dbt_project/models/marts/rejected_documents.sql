select
    path,
    reason,
    detail,
    detected_at,
    size_bytes,
    input_dir
from {{ ref('stg_rejected_documents') }}
