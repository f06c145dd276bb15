"""The Dagster UI for real: `dagster dev -w workspace.yaml` in its own process group, asked over GraphQL,
a run of `newsclaims_job` launched the way the UI's button launches it, and headless Chromium on the
global asset lineage page.

One server per module (it takes ~15 s to load the code location); the tests share it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS
from tests.processes import free_port, stop_group

pytestmark = pytest.mark.slow

VENV_BIN = Path(sys.executable).parent
DAGSTER = VENV_BIN / "dagster"
UI_DIR = Path(__file__).resolve().parent
BROWSER_CHECK = UI_DIR / "browser_check.mjs"
LOCATION = "newsclaims"

SERVER_START_TIMEOUT = 120  # s until the code location is loaded
RUN_TIMEOUT = 300  # s for one run of newsclaims_job on the seeds
STOP_TIMEOUT = 15  # s between SIGTERM and SIGKILL to the server's process group


@dataclass
class DagsterUI:
    url: str
    home: Path
    input_dir: Path
    warehouse: Path
    log: Path

    def graphql(self, query: str, variables: dict | None = None, timeout: float = 30) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        req = urllib.request.Request(f"{self.url}/graphql", data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            payload = json.load(resp)
        assert not payload.get("errors"), payload["errors"]
        return payload["data"]

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"


WORKSPACE_QUERY = """{ workspaceOrError { __typename
    ... on Workspace { locationEntries { name loadStatus
        locationOrLoadError { __typename ... on PythonError { message } } } }
    ... on PythonError { message } } }"""


def _wait_for_location(ui: DagsterUI, proc: subprocess.Popen) -> None:
    """The webserver answers a few seconds before the code location has loaded: wait for both."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    last = "no answer yet"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"dagster dev exited with {proc.returncode}:\n{ui.log_tail()}")
        try:
            data = ui.graphql(WORKSPACE_QUERY, timeout=5)
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
            last = f"{type(exc).__name__}: {exc}"
        else:
            entries = {e["name"]: e for e in data["workspaceOrError"].get("locationEntries", [])}
            entry = entries.get(LOCATION)
            last = json.dumps(entry)
            if entry and entry["loadStatus"] == "LOADED":
                error = entry["locationOrLoadError"]
                if error["__typename"] == "RepositoryLocation":
                    return
                pytest.fail(f"code location {LOCATION!r} failed to load: {error.get('message')}\n{ui.log_tail()}")
        time.sleep(0.5)
    pytest.fail(f"code location {LOCATION!r} not loaded after {SERVER_START_TIMEOUT}s ({last}):\n{ui.log_tail()}")


