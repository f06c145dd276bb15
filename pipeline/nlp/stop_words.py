"""spaCy's English stop words (spacy/lang/en/stop_words.py, a module of data), read from its file
without importing spaCy: the claim clusterer and the search index want the word list, and a
process that has no other use for spaCy (the run's own during a one-article update, `newsclaims
search`) paid 0.3-0.8 s to import it for one."""

from __future__ import annotations

import sys
from functools import lru_cache
from importlib.util import find_spec, module_from_spec, spec_from_file_location
from pathlib import Path

MODULE = "spacy.lang.en.stop_words"


@lru_cache(maxsize=1)
def english_stop_words() -> frozenset[str]:
    if MODULE in sys.modules:  # spaCy is loaded anyway
        return frozenset(sys.modules[MODULE].STOP_WORDS)
    package = find_spec("spacy")
    if package is None or not package.submodule_search_locations:
        raise ImportError("spaCy is not installed: newsclaims reads its English stop words")
    path = Path(package.submodule_search_locations[0]) / "lang" / "en" / "stop_words.py"
    spec = spec_from_file_location("_newsclaims_spacy_stop_words", path)
    module = module_from_spec(spec)
    spec.loader.exec_module(module)
    return frozenset(module.STOP_WORDS)
