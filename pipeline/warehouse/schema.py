"""The raw tables (schema `raw`) that the Python assets fill and dbt's sources read.

Each column is declared once, in RAW_TABLES' DDL: the Arrow schemas the Python side writes with
(`arrow_schema`) are derived from it, and every column is either staged by dbt
(dbt_project/models/staging/raw/) or listed in NOT_STAGED with the reason (tests/unit/test_raw_columns.py).
"""

from __future__ import annotations

import pyarrow as pa

RAW_TABLES: dict[str, str] = {
    "documents": """
        document_id varchar not null, text varchar not null, title varchar, char_count integer,
        encoding varchar, first_seen_at timestamp, language varchar, language_confidence double,
        language_uncertain boolean, decode_errors integer""",
    "document_occurrences": """
        input_dir varchar not null, path varchar not null, document_id varchar not null,
        size_bytes bigint, modified_at timestamp, encoding varchar, first_seen_at timestamp,
        last_seen_at timestamp, present boolean not null, decode_errors integer,
        file_path varchar, format varchar, line integer, title varchar, url varchar, publisher varchar,
        published_at timestamptz, published_at_text varchar, author varchar, declared_language varchar,
        record_id varchar, metadata json, metadata_error varchar, publisher_source_id varchar,
        publisher_name varchar, publisher_kind varchar""",
    "document_versions": """
        input_dir varchar not null, path varchar not null, document_id varchar not null,
        first_seen_at timestamp, last_seen_at timestamp""",
    "rejected_documents": """
        input_dir varchar not null, path varchar not null, reason varchar not null, detail varchar,
        size_bytes bigint, detected_at timestamp, file_path varchar""",
    "input_scans": """
        input_dir varchar not null, scanned_at timestamp""",
    "ingest_files": """
        input_dir varchar not null, path varchar not null, fingerprint varchar not null, format varchar,
        read_bytes bigint, prefix_sha256 varchar, next_line integer, header varchar""",
    "document_annotations": """
        document_id varchar not null, extractor_version varchar not null, processed_at timestamp,
        sentence_count integer, mention_count integer, claim_count integer, citation_count integer,
        batch_id varchar, status varchar""",
    "document_errors": """
        document_id varchar, extractor_version varchar, stage varchar, error_type varchar,
        message varchar, occurred_at timestamp""",
    "sentences": """
        document_id varchar, sentence_index integer, start_char integer, end_char integer,
        is_navigation boolean, extractor_version varchar""",
    "mentions": """
        mention_id varchar, document_id varchar, sentence_index integer, start_char integer,
        end_char integer, text varchar, label varchar, extractor_version varchar""",
    "claims": """
        claim_id varchar, document_id varchar, sentence_index integer, speaker_text varchar,
        speaker_start_char integer, speaker_end_char integer, speaker_kind varchar,
        speaker_mention_id varchar, speaker_resolved_text varchar, cue_text varchar, cue_lemma varchar,
        cue_start_char integer, cue_end_char integer, content_text varchar, content_start_char integer,
        content_end_char integer, construction varchar, source_key varchar, source_id varchar,
        extractor_version varchar, claim_stance varchar, is_negated boolean, evidence_start_char integer,
        evidence_end_char integer, confidence double, speaker_source_id varchar""",
    "source_citations": """
        source_citation_id varchar, document_id varchar, sentence_index integer, start_char integer,
        end_char integer, text varchar, source_key varchar, source_id varchar, source_name varchar,
        source_kind varchar,
        citation_kind varchar, claim_id varchar, extractor_version varchar""",
    "entity_links": """
        mention_id varchar not null, entity_id varchar not null, entity_name varchar,
        entity_label varchar, resolver_version varchar, document_id varchar, name_group varchar,
        name_key varchar, name_form varchar, key_kind varchar, short_key varchar, entity_key varchar,
        gender varchar""",
    "entity_documents": """
        document_id varchar not null, extractor_version varchar, resolver_version varchar,
        resolved_at timestamp""",
    "entity_state": """
        name varchar primary key, value varchar""",
    "loaded_batches": """
        batch_id varchar not null, loaded_at timestamp, document_count integer""",
    "rejected_batches": """
        batch_id varchar, reason varchar, detail varchar, document_count integer, moved_to varchar,
        detected_at timestamp""",
    # the syndication index (pipeline/warehouse/syndication.py)
    "document_minhash": """
        document_id varchar not null, minhash_version varchar, shingle_count integer, signature blob,
        indexed_at timestamp""",
    "document_minhash_bands": """
        document_id varchar not null, band integer not null, band_hash bigint not null""",
    "syndication_pairs": """
        document_id_a varchar not null, document_id_b varchar not null, jaccard double, containment double,
        minhash_version varchar""",
    "syndication_components": """
        document_id varchar not null, component_id varchar not null""",
    # claim clusters (pipeline/warehouse/claim_clusters.py)
    "claim_embeddings": """
        claim_id varchar not null, embedding_model varchar, embedding blob, embedded_at timestamp""",
    "claim_cluster_speakers": """
        speaker_entity_id varchar not null, members_hash varchar, cluster_version varchar,
        clustered_at timestamp""",
    "claim_clusters": """
        claim_id varchar not null, speaker_entity_id varchar not null, cluster_key varchar not null""",
    # the per-document marts' bookkeeping (pipeline/warehouse/changes.py)
    "document_changes": """
        document_id varchar primary key, changed_at timestamp""",
    "mart_state": """
        name varchar primary key, value varchar""",
    "cooccurrence_changes": """
        entity_id varchar, noted_at timestamp""",
    "cluster_changes": """
        speaker_entity_id varchar, noted_at timestamp""",
    # the claim clusterer's own list of changed documents (pipeline/warehouse/changes.py)
    "cluster_document_changes": """
        document_id varchar primary key, changed_at timestamp""",
}

