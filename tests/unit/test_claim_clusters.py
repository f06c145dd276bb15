"""The claim-cluster rule (pipeline/nlp/claim_clusters.py) with the real all-MiniLM-L6-v2 encoder,
and the incremental store (pipeline/warehouse/claim_clusters.py) on invented claims."""

from __future__ import annotations

import random

import duckdb
import numpy as np
import pytest

from pipeline.nlp.claim_clusters import (
    MIN_WORD_JACCARD,
    anchors,
    cluster,
    content_words,
    grown_wording,
    meaning_pairs,
    word_jaccard,
    wording_clusters,
)
from pipeline.nlp.embeddings import encoder
from pipeline.warehouse import changes
from pipeline.warehouse.claim_clusters import update_claim_clusters
from pipeline.warehouse.schema import ensure_schema

SAID = "that income tax would not rise before the next election"
PARAPHRASE = "There will be no increase in income tax before voters go to the polls"
OTHER = "that the state railway company would be sold within two years"
OTHER_TAX = "that the income tax office would move out of the capital"  # anchors shared with SAID


@pytest.fixture(scope="module")
def embed():
    return encoder().encode


def test_the_encoder_matches_sentence_transformers_published_similarity(embed):
    # all-MiniLM-L6-v2's documented example pair scores 0.7553 with sentence-transformers
    a, b = embed(["A man is eating food.", "A man is eating a piece of bread."])
    assert abs(float(a @ b) - 0.7553) < 0.002
    assert abs(float(np.linalg.norm(a)) - 1) < 1e-5


def test_a_paraphrase_joins_the_statement_and_another_statement_does_not(embed):
    contents = [SAID, PARAPHRASE, OTHER, "that the state railway would be sold by the end of next year"]
    labels = cluster(contents, embed(contents))
    assert labels[0] == labels[1] != labels[2]
    assert labels[2] == labels[3]


def _claim(con, claim_id, document_id, speaker, content, speaker_text=None):
    """A claim and its speaker link, its document listed as changed (as the load and the resolver list it)."""
    con.execute(
        "insert into raw.claims (claim_id, document_id, speaker_mention_id, content_text, speaker_text)"
        " values (?, ?, ?, ?, ?)",
        [claim_id, document_id, f"m-{claim_id}", content, speaker_text],
    )
    con.execute(
        "insert into raw.entity_links (mention_id, entity_id, document_id) values (?, ?, ?)",
        [f"m-{claim_id}", speaker, document_id],
    )
    changes.mark_ids(con, [document_id])


def test_only_new_claims_are_embedded_and_only_changed_speakers_reclustered(embed):
    calls = []

    def counting(texts):
        calls.append(len(texts))
        return embed(texts)

    con = duckdb.connect()
    ensure_schema(con)
    _claim(con, "c1", "d1", "lindqvist", SAID)
    _claim(con, "c2", "d2", "lindqvist", PARAPHRASE)
    _claim(con, "c3", "d2", "moroz", SAID)  # same words, another speaker: never compared
    first = update_claim_clusters(con, counting)
    assert calls == [2] and first["speakers_clustered"] == 1  # moroz speaks in one document: no candidate
    assert con.execute("select claim_id, cluster_key from raw.claim_clusters order by 1").fetchall() == [
        ("c1", "c1"),
        ("c2", "c1"),
    ]
    _claim(con, "c4", "d3", "moroz", OTHER_TAX)
    second = update_claim_clusters(con, counting)
    assert calls == [2, 2]  # moroz's two claims: lindqvist's are not embedded again
    assert second["speakers_clustered"] == 1  # nor re-clustered
    assert con.execute(
        "select count(distinct cluster_key) from raw.claim_clusters where speaker_entity_id = 'moroz'"
    ).fetchone() == (2,)
    con.execute("delete from raw.claims where document_id = 'd2'")  # a document forgotten
    third = update_claim_clusters(con, counting)
    assert calls == [2, 2] and third["candidate_claims"] == 0
    assert con.execute("select count(*) from raw.claim_clusters").fetchone() == (0,)
    assert con.execute("select count(*) from raw.claim_embeddings").fetchone() == (2,)  # c1, c4 remain


