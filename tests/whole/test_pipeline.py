"""The whole Definitions (ingest → spaCy → load → entities → dbt build) on the seed articles."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import ROOT

D000, D003, D004 = "000_e42f40467c54dca3.txt", "003_46c50872f9ce8b1f.txt", "004_57c9e20f4240cf42.txt"


def claim_rows(query):
    return query("""
        select d.path, c.speaker_text, c.cue_text, c.content_text, c.speaker_name, s.name
        from fct_claims c join dim_documents d using (document_id)
        left join dim_sources s using (source_id)""")


@pytest.mark.parametrize(
    "path, speaker, cue, content_start, speaker_name",
    [
        (
            D000,
            "Belarusian President Alexander Lukashenko",
            "rejected",
            "that Minsk promotes illegal migration into the European Union",
            "Alexander Lukashenko",
        ),
        (
            D000,
            "Lukashenko",
            "insisted",
            "that the accusations about encouraging illegal immigration are not new",
            "Alexander Lukashenko",
        ),
        (
            D000,
            "He",
            "said",
            "Belarus, despite facing sanctions, remains a place where humanitarian",
            "Alexander Lukashenko",
        ),
        (D000, "The president", "stressed", "that Minsk would not bow to mischaracterizations", "Alexander Lukashenko"),
        (D000, "He", "expressed", "sincere empathy for people who have left their homes", "Alexander Lukashenko"),
        (
            D000,
            "The president",
            "emphasized",
            "that Belarus does not scheme to profit from migrants",
            "Alexander Lukashenko",
        ),
        (
            D003,
            "Belarusian Foreign Minister Maksim Ryzhenkov",
            "according to",
            "Belarus plans to host an international conference on “countering illegal migration” in November 2024",
            "Maksim Ryzhenkov",
        ),
        (
            D003,
            "Ryzhenkov",
            "said",
            "that Belarus intends to invite “representatives of Belarus’ neighbors”",
            "Maksim Ryzhenkov",
        ),
        (
            D003,
            "The foreign minister",
            "said",
            "We proceed from the fact that if today the great powers cannot agree",
            "Maksim Ryzhenkov",
        ),
        (
            D004,
            "Lukashenko",
            "According to",
            "a number of Belarusians who had stayed in Ukraine",
            "Alexander Lukashenko",
        ),
        (
            D004,
            "He",
            "stated",
            "that Ukrainian authorities detained a substantial quantity of vehicles",
            "Alexander Lukashenko",
        ),
    ],
)
def test_specific_seed_claims(query, path, speaker, cue, content_start, speaker_name):
    rows = [
        r
        for r in claim_rows(query)
        if r[0] == path and r[1] == speaker and r[2] == cue and r[3].startswith(content_start)
    ]
    assert rows, f"no claim {speaker!r} — {cue!r} — {content_start!r}… in {path}"
    assert rows[0][4] == speaker_name


@pytest.mark.parametrize(
    "path, cue, content_start, stance",
    [
        (D000, "rejected", "that Minsk promotes illegal migration", "denies"),  # the rejected proposition
        (
            D000,
            "warned",
            "that there are efforts to influence events inside Belarus ahead of the presidential",
            "warns",
        ),
        (D000, "insisted", "that the accusations about encouraging illegal immigration", "asserts"),
    ],
)
def test_seed_claim_stance_and_evidence(query, path, cue, content_start, stance):
    rows = query(
        """
        select c.claim_stance, c.is_negated, c.confidence, substr(d.text, c.evidence_start_char + 1,
               c.evidence_end_char - c.evidence_start_char), c.content_text, c.cue_text
        from fct_claims c join dim_documents d using (document_id)
        where d.path = ? and c.cue_text = ? and starts_with(c.content_text, ?)""",
        [path, cue, content_start],
    )
    [(got, negated, confidence, evidence, content, cue_text)] = rows
    assert (got, negated) == (stance, False)
    assert 0 < confidence <= 1
    assert content in evidence and cue_text in evidence and evidence.rstrip().endswith(".")


def test_lukashenko_claims_in_two_documents_are_one_entity(query):
    rows = query("""
        select e.entity_id, e.name, count(distinct c.document_id)
        from fct_claims c join dim_entities e on e.entity_id = c.speaker_entity_id
        where e.name like '%Lukashenko%' group by all""")
    assert len(rows) == 1, rows
    entity_id, name, docs = rows[0]
    assert name == "Alexander Lukashenko" and docs >= 2
    aliases = query("select aliases from dim_entities where entity_id = ?", [entity_id])[0][0]
    assert {"Lukashenko", "Alexander Lukashenko"} <= set(aliases)


def test_belta_is_one_source_cited_in_all_three_documents(query):
    rows = query("select source_id, name, kind, aliases, document_count from dim_sources where name ilike 'belta'")
    assert len(rows) == 1
    source_id, name, kind, aliases, docs = rows[0]
    assert (name, kind, docs) == ("BelTA", "news_agency", 3)
    assert {"BelTA", "BELTA"} <= set(aliases)
    kinds = {r[0] for r in query("select citation_kind from fct_sources where source_id = ?", [source_id])}
    assert {"reported", "according_to", "attributed_to", "reported_by", "citation_tag"} <= kinds
    # the agency is the speaker of "According to Belarusian news outlet BELTA, ..." and carries it
    [(speaker, src)] = query("""
        select c.speaker_text, c.source_id from fct_sources f join fct_claims c using (claim_id)
        where f.citation_kind = 'according_to'""")
    assert speaker == "Belarusian news outlet BELTA" and src == source_id


def test_belta_carries_every_claim_of_the_three_seed_articles(query):
    rows = query("""
        select d.path, count(*), count(*) filter (where s.name = 'BelTA')
        from fct_claims c join dim_documents d using (document_id)
        left join dim_sources s using (source_id) group by all order by 1""")
    assert [r[0] for r in rows] == [D000, D003, D004]
    # 000 and 004 state BelTA for the whole article ("BelTA later reported the remarks", a credit):
    # it carries every claim; 003 cites it in one sentence only ("According to ... BELTA, ..."):
    # it carries that claim, and no other source carries any
    assert rows[0][1] == rows[0][2] and rows[2][1] == rows[2][2], rows
    assert rows[1][2] >= 1
    assert query("""
        select count(*) from fct_claims c join dim_sources s using (source_id) where s.name <> 'BelTA'""") == [(0,)]
    # BelTA is the speaker of its own report as well as its carrier
    [(speaker, spk_src)] = query("""
        select c.speaker_text, s.name from fct_claims c join dim_sources s on s.source_id = c.speaker_source_id
        where c.cue_text = 'reported'""")
    assert (speaker, spk_src) == ("BelTA", "BelTA")


def test_every_stored_span_matches_its_offsets(query):
    checks = {
        "fct_mentions": [("text", "start_char", "end_char")],
        "fct_sources": [("text", "start_char", "end_char")],
        "fct_claims": [
            ("speaker_text", "speaker_start_char", "speaker_end_char"),
            ("cue_text", "cue_start_char", "cue_end_char"),
            ("content_text", "content_start_char", "content_end_char"),
        ],
    }
    docs = dict(query("select document_id, text from dim_documents"))
    n = 0
    for table, spans in checks.items():
        for col, s, e in spans:
            for doc_id, value, start, end in query(
                f"select document_id, {col}, {s}, {e} from {table} where {col} is not null"
            ):
                assert docs[doc_id][start:end] == value, (table, col, value)
                n += 1
    assert n > 150


def test_read_also_links_are_not_claims(query):
    rows = query(
        """select c.content_text from fct_claims c join dim_documents d using (document_id)
                    where d.path = ? and c.content_text ilike '%strengthen cooperation%'""",
        [D003],
    )
    assert rows == []


def test_documents_keep_text_verbatim_with_path_and_title(query):
    rows = query("select path, title, char_count, processed_at from dim_documents order by path")
    assert [r[0] for r in rows] == [D000, D003, D004]
    assert rows[1][1] == "Belarus claims EU ministers to attend migration conference in Minsk"
    for path, _, n, processed_at in rows:
        text = (ROOT / "seeds" / path).read_text(encoding="utf-8")
        assert text == query("select text from dim_documents where path = ?", [path])[0][0]
        assert n == len(text)
        assert processed_at is not None


def test_marts_need_no_schema_prefix_in_the_duckdb_shell(built_warehouse):
    shell = Path(sys.executable).parent / "duckdb"
    out = subprocess.run(
        [
            str(shell),
            "-readonly",
            "-csv",
            str(built_warehouse),
            "-c",
            "select count(*) from fct_claims where cue_lemma = 'according to'",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip().splitlines()[-1] == "3"


def test_second_run_changes_nothing(built_warehouse, tmp_path):
    from pipeline.cli import run
    from pipeline.settings import Settings

    tables = ["dim_documents", "fct_mentions", "dim_entities", "fct_claims", "fct_sources", "dim_sources"]

    def snapshot():
        con = duckdb.connect(str(built_warehouse), read_only=True)
        try:
            snap = {
                t: sorted(
                    con.execute(
                        f"select * exclude (text) from {t}" if t == "dim_documents" else f"select * from {t}"
                    ).fetchall(),
                    key=repr,
                )
                for t in tables
            }
        finally:
            con.close()
        return snap

    before = snapshot()
    input_dir = built_warehouse.parent / "input"
    assert run(Settings.from_env(input_dir=input_dir, warehouse=built_warehouse))
    assert snapshot() == before  # same rows, same ids, processed_at untouched


def test_definitions_carry_dbt_tests_as_checks_and_every_asset_is_described():
    from pipeline.definitions import defs

    graph = defs.resolve_asset_graph()
    checks = list(graph.asset_check_keys)
    assert len(checks) >= 40
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.group_name, key
        assert node.description, key


def test_dagster_definitions_validate():
    exe = Path(sys.executable).parent / "dagster"
    out = subprocess.run(
        [str(exe), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
