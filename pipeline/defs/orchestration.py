"""Orchestration: the everyday job, its daily schedule, the sensor on the settings' input folder, and the
scale-out job (the same assets, the enrichment's shards in parallel)."""

from dagster import Definitions, definitions

from pipeline.orchestration import daily_schedule, make_input_sensor, newsclaims_job
from pipeline.scaleout import make_scaleout_job
from pipeline.settings import current_settings


@definitions
def defs() -> Definitions:
    settings = current_settings()
    return Definitions(
        jobs=[newsclaims_job, make_scaleout_job(settings)],
        schedules=[daily_schedule],
        sensors=[make_input_sensor(settings.input_dir)],
    )
