"""Staged batches are verified before loading; a full staging disk says where and how much."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from pipeline.warehouse.batches import (
    MANIFEST,
    REJECTED_DIR,
    StagingFull,
    load_batches,
    pending_batches,
    staged_document_ids,
    verify_batch,
    verify_staged,
    write_batch,
)
from pipeline.warehouse.schema import ANNOTATION_TABLES
from tests.robustness.test_staged_batches import _rows, _setup


def _cut_half(p: Path) -> None:
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])


def _random(p: Path) -> None:
    p.write_bytes(os.urandom(p.stat().st_size))


def _zero(p: Path) -> None:
    p.write_bytes(b"")


def _no_manifest(batch: Path) -> None:
    (batch / MANIFEST).unlink()


@pytest.mark.parametrize("damage, reason", [(_cut_half, "bytes"), (_random, "checksum"), (_zero, "bytes")])
def test_a_damaged_batch_is_moved_aside_recorded_and_the_good_one_loads(nlp, tmp_path, damage, reason):
    con, docs = _setup(tmp_path)
    staging = tmp_path / "staging"
    bad_rows, good_rows = _rows(nlp, docs[:1]), _rows(nlp, docs[1:])
    version = good_rows["document_annotations"][0]["extractor_version"]
    bad, good = staging / write_batch(staging, bad_rows), staging / write_batch(staging, good_rows)
    assert verify_batch(bad) is None and verify_batch(good) is None
    damage(bad / "mentions.parquet")
    assert reason in verify_batch(bad)
    # the NLP step no longer counts its documents as staged, so it redoes them ...
    report = load_batches(con, staging, version)
    assert (report.batches, report.documents) == (1, 1)
    (rejected,) = report.rejected
    assert rejected.batch_id == bad.name and rejected.document_ids == [docs[0].document_id]
    assert Path(rejected.moved_to).parent == staging / REJECTED_DIR and Path(rejected.moved_to).is_dir()
    assert pending_batches(staging) == []
    assert con.execute("select batch_id, reason, document_count from raw.rejected_batches").fetchall() == [
        (bad.name, "corrupt", 1)
    ]
    assert con.execute("select count(*) from raw.document_annotations").fetchone()[0] == 1
    assert (
        con.execute("select count(*) from raw.mentions where document_id = ?", [docs[0].document_id]).fetchone()[0] == 0
    )


def test_a_batch_without_manifest_is_not_counted_as_staged(nlp, tmp_path):
    _con, docs = _setup(tmp_path)
    staging = tmp_path / "staging"
    rows = _rows(nlp, docs)
    version = rows["document_annotations"][0]["extractor_version"]
    batch = staging / write_batch(staging, rows)
    assert staged_document_ids(staging, version) == {d.document_id for d in docs}
    _no_manifest(batch)
    assert "manifest" in verify_batch(batch)
    (rejected,) = verify_staged(staging)
    assert rejected.document_ids == []  # unknown: the load step redoes every pending document
    assert staged_document_ids(staging, version) == set()


def test_schema_and_row_counts_are_checked_too(nlp, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    _con, docs = _setup(tmp_path)
    staging = tmp_path / "staging"
    batch = staging / write_batch(staging, _rows(nlp, docs))
    # a well-formed Parquet file, but not what was written: caught by size or checksum first
    pq.write_table(pa.table({"x": [1]}), batch / "claims.parquet")
    assert verify_batch(batch) is not None
    assert set(ANNOTATION_TABLES) <= {p.stem for p in batch.glob("*.parquet")}


@pytest.fixture
def small_fs(tmp_path):
    """A 1 MiB tmpfs mounted for the test (the tests run as root)."""
    mount = tmp_path / "small"
    mount.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True, text=True
    )
    if result.returncode != 0:
        message = f"cannot mount a small tmpfs here ({result.stderr.strip() or result.returncode})"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; under CI=true the disk-full tests must run")
        pytest.skip(message)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_staging_disk_names_the_folder_and_the_space_needed(nlp, tmp_path, small_fs):
    _con, docs = _setup(tmp_path)
    (small_fs / "filler").write_bytes(b"\0" * (1024 * 1024 - 8192))
    staging = small_fs / "staging"
    with pytest.raises(StagingFull) as exc:
        write_batch(staging, _rows(nlp, docs))
    message = str(exc.value)
    assert str(staging) in message and "needs about" in message and ("KiB" in message or "MiB" in message)
    assert not any(p.name.startswith(".tmp-") for p in staging.iterdir()) if staging.exists() else True
    assert pending_batches(staging) == []
