"""spaCy's worker processes (nlp.pipe with n_process > 1) end quietly, and with the process that started them.

spaCy forks its workers with multiprocessing and stops them with SIGTERM when the pipe ends. A fork
inherits the parent's signal handlers, and inside a Dagster step that is Dagster's, which turns
SIGTERM into an exception: every worker would print a traceback at the end of every pipe. And a run
killed outright (SIGKILL, the OOM killer) never stops them: they would wait on their pipes forever,
each holding a loaded model.

`die_with_parent()` registers a fork hook: in every process forked from this one afterwards,
SIGTERM gets its default action (end, silently) and SIGINT is ignored (the parent handles Ctrl-C
and stops its workers), and on Linux the kernel is asked to send SIGTERM when the parent dies
(prctl PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from contextlib import contextmanager
from functools import lru_cache, wraps
from typing import Callable, Iterator, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")

PR_SET_PDEATHSIG = 1

#: annotate_texts' default: spaCy in the calling process (a run passes its `n_process` setting).
IN_PROCESS = 1
#: A run with at most this many documents to annotate keeps them in its own process whatever its
#: `n_process`: forking the workers from a process holding the model, and their first batch's set-up,
#: cost more than a second core saves on so few (one BBC article: about 0.25 s of spaCy and extractors).
IN_PROCESS_MAX_DOCS = 4


def processes_for(documents: int, n_process: int) -> int:
    """The processes annotate_texts should use for this many documents (see IN_PROCESS_MAX_DOCS)."""
    return n_process if documents > IN_PROCESS_MAX_DOCS else IN_PROCESS


_registered = False
#: threads loading a model in the background (`start_loading`): a fork waits for them (`loads_done`)
_LOADING: list[threading.Thread] = []


def start_loading(target: Callable[[], object], name: str) -> threading.Thread:
    """Run `target` (a model load) in a daemon thread that every fork of this process waits for: a
    fork copies the locks a thread holds at that moment (the load's own lock, an import's), and a
    child would wait on them for ever."""
    thread = threading.Thread(target=target, name=name, daemon=True)
    _LOADING.append(thread)
    thread.start()
    return thread


def loads_done() -> None:
    """Wait for the threads `start_loading` started; called before each fork of this process."""
    while _LOADING:
        _LOADING.pop().join()


def loaded_once(name: str) -> Callable[[Callable[[], T]], Callable[[], T]]:
    """Decorator for a model load: the model is loaded once per process, a caller arriving while
    another thread loads it waits for that load, and `.preload()` starts the load in a thread
    (`start_loading`, named `name`). `.cache_clear()` / `.cache_info()` as functools.lru_cache's."""

    def wrap(load: Callable[[], T]) -> Callable[[], T]:
        lock = threading.Lock()
        cached = lru_cache(maxsize=1)(load)

        @wraps(load)
        def get() -> T:
            with lock:
                return cached()

        get.preload = lambda: start_loading(get, name)  # type: ignore[attr-defined]
        get.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        get.cache_info = cached.cache_info  # type: ignore[attr-defined]
        return get

    return wrap


