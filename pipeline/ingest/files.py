"""Input folder → documents, occurrences and rejections (a pure function of the folder's files)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from pipeline.ids import text_id
from pipeline.ingest.decode import Undecodable, decode_bytes

#: Files larger than this are rejected with reason `too_large` (settings: NEWSCLAIMS_MAX_FILE_BYTES).
DEFAULT_MAX_FILE_BYTES = 5_000_000


@dataclass(frozen=True)
class Document:
    document_id: str
    text: str
    title: str
    encoding: str

    @property
    def char_count(self) -> int:
        return len(self.text)


@dataclass(frozen=True)
class Occurrence:
    path: str  # relative to the input folder, POSIX separators
    document_id: str
    size_bytes: int
    modified_at: datetime
    encoding: str


@dataclass(frozen=True)
class Rejection:
    path: str
    reason: str  # empty | binary | undecodable | too_large | unreadable | outside_input
    detail: str
    size_bytes: int | None


@dataclass
class Corpus:
    documents: dict[str, Document] = field(default_factory=dict)
    occurrences: list[Occurrence] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)

    def document_paths(self) -> dict[str, str]:
        """document_id → the first of its paths in sorted order."""
        first: dict[str, str] = {}
        for occ in sorted(self.occurrences, key=lambda o: o.path):
            first.setdefault(occ.document_id, occ.path)
        return first


def title_of(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def list_text_files(input_dir: Path) -> list[Path]:
    """Every *.txt under input_dir, recursively, in sorted order of relative path."""
    found = []
    for root, dirs, files in os.walk(input_dir, followlinks=False):
        dirs.sort()
        for name in files:
            if name.lower().endswith(".txt"):
                found.append(Path(root) / name)
    return sorted(found, key=lambda p: p.relative_to(input_dir).as_posix())


def read_corpus(input_dir: Path, max_file_bytes: int | None = None) -> Corpus:
    input_dir = Path(input_dir).resolve()
    if not input_dir.is_dir():
        raise FileNotFoundError(f"input folder {input_dir} does not exist or is not a folder")
    limit = max_file_bytes or DEFAULT_MAX_FILE_BYTES
    corpus = Corpus()
    for path in list_text_files(input_dir):
        rel = path.relative_to(input_dir).as_posix()
        try:
            real = path.resolve(strict=True)
            if not real.is_relative_to(input_dir):
                corpus.rejections.append(Rejection(rel, "outside_input", f"link points outside the input folder to {real}", None))
                continue
            stat = real.stat()
            if stat.st_size > limit:
                corpus.rejections.append(Rejection(rel, "too_large", f"{stat.st_size} bytes exceeds the limit of {limit}", stat.st_size))
                continue
            data = real.read_bytes()
        except OSError as exc:
            corpus.rejections.append(Rejection(rel, "unreadable", str(exc), None))
            continue
        try:
            decoded = decode_bytes(data)
        except Undecodable as exc:
            corpus.rejections.append(Rejection(rel, exc.reason, exc.detail, len(data)))
            continue
        if not decoded.text.strip():
            corpus.rejections.append(Rejection(rel, "empty", "no text after decoding" if decoded.text == "" else "whitespace only", len(data)))
            continue
        doc_id = text_id(decoded.text)
        corpus.documents.setdefault(doc_id, Document(doc_id, decoded.text, title_of(decoded.text), decoded.encoding))
        corpus.occurrences.append(Occurrence(
            rel, doc_id, len(data),
            datetime.fromtimestamp(stat.st_mtime, tz=timezone.utc).replace(tzinfo=None),
            decoded.encoding))
    return corpus
