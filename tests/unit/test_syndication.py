"""The near-duplicate rule (pipeline/nlp/syndication.py) and the incremental index
(pipeline/warehouse/syndication.py) on invented articles."""

from __future__ import annotations

import os

import duckdb
import numpy as np

from pipeline.nlp.syndication import fingerprint, same_story, similarity
from pipeline.warehouse.schema import ensure_schema
from pipeline.warehouse.syndication import mark_regrouped, update_syndication

STORY = "\n".join(
    [
        "Harbour town votes to rebuild its flooded sea wall",
        "",
        (
            "The council of Port Ellery voted on Tuesday to spend 14 million crowns rebuilding the sea wall "
            "that gave way during the January storms."
        ),
        (
            "Mayor Ilse Varga told councillors that the old wall had been patched eleven times since it was "
            "built and could not be patched again."
        ),
        (
            "Engineers from the regional water board estimate that the new wall will take three summers to "
            "build and will be two metres higher than the old one."
        ),
        (
            "Shopkeepers on the quay, whose cellars flooded twice this winter, said they welcomed the "
            "decision but feared the building works would keep visitors away."
        ),
        (
            "The opposition Harbour Party voted against the plan, arguing that the town should first ask the "
            "national government to pay a larger share of the cost."
        ),
        ("Work on the first section, between the ferry terminal and the lifeboat station, is due to begin in April."),
        "",
    ]
)

EDITED_COPY = "\n".join(
    [
        "Port Ellery to rebuild sea wall after winter floods",
        "By Staff Reporter",
        "",
        (
            "The council of Port Ellery voted on Tuesday to spend 14 million crowns rebuilding the sea wall "
            "that gave way during the January storms."
        ),
        (
            "Engineers from the regional water board estimate that the new wall will take three summers to "
            "build and will be two metres higher than the old one."
        ),
        (
            "Mayor Ilse Varga told councillors that the old wall had been patched eleven times since it was "
            "first built and could not be patched again."
        ),
        (
            "Shopkeepers on the quay, whose cellars flooded twice this winter, said they welcomed the "
            "decision but feared the works would keep visitors away."
        ),
        (
            "The opposition Harbour Party voted against the plan, arguing that the town should first ask the "
            "national government to pay a larger share of the cost."
        ),
        "This article first appeared in the Coastal Courier and is republished with permission.",
        "",
    ]
)

SAME_TOPIC = "\n".join(
    [
        "Second harbour town counts the cost of the January storms",
        "",
        (
            "Councillors in Westmarch met on Thursday to discuss how to repair the harbour wall damaged in "
            "the January storms."
        ),
        (
            "The harbour master, Tomas Brandt, said the damage was worse than first thought and that the "
            "lifeboat slipway was unusable."
        ),
        (
            "The council has asked the regional water board to survey the wall before any money is spent, "
            "and a report is expected in March."
        ),
        (
            "Fishermen said they had lost three weeks of work while the harbour was closed and asked the "
            "council for help with their mooring fees."
        ),
        (
            "The national government has promised to pay part of the cost of storm repairs along the coast, "
            "but has not said how much."
        ),
        "A public meeting on the harbour's future will be held in the town hall next month.",
        "",
    ]
)


def test_an_edited_copy_is_the_same_story_and_a_same_topic_article_is_not():
    story, copy, other = fingerprint(STORY), fingerprint(EDITED_COPY), fingerprint(SAME_TOPIC)
    assert same_story(story, copy), similarity(story, copy)
    assert not same_story(story, other), similarity(story, other)
    assert not same_story(copy, other), similarity(copy, other)
    # a trimmed copy (the first three paragraphs under a new headline) is contained in the story
    trimmed = fingerprint("New headline\n" + "\n".join(STORY.splitlines()[2:5]))
    jaccard, containment = similarity(story, trimmed)
    assert jaccard < 0.6 and containment > 0.8 and same_story(story, trimmed)


def _add(con, doc_id: str, text: str, day: int) -> None:
    con.execute(
        "insert into raw.documents (document_id, text, first_seen_at) values (?, ?, ?)",
        [doc_id, text, f"2026-01-{day:02d}"],
    )


