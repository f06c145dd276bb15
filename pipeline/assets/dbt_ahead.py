"""`dbt build` in a process forked as an update starts, before Dagster is imported.

An update's build is about 2.8 s of dbt's own Python (compiling and running a hundred small nodes),
and before it dbt's command line and build task are imported and the project's parse is read
(0.4-0.5 s). In the run's own process (`dbt_inprocess.InProcessDbt`) all of it holds the interpreter
lock the run's thread needs to turn dbt's events into Dagster's, and the imports and the parse came
after the NLP step, which no longer waits on the model. A process forked at the command's start
(`start`, from `newsclaims run` on an existing warehouse) imports dbt and reads the parse for that
warehouse on the other core while the run imports Dagster, then waits. The dbt step's `dbt build`
is handed to it (`popen`, the stand-in dagster-dbt starts instead of a subprocess): it runs the same
`run_command` as the in-process build, sends each JSON line, row count and the exit code back over
a pipe, lets the warehouse go and ends; the run reads the lines as they come, on its own core.

The run holds the warehouse lock through the build, as for the in-process build; the child ends
with its parent (`die_with_parent`), and is stopped when the run ends without a build (`end`).
Another command, a second build, or a build on another warehouse runs in the run's process as before.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from pipeline.assets.dbt_inprocess import ThreadedCommand, error_line, run_command
from pipeline.assets.dbt_parse import prepared_build

_AHEAD: dict[str, DbtAhead] = {}


def _key(warehouse) -> str:
    return str(Path(warehouse).resolve())


def start(warehouse) -> None:
    """Fork the process that will run the build on `warehouse` (one per process: a previous one is
    stopped)."""
    end()
    if sys.platform.startswith("linux"):
        _AHEAD[_key(warehouse)] = DbtAhead(_key(warehouse))


def waiting(warehouse) -> bool:
    """Whether a process forked ahead waits to build `warehouse`."""
    return bool(warehouse) and _key(warehouse) in _AHEAD


def popen(args, env: dict[str, str], cwd=None) -> AheadBuild | None:
    """The build `args` started in the process forked ahead for env's warehouse, or None (no such
    process, or it died): the caller runs it in this process."""
    warehouse = env.get("NEWSCLAIMS_WAREHOUSE")
    ahead = _AHEAD.pop(_key(warehouse), None) if warehouse else None
    if ahead is None:
        return None
    if not ahead.process.is_alive():  # it failed before the build came (its imports, memory)
        ahead.close()
        return None
    try:
        ahead.conn.send((list(args), dict(env), None if cwd is None else str(cwd)))
    except OSError:
        ahead.close()
        return None
    return AheadBuild(ahead, args)


def end() -> None:
    """Stop every process forked ahead whose build never came."""
    while _AHEAD:
        _AHEAD.popitem()[1].close()


class DbtAhead:
    """The parent's handle on the forked process."""

    def __init__(self, warehouse: str) -> None:
        import multiprocessing

        from pipeline.nlp.workers import die_with_parent, loads_done

        loads_done()  # a fork copies the locks a loading thread holds
        die_with_parent()
        context = multiprocessing.get_context("fork")
        self.conn, child_end = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(child_end, self.conn, warehouse), name="newsclaims-dbt-ahead", daemon=True
        )
        self.process.start()
        child_end.close()

    def close(self) -> None:
        try:
            self.conn.send(None)
            self.conn.close()
        except OSError:
            pass
        self.process.join(0.5)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)


class AheadBuild(ThreadedCommand):
    """A build in the process forked ahead: a thread reads its lines, row counts and exit code from
    the pipe (into `stdout`, unbounded as `InProcessDbt`'s, so a reader that stops part way never
    leaves the build blocked)."""

    _thread_name = "newsclaims-dbt-ahead-reader"

    def __init__(self, ahead: DbtAhead, args) -> None:
        self._ahead = ahead
        super().__init__(args, ahead.process.pid)

    def _target(self) -> None:
        code = 2
        try:
            while True:
                kind, *value = self._ahead.conn.recv()
                if kind == "line":
                    self.stdout.put(value[0])
                elif kind == "count":
                    self.row_counts[value[0]] = value[1]
                else:
                    code = value[0]
                    break
        except (EOFError, OSError):
            self._ahead.process.join(5)
            self.stdout.put(
                error_line(f"dbt's process ended before its build did (exit code {self._ahead.process.exitcode})")
            )
        finally:
            self._ahead.close()
            self.returncode = code
            self.stdout.end()


def prepare() -> None:
    """Tell the process forked ahead to import dbt and read the project's parse now: once the run's
    own imports are done (its definitions built), so that the two do not share the other core."""
    for ahead in _AHEAD.values():
        try:
            ahead.conn.send(PREPARE)
        except OSError:
            pass


#: the message that starts the child's imports (`prepare`)
PREPARE = "prepare"


def _serve(conn, parent_end, warehouse: str) -> None:
    """The child: wait for `prepare`, import what a build imports and read the project's parse for
    `warehouse`, then run the one build it is sent (or none: None, or its pipe closing) and end."""
    parent_end.close()  # the parent's end, inherited: only the parent's copy may hold the pipe open
    manifest = None
    try:
        request = conn.recv()
        if request == PREPARE:
            manifest = prepared_build(warehouse)
            request = conn.recv()
    except (EOFError, OSError):
        return
    if request is None:
        return
    args, env, cwd = request
    if manifest is None:  # not prepared, or the project was parsed again since
        manifest = prepared_build(warehouse)
    sending = threading.Lock()  # a full build's events come from two dbt threads

    def send(message: tuple) -> None:
        with sending:
            conn.send(message)

    code = run_command(
        args,
        env,
        cwd,
        lambda _warehouse: manifest,
        lambda line: send(("line", line)),
        lambda unique_id, rows: send(("count", unique_id, rows)),
    )
    send(("end", code))
