"""The spaCy model loading in a process of its own while `newsclaims run` starts.

A one-article update is one core's Python from end to end: imports, the Dagster definitions, the
ingest, the syndication index, then the model (about 3 s on this machine) and one document's NLP.
Loading the model in a thread of the same process (`model.prefetch_model`) only competes with that
work for the interpreter lock: measured on one-article updates of the BBC warehouse, the syndication
and NLP steps took as long together with the thread as without it. A process forked at the command's
start, before Dagster is imported, loads it on the other core instead; the NLP step hands it the few
documents it has (`IN_PROCESS_MAX_DOCS` at most, which a run keeps in one process anyway) and gets
their rows back, and the run's own process never loads the model. A run with more documents stops it
and loads the model itself, as before (its workers are forked from it and share it).

The child is forked before Dagster starts a thread (the idle pool threads DuckDB and Arrow start at
import aside: the child uses neither), ends with its parent (`die_with_parent`), and is stopped once
the NLP step is done or the run finds nothing, or too much, to annotate.
"""

from __future__ import annotations

import sys
import time
from typing import Iterable, Iterator

#: what the parent waits, at most, for the child's model before loading it itself
READY_TIMEOUT_SECONDS = 300

#: annotated once by the child after its load, so the first real document pays no set-up
WARM_UP_TEXT = "The minister said on Monday that the talks would resume."

_WARM: dict[str, WarmModel] = {}
#: the extractor version each warm model of the run under way reported (kept once its process is
#: stopped, until the run ends: `end`)
_VERSIONS: dict[str, str] = {}


class WarmModel:
    """The parent's handle on one child process loading (then holding) the model `name`."""

    def __init__(self, name: str) -> None:
        import multiprocessing

        from pipeline.nlp.workers import die_with_parent, loads_done

        loads_done()  # a fork copies the locks a loading thread holds
        die_with_parent()  # the child ends quietly, and with this process
        context = multiprocessing.get_context("fork")
        self.name = name
        self.version: str | None = None
        self.error: str | None = None
        self._conn, child_end = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child_end, self._conn, name), name="newsclaims-warm-model", daemon=True
        )
        self._process.start()
        child_end.close()

    def ready(self, timeout: float = READY_TIMEOUT_SECONDS) -> bool:
        """Wait for the child's model; False (and the child stopped) when it failed or died."""
        if self.version is not None:
            return True
        deadline = time.monotonic() + timeout
        try:
            while not self._conn.poll(0.05):
                if not self._process.is_alive():
                    raise EOFError("the warm model process ended")
                if time.monotonic() > deadline:
                    raise EOFError(f"the warm model process was not ready after {timeout:.0f} s")
            status, value = self._conn.recv()
        except (EOFError, OSError) as exc:
            status, value = "failed", str(exc)
        if status == "ready":
            self.version = _VERSIONS[self.name] = value
            return True
        self.error = value
        self.close()
        return False

    def annotate_texts(self, items: Iterable[tuple[str, str]], batch_size: int) -> Iterator[tuple[str, dict]]:
        """annotate_texts in the child: (text, document_id) pairs → (document_id, rows), in order."""
        try:
            self._conn.send((list(items), batch_size))
            status, value = self._conn.recv()
        except (EOFError, OSError) as exc:  # the child died (killed, out of memory): the next run retries
            status, value = "failed", f"it ended before answering ({type(exc).__name__})"
        if status != "rows":
            raise RuntimeError(f"the warm model process failed: {value}")
        yield from value

    def close(self) -> None:
        """Stop the child: it ends when told to or when its pipe closes; one still loading is terminated."""
        try:
            if self.version is not None:
                self._conn.send(None)
            self._conn.close()
        except OSError:
            pass
        self._process.join(0.5 if self.version is not None else 0)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(5)


def _serve(conn, parent_end, name: str) -> None:
    """The child: load the model, say which extractor version it is, then annotate what it is sent
    until told to stop (None) or its pipe closes."""
    parent_end.close()  # the parent's end, inherited: only the parent's copy may hold the pipe open
    try:
        from pipeline import collector
        from pipeline.nlp.annotate import _annotate_here, extractor_version
        from pipeline.nlp.model import load_model

        nlp = load_model(name)
        # forked while the command held the collector: the model's heap is frozen with the rest
        collector.settle()
        # what a pipeline sets up at its first document (the claim tagger's onnxruntime session)
        list(_annotate_here(nlp, [(WARM_UP_TEXT, "warm-up")], 1))
        conn.send(("ready", extractor_version(nlp)))
    except BaseException as exc:  # noqa: BLE001 - the parent loads the model itself and meets the error there
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        items, batch_size = request
        try:
            conn.send(("rows", list(_annotate_here(nlp, items, batch_size))))
        except BaseException as exc:  # noqa: BLE001 - reported to the step, which fails as it would in-process
            conn.send(("failed", f"{type(exc).__name__}: {exc}"))


def supported() -> bool:
    """fork is what makes the child cheap (it starts from this process's imports): Linux only."""
    return sys.platform.startswith("linux")


def start(name: str) -> None:
    """Begin loading `name` in a child process (one per process: a previous one is stopped)."""
    end()
    if supported():
        _WARM[name] = WarmModel(name)


def running(name: str) -> bool:
    return name in _WARM


def reported_version(name: str) -> str | None:
    """The extractor version a warm model of `name` reported, if it has (without waiting for one still
    loading): the run's own process then has it without importing spaCy to read the installed model's
    signature (0.3-0.8 s of a one-article update)."""
    warm = _WARM.get(name)
    if warm is not None and warm.version is None and warm.error is None and warm._conn.poll(0):
        warm.ready()
    return _VERSIONS.get(name)


def _takes(documents: int) -> bool:
    """Whether a warm model annotates this many documents: some, and no more than a run keeps in
    one process anyway (`IN_PROCESS_MAX_DOCS`)."""
    from pipeline.nlp.workers import IN_PROCESS_MAX_DOCS

    return 0 < documents <= IN_PROCESS_MAX_DOCS


def take(name: str, documents: int) -> WarmModel | None:
    """The warm model for `name` when it can annotate this many documents and its load succeeded;
    else None, and any warm model is stopped (the caller loads the model itself)."""
    warm = _WARM.pop(name, None) if _takes(documents) else None
    stop()
    if warm is not None and warm.ready():
        return warm
    return None


def keep_for(name: str, documents: int) -> bool:
    """Whether a warm model for `name` will annotate this many documents (then no other prefetch is
    wanted); when it will not, it is stopped now rather than holding its memory through the run."""
    if running(name) and _takes(documents):
        return True
    stop()
    return False


def stop() -> None:
    """Stop every warm model process of this process."""
    while _WARM:
        _WARM.popitem()[1].close()


def end() -> None:
    """At the end of a run: stop every warm model process and forget the versions they reported (the
    next run, in this process or not, reads its own)."""
    stop()
    _VERSIONS.clear()
