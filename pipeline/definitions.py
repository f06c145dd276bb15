"""The code location: everything pipeline/defs/ declares (one file per concern, autoloaded as `dg` does),
with the resources and the input-folder sensor bound to the settings given.

workspace.yaml, `make ui`, `dagster definitions validate` and `dg` load `defs` (settings from the
environment); the CLI calls build_definitions with its own.
"""

from __future__ import annotations

from dagster import Definitions, load_from_defs_folder

from pipeline.settings import PROJECT_ROOT, Settings, bound_settings


def build_definitions(settings: Settings) -> Definitions:
    with bound_settings(settings):
        return load_from_defs_folder(path_within_project=PROJECT_ROOT)


defs = build_definitions(Settings.from_env())
