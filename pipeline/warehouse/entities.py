"""raw.entity_links kept up to date incrementally: a run resolves only the documents it has not
resolved yet (new or reprocessed), then revisits only what they can change.

- `resolve_document` (pipeline.nlp.entities) runs on the new documents' mentions only.
- Each link keeps its document-level result (name_group, name_key, key_kind, name_form): its
  *signature*. The corpus-wide step maps a signature to an entity; it is redone only for the new
  signatures, for bare surnames whose surname a new document names in full, and for bare acronyms
  a new document spells out (their candidates changed). The candidates are read with SQL from
  the stored keys, never by re-reading mentions in Python.
- An entity's name (its commonest written form equal to its key, so "Tony Blair" and "European
  Union") and label (the majority of its mentions' labels) are recomputed for the entities whose
  links changed.
- Everything is redone (from the stored signatures, without re-reading mentions) when the
  overrides change or documents were removed; and from the mentions when RESOLVER_VERSION changes.

Ids are hashes of (name space, key), so a run on A+B gives the same links as a run on A then B.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pyarrow as pa

from pipeline.ids import stable_id
from pipeline.nlp.entities import (
    KIND_ACRONYM,
    KIND_AMBIGUOUS,
    KIND_NAME,
    KIND_SURNAME,
    NAME_GROUP,
    PERSON_GROUP,
    RESOLVER_VERSION,
    DocLink,
    MentionRef,
    Override,
    apply_overrides,
    choose,
    entity_id,
    renames,
    resolve_document,
    surname_parts,
)
from pipeline.warehouse import changes
from pipeline.warehouse.schema import ensure_schema
from pipeline.warehouse.views import ids_table, registered

#: (name_group, name_key, key_kind, name_form, short_key, gender): what a link's entity depends on
Signature = tuple[str, str, str, str, str | None, str | None]
SIGNATURE = "name_group, name_key, key_kind, name_form, short_key, gender"
LINK_COLUMNS = (
    "mention_id",
    "entity_id",
    "entity_name",
    "entity_label",
    "resolver_version",
    "document_id",
    "name_group",
    "name_key",
    "name_form",
    "key_kind",
    "short_key",
    "entity_key",
    "gender",
)


def state(con, name: str) -> str | None:
    """raw.entity_state's value for `name` (the resolver's, or the claim clusterer's rule version)."""
    row = con.execute("select value from raw.entity_state where name = ?", [name]).fetchone()
    return row[0] if row else None


def set_state(con, name: str, value: str) -> None:
    con.execute("delete from raw.entity_state where name = ?", [name])
    con.execute("insert into raw.entity_state values (?, ?)", [name, value])


def overrides_hash(overrides: list[Override]) -> str:
    return stable_id(RESOLVER_VERSION, *[f"{o.action}|{o.name}|{o.target}|{o.label}" for o in overrides])


