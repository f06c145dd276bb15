"""Bytes to text. The decoded text is kept verbatim: every offset in the warehouse indexes into it.

Order of decisions (each one is documented in README "Operations"):

1. a byte order mark wins (UTF-8, UTF-16, UTF-32); the mark itself is not part of the text;
2. a recognised binary format (PDF, ZIP/Office, images, archives, executables) is `binary`;
3. NUL bytes without a UTF-16/32 mark are `binary`;
4. strict UTF-8: valid UTF-8 is stored exactly;
5. mostly-valid UTF-8 (a file cut inside its last character, a stray byte from a bad copy) stays
   UTF-8: each invalid sequence becomes U+FFFD and is counted in `decode_errors`. "Mostly" means
   the bytes hold at least as many valid multi-byte characters as invalid sequences, or the only
   fault is a character cut off at the very end; one legacy accented letter in an otherwise ASCII
   file is not UTF-8 evidence, so it goes to step 6;
6. mostly-ASCII bytes (news with a few accented letters, a pound sign, curly quotes, a quoted
   sentence in Russian or Polish) are decoded in each single-byte code page of `legacy.py` and the
   most plausible reading wins: letters in words of one script with sensible case, common
   punctuation and currency signs, a language the code page is used for; ties go to cp1252 (English
   news in a legacy encoding is almost always Windows Western). Files where a large share of the
   bytes is non-ASCII (whole texts in Cyrillic, Greek or CJK) are left to charset-normalizer;
7. more than 1% control characters after decoding is `binary`.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from charset_normalizer import from_bytes

from pipeline.ingest.legacy import most_plausible


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
    #: invalid byte sequences replaced by U+FFFD (mostly-valid UTF-8); 0 for a clean decode
    decode_errors: int = 0


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

#: Share of bytes >= 0x80 below which a file is treated as mostly ASCII (single-byte code pages
#: only; double-byte encodings such as Shift-JIS or GBK are considered only above it, as in real
#: CJK text).
MOSTLY_ASCII = 0.30
#: Chaos (charset-normalizer's mess score) within which two readings count as equally good.
TIE = 0.01


#: the control characters no text has (below 32, but for tab, newline, carriage return, form and line feed)
_CONTROL = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n\r\f\v")


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    return (len(text) - len(text.translate(_CONTROL))) / len(text)


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


def _truncated_at_end(data: bytes) -> bool:
    """Whether the bytes end in the first bytes of a UTF-8 character that was cut off."""
    for k in (1, 2, 3):
        if len(data) < k:
            break
        tail = data[-k:]
        lead = tail[0]
        need = 2 if 0xC2 <= lead <= 0xDF else 3 if 0xE0 <= lead <= 0xEF else 4 if 0xF0 <= lead <= 0xF4 else 0
        if need > k and all(0x80 <= b <= 0xBF for b in tail[1:]):
            return True
    return False


def mostly_utf8(data: bytes) -> Decoded | None:
    """The bytes as UTF-8 with each invalid sequence replaced, if they are mostly valid UTF-8."""
    text = data.decode("utf-8", "replace")
    genuine = data.count(b"\xef\xbf\xbd")  # U+FFFD already in the file
    errors = text.count("\ufffd") - genuine
    if errors <= 0:
        return None
    valid_multibyte = sum(1 for ch in text if ord(ch) > 0x7F) - errors - genuine
    if valid_multibyte >= errors or (errors == 1 and _truncated_at_end(data)):
        return Decoded(text, "utf-8", errors)
    return None


def _guess_legacy(data: bytes) -> tuple[str, str] | None:
    """(text, encoding): the most plausible single-byte reading of mostly-ASCII bytes, else
    charset-normalizer's choice; None when nothing fits."""
    high = sum(1 for b in data if b >= 0x80) / max(len(data), 1)
    if high < MOSTLY_ASCII:
        best = most_plausible(data)
        if best is not None:
            return best
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
    errors = 0
    try:
        text = data.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError:
        damaged = mostly_utf8(data)
        if damaged is not None:
            text, encoding, errors = damaged.text, damaged.encoding, damaged.decode_errors
        else:
            guess = _guess_legacy(data)
            if guess is None:
                raise Undecodable("undecodable", "no text encoding fits these bytes") from None
            text, encoding = guess
    if _control_ratio(text) > 0.01:
        raise Undecodable("binary", "more than 1% control characters after decoding")
    return Decoded(text, encoding, errors)
