"""Re-runs over a real DuckDB file: an unchanged file is not read again, a grown feed is read on from
where the last scan stopped (its earlier records and rejections stand), a rewritten one is read
whole. read_corpus + write_corpus as the ingest asset calls them; no spaCy model."""

from __future__ import annotations

import gzip
import json
import os

import duckdb
import pytest

from pipeline.ingest.files import read_corpus
from pipeline.warehouse.corpus import load_file_states, write_corpus
from pipeline.warehouse.schema import ensure_schema

TEXTS = [
    "Alexander Lukashenko said on Friday that Belarus would host a conference on migration, BelTA reported.",
    "Polish Prime Minister Donald Tusk said that the border would stay closed until the end of the month.",
    "Foreign Minister Maksim Ryzhenkov said that talks with Lithuania would resume next week.",
    "The European Commission said it would propose new sanctions on Monday, officials in Brussels confirmed.",
]


@pytest.fixture
def scan(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_schema(con)

    def _scan():
        corpus = read_corpus(inp, known=load_file_states(con, inp))
        write_corpus(con, corpus, inp)
        return corpus

    _scan.inp, _scan.con = inp, con
    yield _scan
    con.close()


def _rows(con, sql):
    return con.execute(sql).fetchall()


def _record(i, **extra):
    return json.dumps({"text": TEXTS[i], **extra}) + "\n"


def test_an_unchanged_file_is_not_read_again(scan):
    article = scan.inp / "a.txt"
    article.write_text(TEXTS[0])
    scan()
    st = article.stat()
    # same size and modification time, other bytes: a scan that read the file would see a new text
    article.write_text(TEXTS[0].upper())
    os.utime(article, ns=(st.st_atime_ns, st.st_mtime_ns))
    corpus = scan()
    assert corpus.kept_files == {"a.txt"} and corpus.documents == {}
    assert _rows(
        scan.con, "select d.text, o.present from raw.document_occurrences o join raw.documents d using (document_id)"
    ) == [(TEXTS[0], True)]
    # a new sidecar is a change: the file is read again (and now its upper-case text is seen)
    (scan.inp / "a.meta.json").write_text(json.dumps({"publisher": "BelTA"}))
    corpus = scan()
    assert corpus.kept_files == set() and [o.meta.publisher for o in corpus.occurrences] == ["BelTA"]
    assert _rows(scan.con, "select count(*) filter (where present), count(*) from raw.document_occurrences") == [(1, 1)]


def test_a_grown_feed_loads_only_the_new_records(scan):
    feed = scan.inp / "feed.jsonl"
    feed.write_text(_record(0, id="a") + "{broken\n" + _record(1))
    first = scan()
    assert sorted(o.path for o in first.occurrences) == ["feed.jsonl#3", "feed.jsonl#a"]
    with feed.open("a") as f:
        f.write(_record(2, id="c") + '{"title": "no text"}\n')
    second = scan()
    assert second.appended_files == {"feed.jsonl": 4}
    assert [o.path for o in second.occurrences] == ["feed.jsonl#c"]
    assert [r.path for r in second.rejections] == ["feed.jsonl#5"]
    assert _rows(scan.con, "select path from raw.document_occurrences where present order by path") == [
        ("feed.jsonl#3",),
        ("feed.jsonl#a",),
        ("feed.jsonl#c",),
    ]
    assert _rows(scan.con, "select path from raw.rejected_documents order by path") == [
        ("feed.jsonl#2",),
        ("feed.jsonl#5",),
    ]
    # nothing new: the file is not read at all
    assert scan().kept_files == {"feed.jsonl"}


def test_a_record_still_being_written_is_read_whole_next_time(scan):
    feed = scan.inp / "feed.jsonl"
    feed.write_text(_record(0) + _record(1, id="b")[:30])  # the writer is mid-line
    corpus = scan()
    assert [o.path for o in corpus.occurrences] == ["feed.jsonl#1"]
    assert [r.path for r in corpus.rejections] == ["feed.jsonl#2"]
    feed.write_text(_record(0) + _record(1, id="b"))
    corpus = scan()
    assert corpus.appended_files == {"feed.jsonl": 2} and [o.path for o in corpus.occurrences] == ["feed.jsonl#b"]
    assert _rows(scan.con, "select count(*) from raw.rejected_documents") == [(0,)]
    assert _rows(scan.con, "select path from raw.document_occurrences where present order by path") == [
        ("feed.jsonl#1",),
        ("feed.jsonl#b",),
    ]


def test_a_rewritten_feed_is_read_whole_and_its_dropped_records_marked_absent(scan):
    feed = scan.inp / "feed.csv"
    feed.write_text(f'id,text\na,"{TEXTS[0]}"\nb,"{TEXTS[1]}"\n')
    scan()
    feed.write_text(f'id,text\nb,"{TEXTS[1]}"\nc,"{TEXTS[2]}"\nd,"{TEXTS[3]}"\n')
    corpus = scan()
    assert corpus.appended_files == {} and sorted(o.path for o in corpus.occurrences) == [
        "feed.csv#b",
        "feed.csv#c",
        "feed.csv#d",
    ]
    assert _rows(scan.con, "select path, present from raw.document_occurrences order by path") == [
        ("feed.csv#a", False),
        ("feed.csv#b", True),
        ("feed.csv#c", True),
        ("feed.csv#d", True),
    ]


def test_a_grown_csv_and_a_grown_gzip_feed_read_on(scan):
    csv_feed, gz_feed = scan.inp / "feed.tsv", scan.inp / "feed.jsonl.gz"
    csv_feed.write_text(f"text\tpublisher\n{TEXTS[0]}\tAP\n")
    gz_feed.write_bytes(gzip.compress(_record(1).encode()))
    scan()
    csv_feed.write_text(f"text\tpublisher\n{TEXTS[0]}\tAP\n{TEXTS[2]}\tReuters\n")
    gz_feed.write_bytes(gzip.compress((_record(1) + _record(3)).encode()))
    corpus = scan()
    assert corpus.appended_files == {"feed.tsv": 3, "feed.jsonl.gz": 2}
    assert sorted((o.path, o.meta.publisher) for o in corpus.occurrences) == [
        ("feed.jsonl.gz#2", None),
        ("feed.tsv#3", "Reuters"),
    ]
    assert _rows(scan.con, "select count(*) from raw.document_occurrences where present") == [(4,)]


def test_a_feed_of_bad_records_writes_no_document_and_every_rejection(scan):
    (scan.inp / "feed.jsonl").write_text('oops\n{"title": "no text"}\n')
    scan()
    assert _rows(scan.con, "select count(*) from raw.documents") == [(0,)]
    assert _rows(scan.con, "select path, reason from raw.rejected_documents order by path") == [
        ("feed.jsonl#1", "bad_record"),
        ("feed.jsonl#2", "bad_record"),
    ]


def test_a_warehouse_from_before_feeds_gains_the_metadata_on_its_next_scan(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "a.txt").write_text(TEXTS[0])
    (inp / "a.meta.json").write_text(json.dumps({"publisher": "BelTA", "published_at": "2024-03-01"}))
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    con.execute("create schema raw")
    # raw.document_occurrences and raw.rejected_documents as they were before feeds (no ingest_files)
    con.execute("""create table raw.document_occurrences (input_dir varchar not null, path varchar not null,
        document_id varchar not null, size_bytes bigint, modified_at timestamp, encoding varchar,
        first_seen_at timestamp, last_seen_at timestamp, present boolean not null, decode_errors integer,
        primary key (input_dir, path))""")
    con.execute("""create table raw.rejected_documents (input_dir varchar not null, path varchar not null,
        reason varchar not null, detail varchar, size_bytes bigint, detected_at timestamp,
        primary key (input_dir, path))""")
    root = str(inp.resolve())
    con.execute(
        "insert into raw.document_occurrences values (?, 'a.txt', 'old', 1, null, 'utf-8', null, null, true, 0)", [root]
    )
    con.execute("insert into raw.rejected_documents values (?, 'gone.md', 'not_text', '', 1, null)", [root])
    ensure_schema(con)
    known = load_file_states(con, inp)
    assert known == {}  # nothing is known: every file is read once
    write_corpus(con, read_corpus(inp, known=known), inp)
    assert _rows(
        con, "select path, file_path, format, publisher, publisher_source_id is not null from raw.document_occurrences"
    ) == [("a.txt", "a.txt", "txt", "BelTA", True)]
    assert _rows(con, "select count(*) from raw.rejected_documents") == [(0,)]
    assert read_corpus(inp, known=load_file_states(con, inp)).kept_files == {"a.txt"}
    con.close()


def test_a_forgotten_document_still_in_its_file_is_read_again(scan):
    from pipeline.warehouse.forget import plan, remove

    (scan.inp / "a.txt").write_text(TEXTS[0])
    scan()
    remove(scan.con, plan(scan.con, "a.txt", scan.inp))
    assert _rows(scan.con, "select count(*) from raw.ingest_files") == [(0,)]
    corpus = scan()  # nothing remembers a takedown: the file is new input again
    assert corpus.kept_files == set() and [o.path for o in corpus.occurrences] == ["a.txt"]


def test_a_scan_spills_its_texts_to_parquet_and_writes_them_all(scan, tmp_path, monkeypatch):
    from pipeline.ingest import files
    from pipeline.warehouse.schema import arrow_schema

    assert files.SPILL_SCHEMA == arrow_schema("documents", skip=("first_seen_at",))
    monkeypatch.setattr(files, "SPILL_TEXT_CHARS", 150)  # every second document or so goes to disk
    (scan.inp / "feed.jsonl").write_text("".join(_record(i) for i in range(4)) + _record(0, id="again"))
    spill = tmp_path / "spill"
    corpus = read_corpus(scan.inp, spill_dir=spill)
    assert corpus.spilled_parts and len(corpus.documents) < 4 and corpus.document_count() == 4
    assert all(p.parent == spill and p.exists() for p in corpus.spilled_parts)
    write_corpus(scan.con, corpus, scan.inp)
    assert sorted(r[0] for r in _rows(scan.con, "select text from raw.documents")) == sorted(TEXTS)
    assert _rows(scan.con, "select count(*) from raw.document_occurrences") == [(5,)]
