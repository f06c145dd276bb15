"""The Python assets materialised with Dagster into a temporary DuckDB file (no dbt)."""

from __future__ import annotations

import os

import duckdb
from dagster import AssetKey, materialize

from pipeline.assets.python_assets import annotation_batches, entity_links, ingest_files, load_annotations
from pipeline.resources import InputFolderResource, SpacyResource, WarehouseResource
from pipeline.settings import default_model


def _resources(input_dir, warehouse):
    return {
        "warehouse": WarehouseResource(database=str(warehouse)),
        "input_folder": InputFolderResource(path=str(input_dir)),
        "spacy_model": SpacyResource(model=default_model(), batch_size=2),
    }


ASSETS = [ingest_files, annotation_batches, load_annotations, entity_links]


def _metadata(result):
    return {
        e.event_specific_data.materialization.asset_key: e.event_specific_data.materialization.metadata
        for e in result.get_asset_materialization_events()
    }


def test_python_assets_fill_the_raw_tables(seed_dir, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    result = materialize(ASSETS, resources=_resources(seed_dir, warehouse))
    assert result.success
    mats = _metadata(result)
    assert mats[AssetKey(["raw", "documents"])]["row_count"].value == 3
    assert mats[AssetKey("annotation_batches")]["documents_processed"].value == 3
    assert mats[AssetKey("annotation_batches")]["batches_staged"].value == 2  # batch_size=2
    con = duckdb.connect(str(warehouse), read_only=True)
    claims = con.execute("""
        select c.speaker_text, c.cue_text, c.content_text, s.source_name
        from raw.claims c left join raw.source_citations s on s.source_id = c.source_id
        join raw.document_occurrences o on o.document_id = c.document_id
        where o.path = '003_46c50872f9ce8b1f.txt'""").fetchall()
    # "according to" carries only its own sentence's claim; this article names no source for itself
    assert (
        "Ryzhenkov",
        "said",
        "that Belarus intends to invite “representatives of Belarus’ neighbors” and other EU and "
        "Commonwealth of Independent States (CIS) members",
        None,
    ) in claims
    assert (
        "Belarusian news outlet BELTA",
        "According to",
        "some ministers from European Union countries have already confirmed their participation among "
        "the potential conference participants",
        "BelTA",
    ) in claims
    person = con.execute("""
        select count(distinct l.entity_id) from raw.entity_links l join raw.mentions m using (mention_id)
        where m.text in ('Lukashenko', 'Alexander Lukashenko') and m.label = 'PERSON'""").fetchone()[0]
    assert person == 1
    assert not (tmp_path / "w.duckdb.batches").exists() or not any((tmp_path / "w.duckdb.batches").iterdir())


def test_unchanged_documents_are_not_processed_again(seed_dir, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    resources = _resources(seed_dir, warehouse)
    assert materialize(ASSETS, resources=resources).success
    con = duckdb.connect(str(warehouse), read_only=True)
    before = con.execute("select document_id, processed_at from raw.document_annotations order by 1").fetchall()
    con.close()
    (seed_dir / "new.txt").write_text("Ryzhenkov said that the conference will take place in November.")
    result = materialize(ASSETS, resources=resources)
    meta = _metadata(result)
    assert meta[AssetKey("annotation_batches")]["documents_processed"].value == 1
    con = duckdb.connect(str(warehouse), read_only=True)
    after = dict(con.execute("select document_id, processed_at from raw.document_annotations").fetchall())
    assert all(after[d] == t for d, t in before)
    assert len(after) == 4


def test_the_model_load_starts_before_the_nlp_step_only_when_there_is_text_to_read(seed_dir, tmp_path, monkeypatch):
    """In a one-process run (`newsclaims run`, `materialize`) the syndication step, which runs before
    the NLP step, starts loading the model that step will need; with nothing left to read it does not."""
    from pipeline.assets.syndication import syndication_index
    from pipeline.nlp import model

    calls = []
    monkeypatch.setattr(model, "prefetch_model", lambda name: calls.append(name))
    resources = _resources(seed_dir, tmp_path / "w.duckdb")
    assert materialize([ingest_files, syndication_index], resources=resources).success
    assert calls == [default_model()]
    assert materialize([*ASSETS, syndication_index], resources=resources).success  # the documents are read
    assert calls == [default_model()] * 2
    assert materialize([ingest_files, syndication_index], resources=resources).success
    assert calls == [default_model()] * 2


def _raw_rows(warehouse, table: str, columns: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(f"select {columns} from raw.{table} order by all").fetchall()
    finally:
        con.close()


def test_a_big_folder_is_scanned_and_indexed_in_a_child_process_into_the_same_rows(seed_dir, tmp_path, monkeypatch):
    """From LET_GO_CHANGED_DOCUMENTS new files (new documents for the index) on, the ingest and the
    syndication index run in a process forked for the step (workers.start_child): what they allocate
    and free never fragments the run's own heap. The threshold lowered to 1, the rows, the
    rejections and the copies found are those of the same steps run here; the child took the lock
    and let it go, so the next step (and another process) opens the warehouse."""
    from pipeline.assets import python_assets, syndication
    from pipeline.assets.syndication import syndication_index
    from pipeline.nlp import workers
    from pipeline.warehouse import store

    for seed in sorted(seed_dir.glob("*.txt")):
        body = seed.read_text().split("\n", 1)[1]
        for k in (1, 2):
            (seed_dir / f"copy{k}-{seed.name}").write_text(f"Copy {k} of the story\n{body}")
    (seed_dir / "empty.txt").write_text("")
    tables = {
        "documents": "document_id, text, language",
        "document_occurrences": "path, document_id, present",
        "rejected_documents": "path, reason",
        "syndication_pairs": "document_id_a, document_id_b, jaccard",
        "syndication_components": "document_id, component_id",
        "document_minhash": "document_id",
    }

    here = tmp_path / "here.duckdb"
    assert materialize([ingest_files, syndication_index], resources=_resources(seed_dir, here)).success
    assert len(_raw_rows(here, "syndication_pairs", "*")) >= 6  # each copy pairs with its seed and the other copy
    assert _raw_rows(here, "rejected_documents", "path, reason") == [("empty.txt", "empty")]

    forked_pids = []
    real_start_child = workers.start_child

    def start_child(func, then=None):
        def recorded():
            forked_pids.append(os.getpid())
            (tmp_path / f"child-{os.getpid()}").touch()
            return func()

        return real_start_child(recorded, then)

    monkeypatch.setattr(workers, "start_child", start_child)
    monkeypatch.setattr(python_assets, "LET_GO_CHANGED_DOCUMENTS", 1)
    monkeypatch.setattr(syndication, "LET_GO_CHANGED_DOCUMENTS", 1)
    forked = tmp_path / "forked.duckdb"
    result = materialize([ingest_files, syndication_index], resources=_resources(seed_dir, forked))
    assert result.success
    children = sorted(p.name for p in tmp_path.glob("child-*"))
    assert len(children) == 2 and f"child-{os.getpid()}" not in children  # two steps, each in its own process
    for table, columns in tables.items():
        assert _raw_rows(forked, table, columns) == _raw_rows(here, table, columns), table
    mats = _metadata(result)
    assert mats[AssetKey(["raw", "documents"])]["row_count"].value == 9
    assert mats[AssetKey(["raw", "rejected_documents"])]["this_run_rejected_by_reason"].value == {"empty": 1}
    assert not store.is_kept(forked)
    duckdb.connect(str(forked)).close()  # nothing holds the file
