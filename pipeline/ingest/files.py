"""Input folder → documents, occurrences and rejections (a pure function of the folder's files).

Every file under the input folder ends up in exactly one place: a document (through its
occurrence) or a rejection with a human-readable reason. Hidden files and folders (names starting
with a dot: `.DS_Store`, `.git/`, editor swap files) are not input and are skipped silently.

Rejection reasons:
  empty          no text, or whitespace only
  binary         a known binary format (PDF, ZIP, image, ...), NUL bytes or control characters
  undecodable    no text encoding fits the bytes
  not_text       not a *.txt file (newsclaims reads *.txt only)
  too_large      larger than NEWSCLAIMS_MAX_FILE_BYTES (never read past that limit)
  unreadable     permission denied, not a regular file (a FIFO, a device), vanished while read
  outside_input  a symbolic link pointing outside the input folder (never followed)
  language       confidently not English and long enough to be sure (see ingest/language.py)
  error          anything else that went wrong for this one file (the exception is in the detail)
"""

from __future__ import annotations

import errno
import os
import re
import stat as stat_mod
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from pipeline.ids import text_id
from pipeline.ingest.decode import Undecodable, decode_bytes
from pipeline.ingest.language import LanguagePolicy, detect_language
from pipeline.settings import Settings

#: Files larger than this are rejected with reason `too_large` (settings: NEWSCLAIMS_MAX_FILE_BYTES).
DEFAULT_MAX_FILE_BYTES = Settings.max_file_bytes
TEXT_SUFFIX = ".txt"
REASONS = (
    "empty",
    "binary",
    "undecodable",
    "not_text",
    "too_large",
    "unreadable",
    "outside_input",
    "language",
    "error",
)


@dataclass(frozen=True)
class Document:
    document_id: str
    text: str
    title: str
    encoding: str
    language: str | None = None
    language_confidence: float | None = None
    #: processed although not confidently English (short, uncertain, or short foreign text)
    language_uncertain: bool | None = None
    #: invalid UTF-8 sequences replaced by U+FFFD when the file was decoded
    decode_errors: int = 0

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
    decode_errors: int = 0


@dataclass(frozen=True)
class Rejection:
    path: str
    reason: str  # one of REASONS
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


def stored_path(rel: str) -> str:
    """A relative path as the warehouse stores it: one text per name, never two names to one text.

    File names are bytes on Linux. A name that is valid UTF-8 and has no backslash is stored as it
    is (almost every name). Any other name is escaped: each byte that is not UTF-8 becomes
    ``\\xNN`` and each backslash ``\\\\``. An escaped name always holds a backslash and a plain one
    never does, so the mapping cannot collide (a name holding the raw byte 0xE9 and a name spelt
    with the four characters ``\\xe9`` stay two paths), and `name_bytes` recovers the raw bytes.
    """
    raw = os.fsencode(rel)
    try:
        text = raw.decode("utf-8")
        if "\\" not in text:
            return text
    except UnicodeDecodeError:
        pass
    out = []
    for ch in raw.decode("utf-8", "surrogateescape"):
        if ch == "\\":
            out.append("\\\\")
        elif "\udc80" <= ch <= "\udcff":
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        else:
            out.append(ch)
    return "".join(out)


_ESCAPE = re.compile(r"\\(\\|x[0-9a-f]{2})")


def name_bytes(stored: str) -> bytes:
    """The raw bytes of a name stored by `stored_path` (its inverse)."""
    if "\\" not in stored:
        return stored.encode("utf-8")
    out, pos = bytearray(), 0
    for m in _ESCAPE.finditer(stored):
        out += stored[pos : m.start()].encode("utf-8")
        out += b"\\" if m.group(1) == "\\" else bytes([int(m.group(1)[1:], 16)])
        pos = m.end()
    out += stored[pos:].encode("utf-8")
    return bytes(out)


def _hidden(name: str) -> bool:
    return name.startswith(".")


def walk_input(input_dir: Path) -> Iterator[Path]:
    """Every non-hidden file (or link) under input_dir, recursively, sorted by relative path.

    Symbolic links to folders are not descended into; they are yielded like files, so a link that
    points outside the folder is reported rather than silently ignored.
    """
    found = []
    for root, dirs, files in os.walk(input_dir, followlinks=False):
        linked_dirs = [d for d in dirs if os.path.islink(os.path.join(root, d))]
        dirs[:] = sorted(d for d in dirs if not _hidden(d) and d not in linked_dirs)
        for name in files + linked_dirs:
            if not _hidden(name):
                found.append(Path(root) / name)
    return iter(sorted(found, key=lambda p: p.relative_to(input_dir).as_posix()))


def list_text_files(input_dir: Path) -> list[Path]:
    """Every non-hidden *.txt under input_dir, recursively, in sorted order of relative path."""
    return [p for p in walk_input(input_dir) if p.name.lower().endswith(TEXT_SUFFIX)]