def update_entity_links(con, overrides: list[Override] = ()) -> dict[str, int]:
    """Bring raw.entity_links up to date with raw.mentions. Call inside a transaction."""
    overrides = list(overrides)
    stats = {"documents_resolved": 0, "signatures_revisited": 0, "full": 0, "rows_written": 0}
    # links of another resolver version (or of the first, corpus-wide one) are all redone
    stale = state(con, "resolver_version") != RESOLVER_VERSION and (
        con.execute("select count(*) from (select 1 from raw.entity_links limit 1)").fetchone()[0]
        or con.execute("select count(*) from (select 1 from raw.entity_documents limit 1)").fetchone()[0]
    )
    if stale:
        con.execute("delete from raw.entity_links")
        con.execute("delete from raw.entity_documents")
    removed = [
        r[0]
        for r in con.execute("""
        select e.document_id from raw.entity_documents e
        where not exists (select 1 from raw.document_annotations a where a.document_id = e.document_id)""").fetchall()
    ]
    full = bool(stale or removed) or state(con, "overrides") != overrides_hash(overrides)
    pending = con.execute("""
        select a.document_id, a.extractor_version from raw.document_annotations a
        left join raw.entity_documents e using (document_id)
        where e.document_id is null or e.extractor_version is distinct from a.extractor_version
           or e.resolved_at < a.processed_at  -- processed again (by the same version) since
        order by 1""").fetchall()
    stats["full"] = int(full)
    stats["documents_resolved"] = len(pending)
    with registered(con, _gone=ids_table(removed + [d for d, _ in pending])):
        # what the links about to go stood for: their entities are renamed, their surnames and
        # acronyms' candidates revisited
        before = con.execute("""
            select distinct entity_id, name_group, name_key, short_key from raw.entity_links
            where document_id in (select v from _gone)""").fetchall()
        changes.mark(con, "select v from _gone")
        con.execute("delete from raw.entity_links where document_id in (select v from _gone)")
        con.execute("delete from raw.entity_documents where document_id in (select v from _gone)")
    # the pending documents' mentions are read, resolved and written a chunk of documents at a time
    # (a whole 10x corpus is about a million mentions); what the corpus-wide pass below needs of the
    # new links is their distinct signatures
    signatures: dict[tuple, DocLink] = {}
    pending_ids = [d for d, _ in pending]
    for k in range(0, len(pending_ids), RESOLVE_CHUNK_DOCUMENTS):
        new_links = _resolve_documents(con, pending_ids[k : k + RESOLVE_CHUNK_DOCUMENTS])
        _insert(con, new_links)
        stats["rows_written"] += len(new_links)
        for x in new_links:
            signatures.setdefault((_signature(x), bool(x.mention_id)), x)
    gone = [DocLink("", "", group, key, "", KIND_NAME, short) for _, group, key, short in before]  # their words
    affected = _affected_signatures(con, [*signatures.values(), *gone], full)
    stats["signatures_revisited"] = len(affected)
    touched = _relink(con, affected, overrides) | {r[0] for r in before}
    if full:
        touched |= set(renames(overrides))
    _name_entities(con, touched, overrides)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    with registered(con, _pending=ids_table(pending_ids)):
        con.execute(
            """
            insert into raw.entity_documents
            select a.document_id, a.extractor_version, ?, ? from raw.document_annotations a
            where a.document_id in (select v from _pending)""",
            [RESOLVER_VERSION, now],
        )
    set_state(con, "overrides", overrides_hash(overrides))
    set_state(con, "resolver_version", RESOLVER_VERSION)
    return stats


#: Documents whose mentions update_entity_links reads and resolves at once.
RESOLVE_CHUNK_DOCUMENTS = 2_500


def _resolve_documents(con, document_ids: list[str]) -> list[DocLink]:
    """The links of these documents' mentions, document by document in document_id order."""
    with registered(con, _chunk=ids_table(document_ids)):
        rows = con.execute("""
            select mention_id, document_id, text, label from raw.mentions
            where document_id in (select v from _chunk)
            order by document_id, start_char, end_char, mention_id""").fetchall()
    by_doc: dict[str, list[MentionRef]] = {}
    for r in rows:
        by_doc.setdefault(r[1], []).append(MentionRef(*r))
    return [link for doc_id in sorted(by_doc) for link in resolve_document(by_doc[doc_id])]


def _insert(con, links: list[DocLink]) -> None:
    table = pa.table(
        {
            "mention_id": [x.mention_id for x in links],
            "entity_id": [""] * len(links),
            "entity_name": [None] * len(links),
            "entity_label": [None] * len(links),
            "resolver_version": [RESOLVER_VERSION] * len(links),
            "document_id": [x.document_id for x in links],
            "name_group": [x.group for x in links],
            "name_key": [x.key for x in links],
            "name_form": [x.form for x in links],
            "key_kind": [x.kind for x in links],
            "short_key": [x.short for x in links],
            "entity_key": [None] * len(links),
            "gender": [x.gender for x in links],
        },
        schema=pa.schema([(c, pa.string()) for c in LINK_COLUMNS]),
    )
    with registered(con, _new_links=table):
        con.execute("insert into raw.entity_links by name select * from _new_links")


def _signature(x: DocLink) -> Signature:
    """The link's SIGNATURE columns: links sharing one are relinked together."""
    return (x.group, x.key, x.kind, x.form, x.short, x.gender)


