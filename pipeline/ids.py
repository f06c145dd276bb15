"""Stable identifiers: the same inputs give the same id on every machine and every run."""
from __future__ import annotations

import hashlib


def stable_id(*parts: object, length: int = 16) -> str:
    """Hex digest of the parts joined with a separator no part contains in practice."""
    joined = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:length]


def text_id(text: str) -> str:
    """document_id: a hash of the decoded text, so one article under two names is one document."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]
