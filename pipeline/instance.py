"""The Dagster instance of a `newsclaims run` or `watch` without DAGSTER_HOME: Dagster's ephemeral
instance (everything in memory, gone when the process ends) with an event log that stores less.

Dagster stores each event of a run in the instance's event log as it happens; the ephemeral
instance's log is an in-memory SQLite database written through SQLAlchemy, each event in a
connection of its own, and each asset event after an inspection of the table's columns. A
one-article update makes about 470 events (each dbt test three: planned, output, evaluation), and
storing them was about 0.5 s of its 8.5 s. Nothing reads this log after the run (the command reads
the run's result, which holds its own list of every event), and during the run Dagster reads back
only what concerns the run, its steps, assets and checks (an asset's data version, a check's target
materialization). `RunEventLog` stores those as Dagster does and leaves out the events nothing reads
back (the plan's announcements of each asset and check, step inputs and outputs, log messages,
engine and resource events), and inspects its tables once. (A check's evaluation is stored whether
or not its announcement was: Dagster then inserts the row it would have updated.) A run with
DAGSTER_HOME set keeps the instance there, and every event, as it is.
"""

from __future__ import annotations

from functools import cached_property

from dagster import DagsterEventType, DagsterInstance
from dagster._core.storage.event_log import InMemoryEventLogStorage

#: events of the run that nothing reads back from an ephemeral instance's log
UNREAD_EVENTS = frozenset(
    {
        DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
        DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED,
        DagsterEventType.STEP_INPUT,
        DagsterEventType.STEP_OUTPUT,
        DagsterEventType.HANDLED_OUTPUT,
        DagsterEventType.LOADED_INPUT,
        DagsterEventType.ENGINE_EVENT,
        DagsterEventType.LOGS_CAPTURED,
        DagsterEventType.RESOURCE_INIT_STARTED,
        DagsterEventType.RESOURCE_INIT_SUCCESS,
    }
)


class RunEventLog(InMemoryEventLogStorage):
    """Dagster's in-memory event log, without the events nothing reads back (UNREAD_EVENTS and
    plain log messages) and with its tables inspected once."""

    def store_event(self, event) -> None:
        if event.dagster_event is None or event.dagster_event.event_type in UNREAD_EVENTS:
            return
        super().store_event(event)

    def has_table(self, table_name: str) -> bool:
        if table_name not in self._tables:
            self._tables[table_name] = super().has_table(table_name)
        return self._tables[table_name]

    def _has_asset_key_col_on_connection(self, conn, column_name: str) -> bool:
        if column_name not in self._asset_key_columns:
            self._asset_key_columns[column_name] = super()._has_asset_key_col_on_connection(conn, column_name)
        return self._asset_key_columns[column_name]

    @cached_property
    def _tables(self) -> dict[str, bool]:
        return {}

    @cached_property
    def _asset_key_columns(self) -> dict[str, bool]:
        return {}


def ephemeral_instance() -> DagsterInstance:
    """What DagsterInstance.ephemeral() makes (dagster/_core/instance/factory.py), its event log a
    RunEventLog."""
    from dagster._core.instance.types import InstanceType
    from dagster._core.launcher.sync_in_memory_run_launcher import SyncInMemoryRunLauncher
    from dagster._core.run_coordinator import DefaultRunCoordinator
    from dagster._core.storage.noop_compute_log_manager import NoOpComputeLogManager
    from dagster._core.storage.root import TemporaryLocalArtifactStorage
    from dagster._core.storage.runs import InMemoryRunStorage

    return DagsterInstance(
        instance_type=InstanceType.EPHEMERAL,
        local_artifact_storage=TemporaryLocalArtifactStorage(),
        run_storage=InMemoryRunStorage(),
        event_storage=RunEventLog(),
        compute_log_manager=NoOpComputeLogManager(),
        run_coordinator=DefaultRunCoordinator(),
        run_launcher=SyncInMemoryRunLauncher(),
    )
