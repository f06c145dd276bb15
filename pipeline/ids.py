"""Stable identifiers: the same inputs give the same id on every machine and every run."""

from __future__ import annotations

import hashlib
from pathlib import Path


def stable_id(*parts: object, length: int = 16) -> str:
    """Hex digest of the parts joined with a separator no part contains in practice."""
    joined = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:length]


def text_id(text: str) -> str:
    """document_id: a hash of the decoded text, so one article under two names is one document."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
