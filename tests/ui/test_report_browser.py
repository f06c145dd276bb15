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
    proc = subprocess.run(
        ["node", str(UI_DIR / "report_check.mjs"), str(report), str(shot)],
        cwd=UI_DIR,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, f"report check failed:\n{proc.stdout}\n{proc.stderr}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


CHARTED = ("speakers", "network", "time", "stance", "comentions")


def _check_pictures(page, with_data: set[str]) -> None:
    """Every chart decoded, described and inside its section; a chart in each section that has data,
    a note (and no picture) in each that has none."""
    sections = {s["id"]: s for s in page["sections"]}
    for sid in CHARTED:
        images, note = sections[sid]["images"], sections[sid]["note"]
        if sid in with_data:
            assert len(images) == 1 and note is None, (sid, sections[sid])
            (img,) = images
            assert img["complete"] and img["width"] > 500 and img["height"] > 200, (sid, img)
            assert img["alt"].strip(), (sid, img)
            assert 0 < img["shownWidth"] <= img["sectionWidth"], (sid, img)  # scaled into the page, not cut off
        else:
            assert images == [] and note, (sid, sections[sid])


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
    # one article, one day, no cited source: the speakers and stance charts and a note elsewhere
    _check_pictures(page, with_data={"speakers", "stance"})
    notes = {s["id"]: s["note"] for s in page["sections"]}
    assert "first seen on" in notes["time"]


@pytest.fixture
def every_chart_report(built_warehouse, tmp_path):
    """The seeds' warehouse, copied, given what the seeds lack for two charts: claims on a second day
    (one article first seen three days earlier) and stances of three kinds (from the cue's lemma)."""
    import shutil

    import duckdb

    from pipeline.answers.report import write_report

    warehouse = tmp_path / "w.duckdb"
    shutil.copy(built_warehouse, warehouse)
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("""update dim_documents set first_seen_at = first_seen_at - interval 3 day
                       where document_id = (select min(document_id) from dim_documents)""")
        con.execute("alter table fct_claims add column if not exists claim_stance varchar")
        con.execute("""update fct_claims set claim_stance = case when cue_lemma in ('deny', 'reject') then 'denies'
                       when cue_lemma in ('warn', 'accuse') then 'warns' else 'asserts' end""")
        out = tmp_path / "every_chart.html"
        write_report(con, out, warehouse)
    finally:
        con.close()
    return out


def test_seed_report_draws_every_picture(browser_deps, every_chart_report, tmp_path):
    shot = tmp_path / "seed_report.png"
    page = _open(every_chart_report, shot)
    assert page["headings"][:3] == ["Top speakers", "Sources and the speakers they carry", "Claims over time"]
    _check_pictures(page, with_data=set(CHARTED))
    assert [i["alt"] for i in page["images"]] == [
        "bar chart of the top speakers by claims and articles",
        "source to speaker network",
        "claims per day",
        "stance mix per speaker",
        "most co-mentioned entity pairs",
    ]
    assert "Alexander Lukashenko" in page["text"] and page["pwned"] is None and page["pageErrors"] == []
    assert shot.is_file() and shot.stat().st_size > 50_000
    print(f"screenshot: {shot}")


def test_the_pipeline_report_on_the_seeds(browser_deps, built_warehouse, query, tmp_path):
    """The report the pipeline itself wrote: a chart wherever the seeds have data for one."""
    from pipeline.settings import report_path_for

    page = _open(report_path_for(built_warehouse), tmp_path / "pipeline_report.png")
    days = query("select count(distinct cast(first_seen_at as date)) from dim_documents")[0][0]
    with_data = {"speakers", "network", "stance", "comentions"} | ({"time"} if days > 1 else set())
    _check_pictures(page, with_data=with_data)