def _affected_signatures(con, new_links: list[DocLink], full: bool) -> set[Signature]:
    if full:
        return set(con.execute(f"select distinct {SIGNATURE} from raw.entity_links").fetchall())
    sigs = {_signature(x) for x in new_links if x.mention_id}
    # one-word people whose candidates (full names with that first or last word) may have changed
    words = {
        w
        for x in new_links
        if x.group == PERSON_GROUP and x.kind == KIND_NAME and " " in x.key
        for w in (x.key.split()[0], *surname_parts(x.key))
    }
    acronyms = {x.short for x in new_links if x.group == NAME_GROUP and x.kind == KIND_NAME and x.short}
    for group, kinds, keys in (
        (PERSON_GROUP, (KIND_SURNAME, KIND_AMBIGUOUS), words),
        (NAME_GROUP, (KIND_ACRONYM, KIND_ACRONYM), acronyms),
    ):
        if keys:
            with registered(con, _keys=ids_table(keys)):
                sigs |= set(
                    con.execute(
                        f"""
                    select distinct {SIGNATURE} from raw.entity_links
                    where name_group = ? and key_kind in (?, ?) and name_key in (select v from _keys)""",
                        [group, *kinds],
                    ).fetchall()
                )
    return sigs


def _candidates(con, group: str, kind: str, keys: set[str]) -> dict[str, dict[str, int]]:
    """short → {full name key: documents} for bare surnames (full person names ending with the
    surname) or bare acronyms (names the acronym was spelled out beside)."""
    if not keys:
        return {}
    # a surname: the last word of a full name, or a part of a hyphenated one (surname_parts)
    last = "string_split(name_key, ' ')[-1]"
    short = (
        f"unnest(list_distinct(list_append(string_split({last}, '-'), {last})))"
        if kind == KIND_SURNAME
        else "short_key"
    )
    with registered(con, _keys=ids_table(keys)):
        rows = con.execute(
            f"""
            select s, name_key, count(distinct document_id) from (
                select {short} as s, name_key, document_id from raw.entity_links
                where name_group = ? and key_kind = 'name'
            ) where s in (select v from _keys) and s <> name_key
            group by all""",
            [group],
        ).fetchall()
    out: dict[str, dict[str, int]] = {}
    for s, key, n in rows:
        out.setdefault(s, {})[key] = n
    return out


def _genders(con, keys: set[str]) -> dict[str, str | None]:
    """full person name key → M or F, the majority of the honorifics of its mentions ("Mr Blair"
    where it is the only Blair), else None."""
    if not keys:
        return {}
    with registered(con, _keys=ids_table(keys)):
        rows = con.execute("""
            select name_key, count(*) filter (where gender = 'M'), count(*) filter (where gender = 'F')
            from raw.entity_links where name_group = 'PERSON' and key_kind = 'name' and gender is not null
              and name_key in (select v from _keys) group by 1""").fetchall()
    return {k: "M" if m > f else "F" if f > m else None for k, m, f in rows}


def _relink(con, sigs: set[Signature], overrides: list[Override]) -> set[str]:
    """Map each signature to its entity and update its links; the entity ids touched."""
    if not sigs:
        return set()
    surname = _candidates(con, PERSON_GROUP, KIND_SURNAME, {s[1] for s in sigs if s[2] == KIND_SURNAME})
    acronym = _candidates(con, NAME_GROUP, KIND_ACRONYM, {s[1] for s in sigs if s[2] == KIND_ACRONYM})
    ambiguous = {s: s[4].split("|") for s in sigs if s[2] == KIND_AMBIGUOUS and s[4]}
    sex = _genders(con, {c for cands in surname.values() for c in cands} | {c for v in ambiguous.values() for c in v})
    cols: dict[str, list] = {c: [] for c in (*SIGNATURE.split(", "), "entity_key", "entity_id")}
    for sig in sorted(sigs, key=lambda s: tuple("" if v is None else v for v in s)):
        group, key, kind, form, short, gender = sig
        base = key
        if kind == KIND_SURNAME:
            base = choose(surname.get(key, {}), gender, sex) or key
        elif kind == KIND_ACRONYM:
            base = choose(acronym.get(key, {})) or key
        elif kind == KIND_AMBIGUOUS and gender:
            same = [c for c in ambiguous.get(sig, []) if sex.get(c) == gender]
            base = same[0] if len(same) == 1 else key
        final = apply_overrides(group, base, form, overrides)
        for c, v in zip(cols, (*sig, final, entity_id(group, final)), strict=True):
            cols[c].append(v)
    with registered(con, _map=pa.table(cols, schema=pa.schema([(c, pa.string()) for c in cols]))):
        match = " and ".join(f"l.{c} is not distinct from m.{c}" for c in SIGNATURE.split(", "))
        touched = {
            r[0]
            for r in con.execute(
                f"select distinct l.entity_id from raw.entity_links l join _map m on {match} where l.entity_id <> ''"
            ).fetchall()
        }
        touched |= set(cols["entity_id"])
        # only the links whose entity moves are written (and their documents' mart rows redone)
        moved = f"{match} and (l.entity_id is distinct from m.entity_id or l.entity_key is distinct from m.entity_key)"
        changes.mark(con, f"select l.document_id from raw.entity_links l join _map m on {moved}")
        con.execute(
            f"update raw.entity_links l set entity_id = m.entity_id, entity_key = m.entity_key from _map m where {moved}"
        )
    return touched


