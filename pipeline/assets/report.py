"""The HTML report (answers/report.py) drawn from the marts after every build.

No `from __future__ import annotations` here: Dagster inspects the `context` annotation.
"""

import time

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from pipeline.answers.report import markdown_preview, write_report
from pipeline.resources import WarehouseResource
from pipeline.settings import report_path_for

REPORT = AssetKey(["report"])
#: the marts answers/report.py reads
REPORT_MARTS = ("fct_claims", "dim_documents", "dim_entities", "dim_sources", "fct_mentions", "fct_entity_cooccurrence")


@asset(
    key=REPORT,
    deps=[AssetKey([m]) for m in REPORT_MARTS],
    group_name="report",
    kinds={"html", "python"},
    description="A self-contained HTML report beside the warehouse (<warehouse>.report.html): top speakers, "
    "source → speaker network, claims over time, stance mix, most co-mentioned entities, latest "
    "claims. No script, no network; document text escaped.",
)
def report(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    started = time.monotonic()
    out = report_path_for(warehouse.path)
    with warehouse.get_connection(read_only=True) as con:
        data = write_report(con, out, warehouse.path)
    seconds = round(time.monotonic() - started, 3)
    context.log.info(f"wrote {out} in {seconds}s")
    return MaterializeResult(
        metadata={
            "report": MetadataValue.path(str(out)),
            "report_url": MetadataValue.url(out.as_uri()),
            "top_speakers": MetadataValue.md(markdown_preview(data)),
            "speakers_charted": len(data.speakers),
            "claims": data.counts["fct_claims"],
            "bytes": out.stat().st_size,
            "this_run_seconds": seconds,
        }
    )
