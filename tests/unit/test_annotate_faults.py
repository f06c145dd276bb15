"""Failures stay with their document: long texts in pieces, and spaCy or an extractor raising."""

from __future__ import annotations

import pytest

from pipeline.nlp.annotate import annotate_texts, split_long_text

PARAGRAPH = (
    "Belarusian Foreign Minister Maksim Ryzhenkov said on Monday that talks with Lithuania on the "
    "border crossings would resume next week. “We are ready to meet our neighbours halfway,” the "
    "minister told reporters in Minsk. According to BelTA, the first meeting will take place in "
    "Vilnius.\n\n"
)
GOOD = "Alexander Lukashenko said that Belarus would host the conference in Minsk.\n"


def test_long_text_pieces_join_back_and_are_bounded():
    text = PARAGRAPH * 200 + "x" * 5000 + " tail"
    pieces = split_long_text(text, 3000)
    assert "".join(pieces) == text
    assert all(len(p) <= 3000 for p in pieces)
    assert all(p.endswith("\n\n") for p in pieces[:-4])  # cut at paragraph ends where there are any


def test_a_text_longer_than_the_model_limit_is_processed_whole_with_offsets_kept(nlp):
    text = PARAGRAPH * 40  # ~10,000 characters
    old = nlp.max_length
    nlp.max_length = 2000  # the same path a 1,000,001-character text takes under the default limit
    try:
        ((doc_id, rows),) = list(annotate_texts(nlp, [(text, "long")]))
    finally:
        nlp.max_length = old
    assert rows["document_annotations"][0]["status"] == "processed"
    assert not rows["document_errors"]
    assert len(rows["claims"]) >= 80  # two claims per paragraph at least, in every piece
    for c in rows["claims"]:
        assert text[c["content_start_char"] : c["content_end_char"]] == c["content_text"]
        assert text[c["cue_start_char"] : c["cue_end_char"]] == c["cue_text"]
    for m in rows["mentions"]:
        assert text[m["start_char"] : m["end_char"]] == m["text"]
    sentences = rows["sentences"]
    assert len(text.rstrip()) <= sentences[-1]["end_char"] <= len(text)
    assert [s["sentence_index"] for s in sentences] == list(range(len(sentences)))
    assert any(c["content_start_char"] > 9000 for c in rows["claims"])  # the last piece too


def test_the_text_the_extractors_are_given_is_the_docs_own(nlp, monkeypatch):
    # annotate_texts hands the extractors the text it parsed (remember_text) instead of doc.text
    # rebuilt from the tokens: the two are the same, a long text's joined pieces included
    from pipeline.nlp import annotate

    same = []
    remember = annotate.remember_text
    monkeypatch.setattr(
        annotate, "remember_text", lambda doc, text: (same.append(doc.text == text), remember(doc, text))
    )
    items = [(PARAGRAPH * 40 + "  tail  \n", "long"), (GOOD, "short"), ("  spaced\t\tout \n\n", "ws")]
    old = nlp.max_length
    nlp.max_length = 2000
    try:
        assert len(list(annotate_texts(nlp, items))) == 3
    finally:
        nlp.max_length = old
    assert same == [True, True, True]


@pytest.mark.parametrize("stage", ["extract", "spacy"])
def test_a_document_that_raises_is_recorded_and_the_others_go_on(nlp, monkeypatch, stage):
    monkeypatch.setenv("NEWSCLAIMS_TEST_FAIL_MARKER", "POISON")
    monkeypatch.setenv("NEWSCLAIMS_TEST_FAIL_STAGE", stage)
    items = [(GOOD, "a"), ("POISON " + GOOD, "b"), (GOOD.replace("Minsk", "Grodno"), "c")]
    out = dict(annotate_texts(nlp, items, batch_size=8))
    assert list(out) == ["a", "b", "c"]
    assert out["b"]["document_annotations"][0]["status"] == "failed"
    (err,) = out["b"]["document_errors"]
    assert (err["stage"], err["error_type"]) == (stage, "InjectedFault")
    assert "POISON" in err["message"] and err["extractor_version"].startswith("newsclaims-")
    assert not out["b"]["claims"] and not out["b"]["mentions"]
    for good in ("a", "c"):
        assert out[good]["document_annotations"][0]["status"] == "processed"
        assert [c["cue_lemma"] for c in out[good]["claims"]] == ["say"]


