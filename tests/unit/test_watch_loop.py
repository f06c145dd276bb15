"""`newsclaims watch`'s loop (pipeline/watch.py) on a real folder: when it runs the job, what it
waits for, and how it tries again. The job here is a function that records what the folder held
when it ran; tests/whole/test_watch.py runs the real job under the real command."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from pipeline.watch import MAX_BACKOFF_SECONDS, watch


class Script:
    """Stands in for the watcher's sleep: each call does the next scripted change to the folder
    (None: nothing) and moves the clock on by the interval; KeyboardInterrupt (Ctrl-C) when the
    script is over."""

    def __init__(self, *actions):
        self.actions = list(actions)
        self.now = 0.0

    def sleep(self, seconds: float) -> None:
        if not self.actions:
            raise KeyboardInterrupt
        self.now += seconds
        action = self.actions.pop(0)
        if action is not None:
            action()

    def clock(self) -> float:
        return self.now


def _write(path: Path, text: str):
    return lambda: path.write_text(text, encoding="utf-8")


def _watch(folder: Path, script: Script, results=None, **kwargs):
    """Run the loop until the script ends; returns (exit code, runs, lines printed). Each run records
    the clock and what the folder held; `results` gives each run's outcome in turn (True after)."""
    runs, outcomes, out = [], list(results or []), io.StringIO()

    def execute() -> bool:
        runs.append((script.now, {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))}))
        return outcomes.pop(0) if outcomes else True

    code = watch(
        folder, execute, lambda: "counts", interval=1.0, out=out, sleep=script.sleep, clock=script.clock, **kwargs
    )
    return code, runs, out.getvalue().splitlines()


def test_it_runs_at_start_then_only_when_a_file_is_added_changed_or_removed(tmp_path):
    (tmp_path / "a.txt").write_text("First article.", encoding="utf-8")
    script = Script(
        None,
        None,  # nothing changed: no run
        _write(tmp_path / "b.txt", "A second article."),
        None,  # the folder looks the same twice: run 2
        None,
        _write(tmp_path / "a.txt", "First article, corrected at length."),
        None,  # run 3
        lambda: (tmp_path / "b.txt").unlink(),
        None,  # run 4
        None,
    )
    code, runs, lines = _watch(tmp_path, script)
    assert code == 0
    assert [sorted(held) for _, held in runs] == [["a.txt"], ["a.txt", "b.txt"], ["a.txt", "b.txt"], ["a.txt"]]
    assert runs[2][1]["a.txt"] == "First article, corrected at length."
    said = [line.split(" ", 1)[1] for line in lines]
    assert said[0].startswith("run 1 (start: 1 files): ok in") and said[0].endswith("· counts")
    assert said[1].startswith("watching ")
    assert said[2].startswith("run 2 (1 added, 0 changed, 0 removed): ok")
    assert said[3].startswith("run 3 (0 added, 1 changed, 0 removed): ok")
    assert said[4].startswith("run 4 (0 added, 0 changed, 1 removed): ok")
    assert said[5] == "stopped after 4 runs"


def test_a_file_still_being_written_is_run_once_it_stops_changing(tmp_path):
    article = tmp_path / "a.txt"
    script = Script(
        _write(article, "The minister said"),
        _write(article, "The minister said on Monday that the bridge"),
        _write(article, "The minister said on Monday that the bridge would reopen in May."),
        None,  # unchanged since the last look: now it runs
        None,
    )
    code, runs, _ = _watch(tmp_path, script)
    assert code == 0
    assert [held for _, held in runs] == [
        {},
        {"a.txt": "The minister said on Monday that the bridge would reopen in May."},
    ]


def test_a_failed_run_is_tried_again_after_a_doubling_back_off_or_at_once_when_the_folder_changes(tmp_path):
    script = Script(
        _write(tmp_path / "a.txt", "An article."),
        *[None] * 8,
        _write(tmp_path / "b.txt", "Another article."),
        None,
        None,
    )
    # start ok; the new file fails at t=2, again at t=3 (1 s later), again at t=5 (2 s later),
    # then at t=9 (4 s later) it succeeds; b.txt (t=10) runs at the first look that sees it settled
    code, runs, lines = _watch(tmp_path, script, results=[True, False, False, False, True, True])
    assert code == 0
    assert [t for t, _ in runs] == [0.0, 2.0, 3.0, 5.0, 9.0, 11.0]
    assert sorted(runs[-1][1]) == ["a.txt", "b.txt"]
    said = [line.split(" ", 1)[1] for line in lines]
    assert said[2] == "run 2 (1 added, 0 changed, 0 removed): FAILED after 0.0 s; trying again in 1 s"
    assert said[4] == "run 4 (1 added, 0 changed, 0 removed): FAILED after 0.0 s; trying again in 4 s"
    assert said[5].startswith("run 5 (1 added, 0 changed, 0 removed): ok")


def test_the_back_off_stops_growing_at_its_ceiling_and_max_runs_ends_the_loop(tmp_path):
    script = Script(*[None] * 5000)
    code, runs, lines = _watch(tmp_path, script, results=[False] * 20, max_runs=12)
    assert code == 1 and len(runs) == 12
    gaps = [b - a for (a, _), (b, _) in zip(runs, runs[1:], strict=False)]
    assert gaps[:4] == [1.0, 2.0, 4.0, 8.0]
    assert max(gaps) == MAX_BACKOFF_SECONDS == gaps[-1]


def test_a_job_that_raises_counts_as_a_failed_run_and_the_watcher_goes_on(tmp_path, capsys):
    calls = []

    def execute() -> bool:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the warehouse is held by another program")
        return True

    script = Script(None, None)
    code = watch(
        tmp_path, execute, lambda: "counts", interval=1.0, out=io.StringIO(), sleep=script.sleep, clock=script.clock
    )
    assert code == 0 and len(calls) == 2
    assert "RuntimeError: the warehouse is held by another program" in capsys.readouterr().err


@pytest.mark.parametrize("interval", [0.5, 30.0])
def test_the_interval_is_what_it_sleeps(tmp_path, interval):
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        raise KeyboardInterrupt

    watch(tmp_path, lambda: True, lambda: "", interval=interval, out=io.StringIO(), sleep=sleep)
    assert slept == [interval]
