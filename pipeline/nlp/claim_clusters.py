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

#: bump when the rule below changes: every speaker's clusters are recomputed
CLUSTER_VERSION = "cc-1"
#: tuned on benchmarks/claim_clusters.py (invented paraphrased reports beside BBC-derived copies)
MIN_COSINE = 0.75
MIN_WORD_JACCARD = 0.6

WORD = re.compile(r"\w+")


def content_words(text: str) -> frozenset[str]:
    return frozenset(WORD.findall((text or "").lower()))


def word_jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def cluster(
    contents: list[str],
    embeddings: np.ndarray,
    *,
    min_cosine: float = MIN_COSINE,
    min_word_jaccard: float = MIN_WORD_JACCARD,
) -> list[int]:
    """One speaker's claims → a cluster number per claim (the smallest index in its group)."""
    n = len(contents)
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    if n > 1:
        sims = embeddings @ embeddings.T
        words = [content_words(c) for c in contents]
        for i in range(n):
            for j in range(i + 1, n):
                if sims[i, j] >= min_cosine or word_jaccard(words[i], words[j]) >= min_word_jaccard:
                    ri, rj = find(i), find(j)
                    if ri != rj:
                        parent[max(ri, rj)] = min(ri, rj)
    return [find(i) for i in range(n)]