def _name_entities(con, entity_ids: set[str], overrides: list[Override]) -> None:
    """Name (the commonest form written as the key itself, else the commonest form) and label (the
    majority label of its mentions) of each entity given, on all its links."""
    if not entity_ids:
        return
    renamed = renames(overrides)
    names = pa.table(
        {"entity_id": list(renamed), "name": list(renamed.values())},
        schema=pa.schema([("entity_id", pa.string()), ("name", pa.string())]),
    )
    with registered(con, _touched=ids_table(entity_ids), _renamed=names):
        con.execute("""
            create or replace temp table _names as
            select n.entity_id, coalesce(r.name, n.name) as name, n.label
            from (
                select f.entity_id, f.name, b.label from (
                    select entity_id, name_form as name, row_number() over (
                        partition by entity_id
                        order by (lower(replace(name_form, '’', '''')) = entity_key) desc, count(*) desc, name_form) as r
                    from raw.entity_links where entity_id in (select v from _touched) group by entity_id, entity_key, name_form
                ) f join (
                    select l.entity_id, m.label, row_number() over (
                        partition by l.entity_id order by count(*) desc, m.label) as r
                    from raw.entity_links l join raw.mentions m using (mention_id)
                    where l.entity_id in (select v from _touched) group by l.entity_id, m.label
                ) b on b.entity_id = f.entity_id and b.r = 1
                where f.r = 1
            ) n left join _renamed r on r.entity_id = n.entity_id""")
        # only the links whose name or label changes are written (and their documents' mart rows redone)
        renamed_links = "l.entity_id = n.entity_id and (l.entity_name is distinct from n.name or l.entity_label is distinct from n.label)"
        changes.mark(con, f"select l.document_id from raw.entity_links l join _names n on {renamed_links}")
        con.execute(
            f"update raw.entity_links l set entity_name = n.name, entity_label = n.label from _names n where {renamed_links}"
        )
        con.execute("drop table _names")


def resolve_entities(mentions: list[MentionRef], overrides: list[Override] = ()) -> list[tuple[str, str, str, str]]:
    """From scratch, in memory (for tests and one-off use): (mention_id, entity_id, name, label) of
    each named mention, through the same incremental code on a throwaway DuckDB database."""
    import duckdb

    con = duckdb.connect(":memory:")
    try:
        ensure_schema(con)
        add_mentions(con, mentions)
        update_entity_links(con, overrides)
        return con.execute(
            "select mention_id, entity_id, entity_name, entity_label from raw.entity_links order by mention_id"
        ).fetchall()
    finally:
        con.close()


def add_mentions(con, mentions: list[MentionRef], extractor_version: str = "test") -> None:
    """Insert bare mention rows and their documents' annotation rows (for tests and one-off use)."""
    for k, m in enumerate(mentions):
        con.execute(
            "insert into raw.mentions (mention_id, document_id, sentence_index, start_char, end_char, text, "
            "label, extractor_version) values (?, ?, 0, ?, ?, ?, ?, ?)",
            [m.mention_id, m.document_id, k, k + len(m.text), m.text, m.label, extractor_version],
        )
    for doc_id in sorted({m.document_id for m in mentions}):
        con.execute("delete from raw.document_annotations where document_id = ?", [doc_id])
        con.execute(
            "insert into raw.document_annotations (document_id, extractor_version, status) values (?, ?, 'processed')",
            [doc_id, extractor_version],
        )
