"""Claim clusters kept up to date incrementally (raw.claim_embeddings, raw.claim_cluster_speakers,
raw.claim_clusters).

Only *candidate* claims take part: claims whose speaker resolves to an entity (raw.entity_links)
that speaks in at least two documents. A run re-clusters only the speakers whose set of
candidate claims changed since their clusters were stored (a hash of their claim ids): a new
document's claims, a document forgotten or reprocessed, or an entity link that moved a claim to
another speaker. Of their claims it embeds (all-MiniLM-L6-v2, pipeline/nlp/embeddings.py) only
those it has no embedding for that share anchor words with a claim of the same speaker in
another document not already joined to it by wording (`meaning_pairs`): the others are compared
by wording only. A speaker who only gained claims keeps their stored clusters and only the new
claims are compared (`_previous_clusters`): every pair of a frequent speaker's claims compared again
grew with the square of the corpus. A new EMBEDDING_MODEL re-embeds, a new CLUSTER_VERSION
re-clusters everything.

Which speakers a run looks at (`_touched`): the ones the claims of the documents changed since it
last ran name now (raw.cluster_document_changes, listed by every step that changes a document's
rows, pipeline/warehouse/changes.py) or had when clustered, and the ones whose stored claims are
gone. Reading every speaker's candidate claims and hashing them on every run was a pass over the
whole corpus: 0.15 s of a one-article update on a 10x corpus.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone

import numpy as np
import pyarrow as pa

from pipeline.nlp.claim_clusters import (
    CLUSTER_VERSION,
    cluster,
    grown_wording,
    meaning_pairs,
    name_words,
    wording_clusters,
)
from pipeline.nlp.embeddings import DIMENSIONS, EMBEDDING_MODEL
from pipeline.warehouse.entities import set_state, state
from pipeline.warehouse.views import registered

Embed = Callable[[list[str]], np.ndarray]

#: raw.entity_state's key for the rule version the clusters were last brought up to date by
STATE = "claim_clusters"

#: the speakers a run looks at: the changed documents' claims' speakers now and when clustered, and
#: the speakers of stored claims that are gone (a document forgotten or extracted anew)
TOUCHED = """
    select l.entity_id from raw.claims c
    join raw.entity_links l on l.mention_id = c.speaker_mention_id
    where c.document_id in (select document_id from raw.cluster_document_changes) and coalesce(l.entity_id, '') <> ''
    union
    select k.speaker_entity_id from raw.claim_clusters k join raw.claims c using (claim_id)
    where c.document_id in (select document_id from raw.cluster_document_changes)
    union
    select k.speaker_entity_id from raw.claim_clusters k
    where not exists (select 1 from raw.claims c where c.claim_id = k.claim_id)
"""

#: every speaker there is or was clustered: a warehouse clustered by another rule version, or never
EVERY_SPEAKER = """
    select speaker_entity_id from raw.claim_cluster_speakers
    union select speaker_entity_id from raw.claim_clusters
    union select entity_id from raw.entity_links
"""

#: the candidate claims of the speakers in _touched
CANDIDATES = """
    with linked as (
        select c.claim_id, c.document_id, c.content_text, l.entity_id as speaker_entity_id, c.speaker_text
        from raw.claims c
        join raw.entity_links l on l.mention_id = c.speaker_mention_id
        where c.content_text is not null and trim(c.content_text) <> '' and coalesce(l.entity_id, '') <> ''
          and l.entity_id in (select speaker_entity_id from _touched)
    ),
    speakers as (
        select speaker_entity_id from linked group by 1 having count(distinct document_id) >= 2
    )
    select claim_id, document_id, content_text, speaker_entity_id, speaker_text
    from linked where speaker_entity_id in (select speaker_entity_id from speakers)
