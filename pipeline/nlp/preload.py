"""The spaCy model loaded in a fork server while `newsclaims run` builds a new warehouse.

A new warehouse's run spends its first seconds on one core: Python imports Dagster, dbt and the
definitions, then ingests, then indexes syndicated copies, and only then does the NLP step need the
model. Loaded in a thread of the run's process (`model.prefetch_model`) the model competes with that
work for the interpreter lock: the syndication step took 1.1 s alone and 2.6 s beside the load
(BBC, this machine). So at the command's start, before Dagster is imported, `start` launches
multiprocessing's fork server with this module preloaded: the server, a fresh interpreter, imports
spaCy and loads the model on the core the start leaves idle, and the NLP step's workers are forked
from it (`context`), sharing its model copy-on-write as they shared the run's own before. The run's
process never loads the model; the server is stopped once the NLP step is done (`stop`).

`model_for` is the NLP step's question: a handle (with the extractor version the server's model
stamps) when a server was started for that model and loaded it, else None, and the step loads the
model itself as before (a server that failed to load says why, in the run's log). A one-article
update keeps its own warm process (pipeline/nlp/warm.py); a process that keeps its model between runs
(`newsclaims watch`, the tests) starts no server.
"""

from __future__ import annotations

import gc
import os
from typing import Iterable, Iterator

#: set only in the fork server's environment, to the model it loads at import
ENV = "NEWSCLAIMS_PRELOAD_MODEL"
#: how long the NLP step waits, at most, for the server's model before loading the model itself
READY_TIMEOUT_SECONDS = 300

#: in the fork server: what it loaded (name, version) or why it could not (error)
_SERVED: dict[str, str] = {}
#: in the run's process: the model the server was started for, and what the server answered
_STARTED: dict[str, str | None] = {}
#: the extractor version the server of the run under way reported (kept once it is stopped, until the
#: run ends: `end`)
_VERSIONS: dict[str, str] = {}


class PreloadedModel:
    """The run's handle on the model in the fork server: the extractor version it stamps, and its
    annotation in workers forked from the server."""

    def __init__(self, name: str, version: str) -> None:
        self.name = name
        self.version = version

    def annotate_texts(
        self, items: Iterable[tuple[str, str]], batch_size: int, n_process: int
    ) -> Iterator[tuple[str, dict[str, list[dict]]]]:
        """annotate.annotate_texts' rows, from max(1, n_process) workers forked from the server."""
        from pipeline.nlp.pool import annotate_in_workers

        return annotate_in_workers(items, batch_size, max(1, n_process), context())


def context():
    import multiprocessing

    return multiprocessing.get_context("forkserver")


def supported() -> bool:
    """Whether this platform has multiprocessing's fork server (not Windows)."""
    import multiprocessing

    return "forkserver" in multiprocessing.get_all_start_methods()


def start(model: str) -> None:
    """Launch the fork server loading `model` (returns at once; the server loads in the background).
    A no-op where there is no fork server: the NLP step then loads the model itself."""
    from multiprocessing import forkserver

    end()
    if not supported():
        return
    context().set_forkserver_preload([__name__])
    os.environ[ENV] = model
    try:
        forkserver.ensure_running()
    finally:
        del os.environ[ENV]  # nothing else this process starts loads a model at import
    _STARTED.clear()
    _STARTED["name"] = model


def serving(model: str) -> bool:
    """Whether this process started a fork server for `model` (loaded or not yet asked)."""
    return _STARTED.get("name") == model and failure() is None


def model_for(model: str) -> PreloadedModel | None:
    """The server's model when one was started for `model` and loaded it (the first call waits for
    the load), else None: the caller loads the model itself. Raises nothing."""
    if _STARTED.get("name") != model:
        return None
    if "answer" not in _STARTED:
        _STARTED["answer"] = _ask_server()
    answer = _STARTED["answer"]
    if not answer or not answer.startswith("version "):
        return None
    return PreloadedModel(model, answer.removeprefix("version "))


def reported_version(model: str) -> str | None:
    """The extractor version the server of this run reported for `model` (also once it is stopped),
    else None; asks a server started for `model` and not yet asked."""
    served = model_for(model)
    return served.version if served is not None else _VERSIONS.get(model)


def failure() -> str | None:
    """Why the server started for this run could not serve its model (None when it could or was not asked)."""
    answer = _STARTED.get("answer")
    return None if answer is None or answer.startswith("version ") else answer


def stop() -> None:
    """Stop the fork server (its model's memory goes back to the system) once the NLP step is done;
    the version it reported is kept until the run ends. A no-op without one."""
    from multiprocessing import forkserver

    if _STARTED:
        served = model_for(_STARTED["name"]) if "answer" in _STARTED else None
        if served is not None:
            _VERSIONS[served.name] = served.version
        _STARTED.clear()
        stopper = getattr(forkserver._forkserver, "_stop", None)
        if stopper is not None:
            stopper()


def end() -> None:
    """At the end of a run: stop the server if it still runs, and forget the version it reported."""
    stop()
    _VERSIONS.clear()


def _ask_server() -> str:
    """'version V' from a worker forked from the server once its model is loaded, else the reason."""
    from concurrent.futures import ProcessPoolExecutor

    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=context()) as pool:
            return pool.submit(_served).result(timeout=READY_TIMEOUT_SECONDS)
    except Exception as exc:  # the server died, or cannot fork: the step loads the model itself
        return f"the model's fork server did not answer: {type(exc).__name__}: {exc}"


def _served() -> str:
    """In a worker forked from the server: what the server loaded."""
    if "version" in _SERVED:
        return f"version {_SERVED['version']}"
    return _SERVED.get("error", "the fork server loaded no model")


def _load_in_server(name: str) -> None:
    """In the fork server, at its import of this module: load the model where the workers it forks
    find it (annotate's worker model), end them with it, and freeze what they inherit."""
    try:
        from pipeline.nlp.annotate import extractor_version
        from pipeline.nlp.model import load_model
        from pipeline.nlp.pool import WORKER_MODEL
        from pipeline.nlp.workers import die_with_parent

        nlp = load_model(name)
        WORKER_MODEL["nlp"] = nlp
        _SERVED["version"] = extractor_version(nlp)
        die_with_parent()  # a worker ends with the server, which ends with the run
        gc.collect()
        gc.freeze()  # the workers' collections never write into the model's pages they share
    except Exception as exc:  # reported to the run, which then loads the model itself
        _SERVED["error"] = f"the fork server could not load {name}: {type(exc).__name__}: {exc}"


if os.environ.get(ENV):
    _load_in_server(os.environ.pop(ENV))
