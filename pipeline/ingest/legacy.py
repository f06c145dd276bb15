"""Choosing the single-byte code page of a mostly-ASCII file that is not UTF-8.

Every candidate code page decodes ASCII the same way, so only the non-ASCII words decide. Each
candidate's reading of them is scored:

- a letter scores 1, and loses points where real words do not look like that: an upper-case
  letter after a lower-case one (``дПВТП`` is KOI8-R read as cp1251), a letter glued to a digit
  (``Ł5`` is ``£5`` read as cp1250), a word whose letters mix scripts (Latin with Cyrillic), or a
  Latin-script word with no plain ASCII letter at all (``äÏÂÒÏ`` is Cyrillic read as cp1252);
- common punctuation and currency signs (“ ” – £ €) score 1; a currency sign glued to a letter does not;
- any other symbol, a C1 control character or an unassigned code scores negative;
- the language identifier (py3langid, already used for `language`) adds a bonus when it is
  confident that the non-ASCII words are in some language: real words in the right code page are
  recognised, mojibake is not;
- a small prior per code page breaks ties in favour of what English news in a legacy encoding
  usually is: Windows Western (cp1252), then Cyrillic, then Central European.

The score is per non-ASCII byte, so long and short files compare alike.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

#: candidate code page → prior cost (lower wins a tie). Latin-1 and ISO 8859-15 read printable
#: text like cp1252 but decode cp1252's curly quotes as C1 control characters.
CODE_PAGES: dict[str, float] = {
    "cp1252": 0.0,
    "iso8859_15": 0.06,
    "latin_1": 0.06,
    "cp1251": 0.09,
    "cp1250": 0.12,
    "koi8_r": 0.15,
    "iso8859_2": 0.18,
    "cp1253": 0.18,
    "cp1254": 0.18,
    "iso8859_7": 0.24,
    "iso8859_9": 0.24,
    "cp1257": 0.24,
    "cp1255": 0.24,
    "cp1256": 0.24,
    "iso8859_5": 0.27,
    "mac_roman": 0.30,
}
#: Non-ASCII punctuation and signs that real news text uses.
COMMON_SIGNS = frozenset("“”‘’„‚«»‹›–—…•·£€¥¢©®™°±×÷§¶½¼¾µ№\u00a0")
CURRENCY = frozenset("£€¥¢$")
SCRIPTS = ("LATIN", "CYRILLIC", "GREEK", "HEBREW", "ARABIC")
#: language-id confidence above which the non-ASCII words count as real words
LANGUAGE_CONFIDENT = 0.8
LANGUAGE_WEIGHT = 2.5

_WORD = re.compile(r"\S+")


def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return next((s for s in SCRIPTS if name.startswith(s)), "OTHER")


def _word_score(word: str) -> float:
    letters = [c for c in word if c.isalpha()]
    high_letters = [c for c in letters if ord(c) > 0x7F]
    score = 0.0
    for i, c in enumerate(word):
        if ord(c) <= 0x7F:
            continue
        prev = word[i - 1] if i else ""
        nxt = word[i + 1] if i + 1 < len(word) else ""
        if c.isalpha():
            s = 1.0
            if c.isupper() and prev.isalpha() and prev.islower():
                s -= 2.0
            if nxt.isdigit():
                s -= 1.5
            if len(letters) == 1 and len(word) <= 2:
                s -= 0.5
            score += s
        elif c in COMMON_SIGNS:
            score += 1.0
            if c in CURRENCY and nxt.isalpha():
                score -= 2.0
        elif unicodedata.category(c) == "Cc":
            score -= 5.0
        else:
            score -= 3.0
    scripts = {_script(c) for c in letters} - {"OTHER"}
    if len(scripts) > 1:
        score -= 2.0 * len(high_letters)
    if scripts == {"LATIN"} and len(letters) >= 3 and len(high_letters) == len(letters):
        score -= 2.0 * len(high_letters)
    return score


def plausibility(text: str) -> float:
    """Summed score of the words of text that contain a non-ASCII character."""
    return sum(_word_score(w) for w in _WORD.findall(text) if not w.isascii())


def _non_ascii_words(text: str) -> str:
    return " ".join(w for w in _WORD.findall(text) if not w.isascii())


def most_plausible(data: bytes) -> tuple[str, str] | None:
    """(text, encoding) of the best-scoring code page, or None if none decodes the bytes."""
    from pipeline.ingest.language import identifier

    high = sum(1 for b in data if b >= 0x80) or 1
    best: tuple[float, str, str] | None = None
    for encoding, prior in CODE_PAGES.items():
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        score = plausibility(text) / high - prior
        confidence = identifier().classify(_non_ascii_words(text))[1]
        score += max(0.0, confidence - LANGUAGE_CONFIDENT) * LANGUAGE_WEIGHT
        if best is None or score > best[0]:
            best = (score, text, encoding)
    if best is None:
        return None
    return best[1], codecs.lookup(best[2]).name.replace("_", "-")