def test_the_index_is_incremental_and_forgets_removed_documents():
    con = duckdb.connect()
    ensure_schema(con)
    _add(con, "a1", STORY, 1)
    _add(con, "b1", SAME_TOPIC, 2)
    first = update_syndication(con)
    assert first["documents_indexed"] == 2 and first["pairs_found"] == 0
    assert con.execute("select count(*) from raw.syndication_components").fetchone()[0] == 0
    _add(con, "c1", EDITED_COPY, 3)
    second = update_syndication(con)
    assert second["documents_indexed"] == 1  # only the new one is fingerprinted
    assert con.execute("select document_id_a, document_id_b from raw.syndication_pairs").fetchall() == [("a1", "c1")]
    assert con.execute("select * from raw.syndication_components order by 1").fetchall() == [
        ("a1", "a1"),
        ("c1", "a1"),
    ]
    assert update_syndication(con)["documents_indexed"] == 0
    con.execute("delete from raw.documents where document_id = 'a1'")
    third = update_syndication(con)
    assert third["documents_removed"] == 1
    assert con.execute("select count(*) from raw.syndication_pairs").fetchone()[0] == 0
    assert con.execute("select count(*) from raw.syndication_components").fetchone()[0] == 0
    assert con.execute("select count(*) from raw.document_minhash_bands where document_id = 'a1'").fetchone()[0] == 0


def test_signed_comes_once_every_signature_is_stored_and_before_any_comparison():
    """`signed` is where the syndication step ends its signature workers: every new document is
    signed by then, and no pair is compared yet (the workers would sit idle through it)."""
    con = duckdb.connect()
    ensure_schema(con)
    for day, (doc_id, text) in enumerate([("a1", STORY), ("b1", SAME_TOPIC), ("c1", EDITED_COPY)], start=1):
        _add(con, doc_id, text, day)
    seen = []

    def signed() -> None:
        seen.append(
            con.execute(
                "select (select count(*) from raw.document_minhash), (select count(*) from raw.syndication_pairs)"
            ).fetchone()
        )

    stats = update_syndication(con, signed=signed)
    assert seen == [(3, 0)] and stats["pairs_found"] == 1


def test_a_new_copy_rewrites_only_the_group_rows_that_change():
    """A copy with a smaller id renames its component (named by its smallest id here; dbt names the
    group): the component's rows are replaced, one the new copy does not touch keeps its very rows,
    and nothing is listed for the marts (whether a group's name changed is known once dbt's view
    reads the run's dates: mark_regrouped)."""
    con = duckdb.connect()
    ensure_schema(con)
    _add(con, "m1", STORY, 1)
    _add(con, "m2", EDITED_COPY, 2)
    _add(con, "x1", SAME_TOPIC, 3)
    _add(con, "x2", SAME_TOPIC + " (Reuters)", 4)
    update_syndication(con)
    assert con.execute("select * from raw.syndication_components order by 1").fetchall() == [
        ("m1", "m1"),
        ("m2", "m1"),
        ("x1", "x1"),
        ("x2", "x1"),
    ]
    con.execute("delete from raw.document_changes")
    untouched = con.execute(
        "select rowid from raw.syndication_components where component_id = 'x1' order by 1"
    ).fetchall()
    _add(con, "a0", STORY, 5)
    assert update_syndication(con)["pairs_found"] == 2
    assert con.execute("select * from raw.syndication_components order by 1").fetchall() == [
        ("a0", "a0"),
        ("m1", "a0"),
        ("m2", "a0"),
        ("x1", "x1"),
        ("x2", "x1"),
    ]
    assert (
        con.execute("select rowid from raw.syndication_components where component_id = 'x1' order by 1").fetchall()
        == untouched
    )
    assert con.execute("select count(*) from raw.document_changes").fetchone()[0] == 0


