"""The report in headless Chromium: the pipeline on an article that carries a <script>, an
<img onerror> and a javascript: link; nothing runs, and the reader sees the text as text."""
from __future__ import annotations

import json
import subprocess

import pytest

from tests.ui.conftest import UI_DIR

pytestmark = pytest.mark.slow

HOSTILE = """Minister <img src=x onerror="window.__pwned='img'"> speaks on archives

Foreign Minister Anna Kovacs said that <script>window.__pwned='script'; alert('pwned')</script> was only a test of the archive.

"The <a href="javascript:window.__pwned='link'">archive</a> is open to every citizen," Kovacs said on Tuesday.

Kovacs told reporters that the <img src=x onerror="alert('img')"> tag proves nothing about the ministry.
"""


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory):
    from pipeline.cli import run
    from pipeline.settings import Settings, report_path_for

    base = tmp_path_factory.mktemp("hostile")
    (base / "input").mkdir()
    (base / "input" / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    warehouse = base / "w.duckdb"
    assert run(Settings.from_env(input_dir=base / "input", warehouse=warehouse)), "the pipeline run failed"
    return report_path_for(warehouse)


def _open(report, shot):
    proc = subprocess.run(["node", str(UI_DIR / "report_check.mjs"), str(report), str(shot)],
                          cwd=UI_DIR, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, f"report check failed:\n{proc.stdout}\n{proc.stderr}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_no_script_runs_and_the_markup_shows_as_text(browser_deps, hostile_report, tmp_path):
    page = _open(hostile_report, tmp_path / "hostile_report.png")
    assert page["title"] == "newsclaims report"
    assert page["pwned"] is None and page["dialogs"] == [] and page["pageErrors"] == []
    assert (page["scripts"], page["handlers"], page["javascriptLinks"], page["links"]) == (0, 0, 0, 0)
    assert page["requests"] == []  # nothing fetched from anywhere
    text = page["text"]
    # the claims and the title, verbatim, as text
    assert "<script>window.__pwned='script'; alert('pwned')</script>" in text
    assert """<a href="javascript:window.__pwned='link'">archive</a>""" in text
    assert """<img src=x onerror="alert('img')">""" in text
    assert """Minister <img src=x onerror="window.__pwned='img'"> speaks on archives""" in text
    assert "Anna Kovacs" in text


def test_seed_report_draws_every_picture(browser_deps, built_warehouse, tmp_path):
    from pipeline.settings import report_path_for

    shot = tmp_path / "seed_report.png"
    page = _open(report_path_for(built_warehouse), shot)
    assert page["headings"][:3] == ["Top speakers", "Sources and the speakers they carry", "Claims over time"]
    assert len(page["images"]) == 5  # speakers, network, over time, stance mix, co-mentions
    assert all(i["width"] > 500 and i["height"] > 200 for i in page["images"]), page["images"]
    assert "Alexander Lukashenko" in page["text"] and page["pwned"] is None
    assert shot.is_file() and shot.stat().st_size > 50_000
    print(f"screenshot: {shot}")
