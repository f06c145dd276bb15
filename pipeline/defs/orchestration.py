"""Orchestration: the job, its daily schedule, and the sensor on the settings' input folder."""

from dagster import Definitions, definitions

from pipeline.orchestration import daily_schedule, make_input_sensor, newsclaims_job
from pipeline.settings import current_settings


@definitions
def defs() -> Definitions:
    return Definitions(jobs=[newsclaims_job], schedules=[daily_schedule],
                       sensors=[make_input_sensor(current_settings().input_dir)])