#: Raw tables and columns dbt deliberately does not stage ("table" or "table.column" → why).
NOT_STAGED: dict[str, str] = {
    "document_versions": "History of the texts each path has held, read by `newsclaims forget`; the marts show "
    "the current text of each path (fct_document_occurrences).",
    "ingest_files": "Bookkeeping of the scan (each file read: its size and modification time, how far a growing "
    "feed was read), so an unchanged file is not read again and a grown feed is read from where it stopped.",
    "rejected_documents.file_path": "The file a rejected feed record came from; the mart shows the record's path.",
    "loaded_batches": "Bookkeeping of the load step (which staged batches were loaded), not news data.",
    "rejected_batches": "Staged batches that did not read back whole; their documents are processed again in the "
    "same run, so nothing is missing from the marts. Reported by the load step's metadata.",
    "entity_documents": "Bookkeeping of the entity resolver (which documents' mentions are resolved, by which "
    "resolver version and when), so a run resolves only new documents.",
    "entity_state": "The entity resolver's own state (its version, the overrides it last applied), and the claim "
    "clusterer's rule version.",
    "document_minhash": "The syndication index's MinHash signature of each document's body (bookkeeping of "
    "the near-duplicate search); the marts carry its result, syndication_group_id.",
    "document_minhash_bands": "The syndication index's locality-sensitive hash bands, joined to find a new "
    "document's candidate copies without rescanning the corpus.",
    "claim_embeddings": "Sentence embedding of each candidate claim's content compared by meaning (sharing "
    "anchor words with a claim of its speaker in another document; all-MiniLM-L6-v2), kept so a run embeds "
    "only new claims; the marts carry the clusters made from them.",
    "claim_cluster_speakers": "Bookkeeping of the claim clusterer: which speakers' claims were clustered, from "
    "which set of claims (a hash) and by which rule version.",
    "document_changes": "Bookkeeping of the marts keyed by document: the documents whose rows changed since the "
    "last dbt build (loaded, re-linked to entities, removed), whose mart rows the next build replaces.",
    "mart_state": "Bookkeeping of the marts keyed by document: the dbt project they were last built by (another "
    "project rebuilds them whole).",
    "cooccurrence_changes": "Bookkeeping of fct_entity_cooccurrence and dim_entities, written by dbt itself: the "
    "entities a changed document named before its rows were redone (int_document_entities' pre-hook), whose pairs and "
    "counts the build redoes.",
    "cluster_changes": "Bookkeeping of fct_claim_cluster_members: the speakers whose claims the clusterer clustered "
    "again or dropped, and (noted by dbt) the speakers a changed document's members had, whose clusters the build redoes.",
    "cluster_document_changes": "Bookkeeping of the claim clusterer: the documents changed (listed with "
    "document_changes) since it last ran, whose speakers it clusters again; emptied by the clusterer, not by dbt.",
    "claims.source_key": "The normalised name the extractor matched the source by; source_id (its hash) is staged "
    "and dim_sources carries the name.",
}

#: DuckDB type in the DDL → the Arrow type the Python side writes it with.
ARROW_TYPES = {
    "varchar": pa.string(),
    "integer": pa.int32(),
    "bigint": pa.int64(),
    "double": pa.float64(),
    "boolean": pa.bool_(),
    "timestamp": pa.timestamp("us"),
    "blob": pa.binary(),
    "timestamptz": pa.timestamp("us", tz="UTC"),
    "json": pa.string(),
}

#: Tables written per document by the NLP step (replaced whole per document when it is redone).
ANNOTATION_TABLES = ("document_annotations", "sentences", "mentions", "claims", "source_citations", "document_errors")


def column_types(table: str) -> dict[str, str]:
    """name → SQL type of each column (constraint clauses skipped)."""
    out = {}
    for part in RAW_TABLES[table].split(","):
        words = part.split()
        if len(words) >= 2 and words[0].isidentifier() and words[0] not in ("primary", "unique", "foreign"):
            out[words[0]] = words[1]
    return out