def test_only_claims_sharing_anchors_across_documents_are_compared_by_meaning_and_embedded(embed):
    assert anchors("that Lindqvist's income tax would not rise", frozenset({"lindqvist"})) == {"income", "tax", "rise"}
    said_again = "that income tax would not rise before the next general election"  # a copy's wording
    contents = [
        SAID,  # d1
        PARAPHRASE,  # d2: shares "income" and "tax" with SAID
        "that Lindqvist's railway company would be sold",  # d2
        "that Lindqvist never ran the railway",  # d3: "railway" alone (her own name is no anchor)
        "that the railway company made a loss",  # d2: "railway company" only with a claim of its own document
        said_again,  # d3: joined to SAID by wording, so compared by meaning only with the paraphrase
    ]
    documents = ["d1", "d2", "d2", "d3", "d2", "d3"]
    assert meaning_pairs(contents, documents, frozenset({"lindqvist"}), wording_clusters(contents)) == [(0, 1), (1, 5)]
    assert (2, 3) in meaning_pairs(contents, documents)  # counting the name, they would share two words
    assert (0, 5) in meaning_pairs(contents, documents)  # without the wording groups

    calls = []

    def counting(texts):
        calls.append(sorted(texts))
        return embed(texts)

    con = duckdb.connect()
    ensure_schema(con)
    for i, (content, document) in enumerate(zip(contents, documents, strict=True)):
        _claim(con, f"c{i}", document, "lindqvist", content, speaker_text="Anna Lindqvist")
    stats = update_claim_clusters(con, counting)
    assert calls == [sorted([SAID, PARAPHRASE, said_again])]  # the railway claims are never embedded
    assert stats["claims_embedded"] == 3 and stats["pairs_compared_by_meaning"] == 2
    assert con.execute("select claim_id from raw.claim_embeddings order by 1").fetchall() == [("c0",), ("c1",), ("c5",)]
    clusters = dict(con.execute("select claim_id, cluster_key from raw.claim_clusters").fetchall())
    assert clusters["c0"] == clusters["c1"] == clusters["c5"] == "c0"
    assert len({clusters[c] for c in ("c2", "c3", "c4")}) == 3

    # a new document's claim sharing "railway" and "sold" with c2: those two are embedded, nothing else
    _claim(con, "c6", "d4", "lindqvist", "that the railway would be sold next year", speaker_text="she")
    update_claim_clusters(con, counting)
    assert calls[1] == sorted([contents[2], "that the railway would be sold next year"])


def _pairwise_wording(contents: list[str], min_word_jaccard: float = MIN_WORD_JACCARD) -> list[int]:
    """wording_clusters as the definition reads: every pair compared."""
    parent = list(range(len(contents)))

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    words = [content_words(c) for c in contents]
    for i in range(len(words)):
        for j in range(i + 1, len(words)):
            if word_jaccard(words[i], words[j]) >= min_word_jaccard:
                ri, rj = find(i), find(j)
                parent[max(ri, rj)] = min(ri, rj)
    return [find(i) for i in range(len(words))]


def test_copies_are_compared_once_and_cluster_as_every_pair_compared_would():
    rng = random.Random(7)
    vocabulary = "the plan would cost less than expected minister said talks resume border migration".split()
    base = [" ".join(rng.sample(vocabulary, rng.randint(2, 7))) for _ in range(40)]
    # syndicated copies (same words, other case and order), empty and word-less contents
    contents = base + [b.upper() for b in base[:15]] + [" ".join(reversed(b.split())) for b in base[5:20]]
    contents += ["", "—", "", *base[:3]]
    rng.shuffle(contents)
    for threshold in (MIN_WORD_JACCARD, 0.3, 1.0):
        assert wording_clusters(contents, threshold) == _pairwise_wording(contents, threshold)
    # and the copies are in one group
    labels = wording_clusters(contents)
    assert labels[contents.index(base[0])] == labels[contents.index(base[0].upper())]


def _clusters_of_every_pair(contents, documents, vectors):
    wording = wording_clusters(contents)
    return cluster(contents, vectors, pairs=meaning_pairs(contents, documents, wording=wording), wording=wording)


