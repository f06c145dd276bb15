#!/usr/bin/env python3
"""Canonical entities on BBC politics: the groups of the issue's people, the 50 most-mentioned
people with their aliases, and the false merges among them.

    nice -n 10 .venv/bin/python benchmarks/entities.py > entities.out 2>&1 &
    .venv/bin/python benchmarks/entities.py --warehouse /tmp/bbc.duckdb --no-run   # report an existing one

The real pipeline (`pipeline.cli.run`: the whole Dagster job with dbt) builds a warehouse from
../shared/data/bbc_news/politics (or --input DIR) in a temporary folder (or --warehouse PATH, kept),
then dim_entities and fct_mentions are read.

A person entity counts as a **false merge** when its aliases, with titles and honorifics dropped
the way the resolver drops them, name more than one person:
  (a) two aliases are full names (two or more words) that differ ("Tony Blair" and "Cherie
      Blair"; "Gordon Brown" and "Nick Brown"), or
  (b) a one-word alias is not a word of the entity's name, nor a part of its hyphenated surname
      ("Brown" in "Tony Blair"; "Kilroy" in "Robert Kilroy-Silk" is fine),
  (c) its aliases' honorifics give both genders ("Mr Kennedy" and "Baroness Kennedy"), or
  (d) a title other than Sir/Dame before its given name alone ("Prince Charles" in Charles Kennedy).
Spelling variants are therefore counted as false merges too (strict). Nothing is written inside
the project.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSCLAIMS_SHARED_DATA", ROOT.parent / "shared" / "data")).resolve()
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.nlp.entities import PERSON, key_of, name_parts, name_tokens, surname_parts, title_gender  # noqa: E402
from pipeline.nlp.name_words import GIVEN_NAME_HONORIFICS  # noqa: E402

PEOPLE = ("Tony Blair", "Gordon Brown", "Michael Howard", "Charles Kennedy", "Cherie Blair")


def false_merge(name: str, aliases: list[str]) -> list[str]:
    """The aliases that show the entity holds more than one person (empty if none)."""
    own = key_of(name_tokens(name, PERSON)).split()
    words = set(own) | surname_parts(" ".join(own)) if own else set()
    parts = {a: name_parts(a, PERSON) for a in aliases}
    keys = {a: key_of(toks) for a, (_, toks) in parts.items()}
    full = {k for k in keys.values() if " " in k}
    bad = []
    if len(full) > 1:  # (a)
        bad += [a for a, k in keys.items() if " " in k]
    bad += [a for a, k in keys.items() if " " not in k and k not in words]  # (b)
    genders = {a: title_gender(title) for a, (title, _) in parts.items()}
    if {"M", "F"} <= set(genders.values()):  # (c)
        bad += [a for a, g in genders.items() if g]
    for a, (title, toks) in parts.items():  # (d)
        if (
            title
            and len(toks) == 1
            and len(own) > 1
            and keys[a] == own[0] != own[-1]
            and title[-1].lower().rstrip(".") not in GIVEN_NAME_HONORIFICS
        ):
            bad.append(a)
    return sorted(set(bad))


def report(con) -> int:
    people = con.execute("""
        select entity_id, name, mention_count, document_count, aliases from dim_entities
        where label = 'PERSON' order by mention_count desc, name""").fetchall()
    print(
        f"documents {con.execute('select count(*) from dim_documents').fetchone()[0]} · "
        f"named mentions {con.execute('select count(entity_id) from fct_mentions').fetchone()[0]} · "
        f"entities {con.execute('select count(*) from dim_entities').fetchone()[0]} · "
        f"person entities {len(people)}"
    )
    print("\n== the issue's people ==")
    for who in PEOPLE:
        rows = [p for p in people if p[1] == who]
        if not rows:
            print(f"{who}: NO ENTITY")
            continue
        for _, name, mentions, docs, aliases in rows:
            print(f"{name}: {mentions} mentions in {docs} documents; aliases {aliases}")
        surname = who.split()[-1]
        others = [p for p in people if p[1] != who and p[1].split()[-1] == surname]
        for _, name, mentions, docs, aliases in others:
            print(f"    kept apart: {name} ({mentions} mentions, {docs} documents; aliases {aliases})")
    print("\n== the 50 most-mentioned people ==")
    merges = 0
    for rank, (_, name, mentions, docs, aliases) in enumerate(people[:50], start=1):
        bad = false_merge(name, aliases)
        merges += bool(bad)
        flag = f"   <-- FALSE MERGE: {bad}" if bad else ""
        print(f"{rank:2}. {name} — {mentions} mentions, {docs} docs — {aliases}{flag}")
    print(
        "\nfalse merge = the aliases, titles dropped, hold two different full names; or a one-word alias "
        "is not a word of the entity's name; or the aliases' honorifics give both genders; or a title other "
        "than Sir/Dame stands before the given name alone (Prince Charles)"
    )
    print(f"false merges among the 50 most-mentioned people: {merges}")
    return merges


def incremental_cost(warehouse: Path, tmp: str) -> None:
    """On a copy of the warehouse: the entity step for one article again (its links dropped, as for
    a new article) against the entity step from scratch, with the links compared."""
    import shutil

    import duckdb

    from pipeline.nlp.entities import ENTITY_OVERRIDES_CSV, read_overrides
    from pipeline.warehouse.entities import update_entity_links

    copy = Path(tmp) / "incremental.duckdb"
    shutil.copy(warehouse, copy)
    overrides = read_overrides(ENTITY_OVERRIDES_CSV)
    con = duckdb.connect(str(copy))
    try:
        sql = "select mention_id, entity_id, entity_name, entity_label from raw.entity_links order by 1"
        before = con.execute(sql).fetchall()
        (doc,) = con.execute("select max(document_id) from raw.entity_documents").fetchone()
        con.execute("delete from raw.entity_documents where document_id = ?", [doc])
        started = time.perf_counter()
        stats = update_entity_links(con, overrides)
        one = time.perf_counter() - started
        same_one = con.execute(sql).fetchall() == before
        con.execute("delete from raw.entity_documents")
        con.execute("delete from raw.entity_links")
        started = time.perf_counter()
        full = update_entity_links(con, overrides)
        scratch = time.perf_counter() - started
        same_all = con.execute(sql).fetchall() == before
    finally:
        con.close()
    print(
        f"\n== incremental cost ==\none article again: {one:.2f} s ({stats['documents_resolved']} document, "
        f"{stats['signatures_revisited']} name signatures revisited); links unchanged: {same_one}"
    )
    print(
        f"from scratch: {scratch:.2f} s ({full['documents_resolved']} documents, {full['signatures_revisited']} "
        f"signatures); links equal to the incremental runs': {same_all}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", type=Path, default=SHARED / "bbc_news" / "politics")
    ap.add_argument("--warehouse", type=Path, help="build (or, with --no-run, read) this warehouse; kept")
    ap.add_argument("--no-run", action="store_true", help="only report on --warehouse")
    args = ap.parse_args(argv)
    import duckdb

    with tempfile.TemporaryDirectory(prefix="newsclaims-entities-") as tmp:
        warehouse = args.warehouse or Path(tmp) / "bbc.duckdb"
        if not args.no_run:
            if not args.input.is_dir():
                print(f"no input at {args.input} (../shared/data); nothing to do")
                return 0
            from pipeline.cli import run
            from pipeline.settings import Settings

            started = time.perf_counter()
            print(f"pipeline on {args.input} → {warehouse}", flush=True)
            if not run(Settings.from_env(input_dir=args.input, warehouse=warehouse)):
                print("the pipeline run failed")
                return 1
            print(f"pipeline: {time.perf_counter() - started:.0f} s", flush=True)
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            report(con)
        finally:
            con.close()
        incremental_cost(warehouse, tmp)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
