"""Words that are not part of a person's name, as data (like spacy/lang/en/stop_words.py).

TITLES comes from a general source, the `nameparser` package (LGPL-2.1-or-later, used as a
library): its vocabulary of honorifics, offices, ranks and occupations (mr, mrs, president,
minister, chancellor, secretary, leader, ...). Nationalities ("Belarusian President ...") are not
listed: a word the document itself labels NORP is dropped the same way (pipeline.nlp.entities).
"""
from __future__ import annotations

from nameparser.config.titles import GIVEN_NAME_TITLES, TITLES as _NAMEPARSER_TITLES

#: Lower-case words, without a trailing full stop, that are titles before a person's name.
TITLES: frozenset[str] = frozenset(t for t in _NAMEPARSER_TITLES | GIVEN_NAME_TITLES if t.isascii())

#: Small words left out of an acronym's letters ("Commonwealth of Independent States" = CIS).
ACRONYM_SKIP = frozenset({"of", "the", "and", "for", "&", "on", "in", "de", "des", "du", "la", "le"})