def test_growing_stored_clusters_with_new_claims_joins_what_clustering_every_claim_would():
    """grown_wording + meaning_pairs(new=...) from the clusters of the old claims give the groups of
    clustering every claim again, on invented claims with copies (wording) and near vectors
    (meaning) across documents, whichever claims are the new ones."""
    rng = random.Random(11)
    vocabulary = "the plan would cost less than expected minister said talks resume border migration tax".split()
    contents, documents, vectors = [], [], []
    for _story in range(12):
        words = rng.sample(vocabulary, 6)
        direction = np.array([rng.gauss(0, 1) for _ in range(16)], dtype=np.float32)
        for _ in range(rng.randint(1, 4)):  # reports of one statement: edited wording, a nearby meaning
            kept = words[: rng.randint(3, 6)] + rng.sample(vocabulary, rng.randint(0, 2))
            contents.append(" ".join(kept))
            documents.append(f"d{rng.randint(0, 8)}")
            v = direction + np.array([rng.gauss(0, 0.5) for _ in range(16)], dtype=np.float32)
            vectors.append(v / np.linalg.norm(v))
    vectors = np.asarray(vectors)
    want = _clusters_of_every_pair(contents, documents, vectors)
    assert len(set(want)) < len(contents) - 5, "the invented claims should join in groups"
    for trial in range(30):
        new = set(rng.sample(range(len(contents)), rng.randint(1, len(contents) // 3)))
        old = [k for k in range(len(contents)) if k not in new]
        stored = _clusters_of_every_pair([contents[k] for k in old], [documents[k] for k in old], vectors[old])
        previous = [None] * len(contents)
        for position, k in enumerate(old):
            previous[k] = old[stored[position]]
        wording = grown_wording(contents, previous)
        pairs = meaning_pairs(contents, documents, wording=wording, new=new)
        assert all(i in new or j in new for i, j in pairs)
        assert cluster(contents, vectors, pairs=pairs, wording=wording) == want, trial


def test_a_speaker_who_only_gained_claims_has_their_clusters_grown_and_one_who_lost_one_reclustered(embed):
    con = duckdb.connect()
    ensure_schema(con)
    _claim(con, "c1", "d1", "lindqvist", SAID, "Lindqvist")
    _claim(con, "c2", "d2", "lindqvist", OTHER, "Lindqvist")
    assert update_claim_clusters(con, embed)["speakers_grown"] == 0  # clustered for the first time
    _claim(con, "c3", "d3", "lindqvist", PARAPHRASE, "Lindqvist")
    grown = update_claim_clusters(con, embed)
    assert (grown["speakers_clustered"], grown["speakers_grown"]) == (1, 1)
    assert con.execute("select claim_id, cluster_key from raw.claim_clusters order by 1").fetchall() == [
        ("c1", "c1"),
        ("c2", "c2"),
        ("c3", "c1"),
    ]
    _claim(con, "c4", "d4", "lindqvist", OTHER, "Anna Lindqvist")  # a new name word: every claim again
    assert update_claim_clusters(con, embed)["speakers_grown"] == 0
    con.execute("delete from raw.claims where claim_id = 'c1'")  # a claim gone: every claim again
    again = update_claim_clusters(con, embed)
    assert (again["speakers_clustered"], again["speakers_grown"]) == (1, 0)
    assert con.execute("select claim_id, cluster_key from raw.claim_clusters order by 1").fetchall() == [
        ("c2", "c2"),
        ("c3", "c3"),
        ("c4", "c2"),
    ]


def test_only_the_speakers_of_changed_documents_are_looked_at_and_the_list_outlives_a_marts_build(embed):
    """The clusterer reads the candidate claims of the speakers the changed documents name now or
    named when clustered, and of stored claims that are gone; its list of changed documents is its
    own (a build of the marts without it empties raw.document_changes, not this list). A warehouse
    clustered by another rule version is looked at whole once."""
    con = duckdb.connect()
    ensure_schema(con)
    _claim(con, "c1", "d1", "lindqvist", SAID)
    _claim(con, "c2", "d2", "lindqvist", PARAPHRASE)
    _claim(con, "c3", "d2", "moroz", OTHER)
    _claim(con, "c4", "d3", "moroz", OTHER_TAX)
    assert update_claim_clusters(con, embed)["speakers_looked_at"] == 2  # every speaker the first time
    assert update_claim_clusters(con, embed)["speakers_looked_at"] == 0  # nothing changed since
    _claim(con, "c5", "d4", "moroz", SAID)
    con.execute("delete from raw.document_changes")  # the marts built, without the clusterer
    again = update_claim_clusters(con, embed)
    assert (again["speakers_looked_at"], again["speakers_clustered"]) == (1, 1)  # moroz only
    assert con.execute("select count(*) from raw.claim_clusters where speaker_entity_id = 'moroz'").fetchone() == (3,)
    # a link moved to another entity (the resolver lists its document): both speakers are looked at,
    # and the claim leaves the one it had
    con.execute("update raw.entity_links set entity_id = 'lindqvist' where mention_id = 'm-c5'")
    changes.mark_ids(con, ["d4"])
    moved = update_claim_clusters(con, embed)
    assert moved["speakers_looked_at"] == 2
    assert con.execute("select speaker_entity_id from raw.claim_clusters where claim_id = 'c5'").fetchall() == [
        ("lindqvist",)
    ]
    # a document forgotten without being listed: its stored claims are gone, their speaker looked at
    con.execute("delete from raw.claims where document_id = 'd3'")
    gone = update_claim_clusters(con, embed)
    assert gone["speakers_looked_at"] == 1
    assert con.execute("select count(*) from raw.claim_clusters where speaker_entity_id = 'moroz'").fetchone() == (0,)
    # clusters made by another rule version: every speaker once
    con.execute("update raw.entity_state set value = 'cc-old' where name = 'claim_clusters'")
    assert update_claim_clusters(con, embed)["speakers_looked_at"] == 2
    assert update_claim_clusters(con, embed)["speakers_looked_at"] == 0
