"""Input folder → documents, occurrences and rejections (a pure function of the folder's files).

Every file under the input folder ends up in exactly one place: a document (through its
occurrence) or a rejection with a human-readable reason. Hidden files and folders (names starting
with a dot: `.DS_Store`, `.git/`, editor swap files) are not input and are skipped silently.

Rejection reasons:
  empty          no text, or whitespace only
  binary         a known binary format (PDF, ZIP, image, ...), NUL bytes or control characters
  undecodable    no text encoding fits the bytes
  not_text       not a file type newsclaims reads (see READ_SUFFIXES), or a metadata sidecar
                 (NAME.meta.json) with no NAME.txt / NAME.html beside it
  too_large      larger than NEWSCLAIMS_MAX_FILE_BYTES (never read past that limit)
  unreadable     permission denied, not a regular file (a FIFO, a device), vanished while read
  outside_input  a symbolic link pointing outside the input folder (never followed)
  language       confidently not English and long enough to be sure (see ingest/language.py)
  bad_record     one record of a feed (JSON Lines, JSON, CSV/TSV) that is not an article: invalid
                 JSON, no text field, a field of the wrong type, a row with too many fields; its
                 path is `FILE#LINE`, and the other records load
  error          anything else that went wrong for this one file (the exception is in the detail)

Formats (`pipeline/ingest/formats.py` parses them): `.txt` (with an optional `NAME.meta.json`
sidecar), `.jsonl`/`.ndjson`, `.json`, `.csv`, `.tsv`, `.html`/`.htm`, and each of them gzipped
(`.gz`). A feed record's path is `FILE#ID` (its `id`) or `FILE#LINE`. The byte limit applies to a
file's decompressed size too (a gzip bomb is rejected as too_large without being inflated).

Incremental: `read_corpus(..., known=)` takes each file's state from the last scan
(`FileState`): a file whose size and modification time (and its sidecar's) are unchanged is not
read at all (`Corpus.kept_files`); a JSON Lines or CSV/TSV feed that only grew (the bytes read
last time are the same, by sha256) is read from where the last scan stopped
(`Corpus.appended_files`); anything else is read whole.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import json
import os
import zlib
import re
import stat as stat_mod
from dataclasses import astuple, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from collections.abc import Callable, Iterable, Iterator, Mapping

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.ids import text_id
from pipeline.ingest.decode import Undecodable, decode_bytes
from pipeline.ingest.formats import BadRecord, Meta, extract_html, iter_csv, iter_json_document
from pipeline.ingest.formats import iter_json_lines, parse_sidecar
from pipeline.ingest.language import LanguagePolicy, detect_language
from pipeline.settings import Settings

#: Files larger than this are rejected with reason `too_large` (settings: NEWSCLAIMS_MAX_FILE_BYTES).
DEFAULT_MAX_FILE_BYTES = Settings.max_file_bytes
TEXT_SUFFIX = ".txt"
#: file name ending (lower case, before an optional ".gz") → format
READ_SUFFIXES = {
    ".txt": "txt",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "tsv",
    ".html": "html",
    ".htm": "html",
}
SIDECAR_SUFFIX = ".meta.json"
GZIP_SUFFIX = ".gz"
#: formats a grown file of which is read from where the last scan stopped
APPENDABLE = ("jsonl", "csv", "tsv")
#: formats holding many articles (records), read by read_feed
FEED_FORMATS = ("jsonl", "json", "csv", "tsv")
#: formats a sidecar NAME.meta.json can describe
WITH_SIDECAR = ("txt", "html")
#: bump when reading a file gives other documents than before: every file is read again once
INGEST_VERSION = "2"
#: with a spill folder, a scan writes the documents it holds to a Parquet file there whenever their
#: text passes this many characters, so a big folder's texts are never all in memory at once
SPILL_TEXT_CHARS = 32_000_000
#: new texts whose language is detected together (in parallel when read_corpus is given a map)
LANGUAGE_BATCH = 512
#: the columns of a spilled document (those of raw.documents a scan knows)
SPILL_SCHEMA = pa.schema(
    [
        ("document_id", pa.string()),
        ("text", pa.string()),
        ("title", pa.string()),
        ("char_count", pa.int32()),
        ("encoding", pa.string()),
        ("language", pa.string()),
        ("language_confidence", pa.float64()),
        ("language_uncertain", pa.bool_()),
        ("decode_errors", pa.int32()),
    ]
)
REASONS = (
    "empty",
    "binary",
    "undecodable",
    "not_text",
    "too_large",
    "unreadable",
    "outside_input",
    "language",
    "bad_record",
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
    path: str  # relative to the input folder, POSIX separators; a feed record's is FILE#ID or FILE#LINE
    document_id: str
    size_bytes: int
    modified_at: datetime
    encoding: str
    decode_errors: int = 0
    #: the file it came from (= path for a file holding one article)
    file_path: str | None = None
    format: str = "txt"
    #: the line a feed record starts on
    line: int | None = None
    meta: Meta = field(default_factory=Meta)


@dataclass(frozen=True)
class Rejection:
    path: str
    reason: str  # one of REASONS
    detail: str
    size_bytes: int | None
    file_path: str | None = None


@dataclass(frozen=True)
class FileState:
    """What the last scan knew of one file it read: enough to skip it, or read only what was added."""

    path: str
    #: ingest version and limits, size and modification time of the file (and of its sidecar)
    fingerprint: str
    format: str
    #: decompressed bytes consumed (up to a line end) and their sha256; None: read whole next time
    read_bytes: int | None = None
    prefix_sha256: str | None = None
    #: the line number the unread rest starts on
    next_line: int | None = None
    #: a CSV/TSV feed's header (JSON list), to read appended rows
    header: str | None = None


class FileStates(Mapping[str, FileState]):
    """The last scan's FileState per path, kept as the rows read from the warehouse: a FileState is
    made only for a path looked up (a scan looks up each of its files, but only the changed ones
    use more than the fingerprint; making 21,270 of them took 0.2 s of a one-article update)."""

    def __init__(self, rows: Iterable[tuple]):
        self._rows = {row[0]: row for row in rows}

    @classmethod
    def of(cls, states: Mapping[str, FileState]) -> FileStates:
        """The same states as a FileStates (kept as is when they are one)."""
        return states if isinstance(states, FileStates) else cls(astuple(s) for s in states.values())

    def __getitem__(self, path: str) -> FileState:
        return FileState(*self._rows[path])

    def fingerprint(self, path: str) -> str | None:
        row = self._rows.get(path)
        return row[1] if row is not None else None

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


@dataclass
class Corpus:
    documents: dict[str, Document] = field(default_factory=dict)
    occurrences: list[Occurrence] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    #: files unchanged since the last scan: not read; their documents and rejections stand
    kept_files: set[str] = field(default_factory=set)
    #: feeds read from where the last scan stopped (file → the line it went on from): their earlier
    #: records and rejections stand, but those of lines from there on are read again
    appended_files: dict[str, int] = field(default_factory=dict)
    #: the state of each file read this scan (a kept file's state stands)
    file_states: list[FileState] = field(default_factory=list)
    #: documents written to spill files (Parquet, SPILL_SCHEMA) instead of being held in `documents`
    spilled_ids: set[str] = field(default_factory=set)
    spilled_parts: list[Path] = field(default_factory=list)

    def document_count(self) -> int:
        return len(self.documents) + len(self.spilled_ids)

    def documents_table(self) -> pa.Table:
        """The documents held in memory as a table of SPILL_SCHEMA."""
        return pa.Table.from_pylist(
            [
                dict(
                    document_id=d.document_id,
                    text=d.text,
                    title=d.title,
                    char_count=d.char_count,
                    encoding=d.encoding,
                    language=d.language,
                    language_confidence=d.language_confidence,
                    language_uncertain=d.language_uncertain,
                    decode_errors=d.decode_errors,
                )
                for d in self.documents.values()
            ],
            schema=SPILL_SCHEMA,
        )

    def spill(self, folder: Path) -> None:
        """Write the documents held in memory to a Parquet file in `folder` and let go of their text."""
        if not self.documents:
            return
        Path(folder).mkdir(parents=True, exist_ok=True)
        part = Path(folder) / f"documents-{len(self.spilled_parts):05d}.parquet"
        pq.write_table(self.documents_table(), part)
        self.spilled_parts.append(part)
        self.spilled_ids.update(self.documents)
        self.documents = {}

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
    return (Path(p) for p in _walk(input_dir))


def list_files(input_dir: Path) -> list[str]:
    """walk_input's paths as strings (none for a folder that does not exist): read_corpus's `listing`."""
    return _walk(Path(input_dir).resolve())


def _walk(input_dir: Path) -> list[str]:
    """walk_input's paths as strings (the scan works on strings: a Path per file, and its str()
    again and again, were a fifth of a 21,270-file scan)."""
    found = []
    # plain strings, not pathlib: a folder of 20,000 files is listed in a fraction of a second
    prefix = len(os.path.join(str(input_dir), ""))
    for root, dirs, files in os.walk(input_dir, followlinks=False):
        linked_dirs = [d for d in dirs if os.path.islink(os.path.join(root, d))]
        dirs[:] = sorted(d for d in dirs if not _hidden(d) and d not in linked_dirs)
        for name in files + linked_dirs:
            if not _hidden(name):
                found.append(os.path.join(root, name))
    found.sort(key=lambda p: p[prefix:].replace(os.sep, "/"))
    return found


def file_format(name: str) -> tuple[str | None, bool]:
    """(format, gzipped) from a file name; format None for a type not read, "sidecar" for NAME.meta.json."""
    lower = name.lower()
    gz = lower.endswith(GZIP_SUFFIX)
    if gz:
        lower = lower[: -len(GZIP_SUFFIX)]
    if lower.endswith(SIDECAR_SUFFIX) and not gz:
        return "sidecar", False
    for suffix, fmt in READ_SUFFIXES.items():
        if lower.endswith(suffix):
            return fmt, gz
    return None, gz


def sidecar_of(path: Path | str) -> str:
    """NAME.meta.json beside NAME.txt, NAME.html, NAME.txt.gz, ..."""
    folder, name = os.path.split(path)
    if name.lower().endswith(GZIP_SUFFIX):
        name = name[: -len(GZIP_SUFFIX)]
    return os.path.join(folder, name.rsplit(".", 1)[0] + SIDECAR_SUFFIX)


def list_text_files(input_dir: Path) -> list[Path]:
    """Every non-hidden file of a type newsclaims reads under input_dir (sidecars included, so a
    changed sidecar counts as a change), recursively, in sorted order of relative path."""
    return [p for p in walk_input(input_dir) if file_format(p.name)[0] is not None]


def _gunzip_bounded(data: bytes, limit: int) -> bytes:
    """The decompressed bytes (every gzip member), never inflating more than limit + 1 of them.

    Raises _Inflated when the decompressed size exceeds the limit (a gzip bomb stops there),
    Undecodable when the bytes are not gzip."""
    out, total = [], 0
    rest = data
    try:
        while rest:
            d = zlib.decompressobj(wbits=31)
            chunk = d.decompress(rest, limit + 1 - total)
            out.append(chunk)
            total += len(chunk)
            while d.unconsumed_tail and total <= limit:
                chunk = d.decompress(d.unconsumed_tail, limit + 1 - total)
                out.append(chunk)
                total += len(chunk)
                if not chunk:
                    break
            if total > limit:
                raise _Inflated()
            if not d.eof:
                raise Undecodable("undecodable", "gzip data cut short (the file ends inside the stream)")
            rest = d.unused_data.lstrip(b"\x00")
    except zlib.error as exc:
        raise Undecodable("undecodable", f"not valid gzip data ({exc})") from None
    return b"".join(out)


class _Inflated(Exception):
    pass


def _read_bounded(real: Path | str, limit: int) -> tuple[bytes, os.stat_result]:
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


def _fingerprint(policy: str, st: os.stat_result, sidecar: str | None) -> str:
    parts = [policy, f"{st.st_size}:{st.st_mtime_ns}"]
    if sidecar is not None:
        try:
            sst = os.stat(sidecar)
            parts.append(f"sidecar {sst.st_size}:{sst.st_mtime_ns}")
        except OSError:
            pass
    return "|".join(parts)


def _utc_naive(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=timezone.utc).replace(tzinfo=None)


def read_corpus(
    input_dir: Path,
    max_file_bytes: int | None = None,
    language_policy: LanguagePolicy | None = None,
    on_file: Callable[[], None] | None = None,
    known: Mapping[str, FileState] | None = None,
    spill_dir: Path | None = None,
    map_: Callable | None = None,
    listing: list[str] | None = None,
) -> Corpus:
    """Every file under the folder, read, decoded and deduplicated, or rejected with a reason;
    `on_file()` is called after each (a progress bar). `known`: the last scan's FileState per file
    path (see the module's docstring); files unchanged since are not read. `spill_dir`: a folder
    the documents' text goes to (Corpus.spill) whenever more than SPILL_TEXT_CHARS is held.

    The language of each new text is detected in batches (LANGUAGE_BATCH documents, a feed's
    records, whatever is held before a spill) by `map_(detect_language, texts)` when given
    (workers.process_map's: the one costly step of a scan, spread over processes), else here; a
    text rejected then takes every occurrence of it with it, as if detected on the spot. `listing`:
    list_files(input_dir), when the caller listed the folder already."""
    input_dir = Path(input_dir).resolve()
    if not input_dir.is_dir():
        raise FileNotFoundError(f"input folder {input_dir} does not exist or is not a folder")
    limit = max_file_bytes or DEFAULT_MAX_FILE_BYTES
    policy = language_policy or LanguagePolicy()
    policy_key = f"ingest {INGEST_VERSION} max {limit} lang {policy.min_chars}/{policy.min_confidence}"
    known = FileStates.of(known or {})
    corpus = Corpus()
    held = {"chars": 0}
    detect = map_ or (lambda func, items: [func(x) for x in items])
    #: new documents whose language is not known yet, and where the scan stood at the first of them
    undetected: list[str] = []
    since = {"occurrences": 0, "file_states": 0}

    def reject(rel: str, reason: str, detail: str, size: int | None, file_path: str | None = None) -> None:
        corpus.rejections.append(Rejection(rel, reason, detail, size, file_path))

    def add_article(
        rel: str,
        file_rel: str,
        text: str,
        encoding: str,
        decode_errors: int,
        size: int,
        mtime: datetime,
        fmt: str,
        line: int | None = None,
        meta: Meta | None = None,
    ) -> bool:
        if not text.strip():
            reject(rel, "empty", "no text after decoding" if text == "" else "whitespace only", size, file_rel)
            return False
        doc_id = text_id(text)
        if doc_id not in corpus.documents and doc_id not in corpus.spilled_ids:
            if not undetected:
                since.update(occurrences=len(corpus.occurrences), file_states=len(corpus.file_states))
            undetected.append(doc_id)
            corpus.documents[doc_id] = Document(doc_id, text, title_of(text), encoding, decode_errors=decode_errors)
            held["chars"] += len(text)
        corpus.occurrences.append(
            Occurrence(rel, doc_id, size, mtime, encoding, decode_errors, file_rel, fmt, line, meta or Meta())
        )
        return True

    def between_articles() -> None:
        """Where a batch of languages may be detected and the texts spilled: after a whole file (its
        FileState is in), or after a feed record."""
        if len(undetected) >= LANGUAGE_BATCH:
            detect_languages()
        if spill_dir is not None and held["chars"] > SPILL_TEXT_CHARS:
            detect_languages()
            corpus.spill(spill_dir)
            held["chars"] = 0

    def detect_languages() -> None:
        """The language of every undetected document; a rejected one's occurrences become rejections
        (and a file holding one article is read again next time, as a rejected file is)."""
        if not undetected:
            return
        docs = [corpus.documents[d] for d in undetected]
        undetected.clear()
        rejected: dict[str, str] = {}
        for doc, guess in zip(docs, detect(detect_language, [d.text for d in docs]), strict=True):
            if policy.rejects(doc.text, guess):
                rejected[doc.document_id] = policy.reason_detail(doc.text, guess)
                del corpus.documents[doc.document_id]
                held["chars"] -= len(doc.text)
            else:
                corpus.documents[doc.document_id] = replace(
                    doc,
                    language=guess.language,
                    language_confidence=guess.confidence,
                    language_uncertain=policy.uncertain(guess),
                )
        if not rejected:
            return
        start, kept, unread = since["occurrences"], [], set()
        for o in corpus.occurrences[start:]:
            if o.document_id in rejected:
                reject(o.path, "language", rejected[o.document_id], o.size_bytes, o.file_path)
                if o.format not in FEED_FORMATS:
                    unread.add(o.file_path)
            else:
                kept.append(o)
        corpus.occurrences[start:] = kept
        first_state = since["file_states"]
        corpus.file_states[first_state:] = [f for f in corpus.file_states[first_state:] if f.path not in unread]

    def read_sidecar(name: str) -> Meta:
        sidecar = Path(name)
        if not sidecar.exists():
            return Meta()
        try:
            real = sidecar.resolve(strict=True)
            if not real.is_relative_to(input_dir):
                return Meta(problems=("sidecar: a symbolic link outside the input folder; not followed",))
            data, _ = _read_bounded(real, limit)
            return parse_sidecar(decode_bytes(data).text)
        except _TooLarge:
            return Meta(problems=(f"sidecar: larger than {limit} bytes; not read",))
        except (_NotRegular, OSError, RuntimeError, Undecodable) as exc:
            return Meta(problems=(f"sidecar: not read ({type(exc).__name__}: {exc})",))

    def read_feed(rel, fmt, data, st, state: FileState | None, fingerprint) -> None:
        detect_languages()  # what a rejection removes is then this feed's records only (first_occurrence holds)
        mtime = _utc_naive(st.st_mtime)
        first_line, header, start = 1, None, 0
        if (
            state is not None
            and fmt in APPENDABLE
            and state.format == fmt
            and state.read_bytes is not None
            and len(data) >= state.read_bytes
            and hashlib.sha256(data[: state.read_bytes]).hexdigest() == state.prefix_sha256
        ):
            start, first_line = state.read_bytes, state.next_line or 1
            header = json.loads(state.header) if state.header else None
            corpus.appended_files[rel] = first_line
        try:
            decoded = decode_bytes(data[start:])
        except Undecodable as exc:
            if start:  # the added part alone: reject the added records, keep the earlier ones
                reject(f"{rel}#{first_line}", "bad_record", exc.detail, len(data) - start, rel)
                return
            reject(rel, exc.reason, exc.detail, len(data))
            return
        text = decoded.text
        if fmt == "jsonl":
            records = iter_json_lines(text, first_line)
        elif fmt == "json":
            records = iter_json_document(text)
        else:
            delimiter = "\t" if fmt == "tsv" else ","
            if header is None and start == 0:
                header_line = text.split("\n", 1)[0]
                header = [h.strip().lower() for h in next(csv.reader([header_line], delimiter=delimiter), [])]
                records = iter_csv(text, delimiter)
            else:
                records = iter_csv(text, delimiter, header, first_line)
        first_occurrence, first_rejection = len(corpus.occurrences), len(corpus.rejections)
        consumed = 0
        for item, end in records:
            if end == 0 or text[end - 1] == "\n":
                consumed = max(consumed, end)
            if item is None:
                continue
            if isinstance(item, BadRecord):
                reject(f"{rel}#{item.line}", item.reason, item.detail, None, rel)
                continue
            key = item.meta.record_id or str(item.line)
            size = len(item.text.encode("utf-8"))
            add_article(
                f"{rel}#{key}",
                rel,
                item.text,
                decoded.encoding,
                decoded.decode_errors,
                size,
                mtime,
                fmt,
                item.line,
                item.meta,
            )
            between_articles()
        detect_languages()  # before the same-id rule: a record rejected for its language never wins
        # the same id twice in one file: the later record wins
        latest = {o.path: o for o in corpus.occurrences[first_occurrence:]}
        corpus.occurrences[first_occurrence:] = list(latest.values())
        if start == 0 and len(corpus.occurrences) == first_occurrence and len(corpus.rejections) == first_rejection:
            detail = "no records" if fmt in ("jsonl", "json") else "no rows under the header"
            reject(rel, "empty", detail if text.strip() else "no text after decoding", len(data))
            return
        appendable = fmt in APPENDABLE and decoded.encoding.startswith("utf-8") and decoded.decode_errors == 0
        read_to = start + (3 if decoded.encoding == "utf-8-bom" else 0) + len(text[:consumed].encode("utf-8"))
        corpus.file_states.append(
            FileState(
                rel,
                fingerprint,
                fmt,
                read_bytes=read_to if appendable else None,
                prefix_sha256=hashlib.sha256(data[:read_to]).hexdigest() if appendable else None,
                next_line=first_line + text.count("\n", 0, consumed) if appendable else None,
                header=json.dumps(header) if appendable and header is not None else None,
            )
        )

    def read_one(path: str, rel: str) -> None:
        st_now = None
        try:
            lst = os.lstat(path)
        except OSError:
            lst = None
        if lst is not None and stat_mod.S_ISREG(lst.st_mode):
            # a regular file where the walk found it (the walk never enters a linked folder, and the
            # input folder is resolved): it is its own real path, inside the input
            real, st_now = path, lst
            if not sidecars and known.fingerprint(rel) == _fingerprint(policy_key, lst, None):
                # unchanged since the last scan (no folder here has sidecars to look at): kept
                # without looking at its name again (a tenth of a 21,270-file scan)
                corpus.kept_files.add(rel)
                return
        else:
            try:
                real = Path(path).resolve(strict=True)
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
        name = os.path.basename(path)
        fmt, gz = file_format(name)
        if fmt == "sidecar":
            stem = name[: -len(SIDECAR_SUFFIX)]
            folder = os.path.dirname(path)
            if any(
                READ_SUFFIXES[s] in WITH_SIDECAR and os.path.exists(os.path.join(folder, stem + s + z))
                for s in READ_SUFFIXES
                for z in ("", GZIP_SUFFIX)
            ):
                return  # read with its article
            reject(
                rel,
                "not_text",
                f"a metadata sidecar with no {stored_path(stem)}.txt or .html beside it; not read",
                _size_or_none(real),
            )
            return
        if fmt is None:
            suffix = Path(name).suffix.lower() or "without an extension"
            reject(
                rel,
                "not_text",
                f"file type {stored_path(suffix)} is not read; newsclaims reads "
                f"{', '.join('*' + s for s in READ_SUFFIXES)} files (and the same gzipped, *.gz)",
                _size_or_none(real),
            )
            return
        sidecar = sidecar_of(path) if fmt in WITH_SIDECAR else None
        try:
            # a sidecar the walk did not find is not there to stat (a failed stat per article)
            fingerprint = _fingerprint(policy_key, st_now or os.stat(real), sidecar if sidecar in walked else None)
        except OSError:
            fingerprint = None
        if fingerprint is not None and fingerprint == known.fingerprint(rel):
            corpus.kept_files.add(rel)  # its state stands as it is
            return
        state = known.get(rel)
        try:
            data, st = _read_bounded(real, limit)
            if gz:
                data = _gunzip_bounded(data, limit)
        except _TooLarge as exc:
            size = exc.size if exc.size is not None else exc.st.st_size
            reject(
                rel,
                "too_large",
                f"{size} bytes exceeds the limit of {limit} (NEWSCLAIMS_MAX_FILE_BYTES); not read",
                size,
            )
            return
        except _Inflated:
            reject(
                rel,
                "too_large",
                f"decompresses to more than the limit of {limit} bytes (NEWSCLAIMS_MAX_FILE_BYTES); "
                "not decompressed further",
                _size_or_none(real),
            )
            return
        except _NotRegular as exc:
            reject(rel, "unreadable", f"{_kind(exc.st.st_mode)}, not a regular file; not read", None)
            return
        except Undecodable as exc:
            reject(rel, exc.reason, exc.detail, _size_or_none(real))
            return
        except OSError as exc:
            reject(rel, "unreadable", exc.strerror or str(exc), None)
            return
        if fingerprint is None:
            fingerprint = _fingerprint(policy_key, st, sidecar)
        if fmt in FEED_FORMATS:
            read_feed(rel, fmt, data, st, state, fingerprint)
            return
        try:
            decoded = decode_bytes(data)
        except Undecodable as exc:
            reject(rel, exc.reason, exc.detail, len(data))
            return
        text, meta = decoded.text, Meta()
        if fmt == "html" and decoded.text.strip():
            article = extract_html(decoded.text)
            if article is None:
                reject(rel, "empty", "no main text found in the page", len(data))
                return
            text, meta = article.text, article.meta
        if sidecar is not None:
            meta = read_sidecar(sidecar).over(meta)
        if add_article(
            rel, rel, text, decoded.encoding, decoded.decode_errors, len(data), _utc_naive(st.st_mtime), fmt, meta=meta
        ):
            corpus.file_states.append(FileState(rel, fingerprint, fmt))

    prefix = len(os.path.join(str(input_dir), ""))
    paths = listing if listing is not None else _walk(input_dir)
    walked = set(paths)
    sidecars = any(p.lower().endswith(SIDECAR_SUFFIX) for p in paths)
    for path in paths:
        rel = stored_path(path[prefix:].replace(os.sep, "/"))
        try:
            read_one(path, rel)
        except Exception as exc:  # noqa: BLE001 - one odd file must never stop the scan
            reject(rel, "error", f"unexpected {type(exc).__name__} while reading: {exc}", None)
        between_articles()
        if on_file is not None:
            on_file()
    detect_languages()
    used = {o.document_id for o in corpus.occurrences}
    corpus.documents = {k: d for k, d in corpus.documents.items() if k in used}
    corpus.spilled_ids &= used  # a spilled document no occurrence holds any more is not written
    return corpus


def _size_or_none(path: Path | str) -> int | None:
    try:
        return os.stat(path).st_size
    except OSError:
        return None
