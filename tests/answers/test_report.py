"""The report asset's HTML on the seeds: the facts it charts, its pictures, and its metadata."""

from __future__ import annotations

import base64
import html
import io
import os
import re

from pipeline.answers.report import collect, markdown_preview, render_html
from pipeline.settings import report_path_for

IMG = re.compile(r'<img data-chart="[0-9a-f]{64}" src="data:image/png;base64,([A-Za-z0-9+/=]+)" alt="([^"]*)">')


def test_the_pipeline_wrote_the_report_beside_the_warehouse(built_warehouse, query):
    from PIL import Image

    page = report_path_for(built_warehouse).read_text(encoding="utf-8")
    assert "Content-Security-Policy" in page and "<script" not in page.lower()
    images = IMG.findall(page)
    alts = [alt for _, alt in images]
    # the seeds are all first seen on one day: a sentence, not a one-bar chart
    assert alts == [
        "bar chart of the top speakers by claims and articles",
        "source to speaker network",
        "stance mix per speaker",
        "most co-mentioned entity pairs",
    ]
    ((day,),) = query("select distinct cast(first_seen_at as date) from dim_documents")
    assert f"come from articles first seen on {day.isoformat()}" in page
    for data, alt in images:
        picture = Image.open(io.BytesIO(base64.b64decode(data)))
        assert picture.format == "PNG" and picture.width > 500 and picture.height > 200, alt
    ((top, claims, articles),) = query("""
        select coalesce(speaker_name, speaker_text), count(*), count(distinct document_id) from fct_claims
        group by 1 order by 2 desc limit 1""")
    assert top == "Alexander Lukashenko"
    assert f"<tr><td>{top}</td><td class=n>{claims}</td><td class=n>{articles}</td></tr>" in page
    assert "Stance is not extracted by this version" not in page  # fct_claims has claim_stance (extractor 6)


def test_collect_counts_what_the_marts_hold(built_warehouse, query):
    from pipeline.answers.marts import open_marts

    with open_marts(built_warehouse) as con:
        data = collect(con)
    (belta_luk,) = query("""select count(*) from fct_claims c join dim_sources s using (source_id)
                            where s.name = 'BelTA' and c.speaker_name = 'Alexander Lukashenko'""")[0]
    assert ("BelTA", "Alexander Lukashenko", belta_luk) in data.network
    assert sum(n for _, n in data.over_time) == query("select count(*) from fct_claims")[0][0]
    # Lukashenko and Belarus share sentences in the seeds
    pairs = {frozenset((a, b)): n for a, b, n in data.pairs}
    assert pairs[frozenset(("Alexander Lukashenko", "Belarus"))] >= 2
    assert [n for _, _, n in data.pairs] == sorted((n for _, _, n in data.pairs), reverse=True)
    # people, organisations and places: nationalities (NORP: "Belarusian") are not entities to pair
    assert all("Belarusian" not in (a, b) for a, b, _ in data.pairs) and all(a < b for a, b, _ in data.pairs)


def test_everything_from_the_documents_is_escaped(built_warehouse):
    from pipeline.answers.marts import open_marts

    with open_marts(built_warehouse) as con:
        data = collect(con)
    evil = '<script>alert(1)</script><img src=x onerror="alert(2)"> | [x](javascript:alert(3))'
    data.speakers.insert(0, (evil, 99, 9))
    data.claims.insert(0, (evil, "said", evil, evil, evil))
    data.articles.insert(0, (evil, evil, 1, 1))
    page = render_html(data, built_warehouse)
    assert "<script>" not in page and "<img src=x" not in page
    assert page.count(html.escape(evil)) >= 5
    preview = markdown_preview(data)
    assert "<script>" not in preview and "](javascript:" not in preview and "\\|" in preview


def test_claims_over_time_is_a_chart_from_two_days_on(built_warehouse):
    from pipeline.answers.marts import open_marts

    with open_marts(built_warehouse) as con:
        data = collect(con)
    data.over_time = [("2026-01-01", 4)]
    assert "claims per day" not in render_html(data, built_warehouse)
    data.over_time = [("2026-01-01", 4), ("2026-01-03", 7)]
    assert 'alt="claims per day"' in render_html(data, built_warehouse)