def test_only_the_documents_whose_group_changed_name_are_listed_for_the_marts():
    """mark_regrouped compares the group each document is in now (dbt's view) with the one its
    dim_documents row holds: a member of a renamed group and a document without a row are listed,
    a group that only grew is not."""
    con = duckdb.connect()
    ensure_schema(con)
    con.execute("""create table built (document_id varchar, syndication_group_id varchar);
                   insert into built values ('a1', 'a1'), ('a2', 'a1'), ('b1', 'b1'), ('b2', 'b1'), ('c1', 'c1')""")
    con.execute("""create table now_grouped (document_id varchar, syndication_group_id varchar);
                   insert into now_grouped values
                       ('a0', 'a0'), ('a1', 'a0'), ('a2', 'a0'),  -- a copy reported earlier names group a
                       ('b1', 'b1'), ('b2', 'b1'), ('b3', 'b1'),  -- a later copy joins group b
                       ('c1', 'c1')""")
    assert mark_regrouped(con, "now_grouped", "built") == 4
    assert [r[0] for r in con.execute("select document_id from raw.document_changes order by 1").fetchall()] == [
        "a0",
        "a1",
        "a2",
        "b3",
    ]
    assert mark_regrouped(con, "now_grouped", "built") == 0, "a document listed already is not counted again"


def test_forget_removes_a_documents_index_rows_and_its_claims_embeddings():
    from pipeline.warehouse.forget import ForgetPlan, remove

    con = duckdb.connect()
    ensure_schema(con)
    _add(con, "a1", STORY, 1)
    _add(con, "c1", EDITED_COPY, 2)
    update_syndication(con)
    con.execute("insert into raw.claims (claim_id, document_id) values ('k1', 'a1'), ('k2', 'c1')")
    con.execute("insert into raw.claim_embeddings (claim_id) values ('k1'), ('k2')")
    con.execute("insert into raw.claim_clusters values ('k1', 'e', 'k1'), ('k2', 'e', 'k1')")
    removed = remove(con, ForgetPlan("a1", document_ids=["a1"]))
    assert removed["document_minhash"] == 1 and removed["document_minhash_bands"] > 0
    assert removed["syndication_pairs"] == 1 and removed["claim_embeddings"] == 1
    for table in ("document_minhash", "document_minhash_bands", "syndication_components"):
        assert con.execute(f"select count(*) from raw.{table} where document_id = 'a1'").fetchone() == (0,)
    assert con.execute("select claim_id from raw.claim_embeddings").fetchall() == [("k2",)]
    assert con.execute("select claim_id from raw.claim_clusters").fetchall() == [("k2",)]
    update_syndication(con)  # the rebuild after a takedown: the copy is alone again
    assert con.execute("select count(*) from raw.syndication_components").fetchone() == (0,)


def _worker_pid(_item) -> int:
    return os.getpid()


def test_signatures_made_in_two_processes_are_the_ones_made_here():
    """Spreading the signatures over processes (workers.process_map) changes where they are made,
    never what they are, nor which copies are found."""
    from pipeline.nlp.workers import MAP_MIN_ITEMS, process_map

    with process_map(2) as map_:
        assert os.getpid() not in set(map_(_worker_pid, range(MAP_MIN_ITEMS)))

    def build(processes: int):
        con = duckdb.connect()
        ensure_schema(con)
        for i in range(MAP_MIN_ITEMS + 20):  # enough for the pool; every fifth one a copy of the story
            text = EDITED_COPY if i % 5 == 0 else f"{SAME_TOPIC}\nA closing line numbered {i} for a distinct text here."
            _add(con, f"d{i:04d}", text if i else STORY, 1 + i % 28)
        with process_map(processes) as map_:
            stats = update_syndication(con, batch_size=60, map_=map_)
        signatures = con.execute("select document_id, signature from raw.document_minhash order by 1").fetchall()
        pairs = con.execute("select * from raw.syndication_pairs order by all").fetchall()
        return stats, signatures, pairs

    here, pooled = build(1), build(2)
    assert here[0]["documents_indexed"] == MAP_MIN_ITEMS + 20 and here[2]
    assert pooled == here


def test_the_signature_is_datasketchs_minhash_value_for_value():
    """pipeline.nlp.syndication computes datasketch 2.0's default MinHash itself (importing datasketch
    imports scipy): the same values, so signatures stored by earlier versions still compare."""
    from datasketch import MinHash

    from pipeline.nlp.syndication import NUM_PERM, SEED, minhash, shingles

    texts = [
        "",
        "Three words only",
        "Talks to resume\nThe minister said on Monday that the talks with the unions would resume next week, "
        "after a month in which neither side moved.\nA union spokesman welcomed the news but warned that a deal "
        "was still far off.\n",
        "Ünïcödé headline\nWörter mit Umlauten, naïve café déjà vu — and the rest of a sentence that is long enough.\n",
    ]
    for text in texts:
        found = shingles(text)
        reference = MinHash(num_perm=NUM_PERM, seed=SEED)
        reference.update_batch(sorted(found))
        ours = minhash(found)
        assert ours.dtype == np.uint32 and np.array_equal(ours, reference.hashvalues), text[:30]


