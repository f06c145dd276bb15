"""A schedule on a fresh drop folder stays green: a folder with no files, or only bad ones (and a feed
whose every record is bad), builds
an empty warehouse with its rejections recorded, and the UI shows a warning, not an error."""

from __future__ import annotations

import duckdb
import pytest

from pipeline.definitions import build_definitions
from pipeline.settings import Settings


BAD_FEED = b'not json\n{"title": "a record without text"}\n'


@pytest.mark.parametrize(
    "files",
    [{}, {"empty.txt": b"", "binary.txt": b"\x00\x01\x02", "notes.md": b"# notes", "feed.jsonl": BAD_FEED}],
)
def test_a_folder_without_good_files_runs_green_with_a_warning(tmp_path, files):
    inp = tmp_path / "drop"
    inp.mkdir()
    for name, data in files.items():
        (inp / name).write_bytes(data)
    warehouse = tmp_path / "w.duckdb"
    defs = build_definitions(Settings.from_env(input_dir=inp, warehouse=warehouse))
    result = defs.resolve_job_def("newsclaims_job").execute_in_process(
        run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
    )
    assert result.success
    checks = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    failed = {c.check_name: c.severity.value for c in checks if not c.passed}
    assert failed.get("at_least_rows_dim_documents_1") == "WARN", failed
    assert set(failed.values()) == {"WARN"}, failed
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("select count(*) from dim_documents").fetchone()[0] == 0
        assert (
            dict(con.execute("select path, reason from rejected_documents").fetchall())
            == {
                "empty.txt": "empty",
                "binary.txt": "binary",
                "notes.md": "not_text",
                "feed.jsonl#1": "bad_record",
                "feed.jsonl#2": "bad_record",
            }
            if files
            else True
        )
    finally:
        con.close()
