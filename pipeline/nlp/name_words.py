"""Words that are not part of a person's name, as data (like spacy/lang/en/stop_words.py).

TITLES comes from a general source, the `nameparser` package (LGPL-2.1-or-later, used as a
library): its vocabulary of honorifics, offices, ranks and occupations (mr, mrs, president,
minister, chancellor, secretary, leader, ...). Nationalities ("Belarusian President ...") are not
listed: a word the document itself labels NORP is dropped the same way (pipeline.nlp.entities).
"""

from __future__ import annotations

from nameparser.config.suffixes import SUFFIX_ACRONYMS
from nameparser.config.titles import GIVEN_NAME_TITLES, TITLES as _NAMEPARSER_TITLES

#: Lower-case words, without a trailing full stop, that are titles before a person's name.
TITLES: frozenset[str] = frozenset(t for t in _NAMEPARSER_TITLES | GIVEN_NAME_TITLES if t.isascii())

#: Post-nominal letters (nameparser's suffix acronyms: MP, QC, MEP, ...), a title too when written
#: in capitals before the name ("Labour MP Robert Kilroy-Silk").
POST_NOMINALS: frozenset[str] = frozenset(t for t in SUFFIX_ACRONYMS if t.isascii())

#: Small words left out of an acronym's letters ("Commonwealth of Independent States" = CIS).
ACRONYM_SKIP = frozenset({"of", "the", "and", "for", "&", "on", "in", "de", "des", "du", "la", "le"})

#: Honorifics that say whether a person is a man or a woman ("Mr Kennedy" is not "Baroness Kennedy").
MALE_HONORIFICS = frozenset(
    {
        "mr",
        "mister",
        "sir",
        "lord",
        "baron",
        "king",
        "prince",
        "earl",
        "duke",
        "viscount",
        "marquess",
        "herr",
        "monsieur",
        "senor",
        "signor",
    }
)
FEMALE_HONORIFICS = frozenset(
    {
        "mrs",
        "ms",
        "miss",
        "madam",
        "madame",
        "lady",
        "dame",
        "baroness",
        "queen",
        "princess",
        "duchess",
        "countess",
        "viscountess",
        "marchioness",
        "frau",
        "mme",
        "mlle",
        "senora",
        "signora",
    }
)
#: Honorifics written before a given name ("Sir Edward", "Dame Judi"); other titles before a single
#: word take the surname ("Mr Blair", "Lord Goldsmith") or name someone else ("Prince Charles").
GIVEN_NAME_HONORIFICS = frozenset({"sir", "dame"})
