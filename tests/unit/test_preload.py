"""pipeline/nlp/preload.py: the model `newsclaims run` loads in a fork server for a new warehouse
annotates, in workers forked from the server, exactly as this process would; a server that cannot
load leaves the model to the run with the reason; the server ends when stopped (the real model)."""

from __future__ import annotations

import os
from multiprocessing import forkserver

import pytest

from pipeline.nlp import preload
from pipeline.nlp.annotate import _annotate_here, extractor_version, extractor_version_for
from pipeline.resources import SpacyResource
from pipeline.settings import default_model

TEXTS = [
    (
        'Lukashenko rejected claims that Minsk promotes illegal migration. "These are old accusations," '
        "he told reporters on Tuesday, BelTA reported.\n",
        "doc-a",
    ),
    ("The port authority said on Monday that the new terminal would open in March.\n", "doc-b"),
    ("Officials in Grodno said the border crossing would reopen on Friday.\n", "doc-c"),
]


def _without_times(rows: dict) -> dict:
    return {t: [{k: v for k, v in r.items() if k != "processed_at"} for r in rs] for t, rs in rows.items()}


def _alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        return os.waitpid(pid, os.WNOHANG) == (0, 0)
    except ChildProcessError:
        return False


@pytest.fixture
def server():
    yield
    preload.end()


def test_the_fork_servers_workers_annotate_as_this_process_does_and_the_server_ends_when_stopped(nlp, server):
    name = default_model()
    preload.start(name)
    pid = forkserver._forkserver._forkserver_pid
    assert preload.serving(name) and not preload.serving("another_model")
    served = preload.model_for(name)
    assert served is not None and preload.failure() is None
    # the version its model stamps, which the run's steps read without importing spaCy
    assert served.version == extractor_version(nlp) == extractor_version_for(name)
    assert SpacyResource(model=name).extractor_version() == served.version
    there = list(served.annotate_texts(TEXTS, 2, 2))  # two workers, two batches and a tail
    here = list(_annotate_here(nlp, TEXTS, 32))
    assert [d for d, _ in there] == ["doc-a", "doc-b", "doc-c"]
    assert [_without_times(r) for _, r in there] == [_without_times(r) for _, r in here]
    speakers = {c["speaker_text"] for c in there[0][1]["claims"]}
    assert "Lukashenko" in speakers or "he" in speakers, speakers  # a real extraction, not empty rows
    assert _alive(pid)
    preload.stop()
    assert not _alive(pid) and forkserver._forkserver._forkserver_pid is None
    assert preload.model_for(name) is None and not preload.serving(name)
    # the run's later steps still read the version its rows carry, until the run ends
    assert preload.reported_version(name) == served.version == SpacyResource(model=name).extractor_version()
    preload.end()
    assert preload.reported_version(name) is None


def test_a_server_that_cannot_load_leaves_the_model_to_the_run_with_the_reason(server):
    preload.start("no_such_pipeline")
    assert preload.model_for("no_such_pipeline") is None
    assert "could not load no_such_pipeline" in (preload.failure() or ""), preload.failure()
    assert not preload.serving("no_such_pipeline")  # the run loads it itself, and says why


def test_without_a_fork_server_the_run_loads_the_model_itself(server, monkeypatch):
    import multiprocessing

    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    preload.start(default_model())
    assert not preload.serving(default_model()) and preload.model_for(default_model()) is None
    assert forkserver._forkserver._forkserver_pid is None
