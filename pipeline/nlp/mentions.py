"""Entity mentions: every spaCy entity with its label, character offsets and sentence index."""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc

from pipeline.ids import stable_id
from pipeline.nlp.spans import CharSpan, doc_text


@dataclass(frozen=True)
class Mention:
    mention_id: str
    sentence_index: int
    start_char: int
    end_char: int
    text: str
    label: str

    @property
    def span(self) -> CharSpan:
        return self.start_char, self.end_char


def mention_id(document_id: str, start: int, end: int, label: str) -> str:
    return stable_id("mention", document_id, start, end, label)


def extract_mentions(doc: Doc, document_id: str, sentence_of: dict[int, int]) -> list[Mention]:
    out = []
    for ent in doc.ents:
        text = ent.text
        start, end = ent.start_char, ent.end_char
        # spaCy keeps a trailing line break or space inside some entities: the span stops before it
        stripped = text.rstrip()
        end -= len(text) - len(stripped)
        lead = len(stripped) - len(stripped.lstrip())
        start += lead
        if end <= start:
            continue
        out.append(
            Mention(
                mention_id(document_id, start, end, ent.label_),
                sentence_of[ent.start],
                start,
                end,
                doc_text(doc)[start:end],
                ent.label_,
            )
        )
    return out
