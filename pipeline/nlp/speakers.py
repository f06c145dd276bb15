"""Speakers that are pronouns or descriptions ("He", "The president") resolved to a named person.

The first version: the nearest person mention before the speaker, in the same document, that is
not inside the speaker itself. A named speaker resolves to the mention it contains.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict

from pipeline.nlp.mentions import Mention
from pipeline.nlp.spans import CharSpan

PERSONAL_PRONOUNS = frozenset({"he", "she", "him", "her", "i", "we"})
#: Head nouns of descriptions that stand for a person named earlier.
TITLE_NOUNS = frozenset("""
    president minister premier chancellor spokesman spokeswoman spokesperson official leader
    secretary senator governor mayor ambassador envoy chairman chairwoman chair director chief
    head king queen prince general commander diplomat lawmaker politician prosecutor judge
    representative congressman congresswoman candidate ceo founder
""".split())

SPEAKER_LABEL_PREFERENCE = ("PERSON", "ORG", "GPE", "NORP", "FAC", "LOC")


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

    def __init__(self, mentions: list[Mention]):
        from pipeline.nlp.sources import lookup

        self.mentions = sorted(mentions, key=lambda m: (m.start_char, m.end_char))
        self.starts = [m.start_char for m in self.mentions]
        people = _person_texts(mentions)
        self.persons = sorted((m for m in mentions if m.label == "PERSON" and m.text.casefold() in people
                               and lookup(m.text) is None), key=lambda m: (m.end_char, m.start_char))
        self.person_ends = [m.end_char for m in self.persons]

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


def resolve_speaker(span: CharSpan | None, speaker_text: str | None, mentions: "list[Mention] | MentionIndex",
                    head: CharSpan | None = None) -> tuple[str, Mention | None]:
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
        return kind, nearest_person_before(span[0], mentions)
    return kind, None
