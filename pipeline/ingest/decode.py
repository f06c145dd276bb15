"""Bytes to text. The decoded text is kept verbatim: every offset in the warehouse indexes into it."""
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


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    bad = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    return bad / len(text)


def decode_bytes(data: bytes) -> Decoded:
    """Decode a file's bytes: a BOM wins, then strict UTF-8, then charset-normalizer's best guess.

    The BOM itself is not part of the text. Raises Undecodable for binary data.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data.decode(encoding), encoding.replace("-sig", "") + "-bom")
            except UnicodeDecodeError as exc:
                raise Undecodable("undecodable", f"{encoding} byte order mark but invalid data ({exc.reason})") from exc
    if b"\x00" in data:
        raise Undecodable("binary", "contains NUL bytes and no UTF-16/32 byte order mark")
    try:
        text = data.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError:
        best = from_bytes(data).best()
        if best is None:
            raise Undecodable("undecodable", "no text encoding fits these bytes") from None
        text = str(best)
        encoding = best.encoding
    if _control_ratio(text) > 0.01:
        raise Undecodable("binary", "more than 1% control characters after decoding")
    return Decoded(text, encoding)
