"""A folder of feeds through the real job (ingest → spaCy → load → syndication and claim clusters →
dbt build): JSON Lines with a bad record, CSV, HTML, a gzipped text with a sidecar; the metadata in
dim_documents, the publisher and the cited agency as one dim_sources row, claims read by publisher
and date. The feed also carries an invented story from one outlet, an edited copy from another and
a same-topic article: the copy is found, the mayor's statement is one claim cluster. Then the feed
grows by two records (another, trimmed copy from a third outlet, and a new article): a second run
loads only them, the copy joins the existing story without the older documents being fingerprinted
again, and the cluster counts three publishers and names the first."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timezone

import duckdb
import pytest
from dagster import AssetKey

from pipeline.definitions import build_definitions
from pipeline.settings import Settings
from tests.unit.test_syndication import EDITED_COPY, SAME_TOPIC, STORY

pytestmark = pytest.mark.slow

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
TRIMMED_COPY = "\n".join(["Sea wall vote: what happens next", "", *STORY.splitlines()[2:6], "", "(c) Harbour Press"])
#: the story's three reports: (record id, text, publisher, published_at); the trimmed copy arrives in the second run
STORY_RECORDS = [
    ("s1", STORY, "Harbour Press", "2024-03-05T08:00:00Z"),
    ("s2", EDITED_COPY, "Coast Daily", "2024-03-05T11:00:00Z"),
    ("s3", SAME_TOPIC, "Coast Daily", "2024-03-06T09:00:00Z"),
]
LATER_COPY = ("s4", TRIMMED_COPY, "Northern Wire", "2024-03-07T07:00:00Z")


def _record(rid, text, publisher, published_at) -> str:
    return json.dumps({"id": rid, "text": text, "publisher": publisher, "published_at": published_at}) + "\n"


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
    (inp / "feed.jsonl").write_text(
        json.dumps(record) + "\n" + '{"title": "a record without text"}\n' + "".join(_record(*r) for r in STORY_RECORDS)
    )
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


def test_feeds_load_with_metadata_copies_join_their_story_and_a_grown_feed_loads_only_new_records(tmp_path):
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
        assert set(docs) == {"feed.jsonl#r1", "news.csv#b1", "page.html", "brief.txt.gz", "feed.jsonl#s1"} | {
            "feed.jsonl#s2",
            "feed.jsonl#s3",
        }
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
        formats = dict(con.execute("select path, source_format from fct_document_occurrences").fetchall())
        assert {p: formats.pop(p) for p in ("feed.jsonl#s1", "feed.jsonl#s2", "feed.jsonl#s3")} == dict.fromkeys(
            ("feed.jsonl#s1", "feed.jsonl#s2", "feed.jsonl#s3"), "jsonl"
        )
        assert formats == {
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

        # the edited copy is found; the same-topic article is a story of its own
        groups = dict(con.execute("select path, syndication_group_id from dim_documents").fetchall())
        ids = dict(con.execute("select path, document_id from dim_documents").fetchall())
        assert groups["feed.jsonl#s2"] == groups["feed.jsonl#s1"] == ids["feed.jsonl#s1"]  # first published
        assert groups["feed.jsonl#s3"] == ids["feed.jsonl#s3"]
        assert con.execute(
            "select document_count, syndication_group_count, publisher_count from fct_claim_clusters "
            "where speaker_name = 'Ilse Varga' and document_count > 1"
        ).fetchall() == [(2, 1, 2)]
        indexed = dict(con.execute("select document_id, indexed_at from raw.document_minhash").fetchall())
    finally:
        con.close()

    with (inp / "feed.jsonl").open("a") as f:
        f.write(json.dumps({"id": "r2", "text": APPENDED_TEXT, "publisher": "Reuters"}) + "\n")
        f.write(_record(*LATER_COPY))
    meta = _run(inp, warehouse)[AssetKey(["raw", "documents"])]
    assert (meta["this_run_new_documents"].value, meta["this_run_occurrences"].value) == (2, 2)
    assert (meta["this_run_appended_files"].value, meta["this_run_unchanged_files"].value) == (1, 3)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute(
            "select path from raw.document_occurrences where present and path like 'feed.jsonl#%' order by path"
        ).fetchall() == [(f"feed.jsonl#{r}",) for r in ("r1", "r2", "s1", "s2", "s3", "s4")]
        assert con.execute("select path from raw.rejected_documents").fetchall() == [("feed.jsonl#2",)]
        # the trimmed copy joins the story; no older document was fingerprinted again
        groups = dict(con.execute("select path, syndication_group_id from dim_documents").fetchall())
        assert groups["feed.jsonl#s4"] == groups["feed.jsonl#s1"] == ids["feed.jsonl#s1"]
        assert con.execute(
            "select document_count, publisher_count, first_publisher, is_syndicated from fct_syndication_groups "
            "where syndication_group_id = ?",
            [ids["feed.jsonl#s1"]],
        ).fetchall() == [(3, 3, "Harbour Press", True)]
        again = dict(con.execute("select document_id, indexed_at from raw.document_minhash").fetchall())
        assert {d: again[d] for d in indexed} == indexed and len(again) == len(indexed) + 2
        # who first reported what the mayor said, and who repeated it
        assert con.execute(
            "select document_count, syndication_group_count, publisher_count, first_publisher, is_syndication_only "
            "from fct_claim_clusters where speaker_name = 'Ilse Varga' and document_count > 1"
        ).fetchall() == [(3, 1, 3, "Harbour Press", True)]
        members = con.execute(
            "select m.publisher, m.is_first_report, m.is_syndicated_copy from fct_claim_cluster_members m "
            "join fct_claim_clusters k using (claim_cluster_id) where k.speaker_name = 'Ilse Varga' "
            "and k.document_count > 1 order by m.reported_at"
        ).fetchall()
        assert members == [("Harbour Press", True, False), ("Coast Daily", False, True), ("Northern Wire", False, True)]
    finally:
        con.close()
