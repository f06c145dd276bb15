"""How the annotation step cuts documents into batches for its workers: whole batches while the
corpus lasts, smaller ones at its end so that no worker is left with a whole batch alone."""

from __future__ import annotations

import pytest

from pipeline.nlp.annotate import spacy_slices
from pipeline.nlp.pool import TAIL_BATCH_DOCS, generations, worker_batches


@pytest.mark.parametrize("count", [0, 1, 31, 32, 33, 95, 96, 97, 100, 1000])
def test_every_item_once_and_in_order(count):
    batches = list(worker_batches(range(count), 32, 2))
    assert [i for b in batches for i in b] == list(range(count))
    assert all(b for b in batches)


def test_whole_batches_while_the_corpus_lasts_then_shrinking_ones():
    sizes = [len(b) for b in worker_batches(range(1000), 32, 2)]
    # 1000 items: whole batches until fewer than three batches' worth (n_process + 1) are left
    whole = sizes.index(next(s for s in sizes if s < 32))
    assert sizes[:whole] == [32] * whole and 1000 - 32 * whole < 32 * 3
    tail = sizes[whole:]
    assert tail == sorted(tail, reverse=True), tail
    # every tail batch is at most a quarter of the remaining share per worker (never below the minimum)
    left = 1000 - 32 * whole
    for size in tail:
        assert size <= max(TAIL_BATCH_DOCS, -(-left // 8)), (size, left)
        left -= size
    assert tail[-1] <= TAIL_BATCH_DOCS


def test_reads_only_a_few_batches_ahead():
    read = []

    def source():
        for i in range(10_000):
            read.append(i)
            yield i

    batches = worker_batches(source(), 32, 2)
    next(batches)
    assert len(read) == 32 * 3  # n_process + 1 batches read ahead, nothing more


def test_spacy_slices_are_bounded_by_documents_and_characters_in_order():
    items = [("x" * n, (k,)) for k, n in enumerate([10, 10, 10, 25, 5, 5, 5, 5, 5, 60, 1, 1])]
    slices = list(spacy_slices(items, 4, 30))
    assert [i for s in slices for i in s] == items
    assert [[ctx[0] for _, ctx in s] for s in slices] == [[0, 1, 2], [3, 4], [5, 6, 7, 8], [9], [10, 11]]
    # a slice never passes either bound, except a single item longer than the character bound
    assert all(len(s) <= 4 and (sum(len(t) for t, _ in s) <= 30 or len(s) == 1) for s in slices)
    assert list(spacy_slices([], 4, 30)) == []


@pytest.mark.parametrize("count", [0, 1, 4, 5, 9, 10, 11])
def test_generations_cut_the_items_in_order_and_read_them_lazily(count):
    read = []

    def source():
        for i in range(count):
            read.append(i)
            yield i

    runs = []
    for run in generations(source(), 5):
        assert len(read) == 5 * len(runs) + 1  # nothing of this run read beyond its first item yet
        runs.append(list(run))
    assert [i for r in runs for i in r] == list(range(count))
    assert [len(r) for r in runs] == [5] * (count // 5) + ([count % 5] if count % 5 else [])
