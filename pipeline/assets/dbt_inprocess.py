"""dbt run in this process: what `dbt build` costs beyond its own work, removed.

dagster-dbt starts every dbt command as a subprocess and reads its JSON log lines from stdout. A
new Python pays again for its start, dbt's imports and the adapter's plugins (about 3 s of every
run on this machine, a sixth of a one-article update), all of which this process has already
imported with dagster-dbt. `InProcessDbt` stands in for that subprocess: the same command line
goes to dbt's programmatic entry point (`dbtRunner`) in a thread, and every structured event dbt
fires at INFO or above is handed to dagster-dbt as the JSON line `--log-format json` prints, so
its event parsing, asset checks and errors are unchanged. A `build` writes run_results.json
alone into its target folder (`NOT_WRITTEN`). An update's build runs the same way (`run_command`) in
a process forked as `newsclaims run` starts (`dbt_ahead.py`), which sends its lines back.

dbt reads its settings from DBT_* environment variables (the target and log paths dagster-dbt
sets per invocation): they are set for the call and restored after it. One dbt command runs at a
time in a process (the warehouse lock serialises them anyway).
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any, Callable, Iterator

_LOCK = threading.Lock()
#: dbt's console stays silent (the events reach dagster-dbt through the callback)
_QUIET = {"DBT_LOG_LEVEL": "none"}
#: dbt.log in the run's target folder, as text, keeps INFO and above (each node's start, result and
#: errors) unless DBT_LOG_LEVEL_FILE says otherwise: at DEBUG (every SQL statement) it cost 1-3 s a build
FILE_LOG = {"DBT_LOG_LEVEL_FILE": "info", "DBT_LOG_FORMAT_FILE": "text", "DBT_USE_COLORS_FILE": "false"}
_SHOWN_LEVELS = frozenset({"info", "warn", "error"})


class _Lines:
    """dbt's JSON lines from the build's thread to dagster-dbt's reader: what it reads from a
    subprocess's stdout (iterated line by line, closed by a `with`). Unbounded, unlike a pipe: a
    reader that stops part way (a step failing while it handles an event) never leaves the build
    blocked on a full pipe, holding the lock the next dbt command in this process waits for."""

    _END = None

    def __init__(self) -> None:
        import queue

        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self.closed = False

    def put(self, line: bytes) -> None:
        if not self.closed:
            self._queue.put(line)

    def end(self) -> None:
        self._queue.put(self._END)

    def __iter__(self) -> Iterator[bytes]:
        while not self.closed:
            line = self._queue.get()
            if line is self._END:
                return
            yield line

    def close(self) -> None:
        self.closed = True

    def __enter__(self) -> "_Lines":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class ThreadedCommand:
    """The parts of subprocess.Popen that dagster-dbt's DbtCliInvocation uses, for a dbt command that
    a thread of this process runs or reads (`_target`): its JSON lines go to `stdout`, each table's
    row count to `row_counts` (unique_id -> rows, counted as its result came: `_count_rows`), and
    `returncode` is set when the thread ends."""

    _thread_name = "newsclaims-dbt"

    def __init__(self, args, pid: int, *thread_args) -> None:
        self.args = list(args)
        self.returncode: int | None = None
        self.pid = pid
        self.stdout = _Lines()
        self.row_counts: dict[str, int] = {}
        self._thread = threading.Thread(target=self._target, args=thread_args, name=self._thread_name, daemon=True)
        self._thread.start()

    def _target(self, *args) -> None:
        raise NotImplementedError

    def wait(self, timeout: float | None = None) -> int | None:
        self._thread.join(timeout)
        return self.returncode

    def poll(self) -> int | None:
        return None if self._thread.is_alive() else self.returncode

    def send_signal(self, sig) -> None:
        """A dbt command is not interrupted part way: the run's own process ends it (a build in the
        process forked ahead, which ignores SIGINT, ends with it: `die_with_parent`)."""

    terminate = kill = send_signal


class InProcessDbt(ThreadedCommand):
    """A dbt command run by a thread of this process."""

    def __init__(self, args, stdout=None, stderr=None, env=None, cwd=None, **_):
        self._cwd = cwd
        # taken now: dagster-dbt streams the events after leaving `dbt_in_this_process`
        self._manifest_for = _MANIFEST["for"]
        super().__init__(args, os.getpid(), dict(env or os.environ))

    def _target(self, env: dict[str, str]) -> None:
        code = 2
        try:
            with _LOCK:
                code = run_command(
                    self.args, env, self._cwd, self._manifest_for, self.stdout.put, self.row_counts.__setitem__
                )
        finally:
            self.returncode = code
            self.stdout.end()


def run_command(
    args: list[str],
    env: dict[str, str],
    cwd,
    manifest_for: Callable[[str | None], Any],
    put: Callable[[bytes], None],
    count: Callable[[str, int], None],
) -> int:
    """Run the dbt command line `args` (the executable first) in this process with dbt's settings
    from `env`, handing `put` each event at INFO or above as the JSON line `--log-format json`
    prints, and `count` the rows of each table the build makes (`_count_rows`).
    A `build` starts from `manifest_for(warehouse)` and writes run_results.json alone. Returns the
    exit code dbt's own command line would; dbt's hold on the warehouse is let go whatever happens."""
    from dbt.cli.main import dbtRunner
    from dbt_common.events.functions import msg_to_json

    from pipeline.warehouse import killpoints

    finished = []

    def forward(msg) -> None:
        if msg.info.name == "LogModelResult":
            _count_rows(msg, count)
        if msg.info.level in _SHOWN_LEVELS:
            put(msg_to_json(msg).encode("utf-8") + b"\n")
        if msg.info.name in _NODE_RESULTS and not finished:
            finished.append(msg)
            killpoints.reached("dbt_during_build")

    code = 2
    try:
        with _environment({**FILE_LOG, **env, **_QUIET}), _unheard_events_unmade():
            command = dbt_command(args)
            manifest = manifest_for(env.get("NEWSCLAIMS_WAREHOUSE")) if command == "build" else None
            argv = list(args[1:])
            results_only = command == "build" and not {"--write-json", "--no-write-json"} & set(argv)
            if results_only:
                argv = [*argv, "--no-write-json"]
            result = dbtRunner(manifest=manifest, callbacks=[forward]).invoke(argv)
            if results_only:
                _write_run_results(result.result, env.get("DBT_TARGET_PATH"), cwd)
        code = 0 if result.success else (1 if result.exception is None else 2)
        if result.exception is not None:
            put(error_line(f"{type(result.exception).__name__}: {result.exception}"))
    except BaseException as exc:  # noqa: BLE001 - reported as dbt's error line, as a crashed dbt would be
        put(error_line(f"{type(exc).__name__}: {exc}"))
    finally:
        _release_warehouse()
    return code


def dbt_command(args) -> str | None:
    """The dbt command of a command line (the executable first): `build`, `ls`, ..."""
    return next((a for a in list(args)[1:] if not a.startswith("-")), None)


def error_line(message: str) -> bytes:
    """An error as dbt's JSON log line (what dagster-dbt reports as the command's error)."""
    import json

    line = {"info": {"level": "error", "msg": message, "name": "NewsclaimsInProcessError"}, "data": {}}
    return json.dumps(line).encode("utf-8") + b"\n"


#: what `dbt build` writes into the run's target folder besides run_results.json: the manifest (1 MB
#: of JSON serialised anew on every build, about 0.5 s of a one-article update), the graph and the
#: semantic manifest. Nothing reads them there (dagster-dbt reads the project's own manifest, made by
#: `dbt parse`); an in-process build keeps run_results.json alone and removes older copies of these,
#: which would no longer describe the latest build.
NOT_WRITTEN = ("manifest.json", "graph.gpickle", "graph_summary.json", "semantic_manifest.json")


def _write_run_results(results, target_path: str | None, project_dir=None) -> None:
    """run_results.json as `dbt build` writes it (the build ran with --no-write-json); a relative
    target path is the project's, as dbt reads it."""
    from pathlib import Path

    if not target_path:
        return
    folder = Path(project_dir or ".") / target_path
    for name in NOT_WRITTEN:
        (folder / name).unlink(missing_ok=True)
    if results is not None and hasattr(results, "write"):
        folder.mkdir(parents=True, exist_ok=True)
        results.write(str(folder / "run_results.json"))


