"""Corroboration: which claims of one speaker say the same thing, as pure functions.

Two claims of the same resolved speaker (entity) are the same statement when their contents are
near-identical in wording (word-set Jaccard at least MIN_WORD_JACCARD, the copies a wire story
leaves) or in meaning (cosine similarity of their all-MiniLM-L6-v2 sentence embeddings at least
MIN_COSINE, what independent reports paraphrasing one statement share). A cluster is a
connected group of such pairs within one speaker's claims; claims of different speakers are never
compared.
"""

from __future__ import annotations

import re

import numpy as np

from pipeline.nlp.stop_words import english_stop_words

#: bump when the rule below changes: every speaker's clusters are recomputed
#: cc-2: meaning compared only across documents, on shared anchors; cc-3: only the speakers of changed
#: documents looked at (a warehouse clustered before that is looked at whole once)
CLUSTER_VERSION = "cc-3"
#: tuned on benchmarks/claim_clusters.py (invented paraphrased reports beside BBC-derived copies)
MIN_COSINE = 0.75
MIN_WORD_JACCARD = 0.6
#: anchors two claims must share to be compared by meaning: on the benchmark, 2 keeps every
#: paraphrase (precision and recall as comparing all pairs) and embeds a quarter of the texts;
#: 3 loses a fifth of the invented paraphrases
MIN_SHARED_ANCHORS = 2

WORD = re.compile(r"\w+")


def content_words(text: str) -> frozenset[str]:
    return frozenset(WORD.findall((text or "").lower()))


def anchors(text: str, ignore: frozenset[str] = frozenset()) -> frozenset[str]:
    """The words of a claim's content that a paraphrase keeps: not stop words, not single letters,
    not in `ignore` (the speaker's own name)."""
    stop = english_stop_words()
    return frozenset(w for w in content_words(text) if len(w) > 1 and w not in stop and w not in ignore)


def name_words(*names: str | None) -> frozenset[str]:
    return frozenset(w for n in names for w in content_words(n or ""))


def word_jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


class _Groups:
    """Union-find over claim indexes; a group is named by its smallest index."""

    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)

    def labels(self) -> list[int]:
        return [self.find(i) for i in range(len(self.parent))]


def wording_clusters(contents: list[str], min_word_jaccard: float = MIN_WORD_JACCARD) -> list[int]:
    """Groups joined by wording alone (word-set Jaccard), a label per claim (the smallest index).

    Claims with the same set of words (a syndicated copy's claims, a repeated line) are compared
    once, through the first of them: they join each other (a non-empty set's Jaccard with itself
    is 1) and whatever that one joins, so the pairs compared fall with the square of the copies.
    Every claim is new to `grown_wording`, which compares each distinct set with the ones before."""
    return grown_wording(contents, [None] * len(contents), min_word_jaccard)


def grown_wording(
    contents: list[str], previous: list[int | None], min_word_jaccard: float = MIN_WORD_JACCARD
) -> list[int]:
    """`wording_clusters` of a speaker's claims when only some are new: `previous[i]` is the index
    of the claim naming old claim i's stored cluster (None for a new claim). The old clusters stand
    (they joined by wording and by meaning already) and only the new claims are compared by wording,
    with every claim: the same groups as comparing every pair, at the cost of the new claims alone.
    Labels are the smallest index in each group."""
    groups = _Groups(len(contents))
    first: dict[frozenset[str], int] = {}
    for i, p in enumerate(previous):
        if p is not None:
            groups.join(i, p)
            first.setdefault(content_words(contents[i]), i)
    for i, p in enumerate(previous):
        if p is not None:
            continue
        words = content_words(contents[i])
        if words in first:
            if word_jaccard(words, words) >= min_word_jaccard:
                groups.join(first[words], i)
            continue
        for other, j in first.items():
            if word_jaccard(words, other) >= min_word_jaccard:
                groups.join(i, j)
        first[words] = i
    return groups.labels()


def meaning_pairs(
    contents: list[str],
    documents: list[str],
    ignore: frozenset[str] = frozenset(),
    wording: list[int] | None = None,
    min_shared: int = MIN_SHARED_ANCHORS,
    new: set[int] | None = None,
) -> list[tuple[int, int]]:
    """The pairs (i < j) of one speaker's claims to compare by meaning: in different documents,
    sharing at least `min_shared` anchors, and not already in one group by wording (`wording`,
    from `wording_clusters` or `grown_wording`): comparing those could join nothing more. `new`:
    only the pairs with a new claim in them (the old ones were compared when they were clustered).
    Only the claims in some pair need an embedding."""
    by_word: dict[str, list[int]] = {}
    for i, text in enumerate(contents):
        for w in anchors(text, ignore):
            by_word.setdefault(w, []).append(i)
    shared: dict[tuple[int, int], int] = {}

    def note(i: int, j: int) -> None:
        if documents[i] != documents[j] and (wording is None or wording[i] != wording[j]):
            shared[i, j] = shared.get((i, j), 0) + 1

    if new is None:
        for members in by_word.values():
            for a, i in enumerate(members):
                for j in members[a + 1 :]:
                    note(i, j)
    else:
        for members in by_word.values():
            fresh = [i for i in members if i in new]
            for i in fresh:
                for j in members:
                    if j != i and (j not in new or i < j):
                        note(min(i, j), max(i, j))
    return sorted(pair for pair, count in shared.items() if count >= min_shared)


def cluster(
    contents: list[str],
    embeddings: np.ndarray | None,
    *,
    pairs: list[tuple[int, int]] | None = None,
    wording: list[int] | None = None,
    min_cosine: float = MIN_COSINE,
    min_word_jaccard: float = MIN_WORD_JACCARD,
) -> list[int]:
    """One speaker's claims → a cluster number per claim (the smallest index in its group).

    Every pair is compared by wording (or `wording`, the labels of `wording_clusters`, already
    computed); by meaning, only `pairs` (`meaning_pairs`), or every pair when None. Rows of
    `embeddings` outside `pairs` are not read (they may be zeros)."""
    n = len(contents)
    groups = _Groups(n)
    for i, label in enumerate(wording or wording_clusters(contents, min_word_jaccard)):
        groups.join(i, label)
    if n > 1:
        if pairs is None:
            sims = embeddings @ embeddings.T
            for i in range(n):
                for j in range(i + 1, n):
                    if sims[i, j] >= min_cosine:
                        groups.join(i, j)
        elif pairs:
            a, b = np.asarray(pairs).T
            close = np.einsum("ij,ij->i", embeddings[a], embeddings[b]) >= min_cosine
            for i, j in zip(a[close].tolist(), b[close].tolist(), strict=True):
                groups.join(i, j)
    return groups.labels()
