"""The one place that wires assets, checks, resources, the job, schedule and sensor."""
from __future__ import annotations

from dagster import Definitions, load_asset_checks_from_modules, load_assets_from_modules
from dagster_dbt import DbtCliResource

from pipeline.assets import checks, python_assets, report, search
from pipeline.assets.dbt import dbt_executable, dbt_models, dbt_project
from pipeline.orchestration import daily_schedule, make_input_sensor, newsclaims_job
from pipeline.resources import InputFolderResource, SpacyResource, WarehouseResource
from pipeline.scaleout import make_scaleout_job
from pipeline.settings import Settings


def build_definitions(settings: Settings) -> Definitions:
    return Definitions(
        assets=[*load_assets_from_modules([python_assets]), dbt_models, search.search_index,
                report.report],
        asset_checks=load_asset_checks_from_modules([checks]),
        jobs=[newsclaims_job, make_scaleout_job(settings)],
        schedules=[daily_schedule],
        sensors=[make_input_sensor(settings.input_dir)],
        resources={
            "warehouse": WarehouseResource(database=str(settings.warehouse), lock_timeout=settings.lock_timeout,
                                           staging_location=settings.staging or ""),
            "input_folder": InputFolderResource(path=str(settings.input_dir), max_file_bytes=settings.max_file_bytes),
            "spacy_model": SpacyResource(model=settings.spacy_model, batch_size=settings.batch_size,
                                         n_process=settings.n_process),
            "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
        },
    )


defs = build_definitions(Settings.from_env())
