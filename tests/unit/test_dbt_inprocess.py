"""dbt run in this process (pipeline/assets/dbt_inprocess.py): a reader that stops part way does not
leave the build blocked, holding the lock the next dbt command waits for."""

from __future__ import annotations

import os

from pipeline.assets.dbt import DBT_PROJECT_DIR
from pipeline.assets.dbt_inprocess import InProcessDbt


def _ls(tmp_path) -> InProcessDbt:
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "NEWSCLAIMS_WAREHOUSE": str(tmp_path / "w.duckdb"),
    }
    return InProcessDbt(["dbt", "ls", "--output", "json", "--project-dir", str(DBT_PROJECT_DIR)], env=env)


def test_a_command_nobody_reads_still_finishes_and_the_next_one_runs(tmp_path):
    """`dbt ls --output json` prints well over a pipe's 64 kB: the lines wait in memory instead."""
    unread = _ls(tmp_path)
    assert unread.wait(timeout=300) == 0  # finished with not one line read
    lines = list(unread.stdout)
    assert len(lines) > 100 and sum(map(len, lines)) > 65536
    unread.stdout.close()  # a reader that gives up part way
    after = _ls(tmp_path)
    assert after.wait(timeout=300) == 0
    with after.stdout as out:
        assert sum(1 for _ in out) > 100


def _made_and_heard(monkeypatch, loggers=()):
    """Fire one DEBUG and one INFO event at a fresh EventManager (with `loggers` added) inside
    `_unheard_events_unmade`; the names of the events made into messages, and of those its callback heard."""
    from dbt_common.events import event_manager
    from dbt_common.events.types import Note, SystemExecutingCmd

    from pipeline.assets.dbt_inprocess import _unheard_events_unmade

    made = []
    real = event_manager.msg_from_base_event

    def recording(event, level=None):
        made.append(type(event).__name__)
        return real(event, level=level)

    monkeypatch.setattr(event_manager, "msg_from_base_event", recording)
    manager = event_manager.EventManager()
    for config in loggers:
        manager.add_logger(config)
    heard = []
    manager.add_callback(lambda msg: heard.append(msg.info.name))
    with _unheard_events_unmade():
        manager.fire_event(SystemExecutingCmd(cmd=["dbt", "build"]))
        manager.fire_event(Note(msg="a result"))
    return made, heard


def test_an_event_below_every_logger_and_callback_is_not_made(monkeypatch):
    """dbt makes each event it fires into a protobuf message first: a DEBUG event nothing here
    hears is dropped before that; INFO ones are made and heard as before, and outside the block
    dbt's own EventManager makes every event again."""
    import io

    from dbt_common.events import event_manager
    from dbt_common.events.base_types import EventLevel
    from dbt_common.events.logger import LineFormat, LoggerConfig
    from dbt_common.events.types import SystemExecutingCmd

    info_log = LoggerConfig(
        name="file", level=EventLevel.INFO, line_format=LineFormat.Json, output_stream=io.StringIO()
    )
    assert _made_and_heard(monkeypatch, [info_log]) == (["Note"], ["Note"])
    # a dbt.log at DEBUG (DBT_LOG_LEVEL_FILE=debug) hears the DEBUG event: it is made, written and heard
    debug_out = io.StringIO()
    debug_log = LoggerConfig(name="file", level=EventLevel.DEBUG, line_format=LineFormat.Json, output_stream=debug_out)
    assert _made_and_heard(monkeypatch, [debug_log]) == (
        ["SystemExecutingCmd", "Note"],
        ["SystemExecutingCmd", "Note"],
    )
    assert "dbt build" in debug_out.getvalue()
    heard = []
    manager = event_manager.EventManager()
    manager.add_callback(lambda msg: heard.append(msg.info.name))
    manager.fire_event(SystemExecutingCmd(cmd=["dbt"]))
    assert heard == ["SystemExecutingCmd"]


def test_the_build_takes_the_parse_read_ahead_for_its_warehouse(tmp_path):
    """prepare_build reads the project's parse for a warehouse in a thread (while the run waits on
    the model's process); the build then takes that very Manifest, moved to the warehouse's catalog,
    and a second build reads its own."""
    from pipeline.assets import dbt as dbt_assets

    warehouse = tmp_path / "update.duckdb"
    dbt_assets.prepare_build(warehouse)
    thread, read = dbt_assets._PREPARED[str(warehouse.resolve())]
    thread.join(120)
    assert len(read) == 1 and read[0] is not None
    assert {node.database for node in read[0].nodes.values()} == {"update"}
    assert dbt_assets.parsed_manifest(str(warehouse)) is read[0]
    assert str(warehouse.resolve()) not in dbt_assets._PREPARED
    again = dbt_assets.parsed_manifest(str(warehouse))
    assert again is not read[0] and len(again.nodes) == len(read[0].nodes)
