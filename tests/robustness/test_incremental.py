"""Incremental by content, with the processed state in the warehouse itself: unchanged text is never
processed again, a changed file is a new document version, a deleted file is kept and marked
absent, a new extractor version reprocesses, and a run on unchanged input changes nothing at all."""

from __future__ import annotations

import json

import shutil

import duckdb

import pytest
from dagster import AssetKey, materialize

from tests.robustness.conftest import query as _q, snapshot

pytestmark = pytest.mark.slow

D000, D003, D004 = "000_e42f40467c54dca3.txt", "003_46c50872f9ce8b1f.txt", "004_57c9e20f4240cf42.txt"


@pytest.fixture
def run_on(monkeypatch, tmp_path):
    """The CLI's run (the whole job, real dbt) in this process, each call with its own DAGSTER_HOME."""
    from pipeline.cli import run
    from pipeline.settings import Settings

    monkeypatch.setenv("NEWSCLAIMS_INPUT_DIR", "")
    monkeypatch.setenv("NEWSCLAIMS_WAREHOUSE", "")
    calls = []

    def _run(input_dir, warehouse):
        home = tmp_path / f"dagster-home-{len(calls)}"
        home.mkdir()
        monkeypatch.setenv("DAGSTER_HOME", str(home))  # a fresh Dagster instance every time
        calls.append(home)
        assert run(Settings.from_env(input_dir=input_dir, warehouse=warehouse)), "the run failed"

    return _run


def test_unchanged_text_is_never_reprocessed_and_a_rerun_changes_nothing(seed_dir, tmp_path, run_on, monkeypatch):
    from pipeline.assets import shards
    from pipeline.nlp import model, warm
    from pipeline.settings import Settings

    warehouse = tmp_path / "w.duckdb"
    monkeypatch.setenv("NEWSCLAIMS_KEEP_MODEL", "0")  # the default: the model is unloaded after the NLP step
    run_on(seed_dir, warehouse)
    assert model._load_model.cache_info().currsize == 0 and not shards._MODELS, "the model outlived the NLP step"
    monkeypatch.setenv("NEWSCLAIMS_KEEP_MODEL", "1")
    first = dict(_q(warehouse, "select path, processed_at from dim_documents"))
    assert len(first) == 3 and all(first.values())
    every_column = snapshot(warehouse, ignore={"last_seen_at", "scanned_at"})

    seen = "select path, last_seen_at from fct_document_occurrences"
    first_seen = dict(_q(warehouse, seen))
    [(first_scan,)] = _q(warehouse, "select scanned_at from raw.input_scans")
    assert set(first_seen.values()) == {first_scan}

    # the same input again, with a fresh Dagster instance: nothing is processed, nothing moves
    run_on(seed_dir, warehouse)
    assert snapshot(warehouse, ignore={"last_seen_at", "scanned_at"}) == every_column
    # every file was seen by the second scan, though no row of raw.document_occurrences was rewritten
    [(second_scan,)] = _q(warehouse, "select scanned_at from raw.input_scans")
    assert second_scan > first_scan and set(dict(_q(warehouse, seen)).values()) == {second_scan}
    assert set(dict(_q(warehouse, "select path, last_seen_at from raw.document_occurrences")).values()) == {first_scan}

    # a changed file, a deleted file, a copy of an unchanged file
    old_003 = _q(warehouse, "select document_id from dim_documents where path = ?", [D003])[0][0]
    with open(seed_dir / D003, "a", encoding="utf-8") as f:
        f.write("\nRyzhenkov said that the conference would be held in Minsk.\n")
    (seed_dir / D004).unlink()
    shutil.copy(seed_dir / D000, seed_dir / "copy of 000.txt")
    # an update run by the CLI's default: the one new text goes to the model `run` began loading in
    # a process of its own (pipeline/nlp/warm.py), and this process never loads the model
    taken = []
    monkeypatch.setattr(warm, "take", lambda *a, _take=warm.take: taken.append(_take(*a)) or taken[-1])
    monkeypatch.setenv("NEWSCLAIMS_KEEP_MODEL", "0")
    run_on(seed_dir, warehouse)
    monkeypatch.setenv("NEWSCLAIMS_KEEP_MODEL", "1")
    assert len(taken) == 1 and isinstance(taken[0], warm.WarmModel), taken
    assert not taken[0]._process.is_alive() and not warm.running(Settings.from_env().spacy_model)
    assert model._load_model.cache_info().currsize == 0 and not shards._MODELS

    docs = {
        r[0]: r[1:]
        for r in _q(
            warehouse,
            """
        select document_id, path, processed_at, is_present, file_count, claim_count from dim_documents""",
        )
    }
    assert len(docs) == 4  # the copy is the same document; the changed file is a new one
    by_path = {v[0]: (k, *v[1:]) for k, v in docs.items() if v[2]}
    # unchanged text: processed once, at the first run, even with a second file holding it
    assert by_path[D000][1] == first[D000] and by_path[D000][3] == 2
    # the changed file is a new version, processed now; the old version is kept, marked absent
    new_003 = by_path[D003][0]
    assert new_003 != old_003 and by_path[D003][1] > max(first.values())
    assert docs[old_003][2] is False and docs[old_003][1] == first[D003]
    assert _q(warehouse, "select count(*) from raw.document_versions where path = ?", [D003]) == [(2,)]
    # the deleted file: its document and claims stay, marked absent
    [(_, present_004, claims_004)] = _q(
        warehouse,
        """
        select d.document_id, d.is_present, count(c.claim_id) from dim_documents d
        left join fct_claims c using (document_id) where d.path = ? group by all""",
        [D004],
    )
    assert present_004 is False and claims_004 > 0
    assert _q(warehouse, "select is_present from document_occurrences where path = ?", [D004]) == [(False,)]
    # the deleted file was last seen by the second scan; the others by this one
    [(third_scan,)] = _q(warehouse, "select scanned_at from raw.input_scans")
    last_seen = dict(_q(warehouse, "select path, last_seen_at from fct_document_occurrences where is_present"))
    assert _q(warehouse, "select last_seen_at from fct_document_occurrences where path = ?", [D004]) == [(second_scan,)]
    assert third_scan > second_scan and set(last_seen.values()) == {third_scan}
    assert _q(warehouse, "select count(*) from raw.document_annotations") == [(4,)]


