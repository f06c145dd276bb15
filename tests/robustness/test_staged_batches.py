"""The staged-batch protocol under races and crashes: the first writer wins, a crashed writer's
temporary folder is cleaned as soon as the writer is gone, a run resumes from staged batches."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime

import duckdb
import pytest

from pipeline.ingest.files import read_corpus
from pipeline.nlp.annotate import annotate_texts
from pipeline.warehouse.batches import (
    _HOST,
    clean_temporaries,
    load_batches,
    pending_batches,
    staged_document_ids,
    write_batch,
)
from pipeline.warehouse.corpus import write_corpus
from pipeline.warehouse.schema import ANNOTATION_TABLES, ensure_schema


def _rows(nlp, docs, processed_at=None):
    batch = {t: [] for t in ANNOTATION_TABLES}
    for _, rows in annotate_texts(nlp, [(d.text, d.document_id) for d in docs]):
        for t, r in rows.items():
            batch[t].extend(r)
    if processed_at:
        for r in batch["document_annotations"]:
            r["processed_at"] = processed_at
    return batch


def _setup(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "a.txt").write_text("Ryzhenkov said that Belarus intends to invite its neighbours.")
    (inp / "b.txt").write_text("According to BelTA, ministers will attend the conference.")
    corpus = read_corpus(inp)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_schema(con)
    write_corpus(con, corpus, inp)
    return con, sorted(corpus.documents.values(), key=lambda d: d.document_id)


def test_first_writer_wins_when_two_runs_processed_the_same_document(nlp, tmp_path):
    con, docs = _setup(tmp_path)
    staging = tmp_path / "staging"
    first = _rows(nlp, docs, datetime(2026, 1, 1, 12, 0))
    version = first["document_annotations"][0]["extractor_version"]
    write_batch(staging, first)
    load_batches(con, staging, version)
    counts = {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in ANNOTATION_TABLES}
    # a second run that processed the same documents a moment later (and one more batch shape)
    write_batch(staging, _rows(nlp, docs[:1], datetime(2026, 1, 1, 12, 5)))
    report = load_batches(con, staging, version)
    assert (report.batches, report.documents) == (1, 0)
    assert {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in ANNOTATION_TABLES} == counts
    assert {r[0] for r in con.execute("select processed_at from raw.document_annotations").fetchall()} == {
        datetime(2026, 1, 1, 12, 0)
    }
    assert pending_batches(staging) == []


def test_staged_documents_are_not_processed_again(nlp, tmp_path):
    con, docs = _setup(tmp_path)
    staging = tmp_path / "staging"
    rows = _rows(nlp, docs[:1])
    write_batch(staging, rows)
    version = rows["document_annotations"][0]["extractor_version"]
    assert staged_document_ids(staging, version) == {docs[0].document_id}
    assert staged_document_ids(staging, "another-version") == set()


def test_temporaries_of_dead_writers_are_removed_at_once_live_ones_kept(tmp_path):
    staging = tmp_path / "staging"
    staging.mkdir()
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    dead_pid = int(dead.stdout)
    gone = staging / f".tmp-b-0123456789abcdef-{_HOST}-{dead_pid}-deadbeef"
    live = staging / f".tmp-b-0123456789abcdef-{_HOST}-{os.getpid()}-cafebabe"
    other_host = staging / f".tmp-b-0123456789abcdef-elsewhere-{dead_pid}-00000000"
    for p in (gone, live, other_host):
        p.mkdir()
        (p / "claims.parquet").write_bytes(b"partial")
    assert clean_temporaries(staging) == 1
    assert sorted(p.name for p in staging.iterdir()) == sorted([live.name, other_host.name])


def test_batch_written_twice_and_loaded_twice_changes_nothing(nlp, tmp_path):
    con, docs = _setup(tmp_path)
    rows = _rows(nlp, docs)
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
    con, docs = _setup(tmp_path)
    staging = tmp_path / "staging"
    write_batch(staging, _rows(nlp, docs))
    report = load_batches(con, staging, "some-newer-version")
    assert (report.batches, report.skipped_stale) == (0, 1)
    assert con.execute("select count(*) from raw.claims").fetchone()[0] == 0


@pytest.mark.parametrize("group", [1, 64])
def test_batches_staged_together_load_once_each_document_from_the_first_batch(nlp, tmp_path, monkeypatch, group):
    """Batches are loaded in groups, one transaction each: whatever the grouping, a document two
    batches hold comes from the first of them (in name order), every other row once."""
    from pipeline.warehouse import batches

    monkeypatch.setattr(batches, "LOAD_GROUP", group)
    con, docs = _setup(tmp_path)
    staging = tmp_path / "staging"
    both = write_batch(staging, _rows(nlp, docs, datetime(2026, 1, 1, 12, 0)))
    one = write_batch(staging, _rows(nlp, docs[:1], datetime(2026, 1, 1, 12, 5)))
    version = _rows(nlp, docs[:1])["document_annotations"][0]["extractor_version"]
    report = load_batches(con, staging, version)
    assert (report.batches, report.documents) == (2, 2)
    winner = min(both, one)
    first_time = datetime(2026, 1, 1, 12, 0) if winner == both else datetime(2026, 1, 1, 12, 5)
    assert con.execute(
        "select processed_at, batch_id from raw.document_annotations where document_id = ?", [docs[0].document_id]
    ).fetchall() == [(first_time, winner)]
    assert con.execute(
        "select batch_id from raw.document_annotations where document_id = ?", [docs[1].document_id]
    ).fetchall() == [(both,)]
    # every row once: the counts of loading the two documents from one batch
    whole = _rows(nlp, docs)
    for table in ANNOTATION_TABLES:
        got = con.execute(f"select count(*), count(distinct document_id) from raw.{table}").fetchone()
        assert got == (len(whole[table]), len({r["document_id"] for r in whole[table]})), table
    assert sorted(con.execute("select batch_id, document_count from raw.loaded_batches").fetchall()) == sorted(
        [(both, 2 if winner == both else 1), (one, 1 if winner == one else 0)]
    )
    assert report.rows["document_annotations"] == 2 and pending_batches(staging) == []
