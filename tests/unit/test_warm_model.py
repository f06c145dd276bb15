"""pipeline/nlp/warm.py: the model `newsclaims run` loads in a child process annotates a few documents
exactly as this process would, and the child never outlives its use (the real model)."""

from __future__ import annotations

import pytest

from pipeline.nlp import warm
from pipeline.nlp.annotate import _annotate_here, extractor_version
from pipeline.nlp.workers import IN_PROCESS_MAX_DOCS
from pipeline.settings import default_model

pytestmark = pytest.mark.skipif(not warm.supported(), reason="the warm model process needs fork (Linux)")

TEXTS = [
    (
        'Lukashenko rejected claims that Minsk promotes illegal migration. "These are old accusations," '
        "he told reporters on Tuesday, BelTA reported.\n",
        "doc-a",
    ),
    ("The port authority said on Monday that the new terminal would open in March.\n", "doc-b"),
]


def _without_times(rows: dict) -> dict:
    return {t: [{k: v for k, v in r.items() if k != "processed_at"} for r in rs] for t, rs in rows.items()}


def test_the_warm_model_annotates_as_this_process_does_and_ends_when_closed(nlp):
    name = default_model()
    warm.start(name)
    child = warm._WARM[name]
    taken = warm.take(name, len(TEXTS))
    assert taken is child and not warm.running(name)
    assert taken.version == extractor_version(nlp)
    there = list(taken.annotate_texts(TEXTS, 32))
    here = list(_annotate_here(nlp, TEXTS, 32))
    assert [d for d, _ in there] == ["doc-a", "doc-b"]
    assert [_without_times(r) for _, r in there] == [_without_times(r) for _, r in here]
    speakers = {c["speaker_text"] for c in there[0][1]["claims"]}
    assert "Lukashenko" in speakers or "he" in speakers, speakers  # a real extraction, not empty rows
    taken.close()
    assert not child._process.is_alive()
    # the run's steps read the version it reported (no spaCy import to read the installed model's),
    # the same as the installed model's, until the run ends
    from pipeline.nlp.annotate import extractor_version_for
    from pipeline.resources import SpacyResource

    assert warm.reported_version(name) == taken.version == extractor_version_for(name)
    assert SpacyResource(model=name).extractor_version() == taken.version
    warm.end()
    assert warm.reported_version(name) is None


def test_more_documents_than_it_takes_stop_the_warm_model_at_once():
    name = default_model()
    warm.start(name)
    child = warm._WARM[name]
    assert not warm.keep_for(name, IN_PROCESS_MAX_DOCS + 1)  # the run loads the model itself
    assert not warm.running(name) and not child._process.is_alive()
    assert warm.take(name, 1) is None


def test_a_warm_model_that_cannot_load_leaves_the_load_and_its_error_to_the_run():
    warm.start("no_such_pipeline")
    child = warm._WARM["no_such_pipeline"]
    assert warm.take("no_such_pipeline", 1) is None
    assert "not installed" in (child.error or "") and not child._process.is_alive()


def test_a_warm_model_that_dies_fails_the_step_with_a_clear_error(nlp):
    name = default_model()
    warm.start(name)
    taken = warm.take(name, 1)
    assert taken is not None
    taken._process.kill()  # the OOM killer, say
    taken._process.join(5)
    with pytest.raises(RuntimeError, match="ended before answering"):
        list(taken.annotate_texts(TEXTS[:1], 32))
    taken.close()
