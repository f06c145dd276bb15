"""The report asset's HTML on the seeds: the facts it charts, its pictures, and its metadata."""
from __future__ import annotations

import base64
import html
import io
import re

from pipeline.answers.report import collect, markdown_preview, render_html
from pipeline.settings import report_path_for

IMG = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" alt="([^"]*)">')


def test_the_pipeline_wrote_the_report_beside_the_warehouse(built_warehouse, query):
    from PIL import Image

    page = report_path_for(built_warehouse).read_text(encoding="utf-8")
    assert "Content-Security-Policy" in page and "<script" not in page.lower()
    images = IMG.findall(page)
    alts = [alt for _, alt in images]
    assert alts == ["bar chart of the top speakers by claims and articles", "source to speaker network",
                    "claims per day", "stance mix per speaker", "most co-mentioned entity pairs"]
    for data, alt in images:
        picture = Image.open(io.BytesIO(base64.b64decode(data)))
        assert picture.format == "PNG" and picture.width > 500 and picture.height > 200, alt
    (top, claims, articles), = query("""
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