def test_a_new_extractor_version_reprocesses_every_document(seed_dir, tmp_path, monkeypatch):
    from pipeline.assets.python_assets import annotation_batches, entity_links, ingest_files, load_annotations
    from pipeline.resources import InputFolderResource, SpacyResource, WarehouseResource
    from pipeline.settings import default_model

    warehouse = tmp_path / "w.duckdb"
    resources = {
        "warehouse": WarehouseResource(database=str(warehouse)),
        "input_folder": InputFolderResource(path=str(seed_dir)),
        "spacy_model": SpacyResource(model=default_model()),
    }
    assets = [ingest_files, annotation_batches, load_annotations, entity_links]
    assert materialize(assets, resources=resources).success
    [(old_version,)] = _q(warehouse, "select distinct extractor_version from raw.document_annotations")
    before = dict(_q(warehouse, "select document_id, processed_at from raw.document_annotations"))

    from pipeline.nlp import annotate

    current = annotate.EXTRACTOR_VERSION
    monkeypatch.setattr("pipeline.nlp.annotate.EXTRACTOR_VERSION", "robustness-next")
    result = materialize(assets, resources=resources)
    assert result.success
    processed = [
        e.event_specific_data.materialization.metadata["documents_processed"].value
        for e in result.get_asset_materialization_events()
        if e.event_specific_data.materialization.asset_key == AssetKey("annotation_batches")
    ]
    assert processed == [3]
    derived = ["document_annotations", "sentences", "mentions", "claims", "source_citations"]
    for table in derived:
        versions = {v for (v,) in _q(warehouse, f"select distinct extractor_version from raw.{table}")}
        assert versions == {old_version.replace(f"newsclaims-{current}+", "newsclaims-robustness-next+")}, (
            table,
            versions,
        )
    after = dict(_q(warehouse, "select document_id, processed_at from raw.document_annotations"))
    assert after.keys() == before.keys() and all(after[d] > before[d] for d in before)
    assert (
        _q(warehouse, "select count(*), count(distinct claim_id) from raw.claims")[0][0]
        == _q(warehouse, "select count(distinct claim_id) from raw.claims")[0][0]
    )


