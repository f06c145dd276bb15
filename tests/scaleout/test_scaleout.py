"""newsclaims_scaleout_job (the enrichment in shards) on the multiprocess executor and on dagster-celery
with two workers and a real Redis, each ending with the same marts as the everyday in-process run. The
multiprocess run stages its batches in the default folder beside the warehouse; the Celery run stages
them on an object store (`s3://`, an S3 API on 127.0.0.1: tests/s3server.py), as workers on several
machines would.

The sample is the seeds plus three short articles written here; shards of two documents give three
shards. The Celery test needs Debian's redis-server (`make redis-deps`): it skips without it, and
under CI=true that skip fails (tests/strict_skips.py).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance

from tests.conftest import SEEDS
from tests.processes import free_port, stop_group

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
STOP_TIMEOUT = 20  # s between SIGTERM and SIGKILL to a server's or worker's process group
MARTS = ("fct_claims", "fct_mentions", "dim_entities", "dim_documents")
ARTICLES = {
    "extra/harbour.txt": "The port authority said on Tuesday that the new harbour in Klaipeda would open in May. "
    "“We expect more ships than ever,” Director Jonas Petraitis told reporters.\n",
    "extra/rail.txt": "According to Reuters, the rail operator plans to add night trains between Vilnius and Warsaw. "
    "Transport Minister Eglė Kaminskaitė said the timetable would be published next week.\n",
    "extra/grain.txt": "Ukraine's agriculture ministry announced that grain exports rose in March. "
    "Officials insisted that the corridor through the Black Sea remained open.\n",
}


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("scaleout") / "input"
    shutil.copytree(SEEDS, folder)
    for name, text in ARTICLES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def mart_rows(warehouse: Path) -> dict[str, list[str]]:
    """Every row of the compared marts, timestamps and batch ids left out, in a fixed order."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        out = {}
        for table in MARTS:
            cols = [
                c
                for c, t, *_ in con.execute(f"describe {table}").fetchall()
                if not t.upper().startswith(("TIMESTAMP", "DATE")) and "batch" not in c
            ]
            out[table] = sorted(repr(r) for r in con.execute(f"select {', '.join(cols)} from {table}").fetchall())
        return out
    finally:
        con.close()


def batch_count(warehouse: Path) -> int:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute("select count(distinct batch_id) from raw.document_annotations").fetchone()[0]
    finally:
        con.close()


@pytest.fixture(scope="module")
def baseline(sample, tmp_path_factory) -> dict[str, list[str]]:
    """The everyday newsclaims_job, in-process and unpartitioned (the CLI's path)."""
    from pipeline.cli import run
    from pipeline.settings import Settings

    warehouse = tmp_path_factory.mktemp("baseline") / "w.duckdb"
    saved = {k: os.environ.get(k) for k in ("NEWSCLAIMS_INPUT_DIR", "NEWSCLAIMS_WAREHOUSE")}
    try:
        assert run(Settings.from_env(input_dir=sample, warehouse=warehouse)), "the everyday run failed"
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    rows = mart_rows(warehouse)
    assert len(rows["dim_documents"]) == 6 and len(rows["fct_claims"]) > 40
    assert batch_count(warehouse) == 1  # one shard, one batch of 32
    return rows


def job_env(tmp: Path, sample: Path, executor: str, **extra: str) -> dict[str, str]:
    home = tmp / "dagster_home"
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    # create the instance's SQLite storage once, before workers and the job open it together (two
    # processes creating it at once can leave two alembic heads: "more than one head present")
    with DagsterInstance.from_config(str(home)):
        pass
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSCLAIMS_", "DAGSTER_"))}
    env.update(
        DAGSTER_HOME=str(home),
        NEWSCLAIMS_INPUT_DIR=str(sample),
        NEWSCLAIMS_WAREHOUSE=str(tmp / "w.duckdb"),
        NEWSCLAIMS_SHARD_SIZE="2",
        NEWSCLAIMS_SCALEOUT_EXECUTOR=executor,
        NEWSCLAIMS_N_PROCESS="1",
        NEWSCLAIMS_SCALEOUT_PROCESSES="2",
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        **extra,
    )
    return env


