"""Speakers that are pronouns or descriptions ("He", "The president") resolved to a named person.

The nearest person mention before the speaker that agrees with it: "she" skips a person the text
calls "Mr." or "spokesman", "he" one it calls "Ms." or "chairwoman"; "the foreign minister" takes
the nearest person the document gives that title ("Foreign Minister Maksim Ryzhenkov", "Ryzhenkov,
the foreign minister,"), else the nearest person. A named speaker resolves to the mention it contains.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict

from pipeline.nlp.mentions import Mention
from pipeline.nlp.spans import CharSpan

PERSONAL_PRONOUNS = frozenset({"he", "she", "him", "her", "i", "we"})
#: Head nouns of descriptions that stand for a person named earlier.
TITLE_NOUNS = frozenset(
    """
    president minister premier chancellor spokesman spokeswoman spokesperson official leader
    secretary senator governor mayor ambassador envoy chairman chairwoman chair director chief
    head king queen prince general commander diplomat lawmaker politician prosecutor judge
    representative congressman congresswoman candidate ceo founder
""".split()
)

SPEAKER_LABEL_PREFERENCE = ("PERSON", "ORG", "GPE", "NORP", "FAC", "LOC")

#: Words near a name that tell a person's gender (honorifics and gendered titles).
MALE_WORDS = frozenset(
    "mr sir lord king prince spokesman chairman congressman businessman father son brother husband".split()
)
FEMALE_WORDS = frozenset(
    "ms mrs miss madam lady dame queen princess spokeswoman chairwoman "
    "congresswoman businesswoman mother daughter sister wife".split()
)
PRONOUN_GENDER = {"he": "m", "him": "m", "she": "f", "her": "f"}
#: Characters before and after a person mention searched for its titles and gender words.
TITLE_WINDOW = (60, 50)
_WORD = re.compile(r"[a-z]+")
#: Abbreviations whose period ends no sentence ("Mr. John Carter").
_ABBREVIATION = re.compile(r"\b(mr|ms|mrs|dr|st|sen|gov|rep|gen|lt|col|capt|prof)\.")


def speaker_kind(speaker_text: str | None, contained: list[Mention]) -> str:
    """named | pronoun | description | other | none"""
    if not speaker_text:
        return "none"
    words = speaker_text.lower().split()
    if len(words) == 1 and words[0] in PERSONAL_PRONOUNS:
        return "pronoun"
    if contained:
        return "named"
    if words[0] in ("the", "this", "that") and words[-1] in TITLE_NOUNS:
        return "description"
    return "other"


class MentionIndex:
    """A document's mentions sorted by start, with the persons to resolve to worked out once: a
    long document has thousands of claims and mentions, and each claim looks some of them up."""

    def __init__(self, mentions: list[Mention], text: str = ""):
        from pipeline.nlp.known_sources import lookup

        self.mentions = sorted(mentions, key=lambda m: (m.start_char, m.end_char))
        self.starts = [m.start_char for m in self.mentions]
        people = _person_texts(mentions)
        self.persons = sorted(
            (m for m in mentions if m.label == "PERSON" and m.text.casefold() in people and lookup(m.text) is None),
            key=lambda m: (m.end_char, m.start_char),
        )
        self.person_ends = [m.end_char for m in self.persons]
        self.words = _words_by_person(self.persons, text)

    def agrees(self, person: Mention, speaker_text: str) -> bool:
        """Whether the person can be the pronoun or description: gender, and the title named."""
        words = self.words.get(_person_key(person), set())
        gender = PRONOUN_GENDER.get(speaker_text.lower())
        if gender == "m" and words & FEMALE_WORDS and not words & MALE_WORDS:
            return False
        if gender == "f" and words & MALE_WORDS and not words & FEMALE_WORDS:
            return False
        title = [w for w in speaker_text.lower().split()[1:] if w in TITLE_NOUNS or w.isalpha()]
        return not title or all(w in words for w in title)

    def resolve(self, position: int, speaker_text: str) -> Mention | None:
        """The nearest person before `position` that agrees with the speaker, else the nearest
        person (a description names a title the text never gave anyone: "The president")."""
        nearest = self.nearest_person_before(position)
        if nearest is not None and self.agrees(nearest, speaker_text):
            return nearest
        j = bisect_right(self.person_ends, position) - 1
        while j >= 0:
            if self.agrees(self.persons[j], speaker_text):
                return self.persons[j]
            j -= 1
        return nearest if PRONOUN_GENDER.get(speaker_text.lower()) is None else None

    def within(self, span: CharSpan) -> list[Mention]:
        lo = bisect_left(self.starts, span[0])
        hi = bisect_right(self.starts, span[1])
        return [m for m in self.mentions[lo:hi] if m.end_char <= span[1]]

    def nearest_person_before(self, position: int) -> Mention | None:
        """The person ending before position that starts last."""
        j = bisect_right(self.person_ends, position) - 1
        if j < 0:
            return None
        best = self.persons[j]
        # an earlier-ending person can only start later if it ends after best starts (nested)
        while j > 0 and self.persons[j - 1].end_char > best.start_char:
            j -= 1
            if self.persons[j].start_char > best.start_char:
                best = self.persons[j]
        return best


def _index(mentions: "list[Mention] | MentionIndex") -> MentionIndex:
    return mentions if isinstance(mentions, MentionIndex) else MentionIndex(mentions)


def mentions_within(span: CharSpan, mentions: "list[Mention] | MentionIndex") -> list[Mention]:
    return _index(mentions).within(span)


def best_contained(contained: list[Mention]) -> Mention | None:
    for label in SPEAKER_LABEL_PREFERENCE:
        found = [m for m in contained if m.label == label]
        if found:
            return max(found, key=lambda m: (m.end_char - m.start_char, m.start_char))
    return None


def _person_key(m: Mention) -> str:
    """A person's surname, the key its mentions share ("Alexander Lukashenko", "Lukashenko")."""
    return m.text.split()[-1].casefold() if m.text.split() else ""


