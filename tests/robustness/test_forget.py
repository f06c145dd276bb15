"""`newsclaims forget PATH|DOCUMENT_ID`: the document and every row derived from it are gone (from
every table, from staged batches, from the file's bytes), a later run does not bring it back while
the file is gone, and a file still (or again) in the input folder is new input and comes back."""

from __future__ import annotations

import pytest

from pipeline.nlp.annotate import annotate_texts
from pipeline.warehouse.batches import pending_batches, staging_dir, write_batch
from pipeline.warehouse.schema import ANNOTATION_TABLES
from tests.robustness.conftest import query as _q

pytestmark = pytest.mark.slow

D000, D003 = "000_e42f40467c54dca3.txt", "003_46c50872f9ce8b1f.txt"
#: a sentence only seed 003 holds
PHRASE = "Belarus is organizing an international conference on countering illegal migration"
RAW_BY_DOCUMENT = ["documents", "document_occurrences", "document_versions", *ANNOTATION_TABLES]
MARTS_BY_DOCUMENT = ["dim_documents", "document_occurrences", "fct_mentions", "fct_claims", "fct_sources"]


def _rows_of(warehouse, doc_id) -> dict[str, int]:
    counts = {
        f"raw.{t}": _q(warehouse, f"select count(*) from raw.{t} where document_id = ?", [doc_id])[0][0]
        for t in RAW_BY_DOCUMENT
    }
    counts.update(
        {t: _q(warehouse, f"select count(*) from {t} where document_id = ?", [doc_id])[0][0] for t in MARTS_BY_DOCUMENT}
    )
    counts["search.units"] = _q(warehouse, "select count(*) from search.units where document_id = ?", [doc_id])[0][0]
    counts["raw.entity_links"] = _q(
        warehouse,
        """
        select count(*) from raw.entity_links where mention_id in (
            select mention_id from raw.mentions where document_id = ?)""",
        [doc_id],
    )[0][0]
    return counts


def test_forget_removes_every_trace_and_a_later_run_does_not_bring_it_back(
    seed_dir, tmp_path, monkeypatch, nlp, capsys
):
    from pipeline.cli import main, run
    from pipeline.settings import Settings

    monkeypatch.setenv("NEWSCLAIMS_INPUT_DIR", "")
    monkeypatch.setenv("NEWSCLAIMS_WAREHOUSE", "")
    warehouse = tmp_path / "w.duckdb"
    settings = Settings.from_env(input_dir=seed_dir, warehouse=warehouse)
    assert run(settings)
    ids = dict(_q(warehouse, "select path, document_id from dim_documents"))
    doc_003, doc_000 = ids[D003], ids[D000]
    assert all(
        _rows_of(warehouse, doc_003)[t] > 0 for t in ("raw.documents", "raw.claims", "fct_claims", "search.units")
    )
    assert PHRASE.encode() in warehouse.read_bytes()  # so its absence below means something
    # a batch staged for it by a run that was killed before loading it
    text = (seed_dir / D003).read_text(encoding="utf-8")
    rows = {t: [] for t in ANNOTATION_TABLES}
    for _, r in annotate_texts(nlp, [(text, doc_003)]):
        for t, v in r.items():
            rows[t].extend(v)
    write_batch(staging_dir(warehouse.resolve()), rows)

    # takedown: 003 by path (its file deleted first), 000 by document id (its file still there)
    (seed_dir / D003).unlink()
    capsys.readouterr()
    assert main(["forget", D003, doc_000, "--warehouse", str(warehouse), "--input", str(seed_dir)]) == 0
    out = capsys.readouterr()
    assert f"forgot document {doc_003}" in out.out and f"forgot document {doc_000}" in out.out
    assert "document_minhash 2, document_minhash_bands " in out.out, out.out  # the index rows, counted
    assert "the next run will load it again" in out.err and D000 in out.err and D003 not in out.err
    for doc_id in (doc_003, doc_000):
        assert set(_rows_of(warehouse, doc_id).values()) == {0}, _rows_of(warehouse, doc_id)
    assert _q(warehouse, "select count(*) from dim_entities where name = 'Maksim Ryzhenkov'") == [(0,)]
    assert pending_batches(staging_dir(warehouse.resolve())) == []
    assert PHRASE.encode() not in warehouse.read_bytes()  # compacted: not in free blocks either

    # a later run: 003 stays gone (its file is gone); 000's file is still there, so it is new input
    assert run(settings)
    paths = {p for (p,) in _q(warehouse, "select path from dim_documents")}
    assert D003 not in paths and D000 in paths
    assert _q(warehouse, "select count(*) from dim_documents where text like ?", [f"%{PHRASE}%"]) == [(0,)]
    assert _q(warehouse, "select count(*) from fct_claims where document_id = ?", [doc_000])[0][0] > 0


def test_forget_of_something_unknown_says_so(built_warehouse, capsys):
    from pipeline.cli import main

    assert main(["forget", "no/such/file.txt", "--warehouse", str(built_warehouse)]) == 1
    assert "nothing in" in capsys.readouterr().err
