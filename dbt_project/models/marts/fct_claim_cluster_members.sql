-- Corroboration, one row per claim: each claim in a cluster of claims by the same resolved speaker
-- that say the same thing (same wording or same meaning) in at least two documents.
-- Incremental by speaker (a cluster never spans two): a build redoes every cluster of the speakers
-- the clusterer clustered again (raw.cluster_changes) or that speak in a changed document now or
-- did before (noted in raw.cluster_changes by the first pre-hook, before those rows go); the other
-- speakers' rows stand.
{{ config(
    materialized="incremental",
    incremental_strategy="append",
    on_schema_change="fail",
    pre_hook=[
        "{% if is_incremental() %}insert into {{ cluster_changes() }} select distinct speaker_entity_id, "
        ~ "now()::timestamp from {{ this }} where document_id in ({{ changed_document_ids() }}){% endif %}",
        "{% if is_incremental() %}delete from {{ this }} where speaker_entity_id in ({{ touched_speaker_ids() }})"
        ~ "{% endif %}",
    ],
) }}

with all_clusters as (
    select * from {{ ref('stg_claim_clusters') }}
),

clusters as (
    select * from all_clusters
    {% if is_incremental() %}where speaker_entity_id in ({{ touched_speaker_ids() }}){% endif %}
),

claims as (
    select * from {{ ref('fct_claims') }}
),

syndication as (
    select * from {{ ref('int_document_syndication') }}
),

reports as (
    select
        k.claim_id,
        k.cluster_key,
        c.document_id,
        c.speaker_entity_id,
        s.syndication_group_id,
        s.reported_at,
        s.publisher,
        s.publisher_source_id
    from clusters k
    join claims c using (claim_id)
    join syndication s on s.document_id = c.document_id
),

ordered as (
    select
        *,
        count(distinct document_id) over (partition by cluster_key) as cluster_document_count,
        -- the cluster's first claim (earliest report, then claim id) names it
        arg_min(claim_id, (reported_at, claim_id)) over (partition by cluster_key) as claim_cluster_id,
        row_number() over (partition by cluster_key, syndication_group_id order by reported_at, claim_id) as nth_in_story
    from reports
)

select
    claim_id,
    claim_cluster_id,
    document_id,
    speaker_entity_id,
    syndication_group_id,
    reported_at,
    publisher,
    publisher_source_id,
    claim_id = claim_cluster_id as is_first_report,
    nth_in_story > 1 as is_syndicated_copy
from ordered
where cluster_document_count >= 2
