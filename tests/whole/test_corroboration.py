"""Syndicated copies and claim clusters through the real pipeline (the whole job, real dbt), on an
invented story, an edited copy of it and an unrelated article; then a second run that adds another
copy, which joins the existing group without the first documents being fingerprinted again."""

from __future__ import annotations

import duckdb
import pytest

from tests.unit.test_syndication import EDITED_COPY, SAME_TOPIC, STORY

pytestmark = pytest.mark.slow

TRIMMED_COPY = "\n".join(["Sea wall vote: what happens next", "", *STORY.splitlines()[2:6], "", "(c) Harbour Press"])


def _q(warehouse, sql, params=None):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _python_steps(settings) -> bool:
    """The job's Python assets only (ingest to claim clusters): what the incremental indexes do, without
    dbt, the search index and the report (the second run is the whole job)."""
    from pipeline.assets.dbt import dbt_models
    from pipeline.assets.report import REPORT
    from pipeline.assets.search import SEARCH_INDEX
    from pipeline.cli import _execute_job
    from pipeline.definitions import build_definitions

    keys = build_definitions(settings).resolve_asset_graph().get_all_asset_keys()
    return _execute_job(settings, asset_selection=sorted(keys - set(dbt_models.keys) - {REPORT, SEARCH_INDEX}))


def test_copies_share_a_group_and_their_claim_is_one_cluster_of_one_story(tmp_path, monkeypatch):
    from pipeline.cli import run
    from pipeline.settings import Settings

    folder, warehouse = tmp_path / "in", tmp_path / "w.duckdb"
    folder.mkdir()
    (folder / "story.txt").write_text(STORY, encoding="utf-8")
    (folder / "copy.txt").write_text(EDITED_COPY, encoding="utf-8")
    (folder / "other.txt").write_text(SAME_TOPIC, encoding="utf-8")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    monkeypatch.setenv("NEWSCLAIMS_INPUT_DIR", str(folder))
    monkeypatch.setenv("NEWSCLAIMS_WAREHOUSE", str(warehouse))
    assert _python_steps(Settings.from_env(input_dir=folder, warehouse=warehouse))

    ids = dict(_q(warehouse, "select p.path, p.document_id from raw.document_occurrences p"))
    # the copy is found; the same-topic article is alone
    assert _q(warehouse, "select document_id, component_id from raw.syndication_components order by 1") == sorted(
        (ids[p], min(ids["story.txt"], ids["copy.txt"])) for p in ("story.txt", "copy.txt")
    )
    # the mayor's statement is in both copies: one cluster of two claims
    varga = _q(
        warehouse,
        "select k.cluster_key, count(*) from raw.claim_clusters k join raw.entity_links l "
        "on l.entity_id = k.speaker_entity_id where l.entity_name = 'Ilse Varga' group by 1 having count(*) > 1",
    )
    assert len(varga) >= 1, _q(warehouse, "select * from raw.claim_clusters")
    indexed = dict(_q(warehouse, "select document_id, indexed_at from raw.document_minhash"))

    # a second run with one more (trimmed) copy: it joins the group; nothing else is fingerprinted again
    (folder / "trimmed.txt").write_text(TRIMMED_COPY, encoding="utf-8")
    assert run(Settings.from_env(input_dir=folder, warehouse=warehouse))
    groups = dict(_q(warehouse, "select path, syndication_group_id from dim_documents"))
    first = min(("story.txt", "copy.txt"), key=ids.get)  # same first_seen_at: the smaller id names the group
    assert groups["trimmed.txt"] == groups["story.txt"] == groups["copy.txt"] == ids[first]
    assert groups["other.txt"] == ids["other.txt"]  # same topic, another story: alone
    assert _q(
        warehouse,
        "select document_count from fct_syndication_groups where syndication_group_id = ?",
        [groups["story.txt"]],
    ) == [(3,)]
    again = dict(_q(warehouse, "select document_id, indexed_at from raw.document_minhash"))
    assert {d: again[d] for d in indexed} == indexed and len(again) == 4
    assert ("Ilse Varga", 3, 1, True) in _q(
        warehouse,
        "select speaker_name, document_count, syndication_group_count, is_syndication_only from fct_claim_clusters "
        "where speaker_name = 'Ilse Varga'",
    )
    # its first report, and two syndicated copies of it
    assert _q(
        warehouse,
        "select count(*) filter (where is_first_report), count(*) filter (where is_syndicated_copy) "
        "from fct_claim_cluster_members m join fct_claim_clusters k using (claim_cluster_id) "
        "where k.speaker_name = 'Ilse Varga' and k.document_count = 3",
    ) == [(1, 2)]


def test_the_three_seed_articles_are_three_stories(query):
    # three different BelTA articles: no copies among them, each its own story
    assert query("select count(*), count(distinct syndication_group_id) from dim_documents") == [(3, 3)]
    assert query("select count(*), max(document_count) from fct_syndication_groups") == [(3, 1)]
    assert query("select count(*) from dim_documents where syndication_group_id <> document_id") == [(0,)]
