"""Asset checks in Python (the dbt tests arrive as checks on the dbt assets by themselves)."""

from dagster import AssetCheckResult, AssetCheckSeverity, AssetKey, asset_check

from pipeline.resources import SpacyResource, WarehouseResource
from pipeline.warehouse.batches import pending_batches
from pipeline.warehouse.schema import ANNOTATION_TABLES


@asset_check(
    asset=AssetKey(["raw", "document_annotations"]),
    description="Every document has been processed by the current extractor version.",
)
def every_document_processed(warehouse: WarehouseResource, spacy_model: SpacyResource) -> AssetCheckResult:
    version = spacy_model.extractor_version()
    with warehouse.get_connection() as con:
        missing = con.execute(
            """
            select count(*) from raw.documents d where not exists (
                select 1 from raw.document_annotations a
                where a.document_id = d.document_id and a.extractor_version = ?)""",
            [version],
        ).fetchone()[0]
    return AssetCheckResult(
        passed=missing == 0, metadata={"unprocessed_documents": missing, "extractor_version": version}
    )


@asset_check(
    asset=AssetKey(["raw", "claims"]), description="No staged annotation batch is left unloaded after the load step."
)
def no_batch_left_behind(warehouse: WarehouseResource) -> AssetCheckResult:
    left = pending_batches(warehouse.staging)
    return AssetCheckResult(passed=not left, metadata={"pending_batches": len(left)})


@asset_check(
    asset=AssetKey(["raw", "rejected_documents"]),
    description="Warns when more than a quarter of the input files were rejected.",
)
def rejection_rate(warehouse: WarehouseResource) -> AssetCheckResult:
    with warehouse.get_connection() as con:
        root_rows = con.execute("""
            select (select count(*) from raw.rejected_documents),
                   (select count(*) from raw.document_occurrences where present)""").fetchone()
    rejected, loaded = root_rows
    total = rejected + loaded
    share = rejected / total if total else 0.0
    return AssetCheckResult(
        passed=share <= 0.25,
        severity=AssetCheckSeverity.WARN,
        metadata={"rejected_files": rejected, "loaded_files": loaded, "rejected_share": round(share, 4)},
    )


@asset_check(
    asset=AssetKey(["raw", "document_annotations"]),
    description="Nothing twice, nothing orphaned: one annotation per document, no duplicate claim "
    "ids, no derived row whose document is gone (a half-done load or takedown).",
)
def no_duplicate_or_orphaned_rows(warehouse: WarehouseResource) -> AssetCheckResult:
    with warehouse.get_connection() as con:
        orphaned = {
            t: con.execute(
                f"select count(*) from raw.{t} where document_id not in (select document_id from raw.documents)"
            ).fetchone()[0]
            for t in ANNOTATION_TABLES
        }
        duplicated = con.execute("""
            select (select count(*) - count(distinct document_id) from raw.document_annotations)
                 + (select count(*) - count(distinct claim_id) from raw.claims)
                 + (select count(*) - count(distinct mention_id) from raw.mentions)""").fetchone()[0]
    total = sum(orphaned.values())
    return AssetCheckResult(
        passed=total == 0 and duplicated == 0,
        metadata={
            "orphaned_rows": total,
            "duplicated_ids": duplicated,
            **{f"orphaned_{t}": n for t, n in orphaned.items() if n},
        },
    )
