-- Every mention with the canonical entity it was linked to: the one place mentions meet entity links
-- (fct_mentions lists them, dim_entities counts them, fct_claims names its speakers from them).
with mentions as (
    select * from {{ ref('stg_mentions') }}
),

entity_links as (
    select * from {{ ref('stg_entity_links') }}
),

linked as (
    select
        mentions.mention_id,
        mentions.document_id,
        mentions.sentence_index,
        mentions.start_char,
        mentions.end_char,
        mentions.text,
        mentions.label,
        mentions.extractor_version,
        entity_links.entity_id,
        entity_links.entity_name,
        entity_links.entity_label,
        entity_links.resolver_version,
        entity_links.name_group
    from mentions
    left join entity_links using (mention_id)
)

select * from linked
