"""The code location: everything pipeline/defs/ declares (one file per concern, autoloaded as `dg` does),
with the resources and the input-folder sensor bound to the settings given.

workspace.yaml, `make ui`, `dagster definitions validate` and `dg` load `defs` (settings from the
environment); the CLI calls build_definitions with its own.

`defs` is built when first asked for (PEP 562 module `__getattr__`; Dagster finds it through
`dir()` and `getattr`, as it finds any module attribute), not when the module is imported: the CLI
imports this module for build_definitions alone, and building `defs` from the environment as well
cost every `newsclaims run` a second pass over the defs folder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagster import load_from_defs_folder

from pipeline.settings import PROJECT_ROOT, Settings, bound_settings

if TYPE_CHECKING:
    from dagster import Definitions


def build_definitions(settings: Settings) -> Definitions:
    with bound_settings(settings):
        return load_from_defs_folder(path_within_project=PROJECT_ROOT)


def __getattr__(name: str):
    if name == "defs":
        value = globals()["defs"] = build_definitions(Settings.from_env())
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), "defs"})
