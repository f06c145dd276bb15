"""The raw/entity_links asset: incremental runs and the overrides seed, on hand-made mentions (no spaCy)."""

from __future__ import annotations

import duckdb
from dagster import build_asset_context

from pipeline.assets import python_assets
from pipeline.nlp.entities import MentionRef
from pipeline.resources import WarehouseResource
from pipeline.warehouse.entities import add_mentions
from pipeline.warehouse.store import connect


def _run(warehouse):
    result = python_assets.entity_links(build_asset_context(), warehouse=WarehouseResource(database=str(warehouse)))
    return {k: v.value if hasattr(v, "value") else v for k, v in result.metadata.items()}


def _names(warehouse):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return dict(
            con.execute(
                "select m.text, l.entity_name from raw.entity_links l join raw.mentions m using (mention_id)"
            ).fetchall()
        )
    finally:
        con.close()


def test_the_asset_resolves_new_documents_only_and_applies_the_overrides_seed(tmp_path, monkeypatch):
    seed = tmp_path / "entity_overrides.csv"
    seed.write_text("action,name,target,label,note\n")
    monkeypatch.setattr(python_assets, "ENTITY_OVERRIDES_CSV", seed)
    warehouse = tmp_path / "w.duckdb"
    with connect(warehouse) as con:
        add_mentions(
            con, [MentionRef("a", "d1", "Gordon Brown", "PERSON"), MentionRef("b", "d1", "Mr Brown", "PERSON")]
        )
    assert _run(warehouse)["this_run_documents_resolved"] == 1
    with connect(warehouse) as con:
        add_mentions(con, [MentionRef("c", "d2", "Brown", "PERSON"), MentionRef("d", "d2", "2005", "DATE")])
    meta = _run(warehouse)
    assert meta["this_run_documents_resolved"] == 1 and meta["row_count"] == 3  # the date has no entity
    assert _names(warehouse) == {"Gordon Brown": "Gordon Brown", "Mr Brown": "Gordon Brown", "Brown": "Gordon Brown"}
    # a rename in the seed applies at the next run, with no new input, and to new input after it
    seed.write_text("action,name,target,label,note\nrename,Gordon Brown,Chancellor Gordon Brown,PERSON,\n")
    assert _run(warehouse)["this_run_documents_resolved"] == 0
    assert set(_names(warehouse).values()) == {"Chancellor Gordon Brown"}
    with connect(warehouse) as con:
        add_mentions(con, [MentionRef("e", "d3", "Gordon Brown", "PERSON")])
    _run(warehouse)
    assert set(_names(warehouse).values()) == {"Chancellor Gordon Brown"}
