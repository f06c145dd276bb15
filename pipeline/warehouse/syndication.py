"""The syndication index kept up to date incrementally (raw.document_minhash, raw.document_minhash_bands,
raw.syndication_pairs, raw.syndication_components).

A run fingerprints only the documents not indexed yet (pipeline.nlp.syndication), stores their
signature and LSH band hashes, finds their candidates with one SQL join of their bands against the
stored bands (never rescanning the corpus' text), keeps the candidate pairs the near-duplicate rule
accepts, and recomputes from the stored pairs the connected groups its new and removed documents
touch (every group after a rebuild). Documents gone from raw.documents (`newsclaims forget`) lose their rows; a new
SYNDICATION_VERSION rebuilds the index. The group's id (its earliest document) is chosen in dbt
(int_document_syndication), where the publication date joins at merge; `mark_regrouped` lists, just
before an incremental build, the documents whose group id that changes.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.nlp.syndication import (
    NUM_PERM,
    SYNDICATION_VERSION,
    Fingerprint,
    band_hashes,
    fingerprint,
    is_copy,
    similarities,
)
from pipeline.warehouse import changes
from pipeline.warehouse.schema import arrow_schema
from pipeline.warehouse.views import ids_table, registered

INDEX_TABLES = ("document_minhash", "document_minhash_bands", "syndication_pairs", "syndication_components")


#: the documents of raw.documents with no signature yet (update_syndication's work)
UNSIGNED = """
    select d.document_id from raw.documents d
    where not exists (select 1 from raw.document_minhash m where m.document_id = d.document_id)"""


def pending_ids(con) -> list[str]:
    """The documents with no signature yet, in order."""
    return [r[0] for r in con.execute(f"{UNSIGNED} order by 1").fetchall()]


def pending_count(con) -> int:
    """How many documents have no signature yet."""
    return con.execute(f"select count(*) from ({UNSIGNED})").fetchone()[0]


def update_syndication(
    con, batch_size: int = 2000, map_: Callable | None = None, signed: Callable[[], None] | None = None
) -> dict[str, int]:
    """Bring the syndication index up to date with raw.documents. Call inside a transaction. The
    new documents' signatures are made by `map_(fingerprint, texts)` (workers.process_map's, to
    spread them over processes), else here; `signed()` is called once they are all made (the
    caller ends map_'s processes there: they would sit idle, holding their memory, through the
    comparison)."""
    stats = {"documents_indexed": 0, "candidates_compared": 0, "pairs_found": 0, "documents_removed": 0, "full": 0}
    stale = con.execute(
        "select count(*) from raw.document_minhash where minhash_version is distinct from ?", [SYNDICATION_VERSION]
    ).fetchone()[0]
    if stale:
        stats["full"] = 1
        for table in INDEX_TABLES:
            con.execute(f"delete from raw.{table}")
    gone = [
        r[0]
        for r in con.execute("""
        select m.document_id from raw.document_minhash m
        where not exists (select 1 from raw.documents d where d.document_id = m.document_id)""").fetchall()
    ]
    old_groups = groups_of(con, gone)
    if gone:
        remove_documents(con, gone)
        stats["documents_removed"] = len(gone)
    pending = pending_ids(con)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    for start in range(0, len(pending), batch_size):
        chunk = pending[start : start + batch_size]
        with registered(con, _chunk=ids_table(chunk)):
            rows = con.execute(
                "select document_id, text from raw.documents where document_id in (select v from _chunk)"
            ).fetchall()
        texts = [text for _, text in rows]
        prints = map_(fingerprint, texts) if map_ is not None else [fingerprint(t) for t in texts]
        _store(con, [(doc_id, fp) for (doc_id, _), fp in zip(rows, prints, strict=True)], now)
    if signed is not None:
        signed()
    stats["documents_indexed"] = len(pending)
    if pending:
        compared, found = _link_new(con, pending)
        stats["candidates_compared"], stats["pairs_found"] = compared, found
    # from the pairs alone, so a takedown's deletions are reflected too: the groups the new and the
    # removed documents touch, or every group after the index was rebuilt
    _regroup(con, None if stats["full"] else pending, old_groups)
    return stats


def groups_of(con, document_ids: list[str]) -> list[str]:
    """The groups these documents are in (read before they are removed: `regroup_after_removal`)."""
    if not document_ids:
        return []
    with registered(con, _of=ids_table(document_ids)):
        return [
            r[0]
            for r in con.execute(
                "select distinct component_id from raw.syndication_components where document_id in (select v from _of)"
            ).fetchall()
        ]


def regroup_after_removal(con, old_groups: list[str]) -> None:
    """Recompute the groups removed documents were in (`groups_of`, read before their rows went):
    one may have split, or be left a single document."""
    _regroup(con, [], old_groups)


def remove_documents(con, document_ids: list[str]) -> dict[str, int]:
    """Drop these documents from the index (their pairs too); the groups are recomputed by the caller.
    Returns the rows deleted per table."""
    gone = "document_id in (select v from _gone)"
    conditions = {t: gone for t in ("document_minhash", "document_minhash_bands", "syndication_components")}
    conditions["syndication_pairs"] = "document_id_a in (select v from _gone) or document_id_b in (select v from _gone)"
    with registered(con, _gone=ids_table(document_ids)):
        return {
            table: con.execute(f"delete from raw.{table} where {where}").fetchone()[0]
            for table, where in conditions.items()
        }


def _store(con, prints: list[tuple[str, Fingerprint]], now: datetime) -> None:
    signatures = pa.table(
        {
            "document_id": [d for d, _ in prints],
            "shingle_count": pa.array([fp.shingle_count for _, fp in prints], pa.int32()),
            "signature": pa.array([fp.to_bytes() for _, fp in prints], pa.binary()),
        }
    )
    bands = [(d, b, h) for d, fp in prints for b, h in enumerate(band_hashes(fp))]
    band_rows = pa.table(
        {
            "document_id": pa.array([x[0] for x in bands], pa.string()),
            "band": pa.array([x[1] for x in bands], pa.int32()),
            "band_hash": pa.array([x[2] for x in bands], pa.int64()),
        }
    )
    with registered(con, _prints=signatures, _bands=band_rows):
        con.execute(
            """insert into raw.document_minhash (document_id, minhash_version, shingle_count, signature, indexed_at)
               select document_id, ?, shingle_count, signature, ? from _prints""",
            [SYNDICATION_VERSION, now],
        )
        con.execute("insert into raw.document_minhash_bands select document_id, band, band_hash from _bands")


#: The columns of raw.syndication_pairs the comparison fills (minhash_version is the run's).
PAIR_COLUMNS = ("document_id_a", "document_id_b", "jaccard", "containment")


#: candidate pairs compared at once
PAIRS_AT_ONCE = 8192


def _link_new(con, pending: list[str]) -> tuple[int, int]:
    """Compare each new document with the documents sharing a band with it; store the copies.

    Columnar from end to end (Arrow from DuckDB, numpy for the rule, Arrow back): ten copies of BBC
    make 111,615 candidate pairs, compared in 0.9 s instead of 1.3 s pair by pair in Python (the
    memory is the query's either way)."""
    with registered(con, _new=ids_table(pending)):
        candidates = con.execute("""
            select distinct least(n.document_id, o.document_id) as a, greatest(n.document_id, o.document_id) as b
            from raw.document_minhash_bands n
            join raw.document_minhash_bands o on o.band = n.band and o.band_hash = n.band_hash
            where n.document_id in (select v from _new) and o.document_id <> n.document_id
            order by 1, 2""").to_arrow_table()
    if not candidates.num_rows:
        return 0, 0
    involved = pc.unique(pa.concat_arrays([candidates["a"].combine_chunks(), candidates["b"].combine_chunks()]))
    with registered(con, _involved=pa.table({"v": involved})):
        prints = con.execute(
            "select document_id, shingle_count, signature from raw.document_minhash "
            "where document_id in (select v from _involved)"
        ).to_arrow_table()
    signatures = _signature_matrix(prints["signature"])
    counts = prints["shingle_count"].to_numpy()
    a = pc.index_in(candidates["a"], value_set=prints["document_id"]).to_numpy()
    b = pc.index_in(candidates["b"], value_set=prints["document_id"]).to_numpy()
    jaccard, containment = np.empty(len(a)), np.empty(len(a))
    for i in range(0, len(a), PAIRS_AT_ONCE):  # two (pairs × NUM_PERM) arrays of 8 MB at a time
        j, k = a[i : i + PAIRS_AT_ONCE], b[i : i + PAIRS_AT_ONCE]
        jaccard[i : i + len(j)], containment[i : i + len(j)] = similarities(
            signatures[j], signatures[k], counts[j], counts[k]
        )
    keep = is_copy(jaccard, containment, np.minimum(counts[a], counts[b]))
    found = int(np.count_nonzero(keep))
    if found:
        # one statement for all of them: row by row (executemany) took 5 ms a pair, 110 s for the
        # 22,500 pairs of ten copies of 500 articles
        mask = pa.array(keep)
        pairs = pa.table(
            [candidates["a"].filter(mask), candidates["b"].filter(mask), jaccard[keep], containment[keep]],
            schema=arrow_schema("syndication_pairs", PAIR_COLUMNS),
        )
        with registered(con, _pairs=pairs):
            con.execute(
                """merge into raw.syndication_pairs t
                   using (select document_id_a, document_id_b, jaccard, containment, ? as minhash_version from _pairs) x
                   on t.document_id_a = x.document_id_a and t.document_id_b = x.document_id_b
                   when matched then update set
                       jaccard = x.jaccard, containment = x.containment, minhash_version = x.minhash_version
                   when not matched then insert by name""",
                [SYNDICATION_VERSION],
            )
    return candidates.num_rows, found


def _signature_matrix(column: pa.ChunkedArray) -> np.ndarray:
    """The stored signatures (NUM_PERM little-endian uint64 each) as one (documents × NUM_PERM) array."""
    width = NUM_PERM * 8
    fixed = column.combine_chunks().cast(pa.binary(width))  # raises on a signature of another length
    return np.frombuffer(
        fixed.buffers()[1], dtype="<u8", count=len(fixed) * NUM_PERM, offset=fixed.offset * width
    ).reshape(-1, NUM_PERM)


#: the documents whose groups a scoped `_regroup` recomputes: the seeds (`_regroup_seeds`: new
#: documents), their copies, and every member of the groups those belong to or the removed documents
#: belonged to (`_regroup_groups`). A group is closed under its pairs, so its pairs are all in scope.
_SCOPE = """
    with seeds as (select v as document_id from _regroup_seeds),
    near as (
        select document_id from seeds
        union select p.document_id_b from raw.syndication_pairs p join seeds s on p.document_id_a = s.document_id
        union select p.document_id_a from raw.syndication_pairs p join seeds s on p.document_id_b = s.document_id
    ),
    groups as (
        select c.component_id from raw.syndication_components c join near n using (document_id)
        union select v from _regroup_groups
    )
    select document_id from near
    union select c.document_id from raw.syndication_components c join groups g using (component_id)"""


def _regroup(con, new_documents: list[str] | None = None, old_groups: list[str] = ()) -> None:
    """raw.syndication_components from the stored pairs: connected groups, each named by its
    smallest document id (dbt names the group by its earliest document). In SQL: every document
    takes the smallest id among itself, its copies and the document its name points at, until no
    name changes (a group of copies is nearly a clique: one or two rounds; a chain of copies halves
    its distance each round). Union-find over the pairs in Python grew with the corpus: 0.12 s of
    a one-article update on 21,270 documents.

    With `new_documents` (the run's, indexed and paired) only the groups they can change are
    recomputed: theirs, their copies', and `old_groups` (those of documents removed this run, which
    may split); every other group keeps its rows unread. Recomputing all 170,000 pairs' groups took
    0.14 s of a one-article update on 21,270 documents. None: every group."""
    if new_documents is None:
        scope = ""
    else:
        with registered(con, _regroup_seeds=ids_table(new_documents), _regroup_groups=ids_table(old_groups)):
            con.execute(f"create or replace temp table _scope as {_SCOPE}")
        scope = " where document_id_a in (select document_id from _scope)"
    con.execute(f"""create or replace temp table _edges as
                   select document_id_a as a, document_id_b as b from raw.syndication_pairs{scope}
                   union all select document_id_b, document_id_a from raw.syndication_pairs{scope}""")
    con.execute("""create or replace temp table _components as
                   select a as document_id, least(a, min(b)) as component_id from _edges group by a""")
    try:
        while True:
            con.execute("""create or replace temp table _next as
                with spread as (
                    select e.a as document_id, min(x.component_id) as component_id
                    from _edges e join _components x on x.document_id = e.b group by e.a
                )
                select x.document_id, least(x.component_id, s.component_id, j.component_id) as component_id
                from _components x join spread s using (document_id)
                join _components j on j.document_id = x.component_id""")
            (moved,) = con.execute("""select count(*) from _next n join _components x using (document_id)
                                      where n.component_id <> x.component_id""").fetchone()
            con.execute("create or replace temp table _components as select * from _next")
            if not moved:
                break
        # only the rows that differ are written: a new article joins or forms one group, and
        # rewriting every group's rows cost a one-article update more the larger the corpus
        within = " and c.document_id in (select document_id from _scope)" if scope else ""
        con.execute(f"""delete from raw.syndication_components c where not exists (
                           select 1 from _components n where n.document_id = c.document_id
                                                         and n.component_id = c.component_id){within}""")
        con.execute("""insert into raw.syndication_components
                       select document_id, component_id from _components n where not exists (
                           select 1 from raw.syndication_components c where c.document_id = n.document_id)""")
    finally:
        for table in ("_edges", "_components", "_next", "_scope"):
            con.execute(f"drop table if exists {table}")


def mark_regrouped(con, groups: str, documents: str) -> int:
    """List as changed (pipeline/warehouse/changes.py) every document whose syndication group now
    (`groups`: dbt's int_document_syndication, a view, so it reads the raw tables as they are) is
    not the one its row in `documents` (dim_documents, as last built) holds, and every document
    without a row there; returns how many. Called just before an incremental dbt build, once every
    step of the run has written what the group's name depends on: a group is named by its
    first-reported document, so a new copy reported later than its group, the common case, leaves
    every other member's rows as they are, while one reported earlier (or a takedown of the first
    report) renames the group, and each member is redone."""
    before = changes.pending(con)
    changes.mark(
        con,
        f"""select g.document_id from {groups} g left join {documents} d using (document_id)
            where d.document_id is null or d.syndication_group_id is distinct from g.syndication_group_id""",
    )
    return changes.pending(con) - before
