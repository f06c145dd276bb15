"""`newsclaims_scaleout_job`: the same assets as `newsclaims_job`, with the enrichment in shards that
an executor runs in parallel.

- `multiprocess` (default, NEWSCLAIMS_SCALEOUT_EXECUTOR): Dagster's multiprocess executor on this
  machine, at most NEWSCLAIMS_SCALEOUT_PROCESSES steps at once.
- `celery`: dagster-celery; every step is a Celery task on the broker NEWSCLAIMS_CELERY_BROKER (also
  the result backend), run by `dagster-celery worker start -A dagster_celery.app` workers on any
  machine that has the same code, settings and Dagster instance (docs/scaling.md).

Each shard holds NEWSCLAIMS_SHARD_SIZE documents and runs spaCy in one process (the executor gives
the parallelism); loading stays one step, under the warehouse lock.
"""

from __future__ import annotations

from dagster import AssetSelection, define_asset_job, multiprocess_executor

from pipeline.settings import Settings

SCALEOUT_JOB = "newsclaims_scaleout_job"


def scaleout_executor(settings: Settings):
    if settings.scaleout_executor == "celery":
        from dagster_celery import celery_executor

        return celery_executor.configured(
            {"broker": settings.celery_broker, "backend": settings.celery_broker}, name="celery"
        )
    # forkserver: the server imports pipeline.definitions once and forks each step from it, instead of
    # every step process importing Dagster, dbt and spaCy again (seconds per step)
    return multiprocess_executor.configured(
        {"max_concurrent": settings.scaleout_processes, "start_method": {"forkserver": {}}}, name="multiprocess"
    )


def scaleout_run_config(settings: Settings) -> dict:
    """The job's default run config: shards of shard_size documents, one spaCy process each."""
    plan = {"shard_size": settings.shard_size, "shard_n_process": 1}
    return {"ops": {"annotation_batches": {"ops": {"plan_shards": {"config": plan}}}}}


def make_scaleout_job(settings: Settings):
    return define_asset_job(
        name=SCALEOUT_JOB,
        selection=AssetSelection.all(),
        executor_def=scaleout_executor(settings),
        config=scaleout_run_config(settings),
        description=f"Everything newsclaims_job does, with the enrichment in shards of {settings.shard_size} "
        f"documents run in parallel by the {settings.scaleout_executor} executor.",
        tags={"newsclaims/executor": settings.scaleout_executor},
    )