#: invented articles: B names in full the people A and C call by surname only, D shares no name
ARTICLES = {
    "a.txt": "Talks to resume in London\nBlair said on Monday that the talks with the unions would resume next "
    "week. Blair told reporters in London that he was hopeful about the outcome.\n",
    "c.txt": "Budget row deepens\nHoward said on Friday that the party would publish its own figures. Howard told "
    "the BBC that the budget was a mistake.\n",
    "d.txt": "Storm closes ports\nHeavy rain closed three ports in Norway on Sunday, the coastguard said. Ferries "
    "to Bergen were cancelled.\n",
}
LATER = {
    "b.txt": "Plan defended\nPrime Minister Tony Blair said on Tuesday that the plan would cost less than expected. "
    "The Conservative leader Michael Howard said the figures were wrong.\n"
}


def _built_nodes(warehouse) -> dict[str, set[str]]:
    """The nodes the last dbt build on this warehouse ran, by kind (view, table, seed, test)."""
    from pipeline.assets.dbt import run_target_path

    results = json.loads((run_target_path(warehouse) / "run_results.json").read_text())["results"]
    return _by_kind(r["unique_id"] for r in results)


def _project_nodes() -> dict[str, set[str]]:
    from pipeline.assets.dbt import dbt_project

    nodes = json.loads(dbt_project.manifest_path.read_text())["nodes"]
    return _by_kind(uid for uid, n in nodes.items() if n["resource_type"] in ("model", "seed", "test"))


def _seed_tests() -> set[str]:
    """The tests declared beside the seeds (dbt_project/seeds/*.yml)."""
    from pipeline.assets.dbt import dbt_project

    nodes = json.loads(dbt_project.manifest_path.read_text())["nodes"]
    return {
        uid for uid, n in nodes.items() if n["resource_type"] == "test" and n["original_file_path"].startswith("seeds/")
    }


def _by_kind(unique_ids) -> dict[str, set[str]]:
    from pipeline.assets.dbt import dbt_project

    nodes = json.loads(dbt_project.manifest_path.read_text())["nodes"]
    out: dict[str, set[str]] = {"view": set(), "table": set(), "seed": set(), "test": set()}
    for uid in unique_ids:
        node = nodes[uid]
        kind = node["resource_type"]
        if kind == "model":
            kind = "view" if node["config"]["materialized"] == "view" else "table"
        out[kind].add(uid)
    return out


def _latest_materialization(dagster_home, key) -> dict:
    from dagster import DagsterInstance

    with DagsterInstance.from_config(str(dagster_home)) as instance:
        event = instance.get_latest_materialization_event(key)
    return {k: v.value for k, v in event.asset_materialization.metadata.items()}


def _assert_search_index_equals_a_whole_rebuild(warehouse, copy):
    from pipeline.warehouse.search import build_index

    shutil.copy(warehouse, copy)
    tables = ("units", "postings", "terms")
    before = {t: _q(copy, f"select * from search.{t} order by all") for t in tables}
    con = duckdb.connect(str(copy))
    try:
        assert build_index(con, force=True)["whole"] == 1
    finally:
        con.close()
    assert {t: _q(copy, f"select * from search.{t} order by all") for t in tables} == before


