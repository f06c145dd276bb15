"""Staged batches on an object store (an S3 API on 127.0.0.1, tests/s3server.py): the manifest is the
commit, a killed writer's part is never loaded and is cleaned, racing writers both leave whole
batches, a damaged object is moved aside under `.rejected/` and recorded, and what loads equals what
loads from a folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from pipeline.warehouse.batches import (
    _HOST,
    MANIFEST,
    clean_temporaries,
    load_batches,
    pending_batches,
    staged_document_ids,
    verify_staged,
    write_batch,
)
from pipeline.warehouse.forget import drop_staged_batches
from pipeline.warehouse.schema import ANNOTATION_TABLES
from pipeline.warehouse.staging import ObjectStaging, UnsupportedStaging, resolve_staging
from tests.robustness.test_staged_batches import _rows, _setup


def _counts(con) -> dict[str, int]:
    return {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in ANNOTATION_TABLES}


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_an_object_store_url_is_staging_there_and_a_process_local_store_is_refused(s3):
    staging = resolve_staging(s3.bucket() + "/team/batches/")
    assert isinstance(staging, ObjectStaging) and str(staging).endswith("/team/batches")
    with pytest.raises(UnsupportedStaging, match="inside one process"):
        resolve_staging("memory://newsclaims/batches")
    with pytest.raises(UnsupportedStaging, match="cannot open"):
        resolve_staging("nosuchstore://bucket/batches")


def test_a_batch_is_committed_by_its_manifest_and_loads_as_from_a_folder(nlp, s3, tmp_path):
    (tmp_path / "store").mkdir()
    con, docs = _setup(tmp_path / "store")
    rows = _rows(nlp, docs)
    version = rows["document_annotations"][0]["extractor_version"]
    url = s3.bucket() + "/batches"
    staging = resolve_staging(url)
    batch = write_batch(staging, rows)
    assert write_batch(staging, rows) == batch  # the same batch again is a no-op
    (part,) = {k.split("/")[1] for k in s3.keys(url) if not k.endswith(MANIFEST)}
    assert part.startswith(_HOST + "-")
    assert s3.keys(url) == [f"{batch}/{MANIFEST}"] + [f"{batch}/{part}/{t}.parquet" for t in sorted(ANNOTATION_TABLES)]
    assert pending_batches(staging) == [batch]
    assert staged_document_ids(staging, version) == {d.document_id for d in docs}

    report = load_batches(con, staging, version)
    assert (report.batches, report.documents, report.rejected) == (1, 2, [])
    assert s3.keys(url) == []  # loaded batches are deleted from the store
    # the same rows through a folder
    (tmp_path / "folder").mkdir()
    folder_con, _ = _setup(tmp_path / "folder")
    write_batch(tmp_path / "folder" / "staging", rows)
    load_batches(folder_con, tmp_path / "folder" / "staging", version)
    assert _counts(con) == _counts(folder_con) and _counts(con)["mentions"] > 0
    query = "select document_id, start_char, end_char, text from raw.mentions order by all"
    assert con.execute(query).fetchall() == folder_con.execute(query).fetchall()


def _one_staged_batch(nlp, s3, tmp_path):
    """A warehouse with two documents, and their batch staged on a new bucket."""
    con, docs = _setup(tmp_path)
    rows = _rows(nlp, docs)
    url = s3.bucket() + "/batches"
    staging = resolve_staging(url)
    return con, rows["document_annotations"][0]["extractor_version"], url, staging, write_batch(staging, rows)


def test_a_killed_writers_part_is_never_loaded_and_is_cleaned_once_its_writer_is_gone(nlp, s3, tmp_path):
    con, version, url, staging, batch = _one_staged_batch(nlp, s3, tmp_path)
    killed, live = f"{_HOST}-{_dead_pid()}-deadbeef", f"{_HOST}-{os.getpid()}-cafebabe"
    # what a writer killed mid-upload leaves: its part's files, no manifest naming it
    source = f"{staging.root}/{batch}/{_part_of(staging, batch)}/mentions.parquet"
    for part in (killed, live):
        staging.fs.copy(source, f"{staging.root}/b-x/{part}/mentions.parquet")
    assert pending_batches(staging) == [batch]  # b-x has no manifest: not staged
    assert clean_temporaries(staging) == 1
    assert [k for k in s3.keys(url) if k.startswith("b-x/")] == [f"b-x/{live}/mentions.parquet"]
    report = load_batches(con, staging, version)
    assert (report.batches, report.documents) == (1, 2)
    assert [k for k in s3.keys(url)] == [f"b-x/{live}/mentions.parquet"]  # a live writer's upload is its own


def _part_of(staging: ObjectStaging, batch: str) -> str:
    return staging.manifest(batch)["part"]


def test_two_writers_racing_on_one_batch_leave_a_whole_batch_and_the_loser_is_cleaned(nlp, s3, tmp_path):
    con, version, url, staging, batch = _one_staged_batch(nlp, s3, tmp_path)
    first = _part_of(staging, batch)
    # a second machine wrote the same batch before it saw the first's manifest: its own part, its manifest last
    other = f"otherhost-{_dead_pid()}-0badf00d"
    local = staging.fetch(batch, tmp_path / "copy")
    staging.publish(local, batch, part=other)
    assert _part_of(staging, batch) == other
    assert clean_temporaries(staging, older_than_s=0) == 1  # the first part, which no manifest names now
    assert {k.split("/")[1] for k in s3.keys(url) if not k.endswith(MANIFEST)} == {other} != {first}
    assert verify_staged(staging) == []
    report = load_batches(con, staging, version)
    assert (report.batches, report.documents, report.rejected) == (1, 2, [])


def test_a_damaged_object_is_moved_aside_recorded_and_its_neighbour_loads(nlp, s3, tmp_path):
    con, docs = _setup(tmp_path)
    url = s3.bucket() + "/batches"
    staging = resolve_staging(url)
    bad_rows, good_rows = _rows(nlp, docs[:1]), _rows(nlp, docs[1:])
    version = good_rows["document_annotations"][0]["extractor_version"]
    bad = write_batch(staging, bad_rows)
    write_batch(staging, good_rows)
    key = f"{staging.root}/{bad}/{_part_of(staging, bad)}/mentions.parquet"
    data = staging.fs.cat_file(key)
    staging.fs.pipe_file(key, data[: len(data) // 2])  # cut short
    report = load_batches(con, staging, version)
    assert (report.batches, report.documents) == (1, 1)
    (rejected,) = report.rejected
    assert rejected.batch_id == bad and rejected.document_ids == [docs[0].document_id]
    assert rejected.moved_to.startswith(f"{url}/.rejected/{bad}-") and "bytes" in rejected.reason
    kept = rejected.moved_to[len(url) + 1 :]
    assert f"{kept}/{MANIFEST}" in s3.keys(url) and not [k for k in s3.keys(url) if k.startswith("b-")]
    assert con.execute("select batch_id, reason, document_count, moved_to from raw.rejected_batches").fetchall() == [
        (bad, "corrupt", 1, rejected.moved_to)
    ]
    assert con.execute("select document_id from raw.document_annotations").fetchall() == [(docs[1].document_id,)]
    assert staged_document_ids(staging, version) == set()  # so the load step processes it again


def test_forget_drops_the_staged_batches_holding_a_document(nlp, s3, tmp_path):
    _con, docs = _setup(tmp_path)
    staging = resolve_staging(s3.bucket())
    first, second = write_batch(staging, _rows(nlp, docs[:1])), write_batch(staging, _rows(nlp, docs[1:]))
    assert drop_staged_batches(staging, [docs[0].document_id]) == 1
    assert pending_batches(staging) == [second] != [first]
    assert json.loads(staging.fs.cat_file(f"{staging.root}/{second}/{MANIFEST}"))["document_ids"] == [
        docs[1].document_id
    ]
