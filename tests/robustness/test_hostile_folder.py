"""A real `newsclaims run` over a generated hostile folder: green, every file a document or a
rejection, long text processed, names and text stored faithfully, one failing document recorded."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.robustness.conftest import finish, query, snapshot, start_run
from tests.robustness.hostile import HOSTILE_REJECTIONS, POISON, build_hostile_folder, expected_paths

pytestmark = pytest.mark.slow

ENV = dict(NEWSCLAIMS_TEST_FAIL_MARKER=POISON, NEWSCLAIMS_MAX_FILE_BYTES="5000000")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("hostile")
    inp = build_hostile_folder(base)
    warehouse = base / "w.duckdb"
    log = base / "run.log"
    finish(start_run(inp, warehouse, log, **ENV), log, timeout=900)
    return inp, warehouse


def q(hostile, sql, params=None):
    return query(hostile[1], sql, params)


def test_every_file_is_one_document_occurrence_or_one_rejection(hostile):
    loaded = [r[0] for r in q(hostile, "select path from document_occurrences where is_present")]
    rejected = [r[0] for r in q(hostile, "select path from rejected_documents")]
    assert len(loaded) == len(set(loaded)) and not set(loaded) & set(rejected)
    assert set(loaded) | set(rejected) == expected_paths(hostile[0])
    got = dict(q(hostile, "select path, reason from rejected_documents"))
    assert got == HOSTILE_REJECTIONS
    assert all("loop" in d for (d,) in q(hostile, "select detail from rejected_documents where path like 'links/%'"))


def test_a_text_over_a_million_characters_is_processed_whole(hostile):
    [(doc_id, chars, status, claims)] = q(
        hostile,
        """
        select document_id, char_count, annotation_status, claim_count from dim_documents
        where path = 'long/inquiry transcript.txt'""",
    )
    assert chars > 1_000_000 and status == "processed"
    assert claims > 1200  # two claims per numbered paragraph
    last = q(hostile, "select max(content_start_char) from fct_claims where document_id = ?", [doc_id])[0][0]
    assert last > 1_000_000  # the pieces after spaCy's limit are there too
    # offsets index the stored text (dbt's span tests check every one; spot-check the last claim here)
    [(ok,)] = q(
        hostile,
        """
        select bool_and(substr(d.text, c.content_start_char + 1, c.content_end_char - c.content_start_char)
                        = c.content_text)
        from fct_claims c join dim_documents d using (document_id) where d.document_id = ?""",
        [doc_id],
    )
    assert ok


def test_names_that_used_to_escape_alike_are_two_files(hostile):
    rows = q(hostile, "select path, document_id from document_occurrences where path like 'names/%' order by path")
    assert [p for p, _ in rows] == ["names/caf\\\\xe9.txt", "names/caf\\xe9.txt"]
    assert len({d for _, d in rows}) == 2
    from pipeline.ingest.files import name_bytes

    assert {name_bytes(p) for p, _ in rows} == {b"names/caf\xe9.txt", b"names/caf\\xe9.txt"}


def test_mostly_valid_utf8_stays_utf8_with_its_errors_counted(hostile):
    rows = dict(
        (p, (e, n, t))
        for p, e, n, t in q(
            hostile,
            """
        select o.path, o.encoding, o.decode_errors, d.text from document_occurrences o
        join dim_documents d using (document_id) where o.path like 'damaged/%'""",
        )
    )
    enc, errors, text = rows["damaged/cut last byte.txt"]
    assert (enc, errors) == ("utf-8", 1) and "“protect families" in text and text.endswith("He left.\ufffd")
    enc, errors, text = rows["damaged/stray byte.txt"]
    assert (enc, errors) == ("utf-8", 1) and text.startswith("“Border talks”") and "\ufffdThe interior" in text
    assert q(hostile, "select max(decode_errors) from dim_documents where path not like 'damaged/%'")[0][0] == 0


def test_legacy_code_pages_decode_right(hostile):
    rows = dict(
        (p, (e, t))
        for p, e, t in q(
            hostile,
            """
        select o.path, o.encoding, d.text from document_occurrences o join dim_documents d using (document_id)
        where o.path like 'legacy/%'""",
        )
    )
    assert rows["legacy/koi8.txt"][0] == "koi8-r" and "Добро пожаловать в Минск" in rows["legacy/koi8.txt"][1]
    assert rows["legacy/cp1251.txt"][0] == "cp1251" and "Добро пожаловать в Минск" in rows["legacy/cp1251.txt"][1]
    assert rows["legacy/polish.txt"][0] == "cp1250" and "Lech Wałęsa spoke in Łódź" in rows["legacy/polish.txt"][1]


def test_the_document_an_extractor_raised_on_is_recorded_and_the_rest_is_processed(hostile):
    [(path, stage, error_type, message)] = q(
        hostile, "select path, stage, error_type, message from fct_document_errors"
    )
    assert (path, stage, error_type) == ("politics/poisoned.txt", "extract", "InjectedFault") and POISON in message
    statuses = dict(q(hostile, "select annotation_status, count(*) from dim_documents group by 1"))
    assert statuses["failed"] == 1 and "pending" not in statuses
    assert (
        q(
            hostile,
            "select count(*) from fct_claims c join document_occurrences o using (document_id) "
            "where o.path = 'politics/poisoned.txt'",
        )[0][0]
        == 0
    )
    # the article beside it is there in full
    assert (
        q(
            hostile,
            "select count(*) from fct_claims c join document_occurrences o using (document_id) "
            "where o.path = 'politics/budget.txt'",
        )[0][0]
        >= 3
    )


def test_a_second_run_is_green_and_changes_nothing(hostile, tmp_path):
    before = snapshot(hostile[1])
    finish(start_run(hostile[0], hostile[1], tmp_path / "again.log", **ENV), tmp_path / "again.log", timeout=600)
    assert snapshot(hostile[1]) == before  # the failed document is not retried until the version changes