def test_a_chart_drawn_from_the_same_rows_is_taken_from_the_previous_report(built_warehouse, tmp_path, monkeypatch):
    """write_report draws only the charts whose rows changed since the report it replaces; the page
    is the same as one drawn whole."""
    from pipeline.answers import report
    from pipeline.answers.marts import open_marts

    # each chart drawn is noted with the process that drew it (write_report draws in two)
    log = tmp_path / "drawn.log"
    figure_png = report._figure_png

    def noted(fig):
        with log.open("a") as f:
            f.write(f"{os.getpid()}\n")
        return figure_png(fig)

    def drawn() -> list[str]:
        return log.read_text().split() if log.exists() else []

    monkeypatch.setattr(report, "_figure_png", noted)
    out = tmp_path / "r.html"
    with open_marts(built_warehouse) as con:
        data = report.write_report(con, out, built_warehouse)
        # speakers, network, stance, pairs (the seeds are all from one day), half in a forked process
        assert len(drawn()) == 4 and len(set(drawn())) == 2
        first = IMG.findall(out.read_text(encoding="utf-8"))
        log.unlink()
        report.write_report(con, out, built_warehouse)  # the same marts: every chart taken from the first
    assert drawn() == [] and IMG.findall(out.read_text(encoding="utf-8")) == first
    # the same charts as all drawn in this process
    assert IMG.findall(render_html(data, built_warehouse)) == first
    log.unlink()

    # one speaker's count moves: that chart and the stance chart's rows are the same, so only the
    # speakers chart is drawn again, and it differs from the old one
    data.speakers[0] = (data.speakers[0][0], data.speakers[0][1] + 1, data.speakers[0][2])
    changed = IMG.findall(render_html(data, built_warehouse, previous=report.previous_charts(out)))
    assert len(drawn()) == 1 and changed[0] != first[0] and changed[1:] == first[1:]
    # an unreadable or foreign previous file is no previous report
    assert report.previous_charts(tmp_path / "missing.html") == {}
    (tmp_path / "bin.html").write_bytes(b"\xff\xfe<img")
    assert report.previous_charts(tmp_path / "bin.html") == {}


def test_the_network_puts_each_speaker_across_from_its_main_source():
    from pipeline.answers.report import ReportData, network_order

    data = ReportData(
        counts={},
        speakers=[],
        over_time=[],
        time_basis="",
        pairs=[],
        stance=None,
        network=[("A", "a1", 9), ("B", "b1", 5), ("A", "a2", 4), ("B", "a2", 1), ("B", "b2", 3), ("A", "b2", 2)],
    )
    sources, speakers = network_order(data)
    assert sources == ["A", "B"]
    assert speakers == ["a1", "a2", "b1", "b2"]


def test_time_buckets_keep_the_calendar():
    from pipeline.answers.report import time_buckets

    assert time_buckets([("2026-01-01", 4), ("2026-01-04", 7)]) == (
        "day",
        [("2026-01-01", 4), ("2026-01-02", 0), ("2026-01-03", 0), ("2026-01-04", 7)],
    )
    unit, weeks = time_buckets([("2026-01-01", 4), ("2026-01-02", 1), ("2026-04-30", 7)])
    assert unit == "week" and weeks[0] == ("2025-12-29", 5) and weeks[-1] == ("2026-04-27", 7)
    assert sum(n for _, n in weeks) == 12 and len(weeks) == 18
    unit, months = time_buckets([("2024-01-15", 2), ("2026-03-01", 3)])
    assert unit == "month" and months[0] == ("2024-01", 2) and months[-1] == ("2026-03", 3) and len(months) == 27


_DRAWN_AHEAD = """
import json, sys
from pipeline.answers import drawer, report
data = report.ReportData(
    counts={}, speakers=[("Ann Lee", 3, 2), ("Bo Chan", 1, 1)], network=[("BelTA", "Ann Lee", 2), ("TASS", "Bo Chan", 1)],
    over_time=[], time_basis="published", pairs=[("Minsk", "Moscow", 3), ("Minsk", "Kyiv", 1)],
    stance=[("Ann Lee", "asserts", 2), ("Bo Chan", "denies", 1)],
)
drawer.start()
charts = report.draw_charts(data, {})
print(json.dumps({"charts": charts, "matplotlib": "matplotlib" in sys.modules}))
"""


def test_a_drawer_forked_ahead_draws_every_chart_and_this_process_never_imports_matplotlib():
    """The dbt step forks the drawer (pipeline/answers/drawer.py) when the report follows: the
    report's charts then come from it, each the PNG this process would have drawn, and the run's
    own process never imports matplotlib."""
    import json
    import subprocess
    import sys

    from pipeline.answers import report

    done = subprocess.run([sys.executable, "-c", _DRAWN_AHEAD], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    ahead = json.loads(done.stdout.strip().splitlines()[-1])
    assert ahead["matplotlib"] is False
    data = report.ReportData(
        counts={},
        speakers=[("Ann Lee", 3, 2), ("Bo Chan", 1, 1)],
        network=[("BelTA", "Ann Lee", 2), ("TASS", "Bo Chan", 1)],
        over_time=[],
        time_basis="published",
        pairs=[("Minsk", "Moscow", 3), ("Minsk", "Kyiv", 1)],
        stance=[("Ann Lee", "asserts", 2), ("Bo Chan", "denies", 1)],
    )
    here = report.draw_charts(data, {})
    assert len(here) == 4 and ahead["charts"] == here
