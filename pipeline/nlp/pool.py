"""The NLP workers' pool: batches of documents handed to worker processes a few ahead, the last
ones smaller, and fresh workers every generation of documents (annotate.annotate_texts with
n_process > 1, and the fork server's workers of preload.py).

The workers find the model in WORKER_MODEL: set in the parent just before they are forked from it,
or in the fork server they are forked from. Nothing here imports spaCy: a run whose model lives in
the fork server never imports it in its own process.
"""

from __future__ import annotations

import itertools
from collections import deque
from typing import Iterable, Iterator

from pipeline.nlp.workers import in_forked_worker, release_freed_memory, released_first, shared_with_forks


#: Batches handed to the workers ahead of the one being collected, per worker: enough to keep every
#: worker busy while this process writes, few enough that memory stays flat whatever the corpus.
BATCHES_AHEAD_PER_WORKER = 2
#: The smallest batch the last documents are cut into (see `worker_batches`).
TAIL_BATCH_DOCS = 2


def worker_batches(items: Iterable, batch_size: int, n_process: int) -> Iterator[list]:
    """The items in batches of batch_size for n_process workers, in order, the last ones smaller.

    A worker handed a whole batch when the others have nothing left keeps one core busy while the
    rest idle (up to a batch's time, about 6 s for 32 BBC articles): once the items run out, what is
    left is cut into batches of about a quarter of its share per worker (never below
    TAIL_BATCH_DOCS), so every worker finishes within a few documents of the others. Enough items
    are read ahead (n_process + 1 batches) to see the end coming; a corpus read in chunks stays so."""
    source = iter(items)
    buffer: deque = deque()
    ahead = batch_size * (n_process + 1)
    exhausted = False
    while True:
        if not exhausted:
            wanted = ahead - len(buffer)
            buffer.extend(itertools.islice(source, wanted))
            exhausted = len(buffer) < ahead
        if not buffer:
            return
        size = batch_size
        if exhausted:
            size = min(batch_size, max(TAIL_BATCH_DOCS, -(-len(buffer) // (4 * n_process))))
        yield [buffer.popleft() for _ in range(min(size, len(buffer)))]


#: The model the workers use: set in the parent just before they are forked from it, or in the fork
#: server they are forked from (pipeline/nlp/preload.py).
WORKER_MODEL: dict[str, object] = {}


def _annotate_batch(batch: list[tuple[str, str]], batch_size: int) -> list[tuple[str, dict[str, list[dict]]]]:
    """In a worker: one batch of (text, document_id) through spaCy and the extractors (what the
    previous batch freed handed back to the system first)."""
    from pipeline.nlp.annotate import _annotate_here  # imported where the model was loaded

    release_freed_memory()
    return list(_annotate_here(WORKER_MODEL["nlp"], batch, batch_size))


#: Documents one generation of worker processes annotates; then they end and fresh ones are forked
#: from this process for the next documents. A worker's memory creeps up the longer it runs (pages
#: shared with this process copied one by one as it touches them, its heap fragmenting): on ten
#: copies of BBC the two workers' private memory rose by about 100 MB in their first 400 s, and a
#: 10× run lasts half an hour. A generation bounds that whatever the corpus, at the cost of one
#: tail (see worker_batches) and a fork per generation: a corpus of up to this many documents
#: (BBC's 2,127 at 1×) runs in one generation.
WORKER_GENERATION_DOCS = 2_500


def generations(items: Iterable, size: int) -> Iterator[Iterator]:
    """The items in consecutive runs of at most size, each read lazily; a run is only started once
    the one before it has been read to its end."""
    source = iter(items)
    while True:
        first = next(source, _END)
        if first is _END:
            return
        yield itertools.chain((first,), itertools.islice(source, size - 1))


_END = object()


def annotate_in_workers(
    items: Iterable[tuple[str, str]], batch_size: int, n_process: int, context
) -> Iterator[tuple[str, dict[str, list[dict]]]]:
    """The rows of each (text, document_id), in order, from n_process workers started by the
    multiprocessing context, who find the model in WORKER_MODEL: forked from this process (the
    "fork" context, `_annotate_in_workers`), or from the fork server that loaded it
    (pipeline/nlp/preload.py)."""
    for generation in generations(items, WORKER_GENERATION_DOCS):
        yield from _annotate_in_one_generation(generation, batch_size, n_process, context)


def _annotate_in_one_generation(
    items: Iterable[tuple[str, str]], batch_size: int, n_process: int, context
) -> Iterator[tuple[str, dict[str, list[dict]]]]:
    from concurrent.futures import ProcessPoolExecutor

    forked_here = context.get_start_method() == "fork"
    batches = worker_batches(items, batch_size, n_process)
    ahead = max(1, n_process * BATCHES_AHEAD_PER_WORKER)
    pending: deque = deque()
    # the objects frozen for workers forked here are unfrozen once they are gone; a fork server's
    # workers end quietly like them (its fork hook's signal settings are undone by the server), and
    # this process first hands back what the steps before freed (ten copies of BBC: the syndication
    # index's 0.1-0.2 GB, otherwise held beside the new workers through their first seconds)
    with shared_with_forks() if forked_here else released_first():
        pool = ProcessPoolExecutor(
            max_workers=n_process, mp_context=context, initializer=None if forked_here else in_forked_worker
        )
        try:

            def submit_next() -> bool:
                batch = next(batches, None)
                if batch:
                    pending.append(pool.submit(_annotate_batch, batch, batch_size))
                return bool(batch)

            more = True
            while more and len(pending) < ahead:
                more = submit_next()
            while pending:
                done = pending.popleft().result()
                if more:
                    more = submit_next()
                yield from done
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
