"""Progress in the terminal: a bar with documents/s and the time left on a terminal, nothing otherwise."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from pipeline.progress import progress


def _run(console: Console, total: int = 3) -> str:
    with progress(total, "spaCy", console=console) as advance:
        for _ in range(total):
            advance(1)
    return console.file.getvalue()


def test_a_terminal_sees_rate_count_and_time_left():
    out = _run(Console(file=io.StringIO(), force_terminal=True, width=120))
    assert "spaCy" in out and "3/3" in out and "docs/s" in out and "ETA" in out


def test_not_a_terminal_prints_nothing():
    assert _run(Console(file=io.StringIO(), force_terminal=False, width=120)) == ""


@pytest.mark.parametrize("forced", [True, False])
def test_the_annotation_step_shows_progress_only_on_a_terminal(forced, nlp, tmp_path, monkeypatch, capsys):
    """The real step (spaCy over two documents, staged to Parquet) under pytest's captured, non-tty stderr:
    silent, unless rich is told the stream is a terminal (TTY_COMPATIBLE=1, as a pty would)."""
    from dagster import build_asset_context

    from pipeline.assets.python_assets import _annotate_and_stage
    from pipeline.resources import SpacyResource

    for var in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(var, raising=False)
    if forced:
        monkeypatch.setenv("TTY_COMPATIBLE", "1")
    pending = [("d1", "The minister said the talks had failed."), ("d2", "Rain is expected, the office said.")]
    batch_ids, failed = _annotate_and_stage(
        build_asset_context(), nlp, SpacyResource(model="x", batch_size=1), tmp_path / "staging", pending
    )
    assert (len(batch_ids), failed) == (2, 0)
    err = capsys.readouterr().err
    if forced:
        assert "spaCy + extractors" in err and "2/2" in err and "docs/s" in err
    else:
        assert "docs/s" not in err and "spaCy + extractors" not in err


def test_an_unknown_total_shows_the_count_and_rate(tmp_path):
    from pipeline.ingest.files import read_corpus

    for i in range(3):
        (tmp_path / f"{i}.txt").write_text(f"Article {i}. The minister said it was fine.")
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    console = Console(file=io.StringIO(), force_terminal=True, width=120)
    with progress(None, "scanning files", unit="files", console=console) as advance:
        corpus = read_corpus(tmp_path, on_file=advance)
    out = console.file.getvalue()
    assert (len(corpus.documents), len(corpus.rejections)) == (3, 1)
    assert "scanning files" in out and "4/?" in out and "files/s" in out and "ETA" not in out
