"""The HTML report: the marts drawn as charts an analyst would rather look at than read.

One self-contained file: matplotlib draws PNGs that are embedded as data: URIs, so the page needs
no network and runs no script. Everything taken from the documents (names, claim text, paths) is
HTML-escaped, and the page's Content-Security-Policy forbids scripts outright as a second guard.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import duckdb

from pipeline.answers import drawer
from pipeline.answers.marts import columns

TOP_SPEAKERS = 15
TOP_PAIRS = 15
NETWORK_SOURCES, NETWORK_SPEAKERS = 8, 12
SAMPLE_CLAIMS = 25
SAMPLE_ARTICLES = 30
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
#: how long write_report waits for the charts a forked process draws beside it (then draws them itself)
CHILD_SECONDS = 60


@dataclass
class ReportData:
    counts: dict[str, int]
    speakers: list[tuple[str, int, int]]  # name, claims, articles
    network: list[tuple[str, str, int]]  # source, speaker, claims
    over_time: list[tuple[str, int]]  # day, claims
    time_basis: str
    pairs: list[tuple[str, str, int]]  # entity, entity, sentences together
    stance: list[tuple[str, str, int]] | None  # speaker, stance, claims (None: no claim_stance column)
    claims: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # speaker, cue, content, source, path
    articles: list[tuple[str, str, int, int]] = field(default_factory=list)  # path, title, claims, citations


def collect(con: duckdb.DuckDBPyConnection) -> ReportData:
    counts = {
        t: con.execute(f"select count(*) from {t}").fetchone()[0]
        for t in ("dim_documents", "fct_claims", "dim_entities", "dim_sources")
    }
    # speakers are the entities claims resolve to: "I", "they" or "the report" unresolved are nobody to chart
    speakers = con.execute(
        """
        select c.speaker_name as speaker, count(*) as claims, count(distinct c.document_id) as articles
        from fct_claims c where c.speaker_entity_id is not null and c.speaker_name is not null
        group by 1 order by claims desc, articles desc, speaker limit ?""",
        [TOP_SPEAKERS],
    ).fetchall()
    network = con.execute(
        """
        with edges as (
            select s.name as source, c.speaker_name as speaker, count(*) as claims
            from fct_claims c join dim_sources s using (source_id)
            where c.speaker_entity_id is not null and c.speaker_name is not null group by all),
        top_sources as (select source from edges group by source order by sum(claims) desc, source limit ?),
        top_speakers as (select speaker from edges group by speaker order by sum(claims) desc, speaker limit ?)
        select source, speaker, claims from edges
        where source in (select source from top_sources) and speaker in (select speaker from top_speakers)
        order by claims desc, source, speaker""",
        [NETWORK_SOURCES, NETWORK_SPEAKERS],
    ).fetchall()
    # publication dates are not extracted yet: claims are dated by when their document was first seen
    over_time = [
        (d.isoformat(), n)
        for d, n in con.execute("""
        select cast(d.first_seen_at as date) as day, count(*) from fct_claims c
        join dim_documents d using (document_id) group by day order by day""").fetchall()
    ]
    # who and where: not numbers and dates, nor nationalities ("British", "Belarusian"); sentences shared
    # as fct_entity_cooccurrence counts them (kept up to date by entity, where a self-join of the
    # mentions grew with the corpus)
    pairs = con.execute(
        """
        select least(a.name, b.name), greatest(a.name, b.name), p.sentence_count as together
        from fct_entity_cooccurrence p
        join dim_entities a on a.entity_id = p.entity_id_a
        join dim_entities b on b.entity_id = p.entity_id_b
        where p.sentence_count >= 2  -- once is chance
          and a.label in ('PERSON', 'ORG', 'GPE', 'LOC', 'FAC', 'EVENT')
          and b.label in ('PERSON', 'ORG', 'GPE', 'LOC', 'FAC', 'EVENT')
        order by together desc, 1, 2 limit ?""",
        [TOP_PAIRS],
    ).fetchall()
    stance = None
    if "claim_stance" in columns(con, "fct_claims"):
        stance = con.execute(
            """
            select c.speaker_name, coalesce(claim_stance, 'unknown'), count(*) from fct_claims c
            where c.speaker_name in (select unnest(?::varchar[])) group by all order by 1, 2""",
            [[s[0] for s in speakers[:10]]],
        ).fetchall()
    claims = con.execute(
        """
        select coalesce(c.speaker_name, c.speaker_text), c.cue_text, c.content_text, s.name, d.path
        from fct_claims c join dim_documents d using (document_id) left join dim_sources s using (source_id)
        order by d.first_seen_at desc, d.path, c.content_start_char limit ?""",
        [SAMPLE_CLAIMS],
    ).fetchall()
    articles = con.execute(
        """
        select path, title, claim_count, citation_count from dim_documents
        order by claim_count desc, path limit ?""",
        [SAMPLE_ARTICLES],
    ).fetchall()
    return ReportData(
        counts, speakers, network, over_time, "the date each article was first seen", pairs, stance, claims, articles
    )


def _figure_png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _subplots(figsize: tuple[float, float]):
    """A figure and its axes, drawn by the Agg canvas without pyplot (no global figure manager or
    backend to import: half a second of every report)."""
    import matplotlib
    from matplotlib.figure import Figure

    # document text is never read as mathtext ($...$) or any other markup
    matplotlib.rcParams.update(
        {"text.parse_math": False, "font.size": 10, "axes.spines.top": False, "axes.spines.right": False}
    )
    fig = Figure(figsize=figsize)
    return fig, fig.subplots()


def _short(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def chart_speakers(data: ReportData) -> str | None:
    if not data.speakers:
        return None
    rows = data.speakers[::-1]  # largest at the top
    names = [_short(r[0]) for r in rows]
    fig, ax = _subplots((8, 0.4 * len(rows) + 1.2))
    y = range(len(rows))
    ax.barh([i + 0.2 for i in y], [r[1] for r in rows], height=0.4, label="claims", color="#3b6ea8")
    ax.barh([i - 0.2 for i in y], [r[2] for r in rows], height=0.4, label="articles", color="#e0a040")
    ax.set_yticks(list(y), names)
    for i, r in enumerate(rows):
        ax.text(r[1], i + 0.2, f" {r[1]}", va="center", fontsize=8)
        ax.text(r[2], i - 0.2, f" {r[2]}", va="center", fontsize=8)
    ax.set_xlabel("count")
    ax.set_title("Top speakers: claims and articles quoting them")
    ax.legend(loc="lower right", frameon=False)
    return _figure_png(fig)


def network_order(data: ReportData) -> tuple[list[str], list[str]]:
    """Sources by claims carried; each speaker across from the source carrying most of its claims
    (then by claims), so few lines cross."""
    carried: dict[str, int] = {}
    for source, _, n in data.network:
        carried[source] = carried.get(source, 0) + n
    sources = sorted(carried, key=lambda s: (-carried[s], s))
    main_source = _main_sources(data, sources)
    quoted = {sp: sum(n for _, b, n in data.network if b == sp) for sp in main_source}
    speakers = sorted(main_source, key=lambda sp: (sources.index(main_source[sp]), -quoted[sp], sp))
    return sources, speakers


def _main_sources(data: ReportData, sources: list[str]) -> dict[str, str]:
    """speaker → the source carrying most of its claims (ties: the bigger source)."""
    main: dict[str, str] = {}
    for source, speaker, _ in sorted(data.network, key=lambda e: (-e[2], sources.index(e[0]))):
        main.setdefault(speaker, source)
    return main


def chart_network(data: ReportData) -> str | None:
    if not data.network:
        return None
    sources, speakers = network_order(data)
    height = max(len(sources), len(speakers))

    def ys(items):
        step = height / (len(items) + 1)
        return {name: height - step * (i + 1) for i, name in enumerate(items)}

    yb = ys(speakers)
    # each source level with the middle of the speakers it mainly carries, kept apart from the next
    main = _main_sources(data, sources)
    spread = ys(sources)
    ya: dict[str, float] = {}
    for source in sources:
        own = [yb[sp] for sp in speakers if main[sp] == source]
        y = sum(own) / len(own) if own else spread[source]
        if ya:
            y = min(y, min(ya.values()) - 0.9)
        ya[source] = y
    low = min(min(ya.values()), min(yb.values()))
    if low < 0.4:  # pushed below the frame: shift everything up
        height += 0.4 - low
        ya = {k: v + 0.4 - low for k, v in ya.items()}
        yb = {k: v + 0.4 - low for k, v in yb.items()}
    fig, ax = _subplots((9, 0.5 * height + 1.5))
    top = max(n for _, _, n in data.network)
    for source, speaker, n in data.network:
        ax.plot(
            [0, 1],
            [ya[source], yb[speaker]],
            color="#3b6ea8",
            alpha=0.35 + 0.5 * n / top,
            linewidth=1 + 6 * n / top,
            solid_capstyle="round",
        )
    carried = {s: sum(n for a, _, n in data.network if a == s) for s in sources}
    quoted = {s: sum(n for _, b, n in data.network if b == s) for s in speakers}
    for name, y in ya.items():
        ax.text(-0.03, y, f"{_short(name, 30)} ({carried[name]})", ha="right", va="center", fontweight="bold")
    for name, y in yb.items():
        ax.text(1.03, y, f"{_short(name, 30)} ({quoted[name]})", ha="left", va="center")
    ax.scatter([0] * len(ya), list(ya.values()), s=60, color="#e0a040", zorder=3)
    ax.scatter([1] * len(yb), list(yb.values()), s=60, color="#3b6ea8", zorder=3)
    ax.set_xlim(-0.6, 1.6)
    ax.set_ylim(0, height)
    ax.axis("off")
    ax.set_title("Who carries whom: source → speaker (line width and numbers = claims)")
    return _figure_png(fig)


def time_buckets(over_time: list[tuple[str, int]]) -> tuple[str, list[tuple[str, int]]]:
    """Claims per day on a calendar axis (days without claims count 0); per week (from Monday) past
    62 days, per month past 62 weeks, so the bars stay readable."""
    from datetime import date, timedelta

    counts = {date.fromisoformat(d): n for d, n in over_time}
    first, last = min(counts), max(counts)
    if (last - first).days < 62:
        unit, key = "day", (lambda d: d)
    elif (last - first).days < 62 * 7:
        unit, key = "week", (lambda d: d - timedelta(days=d.weekday()))
    else:
        unit, key = "month", (lambda d: d.replace(day=1))
    buckets: dict[date, int] = {}
    day = first
    while day <= last:
        buckets[key(day)] = buckets.get(key(day), 0) + counts.get(day, 0)
        day += timedelta(days=1)
    label = (lambda d: d.strftime("%Y-%m")) if unit == "month" else (lambda d: d.isoformat())
    return unit, [(label(d), n) for d, n in sorted(buckets.items())]


def chart_over_time(data: ReportData) -> str | None:
    # one day is a number, not a series: the page says it in a sentence instead (time_note)
    if len(data.over_time) < 2:
        return None
    unit, rows = time_buckets(data.over_time)
    fig, ax = _subplots((8, 3))
    labels = [d for d, _ in rows]
    counts = [n for _, n in rows]
    ax.bar(range(len(labels)), counts, color="#3b6ea8", width=0.8 if len(labels) > 12 else 0.6)
    ax.set_xlim(-0.5 - max(0, (6 - len(labels)) / 2), len(labels) - 0.5 + max(0, (6 - len(labels)) / 2))
    if len(labels) <= 31:
        for i, n in enumerate(counts):
            if n:
                ax.text(i, n, str(n), ha="center", va="bottom", fontsize=8)
    step = max(1, -(-len(labels) // 12))  # at most 12 labels
    ax.set_xticks(range(0, len(labels), step), labels[::step], rotation=30, ha="right")
    ax.set_ylabel("claims")
    ax.set_title(f"Claims per {unit} (by {data.time_basis})")
    return _figure_png(fig)


def chart_pairs(data: ReportData) -> str | None:
    if not data.pairs:
        return None
    rows = data.pairs[::-1]
    fig, ax = _subplots((8, 0.35 * len(rows) + 1.2))
    ax.barh(range(len(rows)), [r[2] for r in rows], color="#6a9a58")
    ax.set_yticks(range(len(rows)), [f"{_short(a, 28)} — {_short(b, 28)}" for a, b, _ in rows])
    for i, r in enumerate(rows):
        ax.text(r[2], i, f" {r[2]}", va="center", fontsize=8)
    ax.set_xlabel("sentences mentioning both")
    ax.set_title("Most co-mentioned entities (same sentence)")
    return _figure_png(fig)


def chart_stance(data: ReportData) -> str | None:
    if not data.stance:
        return None
    totals: dict[str, int] = {}
    for sp, _, n in data.stance:
        totals[sp] = totals.get(sp, 0) + n
    speakers = sorted(totals, key=lambda sp: (-totals[sp], sp))[::-1]  # most claims at the top
    stances = sorted({t for _, t, _ in data.stance})
    fig, ax = _subplots((8, 0.4 * len(speakers) + 1.2))
    left = [0] * len(speakers)
    for stance in stances:
        vals = [sum(n for s, t, n in data.stance if s == sp and t == stance) for sp in speakers]
        ax.barh(range(len(speakers)), vals, left=left, label=stance)
        left = [a + b for a, b in zip(left, vals, strict=True)]
    ax.set_yticks(range(len(speakers)), [_short(s) for s in speakers])
    ax.set_xlabel("claims")
    # below the axis: inside it would cover the bars of whoever is at the bottom
    ax.legend(frameon=False, ncols=min(5, len(stances)), loc="upper center", bbox_to_anchor=(0.5, -0.22))
    ax.set_title("Stance mix per speaker")
    return _figure_png(fig)


def time_note(data: ReportData) -> str:
    """What the page says where there is no series to draw (no claims, or all on one day)."""
    if not data.over_time:
        return "No claims."
    day, n = data.over_time[0]
    return (
        f"All {n:,} claims come from articles first seen on {day}: a series needs articles seen on at least two days."
    )


def _e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _img(png: str | None, alt: str, empty: str, key: str | None = None) -> str:
    if png is None:
        return f'<p class="empty">{_e(empty)}</p>'
    tag = f' data-chart="{key}"' if key else ""
    return f'<img{tag} src="data:image/png;base64,{png}" alt="{_e(alt)}">'


# ---------------------------------------------------------------------------------- chart reuse
# Drawing the charts is most of a report's time (about 1 s of every run's report step). Each chart
# is tagged with a digest of what it is drawn from (its rows, this module's code, matplotlib's
# version); a chart whose digest is in the previous report is taken from there as it is, so an update
# that leaves the top speakers (say) unchanged does not draw them again.

_PREVIOUS_CHART = re.compile(r'<img data-chart="([0-9a-f]{64})" src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


def previous_charts(report: Path) -> dict[str, str]:
    """digest -> base64 PNG of the charts in an earlier report at this path (none if unreadable)."""
    try:
        return dict(_PREVIOUS_CHART.findall(Path(report).read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError):
        return {}


@lru_cache(maxsize=1)
def _drawing_code() -> bytes:
    """What every chart is drawn by: this module's code and matplotlib's version (read once)."""
    from importlib import metadata

    return Path(__file__).read_bytes() + metadata.version("matplotlib").encode()


def _chart_digest(name: str, inputs: object) -> str:
    return hashlib.sha256(_drawing_code() + f"\0{name}\0{inputs!r}".encode()).hexdigest()


def _chart(draw, data: ReportData, inputs: object, alt: str, empty: str, previous: dict[str, str]) -> str:
    """The chart `draw(data)` as an <img>, reused from `previous` when drawn from the same inputs."""
    key = _chart_digest(draw.__name__, inputs)
    png = previous[key] if key in previous else draw(data)
    return _img(png, alt, empty, key)


def _chart_inputs(data: ReportData) -> list[tuple[Callable[[ReportData], str | None], object]]:
    """Each chart of the report: what draws it, and what it is drawn from (render_html and draw_charts both read it)."""
    charts = [
        (chart_speakers, data.speakers),
        (chart_network, data.network),
        (chart_over_time, (data.over_time, data.time_basis)),
        (chart_pairs, data.pairs),
    ]
    if data.stance is not None:
        charts.append((chart_stance, data.stance))
    return charts


def _draw_each(data: ReportData, draws: list[Callable[[ReportData], str | None]]) -> list[str | None]:
    return [draw(data) for draw in draws]


def _draw_in_child(conn, data: ReportData, draws: list[Callable[[ReportData], str | None]]) -> None:
    try:
        conn.send(_draw_each(data, draws))
    finally:
        conn.close()


def draw_charts(data: ReportData, previous: dict[str, str]) -> dict[str, str]:
    """digest → PNG of the report's charts not in `previous` (an earlier report's, by digest). A
    drawer forked before the build (`drawer.start()`) draws them all when there is one; else, with
    two or more to draw, every other one is drawn in a process forked for it while this one draws
    the rest: matplotlib's drawing is one core's Python, 0.15-0.2 s a chart, and a run's report
    step had the other core idle. What the child does not send back within CHILD_SECONDS (it
    failed, or hangs) is drawn here."""
    todo = {}
    for draw, inputs in _chart_inputs(data):
        key = _chart_digest(draw.__name__, inputs)
        if key not in previous:
            todo[key] = draw
    keys = list(todo)
    there, here = keys[::2], keys[1::2]
    drawn: dict[str, str | None] = {}
    ahead = drawer.draw(data, [todo[k] for k in keys], CHILD_SECONDS)
    if ahead is not None:  # the drawer forked before the build drew them all (pipeline/answers/drawer.py)
        drawn.update(zip(keys, ahead, strict=True))
    elif len(keys) >= 2 and sys.platform.startswith("linux"):
        import multiprocessing

        from pipeline.nlp.workers import die_with_parent, loads_done

        loads_done()  # a fork copies the locks a loading thread holds
        die_with_parent()
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=_draw_in_child, args=(send, data, [todo[k] for k in there]), daemon=True)
        child.start()
        send.close()
        try:
            drawn.update(zip(here, _draw_each(data, [todo[k] for k in here]), strict=True))
            if receive.poll(CHILD_SECONDS):
                drawn.update(zip(there, receive.recv(), strict=True))
        except (EOFError, OSError, ValueError):  # the child ended without an answer: drawn below
            pass
        finally:
            receive.close()
            child.join(1)
            if child.is_alive():
                child.terminate()
                child.join(5)
    for key in keys:
        if key not in drawn:
            drawn[key] = todo[key](data)
    return {k: v for k, v in drawn.items() if v is not None}


def render_html(
    data: ReportData, warehouse: Path, generated_at: datetime | None = None, previous: dict[str, str] | None = None
) -> str:
    generated_at = generated_at or datetime.now(UTC)
    previous = previous or {}
    c = data.counts
    speakers_rows = "".join(
        f"<tr><td>{_e(n)}</td><td class=n>{k}</td><td class=n>{a}</td></tr>" for n, k, a in data.speakers
    )
    claim_rows = "".join(
        f"<tr><td>{_e(sp)}</td><td>{_e(cue)}</td><td>{_e(content)}</td><td>{_e(src or '—')}</td>"
        f"<td><code>{_e(path)}</code></td></tr>"
        for sp, cue, content, src, path in data.claims
    )
    article_rows = "".join(
        f"<tr><td><code>{_e(path)}</code></td><td>{_e(_short(title or '', 160))}</td><td class=n>{k}</td><td class=n>{n}</td></tr>"
        for path, title, k, n in data.articles
    )
    inputs = dict(_chart_inputs(data))  # what each chart is drawn from, as draw_charts drew it
    speakers_chart = _chart(
        chart_speakers,
        data,
        inputs[chart_speakers],
        "bar chart of the top speakers by claims and articles",
        "No claims with a speaker.",
        previous,
    )
    network_chart = _chart(
        chart_network,
        data,
        inputs[chart_network],
        "source to speaker network",
        "No claim is attributed to a cited source.",
        previous,
    )
    over_time_chart = _chart(
        chart_over_time, data, inputs[chart_over_time], "claims per day", time_note(data), previous
    )
    pairs_chart = _chart(
        chart_pairs,
        data,
        inputs[chart_pairs],
        "most co-mentioned entity pairs",
        "No two entities share more than one sentence.",
        previous,
    )
    stance = (
        _chart(chart_stance, data, inputs[chart_stance], "stance mix per speaker", "", previous)
        if data.stance is not None
        else '<p class="empty">Stance is not extracted by this version (fct_claims has no claim_stance).</p>'
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>newsclaims report</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; padding: 0 1rem; }}
h1 {{ margin-bottom: .2rem; }} .meta {{ color: #666; margin-top: 0; }}
section {{ margin: 2rem 0; }} img {{ max-width: 100%; height: auto; }}
table {{ border-collapse: collapse; width: 100%; font-size: .9rem; }}
th, td {{ border-bottom: 1px solid #ddd; padding: .3rem .5rem; text-align: left; vertical-align: top; }}
.n {{ text-align: right; }} .empty {{ color: #777; font-style: italic; }}
.counts span {{ display: inline-block; margin-right: 1.5rem; }} .counts b {{ font-size: 1.4rem; }}
</style></head>
<body>
<h1>newsclaims report</h1>
<p class="meta">warehouse <code>{_e(warehouse)}</code> · generated {_e(generated_at.isoformat(timespec="seconds"))}</p>
<p class="counts"><span><b>{c["dim_documents"]}</b> articles</span><span><b>{c["fct_claims"]}</b> claims</span>
<span><b>{c["dim_entities"]}</b> entities</span><span><b>{c["dim_sources"]}</b> sources</span></p>
<section id="speakers"><h2>Top speakers</h2>
{speakers_chart}
<table><thead><tr><th>speaker</th><th class=n>claims</th><th class=n>articles</th></tr></thead><tbody>{speakers_rows}</tbody></table>
</section>
<section id="network"><h2>Sources and the speakers they carry</h2>
{network_chart}
</section>
<section id="time"><h2>Claims over time</h2>
<p class="meta">Dated by when each article was first seen: publication dates are not extracted yet.</p>
{over_time_chart}
</section>
<section id="stance"><h2>Stance mix per speaker</h2>{stance}</section>
<section id="comentions"><h2>Most co-mentioned entities</h2>
{pairs_chart}
</section>
<section id="claims"><h2>Latest claims</h2>
<table><thead><tr><th>speaker</th><th>cue</th><th>content</th><th>source</th><th>article</th></tr></thead>
<tbody>{claim_rows}</tbody></table>
</section>
<section id="articles"><h2>Articles with the most claims</h2>
<table><thead><tr><th>article</th><th>title</th><th>claims</th><th>source citations</th></tr></thead>
<tbody>{article_rows}</tbody></table>
</section>
</body></html>
"""


def markdown_preview(data: ReportData, rows: int = 10) -> str:
    """Top speakers as a Markdown table for the asset's metadata; names escaped for Markdown and HTML."""

    def cell(text: str) -> str:
        escaped = html.escape(text)
        for ch in "\\|`[]()*_":
            escaped = escaped.replace(ch, "\\" + ch)
        return escaped

    lines = ["| speaker | claims | articles |", "|---|---:|---:|"]
    lines += [f"| {cell(n)} | {k} | {a} |" for n, k, a in data.speakers[:rows]]
    return "\n".join(lines)


def write_report(con: duckdb.DuckDBPyConnection, out: Path, warehouse: Path) -> ReportData:
    data = collect(con)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    # charts drawn from the same rows as in the report this one replaces are taken from it
    previous = previous_charts(out)
    previous.update(draw_charts(data, previous))
    tmp.write_text(render_html(data, warehouse, previous=previous), encoding="utf-8")
    tmp.replace(out)
    return data