def _marts(warehouse):
    return {t: v for t, v in snapshot(warehouse).items() if t.startswith("main.")}


def test_the_marts_keyed_by_document_redo_only_the_documents_that_changed(tmp_path, run_on):
    """fct_mentions, fct_claims and fct_claim_entities are incremental: after an article that
    renames the entity of earlier articles' mentions, and after `forget`, they equal a fresh build
    of the same input, while the rows of a document nothing touched are left as they were."""
    from pipeline.cli import forget
    from pipeline.settings import Settings

    folder, warehouse = tmp_path / "in", tmp_path / "w.duckdb"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    run_on(folder, warehouse)
    assert _q(warehouse, "select count(*) from raw.document_changes") == [(0,)]
    # a mark on D's rows (in columns no test reads) that only a rebuild of D's rows would remove
    marks = {
        "fct_mentions": "extractor_version = 'untouched'",
        "fct_claims": "extractor_version = 'untouched'",
        "fct_claim_entities": "mention_count = -1",
    }
    d_rows = "document_id in (select document_id from dim_documents where path = 'd.txt')"
    con = duckdb.connect(str(warehouse))
    for table, mark in marks.items():
        con.execute(f"update {table} set {mark} where {d_rows}")
    marked = {t: con.execute(f"select count(*) from {t} where {m}").fetchone()[0] for t, m in marks.items()}
    con.close()
    assert marked["fct_mentions"] > 0

    (folder / "b.txt").write_text(LATER["b.txt"], encoding="utf-8")
    run_on(folder, warehouse)
    # the project that built the marts built this update: its views and seeds were left as they were,
    # and every test ran (the views' included) but the seeds' own (they read only the CSV)
    built = _built_nodes(warehouse)
    assert built["view"] == set() and built["seed"] == set(), built
    seed_tests = _seed_tests()
    assert len(seed_tests) >= 3 and not seed_tests & built["test"]
    assert built["test"] == _project_nodes()["test"] - seed_tests and len(built["test"]) > 50
    assert "model.newsclaims.fct_claims" in built["table"]
    # B renamed the entity of A's "Blair" and C's "Howard": their rows were redone ...
    names = _q(
        warehouse,
        """select d.path, m.text, e.name from fct_mentions m join dim_documents d using (document_id)
                             join dim_entities e using (entity_id) where m.label = 'PERSON'""",
    )
    assert ("a.txt", "Blair", "Tony Blair") in names and ("c.txt", "Howard", "Michael Howard") in names
    # ... D's were not: its marks are still there (then undone, for the comparison)
    assert {t: _q(warehouse, f"select count(*) from {t} where {m}")[0][0] for t, m in marks.items()} == marked
    # the search index was updated from the documents dbt redid alone, and equals a whole rebuild
    search = _latest_materialization(tmp_path / "dagster-home-1", AssetKey(["search", "index"]))
    assert search["this_run_texts_indexed"] > 0 and search["this_run_compared_every_text"] is False
    assert _q(warehouse, "select count(*) from search.pending_documents") == [(0,)]
    _assert_search_index_equals_a_whole_rebuild(warehouse, tmp_path / "search-rebuilt.duckdb")
    con = duckdb.connect(str(warehouse))
    con.execute(
        f"insert into raw.document_changes select document_id, now()::timestamp from dim_documents where {d_rows}"
    )
    con.execute("drop view staging.stg_documents")  # a view gone: the next build makes them all again
    con.close()
    run_on(folder, warehouse)  # D listed as changed by hand: its rows are redone, the marks gone
    assert _built_nodes(warehouse) == _project_nodes()
    assert _q(warehouse, "select count(*) from staging.stg_documents") == _q(
        warehouse, "select count(*) from raw.documents"
    )
    assert all(_q(warehouse, f"select count(*) from {t} where {m}") == [(0,)] for t, m in marks.items())

    fresh = tmp_path / "fresh.duckdb"
    run_on(folder, fresh)
    assert _marts(warehouse) == _marts(fresh)

    # forget B: A's and C's people are surnames only again
    assert forget(Settings.from_env(input_dir=folder, warehouse=warehouse), ["b.txt"], compact=False) == 0
    (folder / "b.txt").unlink()
    names = _q(warehouse, "select m.text, e.name from fct_mentions m join dim_entities e using (entity_id)")
    assert ("Blair", "Tony Blair") not in names and ("Blair", "Blair") in names
    fresh_after = tmp_path / "fresh-after.duckdb"
    run_on(folder, fresh_after)
    assert _marts(warehouse) == _marts(fresh_after)


