"""A process, forked before the report step, that has matplotlib imported when the charts are due.

Importing matplotlib and its first drawing (fonts, the Agg canvas) were about 0.35 s of an
update's report step when a chart had to be drawn again, paid on the one core the run's process
uses, while the other core idles through the `dbt build` just before it. `start()` (the dbt step
calls it when the report follows in this process) forks a process that does both there and then
waits; `draw()` hands it the charts, which it draws each in a fork of itself, and takes the PNGs
back. The run's own process then never imports matplotlib at all (the report step of the
benchmark's one-article update: 0.71 s before, 0.45 s after).

A drawer answers once and exits; one that is never asked (the build failed, the report was not
selected) exits after WAIT_SECONDS, or with the process that forked it.
"""

from __future__ import annotations

import gc
import os
import pickle
import sys
from collections.abc import Callable
from typing import Any

#: how long a drawer waits to be asked before it exits
WAIT_SECONDS = 900

_started: list[Any] = []  # [(process, connection)] of the drawer waiting, if any


def start() -> None:
    """Fork the drawer (Linux; elsewhere the report draws as before), unless one is waiting."""
    if not sys.platform.startswith("linux"):
        return
    if _started:
        process, _ = _started[0]
        if process.is_alive():
            return
        _forget()
    import multiprocessing

    from pipeline.nlp.workers import die_with_parent, loads_done

    loads_done()  # a fork copies the locks a loading thread holds
    die_with_parent()
    context = multiprocessing.get_context("fork")
    here, there = context.Pipe()
    process = context.Process(target=_serve, args=(there,), daemon=True, name="newsclaims-charts")
    process.start()
    there.close()
    _started.append((process, here))


def draw(data: Any, draws: list[Callable[[Any], str | None]], seconds: float) -> list[str | None] | None:
    """`[draw(data) for draw in draws]` from the drawer `start()` forked, or None when there is none
    or it gave no answer within `seconds` (the caller draws them itself). The drawer is done with
    either way (nothing to draw lets it go unasked)."""
    if not _started:
        return None
    process, connection = _started[0]
    try:
        if not draws:
            return []
        if not process.is_alive():
            return None
        connection.send((data, draws))
        if connection.poll(seconds):
            return connection.recv()
        return None
    except (EOFError, OSError, ValueError):
        return None
    finally:
        _forget()


def _forget() -> None:
    process, connection = _started.pop()
    connection.close()
    process.join(1)
    if process.is_alive():
        process.terminate()
        process.join(5)


def _serve(connection) -> None:
    # everything the fork copied stays out of the collector's walks, which would touch (and so
    # copy) every page of it
    gc.freeze()
    try:
        _warm_up()

        if connection.poll(WAIT_SECONDS):
            data, draws = connection.recv()
            connection.send(_draw_each_forked(data, draws))
    except (EOFError, OSError):
        pass
    finally:
        connection.close()


def _warm_up() -> None:
    """Import matplotlib and draw a labelled chart nobody sees: the first drawing loads the font
    list, the font and the Agg canvas (about 0.3 s more than the import)."""
    import io

    from matplotlib.figure import Figure

    fig = Figure(figsize=(1, 1))
    axes = fig.subplots()
    axes.barh(["a"], [1])
    axes.set_title("a")
    fig.savefig(io.BytesIO(), format="png", dpi=20, bbox_inches="tight")


def _draw_each_forked(data: Any, draws: list[Callable[[Any], str | None]]) -> list[str | None]:
    """The charts, each drawn by a process forked from this one (matplotlib warm in each; a chart is
    about 0.15 s of one core's drawing, and the system spreads them over its cores). What a fork does
    not give back (it failed) is drawn here."""
    if len(draws) < 2:
        return [chart(data) for chart in draws]
    forks = []
    for chart in draws:
        readable, writable = os.pipe()
        pid = os.fork()
        if pid == 0:  # the fork: draw, hand the PNG over, end without the parent's exit handlers
            code = 1
            try:
                os.close(readable)
                with os.fdopen(writable, "wb") as out:
                    pickle.dump(chart(data), out)
                code = 0
            finally:
                os._exit(code)
        os.close(writable)
        forks.append((pid, readable))
    out: list[str | None] = []
    for chart, (pid, readable) in zip(draws, forks, strict=True):
        with os.fdopen(readable, "rb") as received:
            try:
                out.append(pickle.load(received))
            except (EOFError, pickle.UnpicklingError):
                out.append(chart(data))
        os.waitpid(pid, 0)
    return out
