with source as (
    select * from {{ source('raw', 'document_errors') }}
),

renamed as (
    select
        document_id::varchar as document_id,
        extractor_version::varchar as extractor_version,
        stage::varchar as stage,
        error_type::varchar as error_type,
        message::varchar as message,
        occurred_at::timestamp as occurred_at
    from source
)

select * from renamed
