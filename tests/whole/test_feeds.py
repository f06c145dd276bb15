"""A folder of feeds through the real job (ingest → spaCy → load → dbt build): JSON Lines with a bad
record, CSV, HTML, a gzipped text with a sidecar; the metadata in dim_documents, the publisher and
the cited agency as one dim_sources row, claims read by publisher and date; then one appended
record loaded alone."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timezone

import duckdb
from dagster import AssetKey

from pipeline.definitions import build_definitions
from pipeline.settings import Settings

REUTERS_TEXT = (
    "Belarusian President Alexander Lukashenko said on Friday that Minsk would host a conference on "
    "migration, Reuters reported."
)
BELTA_TEXT = "Foreign Minister Maksim Ryzhenkov said that talks with Lithuania would resume next week, BelTA reported."
HTML_TEXT = (
    "Polish Prime Minister Donald Tusk said that the border with Belarus would stay closed until the end of the month."
)
TXT_TEXT = "The European Commission said it would propose new sanctions on Monday, officials in Brussels confirmed."
APPENDED_TEXT = "Lithuanian President Gitanas Nauseda said that the checkpoints would reopen in the spring."


def _write_folder(inp):
    inp.mkdir()
    record = {
        "id": "r1",
        "text": REUTERS_TEXT,
        "title": "Minsk to host migration talks",
        "url": "https://example.com/minsk-talks",
        "publisher": "Reuters",
        "published_at": "Fri, 01 Mar 2024 09:30:00 +0100",
        "author": "Jane Roe",
        "desk": "world",
    }
    (inp / "feed.jsonl").write_text(json.dumps(record) + "\n" + '{"title": "a record without text"}\n')
    (inp / "news.csv").write_text(f'id,title,text,publisher,published_at\nb1,Talks,"{BELTA_TEXT}",BelTA,2024-02-28\n')
    (inp / "page.html").write_text(
        "<html><head><title>Border stays closed</title>"
        '<meta property="og:site_name" content="Example News">'
        '<meta property="article:published_time" content="2024-03-02T12:00:00Z"></head><body>'
        '<nav><a href="/">Home</a> <a href="/world">World menu</a></nav>'
        f"<article><h1>Border stays closed</h1><p>{HTML_TEXT}</p></article>"
        "<footer>Subscribe to our newsletter.</footer></body></html>"
    )
    (inp / "brief.txt.gz").write_bytes(gzip.compress(TXT_TEXT.encode()))
    (inp / "brief.meta.json").write_text(json.dumps({"publisher": "AP", "published_at": "2024-03-03"}))


def _run(inp, warehouse, selection=None):
    defs = build_definitions(Settings.from_env(input_dir=inp, warehouse=warehouse))
    result = defs.resolve_job_def("newsclaims_job").execute_in_process(
        run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}}, asset_selection=selection
    )
    assert result.success
    return {
        e.event_specific_data.materialization.asset_key: e.event_specific_data.materialization.metadata
        for e in result.get_asset_materialization_events()
    }


def test_feeds_load_with_metadata_and_a_grown_feed_loads_only_its_new_record(tmp_path):
    inp, warehouse = tmp_path / "in", tmp_path / "w.duckdb"
    _write_folder(inp)
    _run(inp, warehouse)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        docs = {
            r[0]: r[1:]
            for r in con.execute(
                "select path, title, url, publisher, published_at, author, metadata->>'desk', text from dim_documents"
            ).fetchall()
        }
        assert set(docs) == {"feed.jsonl#r1", "news.csv#b1", "page.html", "brief.txt.gz"}
        title, url, publisher, published, author, desk, text = docs["feed.jsonl#r1"]
        assert (title, url, publisher, author, desk, text) == (
            "Minsk to host migration talks",
            "https://example.com/minsk-talks",
            "Reuters",
            "Jane Roe",
            "world",
            REUTERS_TEXT,
        )
        assert published == datetime(2024, 3, 1, 8, 30, tzinfo=timezone.utc)
        assert docs["page.html"][2] == "Example News" and "Subscribe" not in docs["page.html"][6]
        assert docs["brief.txt.gz"][2:4] == ("AP", datetime(2024, 3, 3, tzinfo=timezone.utc))
        assert con.execute("select path, reason from rejected_documents").fetchall() == [("feed.jsonl#2", "bad_record")]
        assert dict(con.execute("select path, source_format from fct_document_occurrences").fetchall()) == {
            "feed.jsonl#r1": "jsonl",
            "news.csv#b1": "csv",
            "page.html": "html",
            "brief.txt.gz": "txt",
        }
        # "Reuters" the publisher and "Reuters" the cited agency: one dim_sources row
        reuters = con.execute(
            "select source_id, citation_count, publisher_document_count from dim_sources where name = 'Reuters'"
        ).fetchall()
        assert len(reuters) == 1 and reuters[0][1] >= 1 and reuters[0][2] == 1
        assert con.execute("select publisher_source_id from dim_documents where path = 'feed.jsonl#r1'").fetchone() == (
            reuters[0][0],
        )
        assert con.execute("select source_id from fct_source_citations where text = 'Reuters'").fetchone() == (
            reuters[0][0],
        )
        # claims read by publisher and publication date
        by_publisher = con.execute("""
            select p.name, d.published_at::date::varchar, c.speaker_name
            from fct_claims c
            join dim_documents d using (document_id)
            join dim_sources p on p.source_id = d.publisher_source_id
            where d.published_at >= '2024-03-01' order by d.published_at, c.speaker_name""").fetchall()
        assert ("Reuters", "2024-03-01", "Alexander Lukashenko") in by_publisher
        assert all(day >= "2024-03-01" for _, day, _ in by_publisher)
        assert "BelTA" not in {p for p, _, _ in by_publisher}
    finally:
        con.close()

    with (inp / "feed.jsonl").open("a") as f:
        f.write(json.dumps({"id": "r2", "text": APPENDED_TEXT, "publisher": "Reuters"}) + "\n")
    ingest_keys = [AssetKey(["raw", t]) for t in ("documents", "document_occurrences", "rejected_documents")]
    meta = _run(inp, warehouse, selection=ingest_keys)[AssetKey(["raw", "documents"])]
    assert (meta["this_run_new_documents"].value, meta["this_run_occurrences"].value) == (1, 1)
    assert (meta["this_run_appended_files"].value, meta["this_run_unchanged_files"].value) == (1, 3)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute(
            "select path from raw.document_occurrences where present and path like 'feed.jsonl#%' order by path"
        ).fetchall() == [("feed.jsonl#r1",), ("feed.jsonl#r2",)]
        assert con.execute("select path from raw.rejected_documents").fetchall() == [("feed.jsonl#2",)]
    finally:
        con.close()
