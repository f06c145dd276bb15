"""Bytes to text. The decoded text is kept verbatim: every offset in the warehouse indexes into it.

Order of decisions (each one is documented in README "Operations"):

1. a byte order mark wins (UTF-8, UTF-16, UTF-32); the mark itself is not part of the text;
2. a recognised binary format (PDF, ZIP/Office, images, archives, executables) is `binary`;
3. NUL bytes without a UTF-16/32 mark are `binary`;
4. strict UTF-8;
5. otherwise charset-normalizer decides. Mostly-ASCII files (news with a few accented letters, a
   pound sign or curly quotes) are only offered single-byte code pages, because the library
   otherwise tends to read one stray byte as a Japanese or Chinese double-byte character. When
   several code pages explain the bytes equally well, cp1252 (a superset of Latin-1 for every
   printable character) is preferred: English news in a legacy encoding is almost always Windows
   Western. Cyrillic (cp1251, KOI8-R) wins when the bytes say so.
6. more than 1% control characters after decoding is `binary`.
"""
from __future__ import annotations

import codecs
from dataclasses import dataclass

from charset_normalizer import from_bytes


class Undecodable(ValueError):
    """The bytes are not text in any encoding we accept; `reason` is the rejection reason."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

#: Leading bytes of common binary formats that end up with a .txt name (a saved attachment, a
#: renamed download), with what to call them in the rejection.
_SIGNATURES = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or a Word/Excel/ODF document)"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BZh", "a bzip2 archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"\x7fELF", "an executable"),
    (b"MZ", "a Windows executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document"),
    (b"SQLite format 3\x00", "an SQLite database"),
)

#: Code pages offered for mostly-ASCII bytes (Western, Central European, Cyrillic, Greek, Turkish,
#: Baltic, Hebrew, Arabic). Double-byte encodings (Shift-JIS, GBK, Big5, EUC-KR) are only
#: considered when a large share of the bytes is non-ASCII, as it is in real CJK text.
SINGLE_BYTE = ("cp1252", "latin_1", "iso8859_15", "cp1250", "iso8859_2", "cp1251", "koi8_r", "iso8859_5",
               "cp1253", "iso8859_7", "cp1254", "iso8859_9", "cp1257", "cp1255", "cp1256", "mac_roman")
#: Share of bytes >= 0x80 below which a file is treated as mostly ASCII.
MOSTLY_ASCII = 0.30
#: Chaos (charset-normalizer's mess score) within which two readings count as equally good.
TIE = 0.01


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    bad = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    return bad / len(text)


def sniff_binary(data: bytes) -> str | None:
    """What binary format the bytes start with, if a known one."""
    for magic, name in _SIGNATURES:
        if data.startswith(magic):
            if magic == b"MZ" and b"\x00" not in data[:256]:
                continue  # "MZ..." is also how a text can start
            return name
    return None


def _codec_name(name: str) -> str:
    return codecs.lookup(name).name.replace("_", "-")


def _guess_legacy(data: bytes) -> tuple[str, str] | None:
    """(text, encoding) chosen by charset-normalizer among plausible code pages, or None."""
    high = sum(1 for b in data if b >= 0x80) / max(len(data), 1)
    results = list(from_bytes(data, cp_isolation=list(SINGLE_BYTE))) if high < MOSTLY_ASCII else []
    if not results:
        results = list(from_bytes(data))
    if not results:
        return None
    best_chaos = min(r.chaos for r in results)
    tied = [r for r in results if r.chaos <= best_chaos + TIE]
    # equally good readings: Windows Western first (it reads a pound sign as £, not Ł)
    for r in tied:
        if "cp1252" in r.could_be_from_charset:
            try:
                return data.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                return data.decode("latin-1"), "iso8859-1"
    pick = max(tied, key=lambda r: r.coherence)
    return str(pick), _codec_name(pick.encoding)


def decode_bytes(data: bytes) -> Decoded:
    """Decode a file's bytes (see the module docstring). Raises Undecodable for non-text."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data.decode(encoding), encoding.replace("-sig", "") + "-bom")
            except UnicodeDecodeError as exc:
                raise Undecodable("undecodable", f"{encoding} byte order mark but invalid data ({exc.reason})") from exc
    kind = sniff_binary(data)
    if kind:
        raise Undecodable("binary", f"{kind}, not plain text")
    if b"\x00" in data:
        raise Undecodable("binary", "contains NUL bytes and no UTF-16/32 byte order mark")
    try:
        text = data.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError:
        guess = _guess_legacy(data)
        if guess is None:
            raise Undecodable("undecodable", "no text encoding fits these bytes") from None
        text, encoding = guess
    if _control_ratio(text) > 0.01:
        raise Undecodable("binary", "more than 1% control characters after decoding")
    return Decoded(text, encoding)