def _words_by_person(persons: list[Mention], text: str) -> dict[str, set[str]]:
    """surname → lower-case words around any of its mentions and in them (titles, honorifics):
    before the name back to the previous person or a sentence or clause break, after it only an
    apposition (", the foreign minister,")."""
    out: dict[str, set[str]] = defaultdict(set)
    before, after = TITLE_WINDOW
    ordered = sorted(persons, key=lambda m: m.start_char)
    for k, m in enumerate(ordered):
        lo = max(
            text.rfind("\n", 0, m.start_char) + 1,
            m.start_char - before,
            ordered[k - 1].end_char if k and ordered[k - 1].end_char <= m.start_char else 0,
        )
        hi = text.find("\n", m.end_char)
        hi = min(len(text) if hi < 0 else hi, m.end_char + after)
        left = _ABBREVIATION.sub(r"\1", text[lo : m.start_char].lower())
        left = re.split(r"[.;:!?]\s|,", left)[-1]
        right = text[m.end_char : hi].lower()
        right = right[1:].split(",")[0] if right.startswith(",") else ""
        out[_person_key(m)].update(_WORD.findall(left + " " + right + " " + m.text.lower()))
    return out


def _person_texts(mentions: list[Mention]) -> set[str]:
    """Surface forms the document mostly labels PERSON: the small model calls "Belarus" a person
    now and then, but a name it more often calls a place or an organisation is not a person."""
    votes: dict[str, Counter] = defaultdict(Counter)
    for m in mentions:
        votes[m.text.casefold()][m.label == "PERSON"] += 1
    return {t for t, v in votes.items() if v[True] >= v[False] and v[True]}


def nearest_person_before(position: int, mentions: "list[Mention] | MentionIndex") -> Mention | None:
    """The closest person mention ending before `position` (news agencies the model calls a person
    — "BelTA later reported" — and names the document mostly labels otherwise are skipped)."""
    return _index(mentions).nearest_person_before(position)


def resolve_speaker(
    span: CharSpan | None,
    speaker_text: str | None,
    mentions: "list[Mention] | MentionIndex",
    head: CharSpan | None = None,
) -> tuple[str, Mention | None]:
    """(kind, the mention the speaker stands for, or None).

    With the speaker's head word given, only a mention covering it names the speaker: "some
    ministers from European Union countries" are not the European Union.
    """
    if span is None:
        return "none", None
    contained = mentions_within(span, mentions)
    if head is not None:
        contained = [m for m in contained if m.start_char <= head[0] and head[1] <= m.end_char]
    kind = speaker_kind(speaker_text, contained)
    if kind == "named":
        return kind, best_contained(contained)
    if kind in ("pronoun", "description"):
        if speaker_text and speaker_text.lower() in ("i", "we"):
            return kind, None
        return kind, _index(mentions).resolve(span[0], speaker_text or "")
    return kind, None