"""


def _default_embed(texts: list[str]) -> np.ndarray:
    from pipeline.nlp.embeddings import encoder

    return encoder().encode(texts)


def update_claim_clusters(con, embed: Embed | None = None) -> dict[str, float]:
    """Bring raw.claim_clusters up to date with raw.claims and raw.entity_links. Call inside a transaction."""
    embed = embed or _default_embed
    stats = {
        "speakers_looked_at": 0,
        "candidate_claims": 0,
        "claims_embedded": 0,
        "texts_embedded": 0,
        "embed_seconds": 0.0,
        "speakers_clustered": 0,
        "speakers_grown": 0,
        "pairs_compared_by_meaning": 0,
    }
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    con.execute("delete from raw.claim_embeddings where embedding_model is distinct from ?", [EMBEDDING_MODEL])
    con.execute("""delete from raw.claim_embeddings e
                   where not exists (select 1 from raw.claims c where c.claim_id = e.claim_id)""")
    # every speaker when the clusters were made by another rule (or never), else the touched ones
    touched = TOUCHED if state(con, STATE) == CLUSTER_VERSION else EVERY_SPEAKER
    con.execute(f"create or replace temp table _touched(speaker_entity_id) as {touched}")
    con.execute("create or replace temp table _candidates as " + CANDIDATES)
    try:
        [stats["speakers_looked_at"]] = con.execute("select count(distinct speaker_entity_id) from _touched").fetchone()
        stats["candidate_claims"] = con.execute("select count(*) from _candidates").fetchone()[0]
        changed = [
            r[0]
            for r in con.execute(
                """
            with members as (
                select speaker_entity_id, md5(string_agg(claim_id, ',' order by claim_id)) as members_hash
                from _candidates group by 1
            )
            select m.speaker_entity_id from members m
            left join raw.claim_cluster_speakers s using (speaker_entity_id)
            where s.members_hash is distinct from m.members_hash or s.cluster_version is distinct from ?
            order by 1""",
                [CLUSTER_VERSION],
            ).fetchall()
        ]
        # speakers with no candidate claims left, and the ones about to be redone: noted for
        # fct_claim_cluster_members (raw.cluster_changes), then their clusters go
        dropped = """speaker_entity_id in (select speaker_entity_id from _touched)
                     and speaker_entity_id not in (select speaker_entity_id from _candidates)"""
        con.execute(
            f"insert into raw.cluster_changes select distinct speaker_entity_id, ? from raw.claim_clusters where {dropped}",
            [now],
        )
        con.execute(f"delete from raw.claim_clusters where {dropped}")
        con.execute(f"delete from raw.claim_cluster_speakers where {dropped}")
        with registered(con, _changed=pa.table({"v": pa.array(changed, pa.string())})):
            con.execute("insert into raw.cluster_changes select v, ? from _changed", [now])
            # the clusters they had, by this rule: a speaker who only gained claims grows them
            stored: dict[str, dict[str, str]] = {}
            for speaker, claim_id, key in con.execute(
                """select k.speaker_entity_id, k.claim_id, k.cluster_key from raw.claim_clusters k
                   join raw.claim_cluster_speakers s using (speaker_entity_id)
                   where k.speaker_entity_id in (select v from _changed) and s.cluster_version = ?""",
                [CLUSTER_VERSION],
            ).fetchall():
                stored.setdefault(speaker, {})[claim_id] = key
            con.execute("delete from raw.claim_clusters where speaker_entity_id in (select v from _changed)")
            con.execute("delete from raw.claim_cluster_speakers where speaker_entity_id in (select v from _changed)")
            rows = con.execute("""
                select c.speaker_entity_id, c.claim_id, c.document_id, c.content_text, c.speaker_text, e.embedding
                from _candidates c left join raw.claim_embeddings e using (claim_id)
                where c.speaker_entity_id in (select v from _changed)
                order by 1, 2""").fetchall()
            hashes = con.execute("""
                select speaker_entity_id, md5(string_agg(claim_id, ',' order by claim_id)) from _candidates
                where speaker_entity_id in (select v from _changed) group by 1""").fetchall()
    finally:
        con.execute("drop table if exists _candidates")
        con.execute("drop table if exists _touched")
    con.execute("delete from raw.cluster_document_changes")
    set_state(con, STATE, CLUSTER_VERSION)
    by_speaker: dict[str, list[tuple]] = {}
    for speaker, *claim in rows:
        by_speaker.setdefault(speaker, []).append(claim)
    # which claims are compared by meaning, and the embeddings they lack
    pairs_of: dict[str, list[tuple[int, int]]] = {}
    wording_of: dict[str, list[int]] = {}
    missing: dict[str, str] = {}  # claim_id -> content
    for speaker, claims in by_speaker.items():
        contents = [c[2] for c in claims]
        ignore = name_words(*{c[3] for c in claims})
        previous = _previous_clusters(claims, stored.get(speaker, {}), ignore)
        if previous is None:
            wording_of[speaker] = wording = wording_clusters(contents)
            pairs = meaning_pairs(contents, [c[1] for c in claims], ignore, wording)
        else:
            stats["speakers_grown"] += 1
            wording_of[speaker] = wording = grown_wording(contents, previous)
            new = {k for k, p in enumerate(previous) if p is None}
            pairs = meaning_pairs(contents, [c[1] for c in claims], ignore, wording, new=new)
        pairs_of[speaker] = pairs
        for k in {k for pair in pairs for k in pair}:
            if claims[k][4] is None:
                missing[claims[k][0]] = claims[k][2]
        stats["pairs_compared_by_meaning"] += len(pairs)
    stored = _embed_missing(con, embed, missing, now, stats)
    out: dict[str, list] = {"claim_id": [], "speaker_entity_id": [], "cluster_key": []}
    for speaker, claims in by_speaker.items():
        vectors = np.zeros((len(claims), DIMENSIONS), dtype=np.float32)
        for k, (claim_id, _, _, _, blob) in enumerate(claims):
            if blob is not None or claim_id in stored:
                vectors[k] = np.frombuffer(blob or stored[claim_id], dtype="<f4", count=DIMENSIONS)
        labels = cluster([c[2] for c in claims], vectors, pairs=pairs_of[speaker], wording=wording_of[speaker])
        for (claim_id, *_), label in zip(claims, labels, strict=True):
            out["claim_id"].append(claim_id)
            out["speaker_entity_id"].append(speaker)
            out["cluster_key"].append(claims[label][0])
    stats["speakers_clustered"] = len(hashes)
    if out["claim_id"]:
        with registered(con, _clusters=pa.table(out)):
            con.execute("insert into raw.claim_clusters select claim_id, speaker_entity_id, cluster_key from _clusters")
    if hashes:  # one statement: row by row (executemany) took 0.24 s for BBC's speakers
        speakers, digests = (list(column) for column in zip(*hashes, strict=True))
        with registered(con, _hashes=pa.table({"speaker_entity_id": speakers, "members_hash": digests})):
            con.execute(
                "insert into raw.claim_cluster_speakers select speaker_entity_id, members_hash, ?, ? from _hashes",
                [CLUSTER_VERSION, now],
            )
    return stats


def _previous_clusters(claims: list[tuple], stored: dict[str, str], ignore: frozenset[str]) -> list[int | None] | None:
    """For a speaker who only gained claims since they were clustered by this rule (every stored
    claim is still theirs) and whose name words are the same (the anchors compared by meaning leave
    those out): per claim, the index of the claim naming its stored cluster, None for a new claim.
    None (cluster every claim again) for a speaker who lost a claim (a document forgotten or
    processed again: a claim that joined two groups may be gone), gained a name, or had no clusters.
    Growing the stored clusters joins exactly the groups clustering every claim would: clusters are
    connected groups, and no pair of old claims compares differently than it did."""
    if not stored:
        return None
    index = {claim[0]: k for k, claim in enumerate(claims)}
    if not all(c in index and key in index for c, key in stored.items()):
        return None
    if name_words(*{claims[index[c]][3] for c in stored}) != ignore:
        return None
    return [index[stored[claim[0]]] if claim[0] in stored else None for claim in claims]


def _embed_missing(con, embed: Embed, missing: dict[str, str], now, stats: dict) -> dict[str, bytes]:
    """Embed and store these claims' contents (each distinct text once); claim_id -> stored bytes."""
    if not missing:
        return {}
    started = time.perf_counter()
    ids = sorted(missing)
    unique = sorted(set(missing.values()))  # syndicated copies repeat their claims word for word
    row_of = {t: i for i, t in enumerate(unique)}
    vectors = np.asarray(embed(unique), dtype="<f4")[[row_of[missing[c]] for c in ids]]
    stats["embed_seconds"] = round(time.perf_counter() - started, 3)
    stats["claims_embedded"] = len(ids)
    stats["texts_embedded"] = len(unique)
    blobs = [v.tobytes() for v in vectors]
    with registered(con, _vectors=pa.table({"claim_id": ids, "embedding": pa.array(blobs, pa.binary())})):
        con.execute(
            "insert into raw.claim_embeddings select claim_id, ?, embedding, ? from _vectors", [EMBEDDING_MODEL, now]
        )
    return dict(zip(ids, blobs, strict=True))