def test_with_two_spacy_processes_a_document_that_raises_stays_with_it(nlp, monkeypatch):
    """n_process=2 for real: spaCy's worker processes raise inside the pipeline on the poisoned text;
    the batch's texts are redone one at a time here and the pipe resumes for the rest, in order."""
    monkeypatch.setenv("NEWSCLAIMS_TEST_FAIL_MARKER", "POISON")
    monkeypatch.setenv("NEWSCLAIMS_TEST_FAIL_STAGE", "spacy")
    items = [(GOOD.replace("Minsk", city), f"d{k}") for k, city in enumerate(["Minsk", "Grodno", "Brest", "Gomel"])]
    items.insert(2, ("POISON " + GOOD, "bad"))
    out = list(annotate_texts(nlp, items, batch_size=2, n_process=2))
    assert [doc_id for doc_id, _ in out] == ["d0", "d1", "bad", "d2", "d3"]
    rows = dict(out)
    (err,) = rows["bad"]["document_errors"]
    assert (err["stage"], err["error_type"]) == ("spacy", "InjectedFault")
    assert rows["bad"]["document_annotations"][0]["status"] == "failed"
    for doc_id in ("d0", "d1", "d2", "d3"):
        assert rows[doc_id]["document_annotations"][0]["status"] == "processed"
        assert [c["cue_lemma"] for c in rows[doc_id]["claims"]] == ["say"]


def test_worker_generations_give_the_rows_of_one_process_and_leave_the_collector_as_found(nlp, monkeypatch):
    """Fresh workers are forked every WORKER_GENERATION_DOCS documents (here 2: five documents, three
    generations), each after the objects they share are frozen (gc.freeze, so the workers'
    collections do not copy the pages they share); the collector gets them back when each
    generation ends, and the rows are the ones this process makes on its own, in order."""
    import gc

    from pipeline.nlp import pool

    forks = []
    real = pool.shared_with_forks
    monkeypatch.setattr(pool, "WORKER_GENERATION_DOCS", 2)
    monkeypatch.setattr(pool, "shared_with_forks", lambda: (forks.append(1), real())[1])
    cities = ["Minsk", "Grodno", "Brest", "Gomel", "Vitebsk"]
    items = [(GOOD.replace("Minsk", city), f"d{k}") for k, city in enumerate(cities)]
    assert gc.get_freeze_count() == 0
    in_workers = list(annotate_texts(nlp, items, batch_size=2, n_process=2))
    assert len(forks) == 3 and gc.get_freeze_count() == 0
    here = list(annotate_texts(nlp, items, batch_size=2))

    def strip(out):
        return [
            (d, {t: [{k: v for k, v in r.items() if k != "processed_at"} for r in rows] for t, rows in tables.items()})
            for d, tables in out
        ]

    assert [d for d, _ in in_workers] == [f"d{k}" for k in range(5)]
    assert strip(in_workers) == strip(here)
    assert [c["cue_lemma"] for _, rows in in_workers for c in rows["claims"]] == ["say"] * 5


_FORKS = [0]


def _count_fork() -> None:
    _FORKS[0] += 1


def test_a_few_documents_stay_in_this_process_more_go_to_the_workers(nlp, tmp_path):
    """A one-article update forks no workers (IN_PROCESS_MAX_DOCS); one document more does, and both
    stage every document."""
    import logging
    import os

    from pipeline.assets.shards import stage_documents
    from pipeline.nlp.workers import IN_PROCESS_MAX_DOCS

    os.register_at_fork(before=_count_fork)  # counts every fork of this process from now on
    for count, forks_expected in ((IN_PROCESS_MAX_DOCS, False), (IN_PROCESS_MAX_DOCS + 1, True)):
        items = [(f"{GOOD}Text {i}.", f"doc-{count}-{i}") for i in range(count)]
        before, stats = _FORKS[0], dict(done=0, failed=0, chars=0)
        staging = tmp_path / str(count)
        staging.mkdir()
        batch_ids = stage_documents(logging.getLogger("t"), nlp, 64, 2, staging, iter(items), count, stats)
        assert stats["done"] == count and stats["failed"] == 0 and len(batch_ids) == 1
        assert (_FORKS[0] > before) == forks_expected, (count, _FORKS[0] - before)