@lru_cache(maxsize=1)
def _libc():
    """The C library's functions (prctl, malloc_trim) on Linux, else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def in_forked_worker() -> None:
    """In a worker: end quietly (SIGTERM ends it, SIGINT is its parent's to handle) and with its parent."""
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except (ValueError, OSError):
        pass
    libc = _libc()
    if libc is None:
        return
    try:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() == 1:  # the parent died between fork and prctl
            os._exit(1)
    except (OSError, AttributeError):
        pass


def die_with_parent() -> None:
    """Register, once per process, the fork hook described above."""
    global _registered
    if _registered or not hasattr(os, "register_at_fork"):
        return
    os.register_at_fork(after_in_child=in_forked_worker)
    _registered = True


def release_freed_memory() -> None:
    """Give the memory malloc holds free back to the system (glibc's malloc_trim), and Arrow's pool
    what it keeps for reuse when this process uses Arrow. A worker's batch frees a few hundred MB of
    arrays and objects that glibc otherwise keeps for reuse, and they count in the run's memory the
    whole time; called between batches it costs a few milliseconds. A no-op where there is no glibc
    (Arrow's part aside)."""
    trim = getattr(_libc(), "malloc_trim", None)
    if trim is not None:
        trim(0)
    arrow = sys.modules.get("pyarrow")  # never imported for this
    if arrow is not None:
        arrow.default_memory_pool().release_unused()


def collect_and_release() -> None:
    """Collect garbage, then hand the freed heap back to the system (`release_freed_memory`): after
    dropping a model, or before forking."""
    import gc

    gc.collect()
    release_freed_memory()


@contextmanager
def released_first() -> Iterator[None]:
    """`collect_and_release` before the block: around starting workers, so that neither this process
    nor a fork of it keeps holding what the steps before freed."""
    collect_and_release()
    yield


@contextmanager
def shared_with_forks() -> Iterator[None]:
    """Around forking workers that share this process's memory copy-on-write: collect garbage, move
    every object left to the collector's permanent generation (gc.freeze), and hand freed heap back to
    the system; on leaving, give the objects back to the collector (gc.unfreeze). A worker's garbage
    collections then never write into the objects it inherited (each write copies the page: the whole
    model and everything the run read, once per worker), and the holes freed objects leave are not
    copied either."""
    import gc

    with released_first():
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()


class Child:
    """A function running in a process forked from this one (`start_child`); `result()` waits for it."""

    def __init__(self, process, answers) -> None:
        self._process, self._answers = process, answers

    def result(self):
        """The function's return value (pickled over a pipe), or its exception raised here with the
        child's traceback as a note. Leaving early (Ctrl-C, an error here) stops the child: SIGTERM,
        then SIGKILL after END_GRACE_SECONDS."""
        try:
            try:
                kind, value, trace = self._answers.recv()
            except EOFError:
                self._process.join()
                raise RuntimeError(
                    f"the process forked for this step ended ({self._process.exitcode}) without an answer"
                ) from None
            if kind == "ok":
                return value
            if isinstance(value, BaseException):
                value.add_note(f"(raised in the process forked for this step)\n{trace}")
                raise value
            raise RuntimeError(f"the process forked for this step failed:\n{trace}")
        finally:
            self._answers.close()
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(END_GRACE_SECONDS)
                if self._process.is_alive():
                    self._process.kill()
            self._process.join()


def _child_main(func: Callable[[], R], then: Callable[[], None] | None, answers) -> None:
    import traceback

    try:
        try:
            answer = ("ok", func(), "")
        finally:
            if then is not None:
                then()
    except BaseException as e:  # noqa: BLE001 - every failure goes back to the parent
        answer = ("error", e, traceback.format_exc())
    try:
        answers.send(answer)
    except Exception:  # noqa: BLE001 - an unpicklable result or exception: its text goes back
        answers.send(("error", None, answer[2] or traceback.format_exc()))
    answers.close()


def start_child(func: Callable[[], R], then: Callable[[], None] | None = None) -> Child:
    """Run `func()` in one process forked from this one (with what it shares, and nothing to import
    or pickle but the result), while this process goes on; `Child.result()` waits for it.

    For a step that reads and writes many documents in one stretch (a big folder's scan, its
    syndication index): what it allocates and frees fragments the child's heap, which ends with the
    step, not this process's. On ten copies of BBC this process held 0.49 GB (PSS) when the NLP step
    started, against 0.40 GB on one copy, with the same objects alive in both: the difference was the
    holes the scan and the index left in its heap (glibc's free lists and Python's arenas), which no
    trim hands back. The child is forked like process_map's workers (ends with this process; SIGINT
    is this process's to handle). DuckDB allows one writing process: the caller lets go of the
    warehouse before, and `then()` runs in the child after `func` (closing the warehouse it opened)."""
    import multiprocessing

    loads_done()
    die_with_parent()
    context = multiprocessing.get_context("fork")
    answers, answer = context.Pipe(duplex=False)
    with released_first():
        process = context.Process(target=_child_main, args=(func, then, answer), name="newsclaims-step", daemon=False)
        process.start()
    answer.close()
    return Child(process, answers)


def run_in_child(func: Callable[[], R], then: Callable[[], None] | None = None) -> R:
    """`func()` (then `then()`) in a process forked from this one (`start_child`), its result returned here."""
    return start_child(func, then).result()


#: below this many items a map stays in this process: starting the processes would cost more
MAP_MIN_ITEMS = 128

#: seconds a map's workers get to end after SIGTERM before they are killed (SIGKILL)
END_GRACE_SECONDS = 5.0


def _end_pool(pool) -> None:
    """Stop a Pool's workers: SIGTERM (`Pool.terminate`), then SIGKILL for any still alive after
    END_GRACE_SECONDS. `Pool.terminate` waits for each worker without a time limit, so one worker that
    outlives SIGTERM (it ignores or blocks the signal, or a fork copied a lock it is stuck on and the
    parent's Python handler never runs) would hang the step, and the run, for ever. SIGKILL cannot be
    caught, blocked or ignored. `Pool` keeps its workers in `_pool` (no public name for them)."""
    import threading

    ender = threading.Thread(target=pool.terminate, name="newsclaims-pool-end", daemon=True)
    ender.start()
    ender.join(END_GRACE_SECONDS)
    if ender.is_alive():
        for worker in list(getattr(pool, "_pool", ())):
            if worker.exitcode is None:
                worker.kill()
        ender.join(END_GRACE_SECONDS)


@contextmanager
def process_map(
    processes: int, start: bool = False, before_fork: Callable[[], None] | None = None
) -> Iterator[Callable[[Callable[[T], R], Sequence[T]], list[R]]]:
    """A `map(func, items)` that returns `[func(x) for x in items]`, spread over `processes` worker
    processes when there are enough items (MAP_MIN_ITEMS), in the items' order: for pure
    per-document work (a language guess, a MinHash signature) in a step that otherwise uses one core.

    The workers are forked from this process (they share its memory and modules: nothing to import
    or pickle but the items). A fork copies the locks other threads hold at that moment, so the
    workers start at the first map that needs them, or on entering with `start`: before the caller
    starts a thread of its own (the model prefetch). They end on leaving, killed if they outlive
    SIGTERM by END_GRACE_SECONDS (`_end_pool`). `before_fork` is called before they are forked
    (the run lets go of the warehouse it kept open)."""
    pool = None

    def open_pool() -> None:
        nonlocal pool
        if pool is None and processes > 1:
            import multiprocessing

            if before_fork is not None:
                before_fork()

            loads_done()
            die_with_parent()
            # what this process freed but still holds would stay in every worker's copy of it
            # (counted once per worker after this process hands it back)
            with released_first():
                pool = multiprocessing.get_context("fork").Pool(processes)

    def map_(func: Callable[[T], R], items: Sequence[T]) -> list[R]:
        if processes <= 1 or len(items) < MAP_MIN_ITEMS:
            return [func(x) for x in items]
        open_pool()
        return pool.map(func, items, chunksize=max(1, min(64, -(-len(items) // (4 * processes)))))

    if start:
        open_pool()
    try:
        yield map_
    finally:
        if pool is not None:
            _end_pool(pool)
