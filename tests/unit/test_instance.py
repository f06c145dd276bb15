"""The ephemeral Dagster instance of `newsclaims run` (pipeline/instance.py): a run's assets,
checks and steps are stored as Dagster stores them, the events nothing reads back are not, and the
run's result still holds every event."""

from __future__ import annotations

from dagster import AssetCheckResult, AssetCheckSpec, AssetKey, DagsterEventType, Output, asset, materialize

from pipeline.instance import UNREAD_EVENTS, ephemeral_instance


@asset(check_specs=[AssetCheckSpec("positive", asset="numbers")])
def numbers(context):
    context.log.info("counting")
    yield Output(3)
    yield AssetCheckResult(passed=True)


@asset
def doubled(numbers: int) -> int:
    return 2 * numbers


def test_the_run_s_assets_checks_and_steps_are_stored_and_the_unread_events_are_not():
    with ephemeral_instance() as instance:
        result = materialize([numbers, doubled], instance=instance)
        assert result.success and result.output_for_node("doubled") == 6
        stored = [e for e in instance.all_logs(result.run_id)]
        kinds = {e.dagster_event.event_type for e in stored if e.dagster_event is not None}
        assert {
            DagsterEventType.RUN_START,
            DagsterEventType.STEP_START,
            DagsterEventType.STEP_SUCCESS,
            DagsterEventType.ASSET_MATERIALIZATION,
            DagsterEventType.ASSET_CHECK_EVALUATION,
            DagsterEventType.RUN_SUCCESS,
        } <= kinds
        assert not kinds & UNREAD_EVENTS and all(e.dagster_event is not None for e in stored)
        assert instance.get_latest_materialization_event(AssetKey("doubled")) is not None
        check = instance.event_log_storage.get_latest_asset_check_execution_by_key([numbers.check_keys.pop()])
        assert [execution.status.value for execution in check.values()] == ["SUCCEEDED"]
        # the result holds every event of the run, those not stored included
        assert {DagsterEventType.STEP_OUTPUT, DagsterEventType.HANDLED_OUTPUT} <= {
            e.event_type for e in result.all_events
        }
