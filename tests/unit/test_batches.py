"""Staged batches: atomic, content-named, idempotent to load."""
from __future__ import annotations

from datetime import datetime

import duckdb

from pipeline.ingest.files import read_corpus
from pipeline.nlp.annotate import annotate_texts
from pipeline.warehouse.batches import load_batches, pending_batches, write_batch
from pipeline.warehouse.ingest import write_corpus
from pipeline.warehouse.schema import ANNOTATION_TABLES, ensure_schema


def _rows(nlp, docs):
    batch = {t: [] for t in ANNOTATION_TABLES}
    for _, rows in annotate_texts(nlp, [(d.text, d.document_id) for d in docs]):
        for t, r in rows.items():
            batch[t].extend(r)
    return batch


def test_batch_written_twice_and_loaded_twice_changes_nothing(nlp, tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "a.txt").write_text("Ryzhenkov said that Belarus intends to invite its neighbours.")
    (inp / "b.txt").write_text("According to BelTA, ministers will attend the conference.")
    corpus = read_corpus(inp)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_schema(con)
    write_corpus(con, corpus, inp)
    rows = _rows(nlp, list(corpus.documents.values()))
    staging = tmp_path / "staging"
    b1 = write_batch(staging, rows)
    assert write_batch(staging, rows) == b1
    assert [p.name for p in pending_batches(staging)] == [b1]
    version = rows["document_annotations"][0]["extractor_version"]
    load_batches(con, staging, version)
    counts = {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in ANNOTATION_TABLES}
    assert counts["document_annotations"] == 2 and counts["claims"] == 2
    assert pending_batches(staging) == []
    write_batch(staging, rows)  # e.g. a second run racing the first
    load_batches(con, staging, version)
    again = {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in ANNOTATION_TABLES}
    assert again == counts


def test_stale_extractor_version_is_dropped_not_loaded(nlp, tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "a.txt").write_text("Ryzhenkov said that Belarus intends to invite its neighbours.")
    corpus = read_corpus(inp)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_schema(con)
    write_corpus(con, corpus, inp)
    staging = tmp_path / "staging"
    write_batch(staging, _rows(nlp, list(corpus.documents.values())))
    report = load_batches(con, staging, "some-newer-version")
    assert (report.batches, report.skipped_stale) == (0, 1)
    assert con.execute("select count(*) from raw.claims").fetchone()[0] == 0