#: the events dbt fires as a node's result is known (at INFO, or ERROR for a failure)
_NODE_RESULTS = frozenset({"LogModelResult", "LogTestResult", "LogSeedResult", "LogSnapshotResult"})


@contextmanager
def _unheard_events_unmade():
    """dbt makes every event it fires into a protobuf message before any logger or callback looks
    at its level, and most of a build's events are DEBUG ("Began compiling node", "Using duckdb
    connection", "SQL status", ...), which nothing here hears unless a dbt.log at DEBUG was asked
    for (DBT_LOG_LEVEL_FILE): about 0.3 s of a one-article update's build. While inside, an event
    below the level of every logger and callback is dropped before it is made."""
    from dbt_common.events.base_types import EventLevel
    from dbt_common.events.event_manager import EventManager

    real = EventManager.fire_event

    def fire_event(self, e, level=None, node=None, force_warn_or_error_handling=False):
        if (
            (level or e.level_tag()) == EventLevel.DEBUG
            and not force_warn_or_error_handling
            and all(logger.level != EventLevel.DEBUG for logger in self.loggers)
        ):
            return
        real(self, e, level=level, node=node, force_warn_or_error_handling=force_warn_or_error_handling)

    EventManager.fire_event = fire_event
    try:
        yield
    finally:
        EventManager.fire_event = real