@pytest.fixture(scope="module")
def dagster_ui(tmp_path_factory):
    if not DAGSTER.exists():
        pytest.skip(f"{DAGSTER} not found: run `make setup`")
    base = tmp_path_factory.mktemp("dagster_ui")
    home, input_dir = base / "dagster_home", base / "input"
    home.mkdir()
    shutil.copytree(SEEDS, input_dir)
    # a fresh instance; no usage statistics sent from tests
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    port = free_port()
    ui = DagsterUI(
        url=f"http://127.0.0.1:{port}",
        home=home,
        input_dir=input_dir,
        warehouse=base / "warehouse.duckdb",
        log=base / "dagster_dev.log",
    )
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "NEWSCLAIMS_INPUT_DIR": str(input_dir),
        "NEWSCLAIMS_WAREHOUSE": str(ui.warehouse),
        # as `make ui` starts it: the venv is not activated, so its bin is not on PATH and
        # nothing may rely on finding `dbt` there
        "PATH": os.pathsep.join(
            p for p in os.environ.get("PATH", "").split(os.pathsep) if Path(p).resolve() != VENV_BIN.resolve()
        ),
    }
    for name in ("NEWSCLAIMS_SPACY_MODEL", "NEWSCLAIMS_BATCH_SIZE", "NEWSCLAIMS_N_PROCESS"):
        env.pop(name, None)
    with open(ui.log, "wb") as log:
        proc = subprocess.Popen(
            [str(DAGSTER), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_for_location(ui, proc)
        yield ui
    finally:
        stop_group(proc, STOP_TIMEOUT)


ASSET_NODES_QUERY = """{ assetNodes { assetKey { path } groupName description jobNames kinds
    dependencyKeys { path } repository { location { name } } } }"""

EXPECTED_GROUPS = {
    "raw/documents": "ingest",
    "raw/document_occurrences": "ingest",
    "raw/rejected_documents": "ingest",
    "annotation_batches": "nlp",
    "raw/claims": "warehouse",
    "raw/mentions": "warehouse",
    "raw/sentences": "warehouse",
    "raw/source_citations": "warehouse",
    "raw/document_annotations": "warehouse",
    "raw/entity_links": "warehouse",
    "staging/stg_claims": "staging",
    "staging/stg_documents": "staging",
    "fct_claims": "marts",
    "fct_mentions": "marts",
    "fct_sources": "marts",
    "dim_sources": "marts",
    "dim_documents": "marts",
    "dim_entities": "marts",
    "rejected_documents": "marts",
    "fct_rejected_documents": "marts",
    "fct_source_citations": "marts",
    "intermediate/int_mentions_linked": "intermediate",
    "reference/known_sources": "reference",
    "search/index": "search",
    "report": "report",
}
EXPECTED_EDGES = [  # (asset, one of its upstream assets)
    ("annotation_batches", "raw/documents"),
    ("raw/claims", "annotation_batches"),
    ("raw/entity_links", "raw/mentions"),
    ("staging/stg_claims", "raw/claims"),
    ("fct_claims", "staging/stg_claims"),
    ("intermediate/int_mentions_linked", "staging/stg_mentions"),
    ("fct_mentions", "intermediate/int_mentions_linked"),
    ("rejected_documents", "fct_rejected_documents"),
    ("search/index", "fct_claims"),
    ("search/index", "dim_documents"),
    ("report", "fct_claims"),
]


def test_asset_graph_nodes_groups_descriptions(dagster_ui):
    nodes = {"/".join(n["assetKey"]["path"]): n for n in dagster_ui.graphql(ASSET_NODES_QUERY)["assetNodes"]}
    missing = sorted(set(EXPECTED_GROUPS) - set(nodes))
    assert not missing, f"assets missing from the UI's graph: {missing}; it has {sorted(nodes)}"
    assert {k: nodes[k]["groupName"] for k in EXPECTED_GROUPS} == EXPECTED_GROUPS
    assert {n["groupName"] for n in nodes.values()} == {
        "ingest",
        "nlp",
        "warehouse",
        "staging",
        "intermediate",
        "marts",
        "reference",
        "search",
        "report",
    }
    undescribed = sorted(k for k, n in nodes.items() if not (n["description"] or "").strip())
    assert not undescribed, f"assets without a description in the UI: {undescribed}"
    assert "spaCy" in nodes["annotation_batches"]["description"]
    assert "spacy" in nodes["annotation_batches"]["kinds"]
    assert "dbt" in nodes["fct_claims"]["kinds"]
    for key, upstream in EXPECTED_EDGES:
        deps = {"/".join(d["path"]) for d in nodes[key]["dependencyKeys"]}
        assert upstream in deps, f"{key} should depend on {upstream}; depends on {sorted(deps)}"
    assert all("newsclaims_job" in n["jobNames"] for n in nodes.values())
    assert {n["repository"]["location"]["name"] for n in nodes.values()} == {LOCATION}


REPOSITORY_QUERY = """{ repositoriesOrError { __typename ... on RepositoryConnection { nodes {
    name location { name }
    jobs { name description }
    schedules { name cronSchedule executionTimezone pipelineName scheduleState { status } }
    sensors { name description targets { pipelineName } sensorState { status } } } } } }"""


def test_job_schedule_and_sensor(dagster_ui):
    repos = dagster_ui.graphql(REPOSITORY_QUERY)["repositoriesOrError"]["nodes"]
    (repo,) = [r for r in repos if r["location"]["name"] == LOCATION]
    jobs = {j["name"]: j for j in repo["jobs"]}
    assert "newsclaims_job" in jobs and jobs["newsclaims_job"]["description"]
    schedules = {s["name"]: s for s in repo["schedules"]}
    assert schedules["daily_refresh"]["cronSchedule"] == "0 6 * * *"
    assert schedules["daily_refresh"]["executionTimezone"] == "UTC"
    assert schedules["daily_refresh"]["pipelineName"] == "newsclaims_job"
    assert schedules["daily_refresh"]["scheduleState"]["status"] == "STOPPED"
    sensors = {s["name"]: s for s in repo["sensors"]}
    sensor = sensors["input_folder_sensor"]
    assert [t["pipelineName"] for t in sensor["targets"]] == ["newsclaims_job"]
    assert sensor["sensorState"]["status"] == "STOPPED"
    assert str(dagster_ui.input_dir) in sensor["description"]


def test_browser_shows_asset_graph(browser_deps, dagster_ui, tmp_path):
    """Headless Chromium on Lineage (the global asset graph): the asset names are drawn."""
    shot = tmp_path / "asset_lineage.png"
    proc = subprocess.run(
        ["node", str(BROWSER_CHECK), dagster_ui.url, str(shot), "fct_claims", "annotation_batches", "dim_sources"],
        cwd=UI_DIR,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, f"browser check failed:\n{proc.stdout}\n{proc.stderr}"
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["title"] == "Global asset lineage", result
    assert result["assets"] == {"fct_claims": True, "annotation_batches": True, "dim_sources": True}, result
    assert shot.is_file() and shot.stat().st_size > 10_000, f"no screenshot at {shot}"
    print(f"screenshot: {shot} (community dialog skipped: {result['dialogSkipped']})")


LAUNCH_RUN = """mutation($params: ExecutionParams!) { launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId status } }
    ... on PythonError { message }
    ... on InvalidSubsetError { message }
    ... on RunConfigValidationInvalid { errors { message } }
    ... on Error { message } } }"""
RUN_STATUS = """query($runId: ID!) { runOrError(runId: $runId) { __typename
    ... on Run { status stepStats { stepKey status } } } }"""
RUN_FAILURES = """query($runId: ID!) { logsForRun(runId: $runId, limit: 1000) { __typename
    ... on EventConnection { events { __typename
        ... on ExecutionStepFailureEvent { stepKey error { message } }
        ... on RunFailureEvent { message } } } } }"""


def test_launch_run_like_the_materialize_button(dagster_ui):
    """launchRun is what the UI's buttons call: the run goes through the queue to its own process
    (the everyday job runs its steps in that one process), exactly as a click would."""
    launched = dagster_ui.graphql(
        LAUNCH_RUN,
        {
            "params": {
                "selector": {
                    "repositoryLocationName": LOCATION,
                    "repositoryName": "__repository__",
                    "jobName": "newsclaims_job",
                },
                "runConfigData": {},
            }
        },
    )["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]

    deadline = time.monotonic() + RUN_TIMEOUT
    status = launched["run"]["status"]
    while status not in ("SUCCESS", "FAILURE", "CANCELED") and time.monotonic() < deadline:
        time.sleep(1)
        status = dagster_ui.graphql(RUN_STATUS, {"runId": run_id})["runOrError"]["status"]
    if status != "SUCCESS":
        events = dagster_ui.graphql(RUN_FAILURES, {"runId": run_id})["logsForRun"].get("events", [])
        failures = [e for e in events if e["__typename"] in ("ExecutionStepFailureEvent", "RunFailureEvent")]
        pytest.fail(
            f"run {run_id} ended {status} after at most {RUN_TIMEOUT}s: {json.dumps(failures)[:4000]}\n"
            f"{dagster_ui.log_tail()}"
        )
    steps = dagster_ui.graphql(RUN_STATUS, {"runId": run_id})["runOrError"]["stepStats"]
    # the enrichment is one graph-backed asset: plan, one shard in the everyday job, collect
    assert {s["stepKey"] for s in steps} >= {
        "ingest_files",
        "annotation_batches.plan_shards",
        "annotation_batches.annotate_shard[shard_00000]",
        "annotation_batches.collect_shards",
        "load_annotations",
        "dbt_models",
        "search__index",
        "report",
    }
    assert all(s["status"] == "SUCCESS" for s in steps), steps

    import duckdb

    con = duckdb.connect(str(dagster_ui.warehouse), read_only=True)
    try:
        (claims,) = con.execute("select count(*) from fct_claims").fetchone()
        (documents,) = con.execute("select count(*) from dim_documents").fetchone()
    finally:
        con.close()
    assert documents == len(list(SEEDS.glob("*.txt")))
    assert claims > 30