def _read_bounded(real: Path, limit: int) -> tuple[bytes, os.stat_result]:
    """The file's bytes, never reading more than limit + 1 of them.

    Raises _TooLarge or _NotRegular, or OSError. The size is checked on the open descriptor
    (no race between a check and the read), and the read itself is capped, so a file that grows
    while it is read cannot exhaust memory either.
    """
    fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
    try:
        st = os.fstat(fd)
        if not stat_mod.S_ISREG(st.st_mode):
            raise _NotRegular(st)
        if st.st_size > limit:
            raise _TooLarge(st, st.st_size)
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            raise _TooLarge(st, None)
        return b"".join(chunks), st
    finally:
        os.close(fd)


class _TooLarge(Exception):
    def __init__(self, st: os.stat_result, size: int | None):
        self.st, self.size = st, size


class _NotRegular(Exception):
    def __init__(self, st: os.stat_result):
        self.st = st


def _kind(mode: int) -> str:
    for test, name in (
        (stat_mod.S_ISFIFO, "a named pipe"),
        (stat_mod.S_ISSOCK, "a socket"),
        (stat_mod.S_ISCHR, "a character device"),
        (stat_mod.S_ISBLK, "a block device"),
        (stat_mod.S_ISDIR, "a folder"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def read_corpus(
    input_dir: Path,
    max_file_bytes: int | None = None,
    language_policy: LanguagePolicy | None = None,
    on_file: Callable[[], None] | None = None,
) -> Corpus:
    """Every file under the folder, read, decoded and deduplicated, or rejected with a reason;
    `on_file()` is called after each (a progress bar)."""
    input_dir = Path(input_dir).resolve()
    if not input_dir.is_dir():
        raise FileNotFoundError(f"input folder {input_dir} does not exist or is not a folder")
    limit = max_file_bytes or DEFAULT_MAX_FILE_BYTES
    policy = language_policy or LanguagePolicy()
    corpus = Corpus()

    def reject(rel: str, reason: str, detail: str, size: int | None) -> None:
        corpus.rejections.append(Rejection(rel, reason, detail, size))

    def read_one(path: Path, rel: str) -> None:
        try:
            real = path.resolve(strict=True)
        except RuntimeError:  # Python < 3.13 raises RuntimeError for a loop of links
            reject(rel, "unreadable", "symbolic link loop (the link points back at itself); not followed", None)
            return
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                reject(rel, "unreadable", "symbolic link loop (the link points back at itself); not followed", None)
            else:
                reject(rel, "unreadable", f"broken link or vanished file ({exc.strerror or exc})", None)
            return
        if not real.is_relative_to(input_dir):
            reject(
                rel,
                "outside_input",
                f"symbolic link to {stored_path(str(real))}, outside the input folder; not followed",
                None,
            )
            return
        if real.is_dir():
            return  # a link to a folder inside the input: its files are read where they are
        if not path.name.lower().endswith(TEXT_SUFFIX):
            suffix = path.suffix.lower() or "without an extension"
            reject(
                rel,
                "not_text",
                f"file type {stored_path(suffix)} is not read; newsclaims reads *.txt files only",
                _size_or_none(real),
            )
            return
        try:
            data, st = _read_bounded(real, limit)
        except _TooLarge as exc:
            size = exc.size if exc.size is not None else exc.st.st_size
            reject(
                rel,
                "too_large",
                f"{size} bytes exceeds the limit of {limit} (NEWSCLAIMS_MAX_FILE_BYTES); not read",
                size,
            )
            return
        except _NotRegular as exc:
            reject(rel, "unreadable", f"{_kind(exc.st.st_mode)}, not a regular file; not read", None)
            return
        except OSError as exc:
            reject(rel, "unreadable", exc.strerror or str(exc), None)
            return
        try:
            decoded = decode_bytes(data)
        except Undecodable as exc:
            reject(rel, exc.reason, exc.detail, len(data))
            return
        if not decoded.text.strip():
            reject(rel, "empty", "no text after decoding" if decoded.text == "" else "whitespace only", len(data))
            return
        doc_id = text_id(decoded.text)
        doc = corpus.documents.get(doc_id)
        if doc is None:
            guess = detect_language(decoded.text)
            if policy.rejects(decoded.text, guess):
                reject(rel, "language", policy.reason_detail(decoded.text, guess), len(data))
                return
            doc = Document(
                doc_id,
                decoded.text,
                title_of(decoded.text),
                decoded.encoding,
                guess.language,
                guess.confidence,
                policy.uncertain(guess),
                decoded.decode_errors,
            )
            corpus.documents[doc_id] = doc
        corpus.occurrences.append(
            Occurrence(
                rel,
                doc_id,
                len(data),
                datetime.fromtimestamp(st.st_mtime, tz=timezone.utc).replace(tzinfo=None),
                decoded.encoding,
                decoded.decode_errors,
            )
        )

    for path in walk_input(input_dir):
        rel = stored_path(path.relative_to(input_dir).as_posix())
        try:
            read_one(path, rel)
        except Exception as exc:  # noqa: BLE001 - one odd file must never stop the scan
            reject(rel, "error", f"unexpected {type(exc).__name__} while reading: {exc}", None)
        if on_file is not None:
            on_file()
    return corpus


def _size_or_none(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None