#: how dbt builds the models whose rows are counted (a view's rows are its query's)
_COUNTED = frozenset({"table", "incremental"})


def _count_rows(msg, count: Callable[[str, int], None]) -> None:
    """Count the rows of the table a model's result event is about, through the build's own DuckDB
    connection (the file is the build's until it ends): the step reports each model's row count as
    its result comes, instead of opening the file again after the build to count them all."""
    node = msg.data.node_info
    if node.materialized not in _COUNTED or msg.info.level == "error" or not node.node_relation.relation_name:
        return
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager as manager

    environment = manager._ENV
    if environment is None or getattr(environment, "conn", None) is None:
        return
    try:
        with environment.conn.cursor() as cursor:
            rows = cursor.execute(f"select count(*) from {node.node_relation.relation_name}").fetchone()[0]
        count(node.unique_id, rows)
    except Exception:  # noqa: BLE001 - the count is metadata: the build's own result stands without it
        pass


def _release_warehouse() -> None:
    """Close dbt's connections and the DuckDB instance dbt-duckdb keeps for the process, as a
    dbt subprocess does by exiting: the warehouse file is then free for the next connection,
    whatever its configuration (a read-only one, another process)."""
    from dbt.adapters.factory import reset_adapters

    reset_adapters()
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager as manager
    except ImportError:
        return
    with manager._LOCK:
        if manager._ENV is not None:
            manager._ENV.close()
            manager._ENV = None


@contextmanager
def _environment(env: dict[str, str]):
    """os.environ as `env` (dbt reads its DBT_* settings there) for the duration of the call."""
    before = dict(os.environ)
    os.environ.update(env)
    try:
        yield
    finally:
        for key in set(os.environ) - set(before):
            del os.environ[key]
        os.environ.update(before)


def _no_manifest(warehouse: str | None) -> None:
    return None


#: warehouse path -> the parsed project for a `dbt build` on it, or None to let dbt parse it
_MANIFEST: dict[str, Callable[[str | None], Any]] = {"for": _no_manifest}


def _start(args, env=None, cwd=None, **kwargs):
    """A `dbt build` goes to the process forked ahead for its warehouse when there is one
    (assets/dbt_ahead.py); anything else runs in this process."""
    from pipeline.assets import dbt_ahead

    env = dict(env or os.environ)
    started = dbt_ahead.popen(args, env, cwd) if dbt_command(args) == "build" else None
    return started or InProcessDbt(args, env=env, cwd=cwd, **kwargs)


@contextmanager
def dbt_in_this_process(manifest: Callable[[str | None], Any] = _no_manifest):
    """While inside, dagster-dbt's DbtCliInvocation starts `InProcessDbt` (or a build in the process
    forked ahead for its warehouse) instead of a subprocess; a `dbt build` here starts from
    `manifest(warehouse path)` when that gives one."""
    from dagster_dbt.core import dbt_cli_invocation as module

    real = module.subprocess
    module.subprocess = SimpleNamespace(Popen=_start, PIPE=real.PIPE, STDOUT=real.STDOUT)
    _MANIFEST["for"] = manifest
    try:
        yield
    finally:
        module.subprocess = real
        _MANIFEST["for"] = _no_manifest
