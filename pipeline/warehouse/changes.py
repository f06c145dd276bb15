"""Which documents' rows in the marts keyed by document are out of date (raw.document_changes).

dim_documents, fct_mentions, fct_claims, fct_claim_entities and fct_source_citations are dbt
incremental models: a build replaces the rows of the documents listed in raw.document_changes and
leaves every other document's rows as they are, so adding one article to a large warehouse does
not rebuild the whole corpus's facts (dim_entities, fct_entity_cooccurrence and
fct_claim_cluster_members redo the entities and speakers those documents touch).
Every step that changes what those marts read for a document lists it, in the same transaction
as the change:

- the scan (`corpus`): the documents of the files read (new or changed), the ones those paths
  held before, the ones whose last file disappeared;
- the dbt asset, just before an incremental build (`syndication.mark_regrouped`): each document
  whose syndication group is named by another document than its dim_documents row holds (a copy
  reported earlier than its group joined, the first report was taken down, a publication date
  changed); a copy joining its group later than the rest changes no other member's rows;
- the load (`batches`): each document loaded (new, or processed again by another extractor);
- the entity resolver (`entities`): each document one of whose links got another entity, entity
  name or label (a new article can rename an entity all earlier documents mention);
- `forget`: each document removed.

The dbt asset empties the list after a successful build of the whole project and rebuilds the
marts whole (`--full-refresh`) when the dbt project differs from the one they were last built by
(`project_fingerprint`, kept in raw.mart_state): a changed model, macro or seed, another
newsclaims version, a warehouse built before these marts were incremental.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

#: the changed documents, as a subquery for the steps that read the list
CHANGED_DOCUMENTS = "select document_id from raw.document_changes"

#: raw.mart_state's key for the fingerprint of the dbt project the marts were last built by
PROJECT_STATE = "dbt_project"


#: the lists `mark` writes: the marts' (emptied by a build of the whole dbt project) and the claim
#: clusterer's (emptied by the clusterer: a run that builds the marts without it, a subset picked in
#: the UI, leaves the clusterer's list whole)
CHANGE_LISTS = ("raw.document_changes", "raw.cluster_document_changes")


def mark(con, select_sql: str, params: list | tuple = ()) -> None:
    """List the documents `select_sql` (one column of document ids) returns as changed."""
    con.execute(
        f"""create or replace temp table _marked as
            select distinct document_id from ({select_sql}) s(document_id) where document_id is not null""",
        list(params),
    )
    try:
        for table in CHANGE_LISTS:
            con.execute(f"insert or ignore into {table} select document_id, now()::timestamp from _marked")
    finally:
        con.execute("drop table if exists _marked")


def mark_ids(con, document_ids: Iterable[str]) -> None:
    ids = sorted(set(document_ids))
    if ids:
        mark(con, "select unnest(?::varchar[])", [ids])


def pending(con) -> int:
    """How many documents the next build replaces the rows of."""
    return con.execute("select count(*) from raw.document_changes").fetchone()[0]


def project_fingerprint(files: Iterable[Path], root: Path) -> str:
    """sha256 over the dbt project's files (names and contents, in name order)."""
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.relative_to(root).as_posix()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def built_fingerprint(con) -> str | None:
    row = con.execute("select value from raw.mart_state where name = ?", [PROJECT_STATE]).fetchone()
    return row[0] if row else None


def built(con, fingerprint: str) -> None:
    """After a successful build of the whole project: the marts are up to date with every change
    listed and were built by the project `fingerprint`."""
    con.execute("delete from raw.document_changes")
    con.execute("delete from raw.cooccurrence_changes")
    con.execute("delete from raw.cluster_changes")
    con.execute("insert or replace into raw.mart_state values (?, ?)", [PROJECT_STATE, fingerprint])
