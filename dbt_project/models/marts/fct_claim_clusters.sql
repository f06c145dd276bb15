-- Corroboration, one row per claim cluster: the same statement of the same resolved speaker
-- reported in two or more documents. "Who first reported that X said Y, and who repeated it":
-- the first report here, every report in fct_claim_cluster_members.
with members as (
    select * from {{ ref('fct_claim_cluster_members') }}
),

claims as (
    select * from {{ ref('fct_claims') }}
),

clusters as (
    select
        claim_cluster_id,
        any_value(speaker_entity_id) as speaker_entity_id,
        count(*) as claim_count,
        count(distinct document_id) as document_count,
        count(distinct syndication_group_id) as syndication_group_count,
        count(distinct publisher_source_id) as publisher_count,
        -- the first report's publisher (earliest report, then claim id, as the cluster is named)
        arg_min(publisher, (reported_at, claim_id)) as first_publisher,
        arg_min(publisher_source_id, (reported_at, claim_id)) as first_publisher_source_id,
        min(reported_at) as first_reported_at,
        max(reported_at) as last_reported_at
    from members
    group by claim_cluster_id
)

select
    k.claim_cluster_id,
    k.speaker_entity_id,
    c.speaker_name,
    c.content_text,
    k.claim_count,
    k.document_count,
    k.syndication_group_count,
    k.publisher_count,
    c.document_id as first_document_id,
    k.first_publisher,
    k.first_publisher_source_id,
    k.first_reported_at,
    k.last_reported_at,
    k.syndication_group_count = 1 as is_syndication_only,
    k.syndication_group_count > 1 as has_independent_reports
from clusters k
join claims c on c.claim_id = k.claim_cluster_id
