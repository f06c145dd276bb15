"""`prefetch_model` loads the pipeline in a background thread; `load_model` called meanwhile waits for
that load instead of starting a second one, and a failed prefetch leaves the error to `load_model`."""

from __future__ import annotations

import threading
import time

import pytest

from pipeline.nlp import model


def test_load_waits_for_the_prefetch_and_returns_what_it_loaded(monkeypatch):
    calls = []

    def slow_load(name):
        calls.append((name, threading.current_thread().name))
        time.sleep(0.3)
        return object()

    monkeypatch.setattr(model, "_load_model", slow_load)
    thread = model.prefetch_model("some_pipeline")
    time.sleep(0.05)  # the prefetch holds the load
    started = time.perf_counter()
    first = model.load_model("some_pipeline")
    assert time.perf_counter() - started > 0.15, "load_model did not wait for the running prefetch"
    thread.join(2)
    # one load in the background thread, one (cached in the real function) for the caller
    assert calls[0] == ("some_pipeline", "newsclaims-model-prefetch") and len(calls) == 2
    assert first is not None


def test_a_failed_prefetch_leaves_the_error_to_load_model(monkeypatch):
    def broken(name):
        raise RuntimeError(f"spaCy model {name!r} is not installed")

    monkeypatch.setattr(model, "_load_model", broken)
    model.prefetch_model("missing_pipeline").join(2)  # no exception escapes the thread
    with pytest.raises(RuntimeError, match="not installed"):
        model.load_model("missing_pipeline")
