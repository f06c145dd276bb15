"""Dagster definitions, autoloaded by `dg` and pipeline/definitions.py (`load_from_defs_folder`).

One thin file per concern exposes objects defined elsewhere (pipeline/assets/, orchestration.py,
resources.py): ingest, nlp, warehouse (the load steps), dbt, search, report, orchestration (job,
schedule, sensor) and resources. A new asset, check, job, schedule or sensor is added here too;
tests/unit/test_defs_folder.py fails when one is missing.
"""
