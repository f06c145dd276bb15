"""The Python assets materialised with Dagster into a temporary DuckDB file (no dbt)."""

from __future__ import annotations

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