def test_groups_are_the_connected_copies_named_by_their_smallest_id_however_long_the_chain():
    """_regroup on stored pairs alone: a chain of twelve copies (each an edit of the one before, so
    only neighbours pair) is one group named by its smallest id, wherever that id sits in the chain;
    a separate pair is a group of its own; cutting the chain's bridge splits it in two."""
    from pipeline.warehouse.syndication import _regroup

    con = duckdb.connect()
    ensure_schema(con)
    chain = [f"c{k:02d}" for k in (7, 3, 11, 0, 9, 5, 1, 10, 4, 8, 2, 6)]  # the smallest, c00, fourth
    pairs = [tuple(sorted(p)) for p in zip(chain[:-1], chain[1:], strict=True)] + [("x1", "x2")]
    con.executemany("insert into raw.syndication_pairs values (?, ?, 0.9, 0.9, 'v')", pairs)
    _regroup(con)
    groups = dict(con.execute("select document_id, component_id from raw.syndication_components").fetchall())
    assert groups == {**{d: "c00" for d in chain}, "x1": "x1", "x2": "x1"}
    con.execute("delete from raw.syndication_pairs where document_id_a = 'c00' and document_id_b = 'c11'")
    _regroup(con)
    groups = dict(con.execute("select document_id, component_id from raw.syndication_components").fetchall())
    assert groups == {**{d: "c03" for d in chain[:3]}, **{d: "c00" for d in chain[3:]}, "x1": "x1", "x2": "x1"}


def test_a_scoped_regroup_equals_a_whole_one_and_leaves_other_groups_unread():
    """_regroup with the run's new documents (and the groups of removed ones) recomputes only the
    groups they touch: after new copies that bridge two groups, extend one, or stand alone, and after
    a removal that splits a chain, the rows equal those of a whole regroup, and a group nothing
    touched keeps its very rows."""
    from pipeline.warehouse.syndication import _regroup, remove_documents

    def groups(con):
        return con.execute("select document_id, component_id from raw.syndication_components order by 1").fetchall()

    def pair(con, *ids):
        con.executemany(
            "insert into raw.syndication_pairs values (?, ?, 0.9, 0.9, 'v')",
            [tuple(sorted(p)) for p in zip(ids[:-1], ids[1:], strict=True)],
        )

    scoped, whole = duckdb.connect(), duckdb.connect()
    for con in (scoped, whole):
        ensure_schema(con)
        pair(con, "c5", "c3", "c7", "c4")  # a chain
        pair(con, "d2", "d9")
        pair(con, "e1", "e8")  # never touched below
        _regroup(con)
    untouched = scoped.execute("select rowid from raw.syndication_components where component_id = 'e1'").fetchall()

    for con in (scoped, whole):
        pair(con, "c4", "b0", "d9")  # b0 bridges the chain and the d pair, and names the group
        pair(con, "f1", "f0")  # a new pair of two new documents
    _regroup(scoped, ["b0", "f0", "f1"])
    _regroup(whole)
    assert groups(scoped) == groups(whole)
    assert dict(groups(scoped))["d2"] == "b0" and dict(groups(scoped))["f1"] == "f0"

    old = [dict(groups(scoped))["c7"]]  # the group of the removed document, read before its rows go
    for con in (scoped, whole):
        remove_documents(con, ["c7"])  # splits the chain: c5-c3 on their own
    _regroup(scoped, [], old)
    _regroup(whole)
    assert groups(scoped) == groups(whole)
    assert dict(groups(scoped))["c5"] == "c3" and dict(groups(scoped))["c4"] == "b0"
    assert (
        scoped.execute("select rowid from raw.syndication_components where component_id = 'e1'").fetchall() == untouched
    )
