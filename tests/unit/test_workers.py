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