BODY = (
    "The port authority said on Monday that the new container terminal in Gdansk would open in "
    "March, two months later than planned. Officials told reporters that heavy storms had delayed "
    "the final works on the quay and that the cranes would be tested in February. The harbour "
    "master said the delay would not affect ferry services to Sweden. Local businesses warned that "
    "the late opening would cost them orders, and the mayor promised to ask the ministry for help. "
    "The terminal will handle a million containers a year when it is finished, the authority said.\n"
)


def test_the_incremental_marts_equal_a_full_rebuild_after_files_change_move_and_go(tmp_path, run_on):
    """A changed file, a deleted one, a second file with the same text, a syndicated copy, and the
    copy that named its group forgotten: the marts built incrementally (by document, by entity,
    by speaker) equal the same warehouse's marts rebuilt whole."""
    from pipeline.cli import forget
    from pipeline.settings import Settings

    folder, warehouse = tmp_path / "in", tmp_path / "w.duckdb"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "port.txt").write_text("Gdansk terminal delayed\n" + BODY, encoding="utf-8")
    (folder / "wire.txt").write_text("Storms delay new Gdansk terminal\n" + BODY, encoding="utf-8")
    run_on(folder, warehouse)
    assert _q(
        warehouse,
        "select count(distinct syndication_group_id) from dim_documents where path in ('port.txt', 'wire.txt')",
    ) == [(1,)], "the two reports of the port story are one syndication group"

    (folder / "c.txt").write_text(ARTICLES["c.txt"] + "Howard said he would speak again on Monday.\n", encoding="utf-8")
    (folder / "d.txt").unlink()
    (folder / "a again.txt").write_text(ARTICLES["a.txt"], encoding="utf-8")
    (folder / "later.txt").write_text("Gdansk port opening put back\n" + BODY, encoding="utf-8")
    run_on(folder, warehouse)
    docs = dict(_q(warehouse, "select path, is_present from dim_documents"))
    assert docs["d.txt"] is False and docs["later.txt"] is True
    # the port story's first report goes: its group is named by another report now
    port = _q(warehouse, "select document_id, syndication_group_id from dim_documents where path = 'port.txt'")[0]
    (folder / "port.txt").unlink()
    settings = Settings.from_env(input_dir=folder, warehouse=warehouse)
    assert forget(settings, ["port.txt"], compact=False) == 0
    groups = _q(
        warehouse, "select distinct syndication_group_id from dim_documents where path in ('wire.txt', 'later.txt')"
    )
    assert port[0] == port[1] and len(groups) == 1 and groups[0][0] != port[1]

    # the marts kept by entity and by speaker have rows to compare: Howard speaks in both versions of c.txt
    assert (
        _q(warehouse, "select count(*) from fct_claim_cluster_members where speaker_entity_id is not null")[0][0] >= 2
    )
    assert _q(warehouse, "select count(*) from fct_source_citations")[0][0] >= 1
    rebuilt = tmp_path / "rebuilt.duckdb"
    shutil.copy(warehouse, rebuilt)
    con = duckdb.connect(str(rebuilt))
    con.execute("delete from raw.mart_state")  # as after an upgrade: the marts are rebuilt whole
    con.close()
    run_on(folder, rebuilt)
    assert _marts(warehouse) == _marts(rebuilt)
