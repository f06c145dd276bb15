"""Syndicated copies: the near-duplicate rule between two article texts, as pure functions.

A text becomes a set of word shingles (runs of SHINGLE_WORDS words) of its *body*: lower-cased
words, the first line (the headline, which outlets rewrite) and short lines (bylines, datelines,
"Read more", copyright footers) left out. A MinHash summarises the set in NUM_PERM values
(datasketch's default one, computed here: `minhash`); two texts are copies of one story when the
estimated Jaccard similarity of their shingle sets reaches MIN_JACCARD, or when the smaller one is
mostly contained in the larger (a trimmed copy:
containment = |A ∩ B| / min(|A|, |B|), estimated from the Jaccard and both set sizes) and both are
long enough for that to mean something.

Candidates are found by locality-sensitive hashing: the signature is cut into BANDS bands of
ROWS values each, and two documents sharing any band's hash are compared. With 64 bands of 2 a
pair at Jaccard 0.3 is a candidate with probability 0.998, one at 0.05 with 0.15 (then rejected by
the rule), so the index finds trimmed copies while the candidates stay few.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

#: bump when the shingling, the signature or the rule below changes: the index is rebuilt
SYNDICATION_VERSION = "syn-1"
SHINGLE_WORDS = 5
NUM_PERM = 128
BANDS = 64
ROWS = NUM_PERM // BANDS
SEED = 1
#: a line of fewer words is a byline, dateline, caption or footer, not body text
MIN_LINE_WORDS = 6
#: the rule, tuned on one half of the BBC-derived set by benchmarks/syndication.py (held-out half:
#: pairwise precision 1.000 with BBC's own near-duplicate stories set aside, 0.910 counting them; recall 0.996)
MIN_JACCARD = 0.7
MIN_CONTAINMENT = 0.7
#: containment is trusted only between texts of at least this many shingles each
MIN_CONTAINED_SHINGLES = 40

WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Fingerprint:
    signature: np.ndarray  # NUM_PERM uint64 minimum hash values
    shingle_count: int

    def to_bytes(self) -> bytes:
        return self.signature.astype("<u8").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes, shingle_count: int) -> Fingerprint:
        return cls(np.frombuffer(data, dtype="<u8").astype(np.uint64), shingle_count)


def body_words(text: str) -> list[str]:
    """The words of the text's body: headline (first non-empty line) and short lines left out;
    all the words when that leaves nothing."""
    lines = [WORD.findall(unicodedata.normalize("NFKC", line).lower()) for line in text.splitlines()]
    lines = [w for w in lines if w]
    body = [w for line in lines[1:] for w in (line if len(line) >= MIN_LINE_WORDS else ())]
    return body or [w for line in lines for w in line]


def shingles(text: str) -> set[bytes]:
    words = body_words(text)
    if len(words) < SHINGLE_WORDS:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + SHINGLE_WORDS]).encode() for i in range(len(words) - SHINGLE_WORDS + 1)}


def fingerprint(text: str) -> Fingerprint:
    found = shingles(text)
    return Fingerprint(minhash(found).astype(np.uint64), len(found))


#: MurmurHash3's 32-bit finalizer (shift, multiplier, shift, multiplier, shift)
_FMIX32 = (16, 0x85EBCA6B, 13, 0xC2B2AE35, 16)


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """The NUM_PERM affine maps h -> a * h + b (mod 2^32, `a` odd) drawn from SEED."""
    draw = np.random.RandomState(SEED)
    a = draw.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = draw.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def minhash(values: set[bytes]) -> np.ndarray:
    """The MinHash signature (NUM_PERM uint32) of a set of byte strings: datasketch 2.0's default
    `MinHash(num_perm=NUM_PERM, seed=SEED)` ("affine32": the first 4 bytes of each value's SHA-1,
    mixed by MurmurHash3's finalizer, through NUM_PERM affine maps mod 2^32, the least of each),
    value for value (tests/unit/test_syndication.py compares the two). Computed here because
    importing datasketch imports its LSH indexes and with them scipy.integrate: 0.4-0.5 s of every
    run, for 15 lines of arithmetic."""
    a, b = _permutations()
    if not values:
        return np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32)
    hv = np.fromiter(
        (int.from_bytes(hashlib.sha1(v).digest()[:4], "little") for v in values), dtype=np.uint32, count=len(values)
    )
    s1, m1, s2, m2, s3 = _FMIX32
    hv ^= hv >> np.uint32(s1)
    hv *= np.uint32(m1)
    hv ^= hv >> np.uint32(s2)
    hv *= np.uint32(m2)
    hv ^= hv >> np.uint32(s3)
    return (hv[:, None] * a + b).min(axis=0)


def band_hashes(fp: Fingerprint) -> list[int]:
    """One signed 64-bit hash per band (an empty text has none: it is nobody's copy)."""
    if fp.shingle_count == 0:
        return []
    raw = fp.signature.astype("<u8")
    return [
        int.from_bytes(
            hashlib.blake2b(raw[b * ROWS : (b + 1) * ROWS].tobytes(), digest_size=8).digest(), "little", signed=True
        )
        for b in range(BANDS)
    ]


def similarity(a: Fingerprint, b: Fingerprint) -> tuple[float, float]:
    """(estimated Jaccard, estimated containment of the smaller in the larger)."""
    jaccard, containment = similarities(
        a.signature[None, :], b.signature[None, :], np.array([a.shingle_count]), np.array([b.shingle_count])
    )
    return float(jaccard[0]), float(containment[0])


def similarities(
    signatures_a: np.ndarray, signatures_b: np.ndarray, counts_a: np.ndarray, counts_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """`similarity` of many pairs at once: row i of each (pairs × NUM_PERM) signature array and of
    each shingle-count array is pair i; a text with no shingles is nobody's copy (0, 0)."""
    counts_a, counts_b = counts_a.astype(np.float64), counts_b.astype(np.float64)
    jaccard = np.count_nonzero(signatures_a == signatures_b, axis=1) / NUM_PERM
    common = jaccard * (counts_a + counts_b) / (1 + jaccard)
    smaller = np.minimum(counts_a, counts_b)
    containment = np.minimum(1.0, common / np.where(smaller > 0, smaller, 1))
    empty = smaller == 0
    return np.where(empty, 0.0, jaccard), np.where(empty, 0.0, containment)


def is_copy(
    jaccard: float,
    containment: float,
    smaller: int,
    *,
    min_jaccard: float = MIN_JACCARD,
    min_containment: float = MIN_CONTAINMENT,
) -> bool:
    """The near-duplicate rule: similar enough overall, or a long-enough text mostly inside the other
    (numbers, or numpy arrays of many pairs: then an array of booleans)."""
    return (jaccard >= min_jaccard) | ((containment >= min_containment) & (smaller >= MIN_CONTAINED_SHINGLES))


def same_story(a: Fingerprint, b: Fingerprint) -> bool:
    jaccard, containment = similarity(a, b)
    return is_copy(jaccard, containment, min(a.shingle_count, b.shingle_count))
