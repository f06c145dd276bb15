"""Progress of long steps in the terminal (rich): a bar with documents/s and the time left.

Shown only when stderr is a terminal (rich's own test, so `FORCE_COLOR` / `TTY_COMPATIBLE=1` force it
and `TERM=dumb` or a pipe silence it): under the Dagster UI, in CI, in a log file or piped, nothing is
printed and the step's log lines and materialisation metadata say what it did.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager


def _rate_column(unit: str):
    from rich.progress import ProgressColumn
    from rich.text import Text

    class RateColumn(ProgressColumn):
        """Items per second over the task so far (rich's own speed estimate)."""

        def render(self, task) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:.1f} {unit}/s" if speed else f"– {unit}/s", style="progress.data.speed")

    return RateColumn()


@contextmanager
def progress(total: int | None, description: str, unit: str = "docs", console=None) -> Iterator[Callable[[int], None]]:
    """`with progress(n, "spaCy") as advance: ... advance(1)`; a no-op unless the console is a terminal.

    `total=None` when the count is not known in advance (a count and a rate, no ETA). `console` is a
    rich Console (default: one on stderr); tests pass one with force_terminal.
    """
    from rich.console import Console

    console = console or Console(stderr=True)
    if total == 0 or not console.is_terminal:
        yield lambda n=1: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    eta = [TextColumn("ETA"), TimeRemainingColumn()] if total is not None else []  # nothing to count down to
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        _rate_column(unit),
        TimeElapsedColumn(),
        *eta,
        console=console,
        transient=False,
        # log lines on stderr print above the bar; stdout is left to the caller (the CLI captures it)
        redirect_stdout=False,
        redirect_stderr=True,
    )
    with bar:
        task = bar.add_task(description, total=total)
        yield lambda n=1: bar.advance(task, n)
