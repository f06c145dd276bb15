"""Full-text search over claim contents and document text: a BM25 index kept in the `search` schema.

DuckDB's own `fts` extension would build the same kind of index, but its PyPI package
(`duckdb-extension-fts`) is published only up to DuckDB 1.5.5 and DuckDB refuses an extension built
for another version, so this index is plain tables any DuckDB can read, built the way `fts` builds
its own: words are lower-cased, accents stripped, English stop words dropped and every word reduced
by the Snowball English stemmer (the `fts` default; PyStemmer, its C build, when installed), and
ranking is Okapi BM25 (k1 = 1.2, b = 0.75).

    search.units     one row per indexed text: kind ('claim' or 'document'), ids, length in terms
    search.postings  (kind, term, unit_id, tf): how often a stemmed term occurs in a text
    search.terms     (kind, term, df): in how many texts of that kind the term occurs
    search.stats     (kind, unit_count, avg_length, built_at, stemmer, fingerprint)

Claims and documents are ranked separately (their lengths differ by two orders of magnitude). The
pipeline updates the index after dbt, under the warehouse lock, when what it indexes changed (a
fingerprint of the indexed ids): only the claims and documents added since are tokenised and the ones
gone removed (a claim's text is fixed by its id, a hash of its document and offsets, and a
document's text by its id; `search.units.text_hash` keeps each text's md5); a run on unchanged input
leaves it as it was.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import duckdb
import pyarrow as pa

from pipeline.nlp.stop_words import english_stop_words
from pipeline.warehouse.changes import CHANGED_DOCUMENTS
from pipeline.warehouse.schema import drop_primary_key
from pipeline.warehouse.store import transaction
from pipeline.warehouse.views import registered

K1, B = 1.2, 0.75
STEMMER = "snowball english"
KINDS = ("claim", "document")
_WORD = re.compile(r"\w+")


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    return frozenset(_fold(w) for w in english_stop_words())


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=200_000)
def term_of(word: str) -> str | None:
    """The index term of one word, or None for a word not indexed (stop word, single letter, `_`)."""
    folded = _fold(word).strip("_")
    if len(folded) < 2 and not folded.isdigit():
        return None
    if folded in _stop_words():
        return None
    return _stemmer().stemWord(folded)


def terms_with_offsets(text: str) -> list[tuple[str, int, int]]:
    """(term, start, end) for every indexed word of `text`, offsets in characters."""
    out = []
    for m in _WORD.finditer(text):
        term = term_of(m.group())
        if term:
            out.append((term, m.start(), m.end()))
    return out


def query_terms(text: str) -> list[str]:
    """The distinct index terms of a query, in the order given."""
    return list(dict.fromkeys(t for t, _, _ in terms_with_offsets(text)))


#: search.units has no PRIMARY KEY (unit_id is unique by construction): see UNKEYED in
#: pipeline/warehouse/schema.py, a one-article update's checkpoint rewrote a keyed table's last row group
UNITS_COLUMNS = """unit_id varchar not null, kind varchar not null,
    document_id varchar not null, claim_id varchar, length integer not null, text_hash varchar not null"""

SCHEMA_DDL = f"""
create schema if not exists search;
create or replace table search.units ({UNITS_COLUMNS});
create or replace table search.postings (kind varchar not null, term varchar not null,
    unit_id varchar not null, tf integer not null);
create or replace table search.terms (kind varchar not null, term varchar not null, df integer not null);
create or replace table search.stats (kind varchar primary key, unit_count integer not null,
    avg_length double not null, built_at timestamp not null, stemmer varchar not null, fingerprint varchar not null);
