"""Claims, speakers and sources from the marts, filtered the way an analyst asks.

Every function returns an `Answer`: column names and rows, in a fixed order, ready for a table,
JSON or CSV (see output.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb

from pipeline.answers.marts import UnsupportedQuery, columns


@dataclass
class Answer:
    columns: list[str]
    rows: list[tuple]
    #: the columns a terminal table shows (all when empty), in this order
    table_columns: list[str] = field(default_factory=list)
    #: row index → (start, end) spans of its `snippet` to emphasise in a terminal
    highlights: dict[int, tuple[tuple[int, int], ...]] = field(default_factory=dict)

    def records(self) -> list[dict]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def __len__(self) -> int:
        return len(self.rows)


def _like(value: str) -> str:
    """An ILIKE pattern matching `value` anywhere, with % and _ in it taken literally."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


CLAIM_COLUMNS = [
    "claim_id",
    "document_id",
    "path",
    "speaker",
    "speaker_text",
    "speaker_entity_id",
    "cue",
    "content",
    "content_start_char",
    "content_end_char",
    "source",
    "first_seen_at",
]


def claims(
    con: duckdb.DuckDBPyConnection,
    *,
    speaker: str | None = None,
    about: str | None = None,
    source: str | None = None,
    since: date | None = None,
    stance: str | None = None,
    limit: int | None = None,
) -> Answer:
    """Claims in document order, narrowed by each filter given (all must hold).

    speaker: the resolved speaker's name or the speaker's own words contain it (case-insensitive), so
      "Lukashenko" finds "He said ..." resolved to Alexander Lukashenko.
    about: an entity mentioned inside the claim's content whose name or one of whose aliases contains it.
    source: the carrying source's name or an alias contains it.
    since: the document was first seen on or after this date (no publication date is stored yet).
    stance: claims whose claim_stance equals it; only where fct_claims has that column.
    """
    conditions, params = [], []
    extra = ""  # the stance column, selected where it is asked for
    if stance is not None:
        if "claim_stance" not in columns(con, "fct_claims"):
            raise UnsupportedQuery(
                "--stance needs the claim_stance column, and fct_claims in this warehouse has "
                "none (stance is not extracted by this version)"
            )
        conditions.append("lower(c.claim_stance) = lower(?)")
        params.append(stance)
        extra = ", c.claim_stance as stance"
    if speaker:
        conditions.append("(c.speaker_name ilike ? escape '\\' or c.speaker_text ilike ? escape '\\')")
        params += [_like(speaker)] * 2
    if about:
        conditions.append("""exists (
            select 1 from fct_mentions m join dim_entities e using (entity_id)
            where m.document_id = c.document_id
              and m.start_char >= c.content_start_char and m.end_char <= c.content_end_char
              and (e.name ilike ? escape '\\' or len(list_filter(e.aliases, a -> a ilike ? escape '\\')) > 0))""")
        params += [_like(about)] * 2
    if source:
        conditions.append("(s.name ilike ? escape '\\' or len(list_filter(s.aliases, a -> a ilike ? escape '\\')) > 0)")
        params += [_like(source)] * 2
    if since is not None:
        conditions.append("d.first_seen_at >= ?")
        params.append(since)
    # fixed fragments only: every value is a ? parameter
    where = ("where " + " and ".join(conditions)) if conditions else ""
    rel = con.execute(
        f"""
        select c.claim_id, c.document_id, d.path, coalesce(c.speaker_name, c.speaker_text) as speaker,
               c.speaker_text, c.speaker_entity_id, c.cue_text as cue, c.content_text as content,
               c.content_start_char, c.content_end_char, s.name as source, d.first_seen_at{extra}
        from fct_claims c
        join dim_documents d using (document_id)
        left join dim_sources s using (source_id)
        {where}
        order by d.path, c.content_start_char, c.claim_id
        limit ?""",
        [*params, limit],
    )
    names = [d[0] for d in rel.description]
    table = ["speaker", "cue", "content", "source", "path"] + (["stance"] if extra else [])
    return Answer(names, rel.fetchall(), table)


def speakers(con: duckdb.DuckDBPyConnection, limit: int | None = None, unresolved: bool = False) -> Answer:
    """Who is quoted: one row per speaker entity, most claims first. With `unresolved`, speakers that
    resolve to no entity ("I", "they", "the report") are listed too, by their own words."""
    rel = con.execute(
        """
        select coalesce(c.speaker_name, c.speaker_text) as speaker, max(c.speaker_entity_id) as entity_id,
               count(*) as claims, count(distinct c.document_id) as documents,
               coalesce(string_agg(distinct s.name, ', ' order by s.name), '') as sources
        from fct_claims c left join dim_sources s using (source_id)
        where coalesce(c.speaker_name, c.speaker_text) is not null and (? or c.speaker_entity_id is not null)
        group by 1
        order by claims desc, documents desc, speaker
        limit ?""",
        [unresolved, limit],
    )
    return Answer([d[0] for d in rel.description], rel.fetchall())


def sources(con: duckdb.DuckDBPyConnection, limit: int | None = None) -> Answer:
    """The sources cited (news agencies, outlets, official bodies): most claims carried first."""
    rel = con.execute(
        """
        select name as source, kind, claim_count as claims, citation_count as citations,
               document_count as documents, array_to_string(aliases, ', ') as aliases, source_id
        from dim_sources
        order by claims desc, citations desc, source
        limit ?""",
        [limit],
    )
    return Answer(
        [d[0] for d in rel.description],
        rel.fetchall(),
        ["source", "kind", "claims", "citations", "documents", "aliases"],
    )


SEARCH_COLUMNS = ["kind", "rank", "score", "path", "speaker", "snippet", "matches", "document_id", "claim_id"]


def search(
    con: duckdb.DuckDBPyConnection,
    text: str,
    kinds: tuple[str, ...] = ("claim", "document"),
    limit: int = 10,
    all_terms: bool = False,
) -> Answer:
    """Claims (by their content) and documents (by their text) matching `text`, ranked by BM25 within
    each kind, claims first. `matches` are the matched words' (start, end) offsets into dim_documents.text."""
    from pipeline.warehouse import search as index

    if not index.has_index(con):
        raise UnsupportedQuery("this warehouse has no search index yet; run `newsclaims run` to build it")
    terms = index.query_terms(text)
    if not terms:
        raise UnsupportedQuery(f"nothing to search for in {text!r}: every word is a stop word or too short")
    rows = []
    for kind in kinds:
        hits = index.search(con, text, kind, limit=limit, all_terms=all_terms)
        for rank, hit in enumerate(hits, 1):
            if kind == "claim":
                path, speaker, body, base = con.execute(
                    """
                    select d.path, coalesce(c.speaker_name, c.speaker_text), c.content_text, c.content_start_char
                    from fct_claims c join dim_documents d using (document_id) where c.claim_id = ?""",
                    [hit.claim_id],
                ).fetchone()
            else:
                path, body = con.execute(
                    "select path, text from dim_documents where document_id = ?", [hit.document_id]
                ).fetchone()
                speaker, base = None, 0
            cut = index.snippet(body, terms)
            rows.append(
                (
                    kind,
                    rank,
                    round(hit.score, 4),
                    path,
                    speaker,
                    cut.text,
                    [[base + s, base + e] for s, e in cut.source_spans],
                    hit.document_id,
                    hit.claim_id,
                    cut.highlights,
                )
            )
    return Answer(
        SEARCH_COLUMNS,
        [r[:-1] for r in rows],
        ["kind", "rank", "score", "speaker", "snippet", "path"],
        highlights={i: r[-1] for i, r in enumerate(rows)},
    )
