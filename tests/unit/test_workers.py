"""A process forked after die_with_parent() (as spaCy forks its nlp.pipe workers) ends when its parent is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

PARENT = """
import multiprocessing, sys, time
from pipeline.nlp.workers import die_with_parent

def worker():
    time.sleep(600)

if __name__ == "__main__":
    die_with_parent()
    child = multiprocessing.get_context("fork").Process(target=worker)
    child.start()
    print(child.pid, flush=True)
    time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_forked_worker_ends_when_its_parent_is_killed(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=os.getcwd())
    child = int(parent.stdout.readline())
    try:
        assert _alive(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child), "the worker outlived its killed parent"
    finally:
        parent.kill()
        if _alive(child):
            os.kill(child, signal.SIGKILL)


TERMINATED = """
import multiprocessing, signal, time
from pipeline.nlp.workers import die_with_parent

def raising(signum, frame):  # what Dagster's handler does in a step: SIGTERM becomes an exception
    raise RuntimeError("interrupted")

def worker():
    time.sleep(600)

if __name__ == "__main__":
    signal.signal(signal.SIGTERM, raising)
    die_with_parent()
    child = multiprocessing.get_context("fork").Process(target=worker)
    child.start()
    time.sleep(0.5)
    child.terminate()  # how spaCy stops its workers when a pipe ends
    child.join(10)
    print(child.exitcode, flush=True)
"""


def test_a_worker_stopped_with_sigterm_ends_silently_under_a_raising_handler(tmp_path):
    script = tmp_path / "terminated.py"
    script.write_text(TERMINATED)
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60, cwd=os.getcwd())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(-signal.SIGTERM)
    assert "Traceback" not in proc.stderr, proc.stderr


OUTLIVES_SIGTERM = """
import os, signal, threading, time
from pipeline.nlp import workers

def deaf(item):
    # a worker that outlives SIGTERM and never ends by itself, as one stuck in a lock a fork copied:
    # the signal ignored, and a thread its exit would wait for
    if threading.active_count() == 1:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        threading.Thread(target=time.sleep, args=(600,)).start()
    return os.getpid()

if __name__ == "__main__":
    workers.END_GRACE_SECONDS = 1.0
    with workers.process_map(2) as map_:
        pids = sorted(set(map_(deaf, range(workers.MAP_MIN_ITEMS))))
        print(*pids, flush=True)
        leaving = time.monotonic()
    print(round(time.monotonic() - leaving, 2), flush=True)
"""


def test_a_map_whose_worker_outlives_sigterm_still_ends_and_the_worker_is_killed(tmp_path):
    """process_map's exit is bounded: a worker still alive END_GRACE_SECONDS after SIGTERM is killed,
    where Pool.terminate alone waits for it for ever (seen once in CI, a worker that outlived SIGTERM)."""
    script = tmp_path / "deaf.py"
    script.write_text(OUTLIVES_SIGTERM)
    proc = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=os.getcwd(),
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=45)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("leaving process_map waited for a worker that outlived SIGTERM")
    assert proc.returncode == 0, err
    pids_line, seconds = out.strip().splitlines()
    pids = [int(p) for p in pids_line.split()]
    assert 1 <= len(pids) <= 2 and os.getpid() not in pids  # one worker may take every item
    assert 0.9 <= float(seconds) < 10, "killed after the grace, not before it and not much later"
    assert not any(_alive(pid) for pid in pids)


_LOADED: dict[str, bool] = {}


def _load_slowly() -> None:
    time.sleep(0.5)
    _LOADED["model"] = True


def _seen_by_worker(_: int) -> bool:
    return _LOADED.get("model", False)


def test_workers_are_forked_only_after_the_model_loads_running_in_threads():
    """A fork copies the locks a loading thread holds (its load's lock, an import's): process_map's
    workers fork only once the loads `start_loading` began are done, so each child has the model."""
    from pipeline.nlp.workers import MAP_MIN_ITEMS, process_map, start_loading

    _LOADED.clear()
    start_loading(_load_slowly, "test-load")
    with process_map(2) as map_:
        seen = map_(_seen_by_worker, list(range(MAP_MIN_ITEMS)))
    assert seen == [True] * MAP_MIN_ITEMS


def test_a_function_run_in_a_child_returns_its_result_from_another_process(tmp_path):
    from pipeline.nlp.workers import run_in_child

    marker = tmp_path / "then"
    pid, rows = run_in_child(lambda: (os.getpid(), [("a", 1)] * 1000), then=lambda: marker.write_text(str(os.getpid())))
    assert pid != os.getpid()
    assert rows == [("a", 1)] * 1000
    assert marker.read_text() == str(pid)  # `then` ran in the child, after the function


def test_a_child_s_exception_is_raised_here_with_its_traceback_and_then_still_runs(tmp_path):
    from pipeline.nlp.workers import run_in_child

    marker = tmp_path / "then"

    def fails():
        raise FileNotFoundError("input folder /nowhere does not exist or is not a folder")

    with pytest.raises(FileNotFoundError, match="/nowhere") as raised:
        run_in_child(fails, then=lambda: marker.write_text("closed"))
    assert any("in fails" in note and "forked for this step" in note for note in raised.value.__notes__)
    assert marker.read_text() == "closed"


def test_a_child_that_dies_without_answering_is_an_error_not_a_hang():
    from pipeline.nlp.workers import run_in_child

    with pytest.raises(RuntimeError, match=r"ended \(-9\) without an answer"):
        run_in_child(lambda: os.kill(os.getpid(), signal.SIGKILL))


def test_an_unpicklable_result_comes_back_as_an_error_with_its_text():
    import threading

    from pipeline.nlp.workers import run_in_child

    with pytest.raises(RuntimeError, match="forked for this step failed"):
        run_in_child(threading.Lock)
