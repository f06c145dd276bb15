"""pipeline/collector.py: the command's collector held through start-up, then settled."""

from __future__ import annotations

import gc

import pytest

from pipeline import collector


@pytest.fixture
def default_collector():
    yield
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    gc.enable()


def test_held_then_settled_the_start_up_heap_is_frozen_and_collection_resumes(default_collector):
    collector.hold()
    assert not gc.isenabled()
    collector.settle()
    assert gc.isenabled() and gc.get_threshold() == collector.THRESHOLDS
    assert gc.get_freeze_count() > 10_000  # this test process's modules at least
    frozen = gc.get_freeze_count()
    collector.settle()  # once per process: a second call (a watcher's next run) freezes nothing more
    assert gc.get_freeze_count() == frozen


def test_settle_without_hold_leaves_the_default(default_collector):
    collector.settle()
    assert gc.isenabled() and gc.get_threshold() == (700, 10, 10) and gc.get_freeze_count() == 0
