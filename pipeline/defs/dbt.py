"""dbt: the staging, intermediate and mart models (their tests are asset checks), and the dbt CLI."""

from dagster import Definitions
from dagster_dbt import DbtCliResource

from pipeline.assets.dbt import dbt_executable, dbt_models, dbt_project

defs = Definitions(
    assets=[dbt_models], resources={"dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())}
)
