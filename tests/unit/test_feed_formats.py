"""Every input format read by read_corpus, on files the tests write: feed records with their line
numbers, metadata, sidecars, gzip (and a gzip bomb), HTML boilerplate removed. No spaCy model."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timedelta, timezone

import pytest

from pipeline.ingest.files import read_corpus
from pipeline.ingest.formats import parse_published_at

LUKASHENKO = "Alexander Lukashenko said on Friday that Belarus would host a conference on migration, BelTA reported."
TUSK = "Polish Prime Minister Donald Tusk said that the border would stay closed until the end of the month."
RYZHENKOV = "Foreign Minister Maksim Ryzhenkov said that talks with Lithuania would resume next week."


def _by_path(corpus):
    return {o.path: o for o in corpus.occurrences}


def _rejected(corpus):
    return {r.path: (r.reason, r.detail) for r in corpus.rejections}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Fri, 01 Mar 2024 09:30:00 +0100", datetime(2024, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=1)))),
        ("Fri, 01 Mar 2024 04:30:00 EST", datetime(2024, 3, 1, 4, 30, tzinfo=timezone(timedelta(hours=-5)))),
        ("Fri, 01 Mar 2024 09:30:00 GMT", datetime(2024, 3, 1, 9, 30, tzinfo=timezone.utc)),
        ("2024-03-01T09:30:00Z", datetime(2024, 3, 1, 9, 30, tzinfo=timezone.utc)),
        ("2024-03-01T09:30:00-05:00", datetime(2024, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=-5)))),
        ("2024-03-01", datetime(2024, 3, 1, tzinfo=timezone.utc)),
        ("March 1, 2024", datetime(2024, 3, 1, tzinfo=timezone.utc)),
        (1709285400, datetime(2024, 3, 1, 9, 30, tzinfo=timezone.utc)),
    ],
)
def test_publication_dates_parse_with_their_zone_kept(given, expected):
    parsed, problem = parse_published_at(given)
    assert problem is None
    assert parsed == expected and parsed.utcoffset() == expected.utcoffset()


def test_an_unparseable_date_is_a_problem_not_a_rejection(tmp_path):
    parsed, problem = parse_published_at("sometime last spring")
    assert parsed is None and "not a date" in problem
    (tmp_path / "feed.jsonl").write_text(json.dumps({"text": TUSK, "published_at": "sometime last spring"}) + "\n")
    (occ,) = read_corpus(tmp_path).occurrences
    assert occ.meta.published_at is None and occ.meta.published_at_text == "sometime last spring"
    assert "not a date" in occ.meta.problems[0]


def test_json_lines_load_good_records_and_reject_bad_ones_with_their_line(tmp_path):
    lines = [
        json.dumps(
            {
                "id": "r-1",
                "text": LUKASHENKO,
                "title": "Minsk to host talks",
                "url": "https://example.com/minsk",
                "publisher": "Reuters",
                "published_at": "2024-03-01T09:30:00+01:00",
                "author": "Jane Roe",
                "language": "en",
                "section": "world",
                "tags": ["belarus", "migration"],
            }
        ),
        "{not json",
        json.dumps({"title": "no text at all"}),
        "",
        json.dumps({"content": TUSK, "publisher": 7}),
        json.dumps({"body": RYZHENKOV}),
        json.dumps({"text": "   "}),
        json.dumps(["a", "list"]),
    ]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    corpus = read_corpus(tmp_path)
    occ = _by_path(corpus)
    assert sorted(occ) == ["feed.jsonl#6", "feed.jsonl#r-1"]
    first = occ["feed.jsonl#r-1"].meta
    assert (first.title, first.url, first.publisher, first.author, first.language, first.record_id) == (
        "Minsk to host talks",
        "https://example.com/minsk",
        "Reuters",
        "Jane Roe",
        "en",
        "r-1",
    )
    assert first.published_at == datetime(2024, 3, 1, 8, 30, tzinfo=timezone.utc)
    assert json.loads(first.extra_json()) == {"section": "world", "tags": ["belarus", "migration"]}
    assert corpus.documents[occ["feed.jsonl#6"].document_id].text == RYZHENKOV
    assert occ["feed.jsonl#r-1"].line == 1 and occ["feed.jsonl#r-1"].file_path == "feed.jsonl"
    rejected = _rejected(corpus)
    assert {p: r for p, (r, _) in rejected.items()} == {
        "feed.jsonl#2": "bad_record",
        "feed.jsonl#3": "bad_record",
        "feed.jsonl#5": "bad_record",
        "feed.jsonl#7": "empty",
        "feed.jsonl#8": "bad_record",
    }
    assert "invalid JSON" in rejected["feed.jsonl#2"][1]
    assert "no text" in rejected["feed.jsonl#3"][1]
    assert "publisher must be a string" in rejected["feed.jsonl#5"][1]


def test_a_json_array_a_single_object_and_the_same_id_twice(tmp_path):
    records = [{"id": 1, "text": LUKASHENKO}, {"text": TUSK}, {"text": 3}, {"id": 1, "text": RYZHENKOV}]
    (tmp_path / "array.json").write_text(json.dumps(records, indent=2), encoding="utf-8")
    (tmp_path / "one.json").write_text(json.dumps({"text": TUSK, "publisher": "AP"}), encoding="utf-8")
    corpus = read_corpus(tmp_path)
    occ = _by_path(corpus)
    # the array's second record starts on line 6 of the indented file; the later record with id 1 wins
    assert sorted(occ) == ["array.json#1", "array.json#6", "one.json#1"]
    assert corpus.documents[occ["array.json#1"].document_id].text == RYZHENKOV
    assert _rejected(corpus)["array.json#9"][0] == "bad_record"
    assert occ["one.json#1"].meta.publisher == "AP"
    assert LUKASHENKO not in {d.text for d in corpus.documents.values()}


def test_csv_and_tsv_rows_with_a_bad_row_at_its_line(tmp_path):
    (tmp_path / "feed.csv").write_text(
        "id,title,text,publisher,published_at,desk\n"
        f'a,Minsk,"{LUKASHENKO}\n\nSecond paragraph, quoted.",BelTA,2024-03-01,world\n'
        "b,Too many,x,y,z,w,extra\n"
        f"c,,{TUSK},,,\n",
        encoding="utf-8",
    )
    (tmp_path / "feed.tsv").write_text(f"text\tpublisher\n{RYZHENKOV}\tAP\n", encoding="utf-8")
    corpus = read_corpus(tmp_path)
    occ = _by_path(corpus)
    assert sorted(occ) == ["feed.csv#a", "feed.csv#c", "feed.tsv#2"]
    text = corpus.documents[occ["feed.csv#a"].document_id].text
    assert text == f"{LUKASHENKO}\n\nSecond paragraph, quoted."
    assert occ["feed.csv#a"].meta.extra == {"desk": "world"} and occ["feed.csv#c"].meta.title is None
    assert occ["feed.tsv#2"].meta.publisher == "AP"
    # the bad row starts on line 5: the first record's text spans lines 2-4
    assert _rejected(corpus) == {"feed.csv#5": ("bad_record", "7 fields, the header names 6")}


def test_html_main_text_and_metadata_without_boilerplate(tmp_path):
    (tmp_path / "page.html").write_text(
        "<html><head><title>Minsk hosts talks | Example News</title>"
        '<meta name="author" content="Jane Roe"><meta property="og:site_name" content="Example News">'
        '<link rel="canonical" href="https://example.com/news/minsk-talks">'
        '<meta property="article:published_time" content="2024-03-01T09:30:00+01:00"></head><body>'
        '<nav><a href="/">Home</a> | <a href="/world">World news menu</a></nav>'
        f"<article><h1>Minsk hosts talks</h1><p>{LUKASHENKO}</p><p>{TUSK}</p></article>"
        "<footer>Copyright 2024 Example News. All rights reserved. Subscribe to our newsletter.</footer>"
        "</body></html>",
        encoding="utf-8",
    )
    corpus = read_corpus(tmp_path)
    (occ,) = corpus.occurrences
    text = corpus.documents[occ.document_id].text
    assert LUKASHENKO in text and TUSK in text
    assert "Subscribe" not in text and "World news menu" not in text
    m = occ.meta
    assert (m.title, m.author, m.publisher, m.url) == (
        "Minsk hosts talks",
        "Jane Roe",
        "Example News",
        "https://example.com/news/minsk-talks",
    )
    assert m.published_at == datetime(2024, 3, 1, 8, 30, tzinfo=timezone.utc)
    assert occ.format == "html"


def test_gzipped_files_and_a_gzip_bomb(tmp_path):
    (tmp_path / "a.txt.gz").write_bytes(gzip.compress(LUKASHENKO.encode()))
    (tmp_path / "feed.jsonl.gz").write_bytes(gzip.compress((json.dumps({"id": "x", "text": TUSK}) + "\n").encode()))
    (tmp_path / "bomb.jsonl.gz").write_bytes(gzip.compress(b"\n" * 50_000_000))
    (tmp_path / "broken.txt.gz").write_bytes(gzip.compress(RYZHENKOV.encode())[:-12])
    corpus = read_corpus(tmp_path, max_file_bytes=1_000_000)
    occ = _by_path(corpus)
    assert sorted(occ) == ["a.txt.gz", "feed.jsonl.gz#x"]
    assert corpus.documents[occ["a.txt.gz"].document_id].text == LUKASHENKO
    rejected = _rejected(corpus)
    assert rejected["bomb.jsonl.gz"][0] == "too_large" and "decompresses to more than" in rejected["bomb.jsonl.gz"][1]
    assert rejected["broken.txt.gz"][0] == "undecodable"


def test_sidecars_give_metadata_and_are_not_documents(tmp_path):
    (tmp_path / "good.txt").write_text(LUKASHENKO)
    (tmp_path / "good.meta.json").write_text(
        json.dumps({"publisher": "BelTA", "published_at": "Fri, 01 Mar 2024 09:30:00 +0100", "desk": "politics"})
    )
    (tmp_path / "bad.txt").write_text(TUSK)
    (tmp_path / "bad.meta.json").write_text("{not json")
    (tmp_path / "orphan.meta.json").write_text(json.dumps({"publisher": "AP"}))
    corpus = read_corpus(tmp_path)
    occ = _by_path(corpus)
    assert sorted(occ) == ["bad.txt", "good.txt"]
    good = occ["good.txt"].meta
    assert good.publisher == "BelTA" and good.extra == {"desk": "politics"}
    assert good.published_at == datetime(2024, 3, 1, 8, 30, tzinfo=timezone.utc)
    assert occ["bad.txt"].meta.publisher is None and "sidecar: invalid JSON" in occ["bad.txt"].meta.problems[0]
    assert _rejected(corpus) == {
        "orphan.meta.json": ("not_text", "a metadata sidecar with no orphan.txt or .html beside it; not read")
    }


def test_other_types_are_rejected_naming_what_is_read(tmp_path):
    (tmp_path / "notes.md").write_text("# notes")
    ((reason, detail),) = _rejected(read_corpus(tmp_path)).values()
    assert reason == "not_text"
    assert all(s in detail for s in ("*.txt", "*.jsonl", "*.json", "*.csv", "*.tsv", "*.html", "*.gz"))


def test_a_feed_whose_every_record_is_bad_loads_nothing_and_rejects_each(tmp_path):
    (tmp_path / "feed.jsonl").write_text('oops\n{"title": "no text"}\n{"text": 5}\n')
    corpus = read_corpus(tmp_path)
    assert corpus.documents == {} and corpus.occurrences == []
    assert sorted(_rejected(corpus)) == ["feed.jsonl#1", "feed.jsonl#2", "feed.jsonl#3"]


def test_a_feed_without_records_is_rejected_as_empty(tmp_path):
    (tmp_path / "blank.jsonl").write_text("\n\n")
    (tmp_path / "header.csv").write_text("id,text\n")
    (tmp_path / "nothing.json").write_bytes(b"")
    assert {p: r for p, (r, _) in _rejected(read_corpus(tmp_path)).items()} == {
        "blank.jsonl": "empty",
        "header.csv": "empty",
        "nothing.json": "empty",
    }
