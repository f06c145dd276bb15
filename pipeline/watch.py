"""`newsclaims watch`: one long-lived process that keeps a warehouse up to date with a folder.

Every `newsclaims run` process pays its own start: importing Dagster, dbt and spaCy, building the
definitions, loading the spaCy model and the claim tagger, dbt's first invocation. On this machine
that is about half of a one-article update (about 21 s in a new process, about 11 s in one that has
run before). `watch` pays it once: it materialises the same job in its own process as `run` does,
then looks at the folder every `interval` seconds (size and modification time of each input file,
as the input sensor does: no file is read) and runs the job again when a file was added, changed
or removed, once the folder has looked the same for one more look (a file still being copied in
is not ingested half-way).

Between runs it holds no connection to the warehouse: queries, `forget` and the UI can use it.
A run that fails is reported and tried again after a back-off that doubles from `interval` up to
MAX_BACKOFF_SECONDS, or as soon as the folder changes again. Ctrl-C or SIGTERM stops it; a run
stopped half-way is finished by the next run, as after any killed run.
"""

from __future__ import annotations

import signal
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, TextIO

from pipeline.orchestration import folder_fingerprints

#: the longest wait before a failed run is tried again (the folder unchanged)
MAX_BACKOFF_SECONDS = 600.0


@dataclass(frozen=True)
class FolderChange:
    added: int
    changed: int
    removed: int

    @classmethod
    def between(cls, before: dict[str, str], after: dict[str, str]) -> FolderChange:
        return cls(
            added=len(after.keys() - before.keys()),
            changed=sum(1 for p in after.keys() & before.keys() if after[p] != before[p]),
            removed=len(before.keys() - after.keys()),
        )

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def __str__(self) -> str:
        return f"{self.added} added, {self.changed} changed, {self.removed} removed"


def _stop_on_signals(sigint_ignored: bool) -> None:
    """SIGTERM, and Ctrl-C (SIGINT) unless it was ignored when the watcher started (a shell's
    background job), stop the watcher (KeyboardInterrupt). Set again after every run: Dagster's run
    sets SIGTERM to whatever SIGINT's handler is when it ends (dagster._utils.interrupts), which for a
    background job is "ignored". A signal in the middle of a run interrupts the run (Dagster's own
    handler) and `execute` raises KeyboardInterrupt for it."""
    try:
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        if not sigint_ignored:
            signal.signal(signal.SIGINT, signal.default_int_handler)
    except ValueError:  # not the main thread (a test calling watch from a thread)
        pass


def _described(describe: Callable[[], str]) -> str:
    try:
        return describe()
    except Exception as exc:  # noqa: BLE001 - the counts are a courtesy; the run itself succeeded
        return f"(counts not read: {exc})"


def watch(
    input_dir: Path,
    execute: Callable[[], bool],
    describe: Callable[[], str],
    warm: Callable[[], None] | None = None,
    interval: float = 10.0,
    max_runs: int | None = None,
    out: TextIO | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Run `execute` now, then whenever the folder changes (see the module's docstring). After each
    run one line goes to `out`: the run's number, what changed, ok or failed, its seconds, and
    `describe()` (the warehouse's counts) when it succeeded. `warm` is called once after the first
    run, before watching (loading the spaCy model the first run may not have needed). `max_runs`
    stops after that many runs (tests, benchmarks). Returns an exit code: 0 when stopped, 1 when the last run failed.
    `execute` raises KeyboardInterrupt when a run was interrupted by a signal: the watcher stops."""
    out = out or sys.stdout
    sigint_ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    _stop_on_signals(sigint_ignored)
    runs, ok = 0, True
    built: dict[str, str] = {}  # the folder as the last successful run found it
    seen = folder_fingerprints(input_dir)
    change, due = FolderChange(0, 0, 0), True
    failed: dict[str, str] | None = None  # the folder as the last failed run found it
    backoff, retry_at = interval, 0.0

    def say(text: str) -> None:
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        print(f"{stamp} {text}", file=out, flush=True)

    try:
        while True:
            if due:
                runs += 1
                what = f"start: {len(seen)} files" if runs == 1 else str(change)
                started = clock()
                snapshot = seen
                try:
                    ok = execute()
                except Exception as exc:  # noqa: BLE001 - reported, and tried again like a failed run
                    print(f"newsclaims watch: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
                    ok = False
                finally:
                    _stop_on_signals(sigint_ignored)
                seconds = clock() - started
                if ok:
                    built, failed, backoff = snapshot, None, interval
                    say(f"run {runs} ({what}): ok in {seconds:.1f} s · {_described(describe)}")
                else:
                    failed, retry_at = snapshot, clock() + backoff
                    say(f"run {runs} ({what}): FAILED after {seconds:.1f} s; trying again in {backoff:.0f} s")
                    backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
                if max_runs is not None and runs >= max_runs:
                    return 0 if ok else 1
                if runs == 1:
                    if warm is not None:
                        try:
                            warm()
                        except Exception as exc:  # noqa: BLE001 - the run that needs it reports it
                            print(f"newsclaims watch: not warmed up: {exc}", file=sys.stderr, flush=True)
                    say(f"watching {input_dir} every {interval:g} s (Ctrl-C stops)")
            sleep(interval)
            now = folder_fingerprints(input_dir)
            if now != seen:  # still changing (a file being copied in): look again first
                seen, due = now, False
                continue
            change = FolderChange.between(built, now)
            due = bool(change) or not ok
            if failed is not None and now == failed and clock() < retry_at:
                due = False  # the folder a run failed on: wait for the back-off
    except KeyboardInterrupt:
        say(f"stopped after {runs} run{'s' if runs != 1 else ''}")
        return 0 if ok else 1