create or replace table search.pending_documents (document_id varchar not null);
"""

#: The documents whose marts rows a dbt build redid since the index was last updated (noted by the
#: dbt asset after each successful build, `note_changed_documents`): where an update looks first.
PENDING_DDL = "create table if not exists search.pending_documents (document_id varchar not null)"
PENDING = "select document_id from search.pending_documents"

#: What the index is built from, in one value: the claims and the documents (every one has its text:
#: the contract's not_null constraints), each by its id (which fixes its text). A count and an
#: order-free sum of DuckDB's 64-bit hash of the ids, not an md5 over every text: it only says
#: whether anything changed (the plan finds what), and reading a corpus's texts grew with the corpus
#: on every run (a `text is not null` filter alone read every text: 0.1 s on 21,270 documents).
FINGERPRINT = """
select md5(
    (select count(*) || ':' || coalesce(sum(hash(claim_id)), 0) from main.fct_claims)
    || '|' || (select count(*) || ':' || coalesce(sum(hash(document_id)), 0) from main.dim_documents))
"""


#: FINGERPRINT of what the index holds: equal to the marts' when it indexes exactly their ids.
UNITS_FINGERPRINT = """
select md5(
    (select count(*) || ':' || coalesce(sum(hash(claim_id)), 0) from search.units where kind = 'claim')
    || '|' || (select count(*) || ':' || coalesce(sum(hash(document_id)), 0)
               from search.units where kind = 'document'))