def run_scaleout(env: dict[str, str], log: Path, timeout: float = 600) -> None:
    with log.open("w") as out:
        proc = subprocess.run(
            [str(BIN / "dagster"), "job", "execute", "-m", "pipeline.definitions", "-j", "newsclaims_scaleout_job"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=timeout,
        )
    assert proc.returncode == 0, log.read_text()[-6000:]


#: A worker's log line for a finished task: its first event names the step keys it executed.
_TASK_DONE = re.compile(r'Task execute_plan\[[^\]]+\] succeeded .*?"text": "([^"]+)"\}, "label": "step_keys"')


def steps_run_by(log: Path) -> list[str]:
    """The steps a Celery worker executed, from its own log."""
    return [m.group(1) for m in _TASK_DONE.finditer(log.read_text())]


def test_multiprocess_shards_give_the_same_marts(sample, baseline, tmp_path):
    env = job_env(tmp_path, sample, "multiprocess")
    run_scaleout(env, tmp_path / "job.log")
    warehouse = Path(env["NEWSCLAIMS_WAREHOUSE"])
    assert batch_count(warehouse) == 3  # six documents, shards of two: three shards, each its own batch
    assert mart_rows(warehouse) == baseline


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed; run `make redis-deps` (Debian's redis-server)")
    import redis

    port = free_port()
    log = (tmp_path / "redis.log").open("w")
    proc = subprocess.Popen(
        [
            server,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        client = redis.Redis(host="127.0.0.1", port=port)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"redis-server did not start: {(tmp_path / 'redis.log').read_text()[-2000:]}")
                time.sleep(0.1)
        client.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop_group(proc, STOP_TIMEOUT)
        log.close()


def test_celery_workers_stage_on_an_object_store_and_give_the_same_marts(sample, baseline, tmp_path, redis_url, s3):
    staging = s3.bucket() + "/newsclaims/batches"
    env = job_env(tmp_path, sample, "celery", NEWSCLAIMS_CELERY_BROKER=redis_url, NEWSCLAIMS_STAGING=staging, **s3.env)
    config = tmp_path / "celery.yaml"
    config.write_text(f"execution:\n  config:\n    broker: {redis_url}\n    backend: {redis_url}\n")
    workers, logs = [], []
    try:
        for name in ("w1", "w2"):
            logs.append(tmp_path / f"{name}.log")
            workers.append(
                subprocess.Popen(
                    [
                        str(BIN / "dagster-celery"),
                        "worker",
                        "start",
                        "-A",
                        "dagster_celery.app",
                        "-y",
                        str(config),
                        "-n",
                        name,
                        "-l",
                        "INFO",
                        "--",
                        "--pool=solo",
                    ],
                    env=env,
                    stdout=logs[-1].open("w"),
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        deadline = time.monotonic() + 180
        while not all("ready." in log.read_text() for log in logs):
            dead = [w for w in workers if w.poll() is not None]
            if dead or time.monotonic() > deadline:
                pytest.fail("a Celery worker did not start:\n" + "\n".join(log.read_text()[-3000:] for log in logs))
            time.sleep(0.5)
        run_scaleout(env, tmp_path / "job.log")
    finally:
        for w in workers:
            stop_group(w, STOP_TIMEOUT)
    ran = {name: steps_run_by(log) for name, log in zip(("w1", "w2"), logs, strict=True)}
    steps = [step for done in ran.values() for step in done]
    assert sorted(s for s in steps if ".annotate_shard[" in s) == [
        f"annotation_batches.annotate_shard[shard_0000{i}]" for i in range(3)
    ], ran
    assert {"ingest_files", "annotation_batches.plan_shards", "load_annotations", "dbt_models"} <= set(steps), ran
    assert len(steps) == len(set(steps))  # each step once
    assert all(ran.values()), ran  # both workers took steps
    warehouse = Path(env["NEWSCLAIMS_WAREHOUSE"])
    assert batch_count(warehouse) == 3  # three shards, each its batch, staged in the bucket ...
    assert not Path(f"{warehouse}.batches").exists()  # ... not beside the warehouse
    assert s3.keys(staging) == []  # all loaded, then deleted from the store
    assert mart_rows(warehouse) == baseline
