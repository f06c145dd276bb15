"""Asset checks in Python (the dbt tests arrive as checks on the dbt assets by themselves)."""

from dagster import AssetCheckResult, AssetCheckSeverity, AssetKey, asset_check

from pipeline.nlp.annotate import extractor_version
from pipeline.resources import SpacyResource, WarehouseResource
from pipeline.warehouse.batches import pending_batches


@asset_check(asset=AssetKey(["raw", "document_annotations"]),
             description="Every document has been processed by the current extractor version.")
def every_document_processed(warehouse: WarehouseResource, spacy_model: SpacyResource) -> AssetCheckResult:
    version = extractor_version(spacy_model.load())
    with warehouse.get_connection() as con:
        missing = con.execute("""
            select count(*) from raw.documents d where not exists (
                select 1 from raw.document_annotations a
                where a.document_id = d.document_id and a.extractor_version = ?)""", [version]).fetchone()[0]
    return AssetCheckResult(passed=missing == 0, metadata={"unprocessed_documents": missing, "extractor_version": version})


@asset_check(asset=AssetKey(["raw", "claims"]),
             description="No staged annotation batch is left unloaded after the load step.")
def no_batch_left_behind(warehouse: WarehouseResource) -> AssetCheckResult:
    left = pending_batches(warehouse.staging)
    return AssetCheckResult(passed=not left, metadata={"pending_batches": len(left)})


@asset_check(asset=AssetKey(["raw", "rejected_documents"]),
             description="Warns when more than a quarter of the input files were rejected.")
def rejection_rate(warehouse: WarehouseResource) -> AssetCheckResult:
    with warehouse.get_connection() as con:
        root_rows = con.execute("""
            select (select count(*) from raw.rejected_documents),
                   (select count(*) from raw.document_occurrences where present)""").fetchone()
    rejected, loaded = root_rows
    total = rejected + loaded
    share = rejected / total if total else 0.0
    return AssetCheckResult(passed=share <= 0.25, severity=AssetCheckSeverity.WARN,
                            metadata={"rejected_files": rejected, "loaded_files": loaded, "rejected_share": round(share, 4)})