"""


def note_changed_documents(con: duckdb.DuckDBPyConnection) -> None:
    """List the documents the dbt build just redid (raw.document_changes, before it is emptied) for
    the next update of the index; nothing when there is no index (the next build reads everything)."""
    if has_index(con):
        con.execute(PENDING_DDL)
        con.execute(f"insert into search.pending_documents {CHANGED_DOCUMENTS}")


def _current(con: duckdb.DuckDBPyConnection, fingerprint: str) -> dict[str, int] | None:
    """The counts of the index in place when it was built from the same input by the same stemmer."""
    if not has_index(con) or "fingerprint" not in {
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_schema = 'search' and table_name = 'stats'"
        ).fetchall()
    }:
        return None
    rows = con.execute("select kind, unit_count, stemmer, fingerprint from search.stats").fetchall()
    if {r[0] for r in rows} != set(KINDS) or any(r[2] != STEMMER or r[3] != fingerprint for r in rows):
        return None
    counts = {f"{kind}s": n for kind, n, _, _ in rows}
    counts["postings"] = con.execute("select count(*) from search.postings").fetchone()[0]
    counts["terms"] = con.execute("select count(distinct term) from search.terms").fetchone()[0]
    return counts


#: The text of each unit to (re)index (in `_search_todo`), by its claim or document id.
UNIT_TEXTS = """
select 'claim' as kind, claim_id as id, content_text as text from main.fct_claims
where claim_id in (select claim_id from _search_todo where kind = 'claim')
union all
select 'document', document_id, text from main.dim_documents
where document_id in (select document_id from _search_todo where kind = 'document')
"""
#: Texts tokenised per round: the Python side of an update holds this many texts' postings at most,
#: so a first build of a large corpus stays flat in memory.
INDEX_CHUNK = 5000
UNITS_SCHEMA = pa.schema(
    [
        ("unit_id", pa.string()),
        ("kind", pa.string()),
        ("document_id", pa.string()),
        ("claim_id", pa.string()),
        ("length", pa.int32()),
        ("text_hash", pa.string()),
    ]
)
POSTINGS_SCHEMA = pa.schema(
    [("kind", pa.string()), ("term", pa.string()), ("unit_id", pa.string()), ("tf", pa.int32())]
)


def _incremental_ok(con: duckdb.DuckDBPyConnection) -> bool:
    """An index is in place, built by this stemmer, with per-unit text hashes (else it is rebuilt whole)."""
    if not has_index(con):
        return False
    columns = {
        (r[0], r[1])
        for r in con.execute(
            "select table_name, column_name from information_schema.columns where table_schema = 'search'"
        ).fetchall()
    }
    if ("units", "text_hash") not in columns or ("stats", "fingerprint") not in columns:
        return False
    stemmers = {r[0] for r in con.execute("select stemmer from search.stats").fetchall()}
    return stemmers == {STEMMER}


def build_index(con: duckdb.DuckDBPyConnection, force: bool = False) -> dict[str, int]:
    """Bring the index up to date with the marts (fct_claims.content_text, dim_documents.text):
    left alone when it was built from exactly this input (fingerprint); otherwise only
    the texts added or changed since are tokenised, the ones gone are removed, and the document
    frequencies of the terms they touch recounted, so one new article costs its own texts, not
    the corpus's. A missing index, an older layout, another stemmer or `force` rebuild it whole.

    Returns counts for the asset's metadata: claims, documents, postings, terms, rebuilt (0 or 1: whether
    anything changed), added and removed (texts indexed and dropped this time), whole (1: rebuilt whole),
    checked_all (1: an update compared every claim and document, not only the pending documents').
    """
    (fingerprint,) = con.execute(FINGERPRINT).fetchone()
    if not force and (counts := _current(con, fingerprint)) is not None:
        con.execute(PENDING_DDL)
        con.execute("delete from search.pending_documents")  # nothing they changed is indexed
        return {**counts, "rebuilt": 0, "added": 0, "removed": 0, "whole": 0, "checked_all": 0}
    whole = force or not _incremental_ok(con)
    checked_all = 1
    if not whole:
        drop_primary_key(con, "search.units", UNITS_COLUMNS)  # an index built before it had none
        con.execute(PENDING_DDL)
    # A whole build commits every chunk (the postings of a first build of a large corpus are never
    # all held in one transaction's memory), and its stats row, written last, is what marks the
    # index whole: a build cut short leaves none, and the next run builds it whole again. An update
    # is one transaction: the documents dbt redid first (search.pending_documents), then, only when
    # the index's ids still differ from the marts' (a build the list missed, marts edited by hand),
    # every claim and document compared.
    with transaction(con):
        if whole:
            for statement in filter(str.strip, SCHEMA_DDL.split(";")):
                con.execute(statement)
        con.execute("create or replace temp table _search_terms (kind varchar, term varchar, delta bigint)")
        removed, added = _plan(con, pending_only=not whole)
        if not whole:
            _index_all(con, added)
            if con.execute(UNITS_FINGERPRINT).fetchone()[0] == fingerprint:
                checked_all = 0
            else:
                more_removed, more_added = _plan(con, pending_only=False)
                _index_all(con, more_added)
                removed, added = removed + more_removed, added + more_added
            _finish(con, fingerprint)
    if whole:
        for first in range(0, added, INDEX_CHUNK):
            with transaction(con):
                _index_chunk(con, first, first + INDEX_CHUNK)
        with transaction(con):
            _finish(con, fingerprint)
    counts = {
        f"{kind}s": n for kind, n in con.execute("select kind, unit_count from search.stats order by kind").fetchall()
    }
    counts["postings"] = con.execute("select count(*) from search.postings").fetchone()[0]
    counts["terms"] = con.execute("select count(distinct term) from search.terms").fetchone()[0]
    counts.update(rebuilt=1, added=added, removed=removed, whole=int(whole), checked_all=checked_all)
    return counts


def _index_all(con: duckdb.DuckDBPyConnection, added: int) -> None:
    for first in range(0, added, INDEX_CHUNK):
        _index_chunk(con, first, first + INDEX_CHUNK)


def _plan(con: duckdb.DuckDBPyConnection, pending_only: bool) -> tuple[int, int]:
    """The units gone (removed from the index now, their terms noted for recounting) and the texts to
    tokenise (numbered in `_search_texts`): (removed, added). `pending_only`: of the documents in
    search.pending_documents alone."""
    # a unit stays while its claim or document is there: a claim's text is fixed by its id (a hash of
    # its document and offsets, and fct_claims' span test holds the text to them), a document's is
    # its id; compared on the ids the units carry, no text read (the contract's not_null constraints
    # on fct_claims.content_text and dim_documents.text: every row has its text). Each side is
    # narrowed to the pending documents before the comparison: a filter on one side alone still
    # joined every claim id.
    within = f"where document_id in ({PENDING})" if pending_only else ""
    sides = f"""units as (select unit_id, kind, document_id, claim_id from search.units {within}),
                claims as (select claim_id, document_id from main.fct_claims {within}),
                documents as (select document_id from main.dim_documents {within})"""
    con.execute(
        f"""create or replace temp table _search_gone as
           with {sides}
           select u.unit_id from units u
           where u.kind = 'claim' and not exists (select 1 from claims c where c.claim_id = u.claim_id)
           union all
           select u.unit_id from units u
           where u.kind = 'document' and not exists (select 1 from documents d where d.document_id = u.document_id)"""
    )
    con.execute(
        f"""create or replace temp table _search_todo as
           with {sides}
           select 'c-' || c.claim_id as unit_id, 'claim' as kind, c.document_id, c.claim_id from claims c
           where not exists (select 1 from units u where u.kind = 'claim' and u.claim_id = c.claim_id)
           union all
           select 'd-' || d.document_id, 'document', d.document_id, null from documents d
           where not exists (select 1 from units u where u.kind = 'document' and u.document_id = d.document_id)"""
    )
    removed = con.execute("select count(*) from _search_gone").fetchone()[0]
    # how each term's document frequency changes: less the texts removed, then plus the texts added
    con.execute(
        """insert into _search_terms
           select kind, term, -count(*) as delta from search.postings
           where unit_id in (select unit_id from _search_gone) group by all"""
    )
    con.execute("delete from search.postings where unit_id in (select unit_id from _search_gone)")
    con.execute("delete from search.units where unit_id in (select unit_id from _search_gone)")
    con.execute(
        f"""create or replace temp table _search_texts as
            select row_number() over (order by t.unit_id) as k, t.unit_id, t.kind, t.document_id, t.claim_id,
                   md5(x.text) as text_hash, x.text
            from _search_todo t join ({UNIT_TEXTS}) x on x.kind = t.kind and x.id = coalesce(t.claim_id, t.document_id)"""
    )
    for t in ("_search_todo", "_search_gone"):
        con.execute(f"drop table if exists {t}")
    (added,) = con.execute("select count(*) from _search_texts").fetchone()
    return removed, added


def _finish(con: duckdb.DuckDBPyConnection, fingerprint: str) -> None:
    """Move the document frequency of every term touched, write the stats row, drop the scratch tables."""
    # each touched term's document frequency moved by the texts removed and added (rather than recounted
    # from every posting of it: the postings of a common term grow with the corpus)
    con.execute(
        """create or replace temp table _search_df as
           select a.kind, a.term, coalesce(any_value(t.df), 0) + sum(a.delta) as df
           from _search_terms a left join search.terms t using (kind, term) group by all"""
    )
    con.execute(
        "delete from search.terms t where exists (select 1 from _search_df a where a.kind = t.kind and a.term = t.term)"
    )
    con.execute("insert into search.terms select kind, term, df from _search_df where df > 0")
    con.execute("drop table _search_df")
    con.execute("delete from search.pending_documents")
    con.execute("delete from search.stats")
    con.execute(
        """insert into search.stats
                   select k.kind, count(u.unit_id), coalesce(avg(u.length), 0), now()::timestamp, ?, ?
                   from (select unnest(?::varchar[]) as kind) k left join search.units u using (kind)
                   group by k.kind""",
        [STEMMER, fingerprint, list(KINDS)],
    )
    for t in ("_search_terms", "_search_texts"):
        con.execute(f"drop table if exists {t}")


def _index_chunk(con: duckdb.DuckDBPyConnection, first: int, last: int) -> None:
    """Tokenise the texts numbered (first, last] in `_search_texts` and add their units and postings."""
    units, postings = [], []
    rows = con.execute(
        "select unit_id, kind, document_id, claim_id, text_hash, text from _search_texts where k > ? and k <= ? order by k",
        [first, last],
    ).fetchall()
    for unit_id, kind, document_id, claim_id, text_hash, text in rows:
        tf = Counter(t for t, _, _ in terms_with_offsets(text))
        units.append((unit_id, kind, document_id, claim_id, sum(tf.values()), text_hash))
        postings.extend((kind, term, unit_id, n) for term, n in tf.items())
    with registered(
        con,
        _search_units=pa.table(list(zip(*units, strict=True)) if units else [[]] * 6, schema=UNITS_SCHEMA),
        _search_postings=pa.table(list(zip(*postings, strict=True)) if postings else [[]] * 4, schema=POSTINGS_SCHEMA),
    ):
        con.execute(
            "insert into search.units by name select unit_id, kind, document_id, claim_id, length, text_hash "
            "from _search_units"
        )
        con.execute("insert into search.postings by name select kind, term, unit_id, tf from _search_postings")
        con.execute("insert into _search_terms select kind, term, count(*) from _search_postings group by all")


def has_index(con: duckdb.DuckDBPyConnection) -> bool:
    """A finished index is in place: its stats row is written last (a whole build cut short has none)."""
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'search' and table_name = 'stats'"
    ).fetchone()[0]
    return exists > 0 and con.execute("select count(*) from search.stats").fetchone()[0] > 0


@dataclass(frozen=True)
class Hit:
    kind: str
    unit_id: str
    document_id: str
    claim_id: str | None
    score: float
    matched_terms: int


def search(con: duckdb.DuckDBPyConnection, text: str, kind: str, limit: int = 10, all_terms: bool = False) -> list[Hit]:
    """The best `limit` texts of one kind for the query, by BM25, best first (ties by id)."""
    terms = query_terms(text)
    if not terms:
        return []
    rows = con.execute(
        """
        with q as (select unnest(?::varchar[]) as term),
        st as (select unit_count as n, avg_length as avgdl from search.stats where kind = ?)
        select u.unit_id, u.document_id, u.claim_id,
               sum(ln((st.n - t.df + 0.5) / (t.df + 0.5) + 1)
                   * p.tf * (? + 1) / (p.tf + ? * (1 - ? + ? * u.length / st.avgdl))) as score,
               count(*) as matched
        from q
        join search.postings p on p.term = q.term and p.kind = ?
        join search.terms t on t.kind = p.kind and t.term = p.term
        join search.units u on u.unit_id = p.unit_id
        cross join st
        group by u.unit_id, u.document_id, u.claim_id
        having count(*) >= ?
        order by score desc, u.unit_id
        limit ?""",
        [terms, kind, K1, K1, B, B, kind, len(terms) if all_terms else 1, limit],
    ).fetchall()
    return [
        Hit(kind, unit_id, doc_id, claim_id, float(score), int(matched))
        for unit_id, doc_id, claim_id, score, matched in rows
    ]


@dataclass(frozen=True)
class Snippet:
    text: str
    #: (start, end) of each matched word, in characters into `text`
    highlights: tuple[tuple[int, int], ...]
    #: (start, end) of the same words in the text the snippet was cut from
    source_spans: tuple[tuple[int, int], ...]


def snippet(text: str, terms: list[str], width: int = 200) -> Snippet:
    """The window of about `width` characters holding the most distinct query terms (the earliest such),
    cut at word boundaries, with '…' where it was cut."""
    wanted = set(terms)
    hits = [(t, s, e) for t, s, e in terms_with_offsets(text) if t in wanted]
    if len(text) <= width:
        start, end = 0, len(text)
    else:
        best, best_i = -1, 0
        for i, (_, s, _) in enumerate(hits):
            inside = {t for t, s2, e2 in hits[i:] if e2 <= s + width}
            if len(inside) > best:
                best, best_i = len(inside), i
        anchor = hits[best_i][1] if hits else 0
        start = max(0, anchor - width // 5)
        end = min(len(text), start + width)
        start = max(0, min(start, end - width))
        # widen to whole words, unless a "word" is absurdly long
        for _ in range(20):
            if start == 0 or text[start - 1].isspace():
                break
            start -= 1
        for _ in range(20):
            if end == len(text) or text[end].isspace():
                break
            end += 1
    piece = text[start:end]
    lead = "…" if start > 0 else ""
    tail = "…" if end < len(text) else ""
    shift = len(lead) - start
    inside = [(s, e) for _, s, e in hits if s >= start and e <= end]
    return Snippet(lead + piece + tail, tuple((s + shift, e + shift) for s, e in inside), tuple(inside))
