"""Articles out of feed files (JSON Lines, JSON, CSV/TSV), saved HTML pages and metadata sidecars.

Pure functions over decoded text: no file system, no warehouse. `pipeline/ingest/files.py` reads
the bytes (bounded, decompressed), decodes them and hands the text here.

A feed record is an object (a JSON object, a CSV row under its header) with the article's text in
`text` (or `content`, or `body`) and optional metadata in FIELDS; any other field is kept, as
JSON, in `Meta.extra`. Each record comes back as an `Article` or a `BadRecord` with its line
number (1-based, the line where the record starts), so one bad record never stops the rest.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Iterator

from dateutil import parser as date_parser

#: where a record's text may be, in order of preference
TEXT_FIELDS = ("text", "content", "body")
#: metadata fields with a column of their own (everything else goes to Meta.extra)
FIELDS = ("id", "title", "url", "publisher", "published_at", "author", "language")
#: one record's `id` longer than this is not used in its path (the line number is)
MAX_ID_CHARS = 200


@dataclass(frozen=True)
class Meta:
    """Metadata given with an article (feed record, HTML page or sidecar); every field optional."""

    title: str | None = None
    url: str | None = None
    publisher: str | None = None
    #: the publication time, timezone-aware (a date without a zone is taken as UTC)
    published_at: datetime | None = None
    #: published_at as given, before parsing
    published_at_text: str | None = None
    author: str | None = None
    #: the language the record declares (the text's language is still detected)
    language: str | None = None
    record_id: str | None = None
    #: the other fields of the record, as given
    extra: dict = field(default_factory=dict)
    #: what was wrong with the metadata without stopping the article (an unparseable date, a bad sidecar)
    problems: tuple[str, ...] = ()

    def over(self, base: "Meta") -> "Meta":
        """This metadata over `base`: each field set here wins, extras and problems are merged."""
        values = {
            name: getattr(self, name) if getattr(self, name) is not None else getattr(base, name)
            for name in ("title", "url", "publisher", "published_at", "published_at_text", "author", "language")
        }
        if self.published_at_text is not None:
            values["published_at"] = self.published_at
        return replace(
            base,
            **values,
            record_id=self.record_id or base.record_id,
            extra={**base.extra, **self.extra},
            problems=base.problems + self.problems,
        )

    def extra_json(self) -> str | None:
        return json.dumps(self.extra, ensure_ascii=False, sort_keys=True, default=str) if self.extra else None


@dataclass(frozen=True)
class Article:
    text: str
    meta: Meta
    line: int | None = None


@dataclass(frozen=True)
class BadRecord:
    line: int
    reason: str  # "bad_record" (invalid JSON, no text, wrong types) or "empty" (blank text)
    detail: str


# --- dates -------------------------------------------------------------------------------------

_EPOCH_DIGITS = re.compile(r"^\d{9,11}(\.\d+)?$")


def parse_published_at(value: object) -> tuple[datetime | None, str | None]:
    """(aware datetime, problem): ISO 8601, RFC 2822 (RSS), plain dates, Unix seconds.

    The offset given is kept as the instant's zone; a time without a zone is taken as UTC.
    """
    if value is None or value == "":
        return None, None
    if isinstance(value, bool):
        return None, f"published_at {value!r} is not a date"
    if isinstance(value, (int, float)) or (isinstance(value, str) and _EPOCH_DIGITS.match(value.strip())):
        try:
            return datetime.fromtimestamp(float(value), tz=timezone.utc), None
        except (OverflowError, OSError, ValueError):
            return None, f"published_at {value!r} is not a date"
    if not isinstance(value, str):
        return None, f"published_at must be a string, not {type(value).__name__}"
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        try:  # RFC 2822 as in RSS, with its named zones (EST, PDT, GMT, ...)
            parsed = parsedate_to_datetime(value.strip())
        except (TypeError, ValueError, IndexError):
            try:
                parsed = date_parser.parse(value.strip(), default=datetime(2000, 1, 1))
            except (ValueError, OverflowError) as exc:
                return None, f"published_at {value!r} is not a date ({exc})"
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc), None
    # a fixed offset (dateutil gives "Z" as the machine's local zone where that is UTC)
    return parsed.replace(tzinfo=timezone(parsed.utcoffset())), None


# --- one record --------------------------------------------------------------------------------


def article_from_record(record: object, line: int) -> Article | BadRecord:
    """A record (a dict from JSON or CSV) as an article, or why it is not one."""
    if not isinstance(record, dict):
        return BadRecord(line, "bad_record", f"a record must be an object, not {type(record).__name__}")
    present = [f for f in TEXT_FIELDS if record.get(f) not in (None, "")]
    if not present:
        blank = [f for f in TEXT_FIELDS if f in record]
        if blank:
            return BadRecord(line, "empty", f"the record's {blank[0]} is empty")
        return BadRecord(line, "bad_record", f"no text: the record has no {', '.join(TEXT_FIELDS[:-1])} or body field")
    text = record[present[0]]
    if not isinstance(text, str):
        return BadRecord(line, "bad_record", f"{present[0]} must be a string, not {type(text).__name__}")
    if not text.strip():
        return BadRecord(line, "empty", f"the record's {present[0]} is whitespace only")
    values: dict[str, str | None] = {}
    for name in FIELDS:
        value = record.get(name)
        if name == "published_at" or value in (None, ""):
            continue
        if name == "id" and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            return BadRecord(line, "bad_record", f"{name} must be a string, not {type(value).__name__}")
        values[name] = value.strip() or None
    published, problem = parse_published_at(record.get("published_at"))
    if problem and "must be a string" in problem:
        return BadRecord(line, "bad_record", problem)
    raw_date = record.get("published_at")
    extra = {k: v for k, v in record.items() if k not in FIELDS and k != present[0]}
    record_id = values.get("id")
    meta = Meta(
        title=values.get("title"),
        url=values.get("url"),
        publisher=values.get("publisher"),
        published_at=published,
        published_at_text=None if raw_date in (None, "") else str(raw_date),
        author=values.get("author"),
        language=values.get("language"),
        record_id=record_id if record_id and len(record_id) <= MAX_ID_CHARS else None,
        extra=extra,
        problems=(problem,) if problem else (),
    )
    return Article(text, meta, line)


# --- JSON Lines, JSON, CSV ---------------------------------------------------------------------


_LINE = re.compile(r"[^\n]*\n|[^\n]+$")


def _line_starts(text: str) -> Iterator[tuple[int, int, str]]:
    """(line number from 1, char offset of the line's start, the line with its newline)."""
    for number, m in enumerate(_LINE.finditer(text), start=1):
        yield number, m.start(), m.group()


def iter_json_lines(text: str, first_line: int = 1) -> Iterator[tuple[Article | BadRecord, int]]:
    """Each non-blank line as a record, with the char offset just past the record.

    The caller keeps a grown file's progress only up to the last newline, so a last line still
    being written (no newline yet) is parsed again, whole, on the next read.
    """
    for number, start, line in _line_starts(text):
        line_no = first_line + number - 1
        if not line.strip():
            yield None, start + len(line)  # type: ignore[misc]
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            msg = getattr(exc, "msg", str(exc))
            complete = line.endswith("\n")
            detail = f"invalid JSON: {msg}" + ("" if complete else " (the last line has no newline yet)")
            yield BadRecord(line_no, "bad_record", detail), start + len(line)
            continue
        yield article_from_record(record, line_no), start + len(line)


def iter_json_document(text: str) -> Iterator[tuple[Article | BadRecord, int]]:
    """A JSON array of records, one object, or (when neither) JSON Lines."""
    stripped = text.lstrip()
    if not stripped:
        return
    lead = len(text) - len(stripped)
    if stripped.startswith("["):
        yield from _iter_json_array(text, lead)
        return
    try:
        record = json.loads(text)
    except ValueError as exc:
        if getattr(exc, "msg", "") == "Extra data":
            yield from iter_json_lines(text)
            return
        yield BadRecord(getattr(exc, "lineno", 1), "bad_record", f"invalid JSON: {getattr(exc, 'msg', exc)}"), len(text)
        return
    yield article_from_record(record, text.count("\n", 0, lead) + 1), len(text)


def _iter_json_array(text: str, start: int) -> Iterator[tuple[Article | BadRecord, int]]:
    decoder = json.JSONDecoder()
    pos = start + 1
    ws = re.compile(r"\s*")
    first = True
    while True:
        pos = ws.match(text, pos).end()
        if text.startswith("]", pos):
            return
        if not first:
            if not text.startswith(",", pos):
                line = text.count("\n", 0, pos) + 1
                yield (
                    BadRecord(
                        line, "bad_record", "invalid JSON: expected ',' or ']'; the rest of the array is not read"
                    ),
                    len(text),
                )
                return
            pos = ws.match(text, pos + 1).end()
        first = False
        line = text.count("\n", 0, pos) + 1
        try:
            record, end = decoder.raw_decode(text, pos)
        except ValueError as exc:
            detail = f"invalid JSON: {getattr(exc, 'msg', exc)}; the rest of the array is not read"
            yield BadRecord(line, "bad_record", detail), len(text)
            return
        yield article_from_record(record, line), end
        pos = end


def iter_csv(
    text: str, delimiter: str, header: list[str] | None = None, first_line: int = 1
) -> Iterator[tuple[Article | BadRecord, int]]:
    """Each row under the header as a record, with the char offset just past the row.

    `header` given: `text` holds rows only (the rest of a grown file), its first line being
    `first_line`. A row with more fields than the header, or one the csv module cannot read, is
    a bad record at the line it starts on.
    """
    lines = list(_line_starts(text))
    state = {"i": 0}

    def feed():
        while state["i"] < len(lines):
            state["i"] += 1
            yield lines[state["i"] - 1][2]

    reader = csv.reader(feed(), delimiter=delimiter, strict=False)

    def end_offset() -> int:
        i = state["i"]
        return lines[i - 1][1] + len(lines[i - 1][2]) if i else 0

    if header is None:
        try:
            header = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield BadRecord(1, "bad_record", f"unreadable CSV header: {exc}"), len(text)
            return
        header = [h.strip().lower() for h in header]
        if not any(h in TEXT_FIELDS for h in header):
            yield BadRecord(1, "bad_record", f"the header names no text column ({', '.join(TEXT_FIELDS)})"), len(text)
            return
    while True:
        row_start = first_line + state["i"]
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield BadRecord(row_start, "bad_record", f"unreadable CSV row: {exc}"), end_offset()
            continue
        if not any(cell.strip() for cell in row):
            yield None, end_offset()  # type: ignore[misc]
            continue
        if len(row) > len(header):
            detail = f"{len(row)} fields, the header names {len(header)}"
            yield BadRecord(row_start, "bad_record", detail), end_offset()
            continue
        record = {name: value for name, value in zip(header, row, strict=False) if value != "" or name in TEXT_FIELDS}
        yield article_from_record(record, row_start), end_offset()


# --- HTML and sidecars -------------------------------------------------------------------------

#: trafilatura's metadata fields kept in Meta.extra (the rest have columns or are not kept)
HTML_EXTRA = ("hostname", "description", "categories", "tags", "sitename", "license")


def extract_html(html: str) -> Article | None:
    """The page's main text (boilerplate removed) and metadata, by trafilatura; None if no text."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        html,
        with_metadata=True,
        include_comments=False,
        date_extraction_params={
            "outputformat": "%Y-%m-%dT%H:%M:%S%z",
            "original_date": True,
            "extensive_search": False,
        },
    )
    if doc is None or not (doc.text or "").strip():
        return None
    published, problem = parse_published_at(doc.date)
    extra = {}
    for name in HTML_EXTRA:
        value = getattr(doc, name, None)
        if value:
            extra[name] = value
    meta = Meta(
        title=doc.title or None,
        url=doc.url or None,
        publisher=doc.sitename or None,
        published_at=published,
        published_at_text=doc.date or None,
        author=doc.author or None,
        language=doc.language or None,
        extra=extra,
        problems=(problem,) if problem else (),
    )
    return Article(doc.text, meta)


def parse_sidecar(text: str) -> Meta:
    """A `NAME.meta.json` sidecar: one object with the metadata FIELDS (and any other). A sidecar
    that does not parse gives empty metadata with the problem noted; the article still loads."""
    try:
        record = json.loads(text)
    except ValueError as exc:
        return Meta(problems=(f"sidecar: invalid JSON: {getattr(exc, 'msg', exc)}",))
    if not isinstance(record, dict):
        return Meta(problems=(f"sidecar: must be a JSON object, not {type(record).__name__}",))
    fields = {k: v for k, v in record.items() if k not in TEXT_FIELDS}
    checked = article_from_record({**fields, "text": "-"}, 1)
    if isinstance(checked, BadRecord):
        return Meta(problems=(f"sidecar: {checked.detail}",))
    return checked.meta
