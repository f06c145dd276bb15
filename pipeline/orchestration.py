"""The job, its daily schedule, and the sensor that notices new or changed input files."""

import hashlib
import json
from pathlib import Path

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    ScheduleDefinition,
    SensorEvaluationContext,
    SkipReason,
    define_asset_job,
    in_process_executor,
    sensor,
)

from pipeline.ingest.files import list_text_files

#: The everyday job runs its steps in one process: they form a chain over one DuckDB file, spaCy
#: already uses every core (n_process), and a process per step would pay Dagster's start-up and
#: imports again at each of them. newsclaims_scaleout_job (scaleout.py) is the parallel one.
newsclaims_job = define_asset_job(
    name="newsclaims_job",
    selection=AssetSelection.all(),
    description="Everything: ingest the input folder, run spaCy on new documents, load, build the marts.",
    executor_def=in_process_executor,
)

daily_schedule = ScheduleDefinition(
    name="daily_refresh",
    job=newsclaims_job,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.STOPPED,
    description="Rebuild every day at 06:00 UTC (turn it on in the UI: Automation).",
)


def folder_fingerprints(input_dir: Path) -> dict[str, str]:
    """relative path → size:mtime for every input file under the folder (articles, feeds, pages, sidecars;
    cheap: no file is read)."""
    out = {}
    if not input_dir.is_dir():
        return out
    for p in list_text_files(input_dir):
        try:
            st = p.stat()
        except OSError:
            continue
        out[p.relative_to(input_dir).as_posix()] = f"{st.st_size}:{st.st_mtime_ns}"
    return out


def changed_files(previous: dict[str, str], current: dict[str, str]) -> list[str]:
    """Files that are new or whose size or modification time changed (removals do not count)."""
    return sorted(p for p, fp in current.items() if previous.get(p) != fp)


def make_input_sensor(input_dir: Path):
    @sensor(
        name="input_folder_sensor",
        job=newsclaims_job,
        minimum_interval_seconds=60,
        default_status=DefaultSensorStatus.STOPPED,
        description=f"Requests a run when input files (articles, feeds, pages) are added to or changed in {input_dir}.",
    )
    def input_folder_sensor(context: SensorEvaluationContext):
        previous = json.loads(context.cursor) if context.cursor else {}
        current = folder_fingerprints(input_dir)
        changed = changed_files(previous, current)
        context.update_cursor(json.dumps(current, sort_keys=True))
        if not changed:
            return SkipReason("no new or changed files")
        run_key = hashlib.sha256(json.dumps(current, sort_keys=True).encode()).hexdigest()[:16]
        shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
        context.log.info(f"{len(changed)} new or changed files: {shown}")
        return RunRequest(run_key=run_key, tags={"newsclaims/changed_files": str(len(changed))})

    return input_folder_sensor
