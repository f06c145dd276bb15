"""dbt: the staging, intermediate and mart models (their tests are asset checks), and the dbt CLI."""

from dagster import Definitions
from pipeline.assets.dbt import NewsclaimsDbtCli, dbt_executable, dbt_models, dbt_project

defs = Definitions(
    assets=[dbt_models], resources={"dbt": NewsclaimsDbtCli(project_dir=dbt_project, dbt_executable=dbt_executable())}
)
