"""Whether a step's later steps run in its own process: there a step starts what a later one takes
up (the model's load, dbt's parse, the charts' drawer)."""

from collections.abc import Iterable

#: executors that run every step in the run's own process: the job's own, and the one Dagster puts
#: in its place under `execute_in_process` (`newsclaims run`, the tests)
ONE_PROCESS_EXECUTORS = frozenset({"in_process", "execute_in_process_executor"})


def runs_here(context) -> bool:
    """Whether every step of this run runs in this process."""
    return context.job_def.executor_def.name in ONE_PROCESS_EXECUTORS


def follows_here(context, keys: Iterable) -> bool:
    """Whether a step materialising any of the asset `keys` runs in this process in this run."""
    return runs_here(context) and not set(keys).isdisjoint(context.job_def.asset_layer.selected_asset_keys)