#: Tables that declared a PRIMARY KEY before and no longer do (the writer keeps the key unique, and
#: dbt's unique tests check it). In DuckDB 1.5 an append to a table with an index does not start a
#: row group of its own, so the checkpoint after a one-document update rewrote these tables' last
#: row group, texts and all: 0.03-0.19 s per table on the 2,127 BBC articles and growing with the
#: corpus (`benchmarks/README.md`, "Where one new article costs more on 10× than on 1×"). And a
#: write to a keyed table has the checkpoint write its whole index again: on 10× the BBC corpus,
#: closing the warehouse after the claim clusterer re-clustered 14 speakers (1,901 of 117,196
#: rows of raw.claim_clusters, 4 new embeddings) took 0.49 s with their keys and 0.02 s without.
#: The tables kept by document or speaker are written by delete-then-insert of whole documents or
#: speakers; the ones kept by file or pair (from ingest_files on) with MERGE INTO, which needs no key.
UNKEYED = (
    "documents",
    "entity_links",
    "document_minhash",
    "document_annotations",
    "entity_documents",
    "syndication_components",
    "claim_embeddings",
    "claim_cluster_speakers",
    "claim_clusters",
    # kept by file or pair: DuckDB rewrote these keyed tables whole at the checkpoint after any
    # insert (the 10x warehouse's ingest_files, document_occurrences and document_versions, 21,270
    # rows each, and syndication_pairs, about 170,000): replayed offline, the checkpoint of a
    # one-article update's write-ahead log took 0.60 s with their keys and 0.07 s without
    "ingest_files",
    "document_occurrences",
    "document_versions",
    "rejected_documents",
    "loaded_batches",
    "syndication_pairs",
)


def drop_primary_key(con, table: str, columns_ddl: str) -> bool:
    """Rebuild `table` (schema.name) as `columns_ddl` declares it, without the PRIMARY KEY it has
    (DuckDB cannot drop a key in place): same rows, in one transaction. True when it was rebuilt;
    False when it has no key."""
    schema, name = table.split(".")
    keyed = con.execute(
        "select count(*) from duckdb_constraints() where database_name = current_database()"
        " and schema_name = ? and table_name = ? and constraint_type = 'PRIMARY KEY'",
        [schema, name],
    ).fetchone()[0]
    if not keyed:
        return False
    con.execute("begin transaction")
    try:
        con.execute(f"create table {schema}.{name}__unkeyed ({columns_ddl})")
        # the columns both tables have (a column the old one lacks is NULL, as `add column` leaves it)
        columns = ", ".join(
            f'"{c}"'
            for (c,) in con.execute(
                "select column_name from duckdb_columns() where database_name = current_database()"
                " and schema_name = ? and table_name = ? and column_name in (select column_name from"
                " duckdb_columns() where database_name = current_database() and schema_name = ? and table_name = ?)"
                " order by column_index",
                [schema, f"{name}__unkeyed", schema, name],
            ).fetchall()
        )
        con.execute(f"insert into {schema}.{name}__unkeyed by name select {columns} from {table}")
        con.execute(f"drop table {table}")
        con.execute(f"alter table {schema}.{name}__unkeyed rename to {name}")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return True


def ensure_schema(con) -> None:
    """Create the raw tables; add columns a newer version declares to a warehouse built before
    (columns are only ever added, never renamed or dropped, so an old warehouse keeps working), and
    rebuild the UNKEYED tables of an older warehouse without their primary key."""
    existing: dict[str, set[str]] = {}
    # duckdb_columns(): the catalog itself (information_schema.columns, a view over every schema's
    # columns, took 15-45 ms of each of a run's dozen connections)
    for table, column in con.execute(
        "select table_name, column_name from duckdb_columns()"
        " where database_name = current_database() and schema_name = 'raw'"
    ).fetchall():
        existing.setdefault(table, set()).add(column)
    if not existing:
        con.execute("create schema if not exists raw")
    for name, columns in RAW_TABLES.items():
        if name not in existing:
            con.execute(f"create table if not exists raw.{name} ({columns})")
            continue
        for column, sql_type in column_types(name).items():
            if column not in existing[name]:
                con.execute(f"alter table raw.{name} add column if not exists {column} {sql_type}")
    if (
        existing
        and con.execute(
            "select count(*) from duckdb_constraints() where database_name = current_database() and schema_name = 'raw'"
            " and constraint_type = 'PRIMARY KEY' and table_name in (select unnest(?::varchar[]))",
            [list(UNKEYED)],
        ).fetchone()[0]
    ):
        for name in UNKEYED:
            drop_primary_key(con, f"raw.{name}", RAW_TABLES[name])


def column_names(table: str) -> list[str]:
    return list(column_types(table))


def arrow_schema(table: str, columns: tuple[str, ...] | None = None, skip: tuple[str, ...] = ()) -> pa.Schema:
    """The Arrow schema of a raw table's columns as its DDL declares them: all of them in order, or
    `columns` in the order given; `skip` leaves some out."""
    types = column_types(table)
    names = [c for c in (columns if columns is not None else types) if c not in skip]
    unknown = [c for c in names if c not in types]
    if unknown:
        raise KeyError(f"raw.{table} declares no column {', '.join(unknown)}")
    return pa.schema([pa.field(c, ARROW_TYPES[types[c]]) for c in names])
