"""The sensor's change detection (pure) and its evaluation against a real folder."""

from __future__ import annotations

import os

from dagster import SkipReason, build_sensor_context

from pipeline.orchestration import changed_files, folder_fingerprints, make_input_sensor


def test_changed_files_are_new_or_modified_only():
    prev = {"a.txt": "10:1", "b.txt": "20:1", "gone.txt": "5:1"}
    cur = {"a.txt": "10:1", "b.txt": "21:2", "new.txt": "3:3"}
    assert changed_files(prev, cur) == ["b.txt", "new.txt"]


def test_sensor_requests_a_run_for_new_files_then_skips(tmp_path):
    (tmp_path / "one.txt").write_text("First article.")
    sensor = make_input_sensor(tmp_path)
    ctx = build_sensor_context(cursor=None)
    first = sensor(ctx)
    assert first.run_key
    ctx2 = build_sensor_context(cursor=ctx.cursor)
    assert isinstance(sensor(ctx2), SkipReason)
    (tmp_path / "two.txt").write_text("Second article.")
    ctx3 = build_sensor_context(cursor=ctx2.cursor)
    assert sensor(ctx3).run_key != first.run_key
    # a removed file alone does not trigger a run
    os.remove(tmp_path / "one.txt")
    ctx4 = build_sensor_context(cursor=ctx3.cursor)
    assert isinstance(sensor(ctx4), SkipReason)
    assert set(folder_fingerprints(tmp_path)) == {"two.txt"}
