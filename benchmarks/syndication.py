#!/usr/bin/env python3
"""Syndicated copies: pairwise precision and recall of the near-duplicate rule on lightly edited
copies of BBC articles, beside the unrelated BBC articles of the same topics.

    nice -n 10 .venv/bin/python benchmarks/syndication.py > syndication.out 2>&1 &

1. Every article of ../shared/data/bbc_news is read and exact duplicates (same text after
   whitespace is collapsed) are removed.
2. The articles are split in two halves by a hash of their path: the thresholds are tuned on the
   first, the figures reported on the second.
3. In each half, COPIED articles get one or two copies each, made here at run time by seeded
   random edits: a changed headline, trimmed paragraphs (from the end or the start), two paragraphs
   swapped, an added byline and/or footer, a few words changed. Every other article of the half
   stays as a distractor (same five topics).
4. Truth: an article and its copies are one story. Predicted: the connected groups of the pairs
   the rule accepts among the LSH candidates. Pairwise precision/recall count pairs of documents
   in one group. Pairs of two *original* BBC articles that the rule joins are listed with their
   exact shingle Jaccard/containment: the BBC set has near-duplicate stories of its own (the same
   story filed twice, re-edited), so precision is printed both strictly (they count as false) and
   with those pairs set aside.
5. The real incremental index (pipeline/warehouse/syndication.py, in a DuckDB database) is run on
   the test half in two steps (80 %, then the rest) and its time per document printed; its groups
   must equal the in-memory evaluation's.

Nothing is written inside the project; no BBC text is printed (only file paths).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
import time
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSCLAIMS_SHARED_DATA", ROOT.parent / "shared" / "data")).resolve()
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.ingest.decode import decode_bytes  # noqa: E402
from pipeline.nlp import syndication as syn  # noqa: E402

BYLINES = ("By Staff Reporter", "By our correspondent", "From wire reports", "Reporting by Alex Moreno")
FOOTERS = (
    "This article first appeared in the Evening Chronicle and is republished here with permission.",
    "Copyright 2024 Northern News Service. All rights reserved.",
    "Additional reporting by the newsdesk. Follow us for more stories like this one every day.",
    "Read more: our full coverage of this story.",
)
HEADLINE_PREFIXES = ("UPDATE:", "Exclusive:", "Analysis:", "", "")
FILLER = ("reportedly", "major", "new", "local", "key", "senior", "said", "recent")


def read_articles(folder: Path) -> tuple[dict[str, str], int]:
    """path → text of every article, exact duplicates (whitespace-collapsed) removed."""
    seen, out, dupes = set(), {}, 0
    for f in sorted(folder.glob("*/*.txt")):
        text = decode_bytes(f.read_bytes()).text
        key = hashlib.sha1(" ".join(text.split()).encode()).hexdigest()
        if key in seen:
            dupes += 1
            continue
        seen.add(key)
        out[f.relative_to(folder).as_posix()] = text
    return out, dupes


def paragraphs(text: str) -> tuple[str, list[str]]:
    lines = [line for line in text.splitlines() if line.strip()]
    return (lines[0] if lines else ""), lines[1:]


def edit(text: str, rng: random.Random) -> tuple[str, list[str]]:
    """A lightly edited copy and the edits made."""
    headline, paras = paragraphs(text)
    done = []
    if rng.random() < 0.8:
        words = headline.split()
        rng.shuffle(words)
        headline = f"{rng.choice(HEADLINE_PREFIXES)} {' '.join(words[: max(3, len(words) - 2)])}".strip()
        done.append("headline")
    ops = rng.sample(["trim_end", "trim_start", "reorder", "byline", "footer", "words"], k=rng.randint(2, 3))
    if "trim_end" in ops and len(paras) > 4:
        keep = max(3, int(len(paras) * rng.uniform(0.6, 0.85)))
        paras = paras[:keep]
        done.append("trim_end")
    if "trim_start" in ops and len(paras) > 4:
        paras = paras[rng.randint(1, 2) :]
        done.append("trim_start")
    if "reorder" in ops and len(paras) > 3:
        i, j = rng.sample(range(len(paras)), 2)
        paras[i], paras[j] = paras[j], paras[i]
        done.append("reorder")
    if "words" in ops:
        words = " \n ".join(paras).split(" ")
        for _ in range(rng.randint(3, 6)):
            k = rng.randrange(len(words))
            if words[k] != "\n":
                words[k] = rng.choice(FILLER)
        paras = [p.strip() for p in " ".join(words).split("\n")]
        done.append("words")
    body = "\n\n".join(paras)
    if "byline" in ops:
        body = f"{rng.choice(BYLINES)}\n\n{body}"
        done.append("byline")
    if "footer" in ops:
        body = f"{body}\n\n{rng.choice(FOOTERS)}"
        done.append("footer")
    return f"{headline}\n\n{body}\n", done


def half_of(path: str) -> int:
    return hashlib.sha1(path.encode()).digest()[0] % 2


def build_set(articles: dict[str, str], copied: int, seed: int):
    """docs: id → text; family: id → original path; half: id → 0/1."""
    rng = random.Random(seed)
    docs, family, half = {}, {}, {}
    for path, text in articles.items():
        docs[path], family[path], half[path] = text, path, half_of(path)
    for h in (0, 1):
        originals = sorted(p for p in articles if half_of(p) == h)
        for path in rng.sample(originals, min(copied, len(originals))):
            for n in range(rng.choice((1, 1, 2))):
                copy_id = f"{path}#copy{n}"
                docs[copy_id], _ = edit(articles[path], rng)
                family[copy_id], half[copy_id] = path, h
    return docs, family, half


def components(ids: list[str], pairs: list[tuple[str, str]]) -> dict[str, str]:
    parent = {i: i for i in ids}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {i: find(i) for i in ids}


def same_group_pairs(group: dict[str, str]) -> set[tuple[str, str]]:
    by: dict[str, list[str]] = {}
    for i, g in group.items():
        by.setdefault(g, []).append(i)
    return {tuple(sorted(p)) for members in by.values() for p in combinations(sorted(members), 2)}


def score(ids, family, scored, min_j, min_c, near_dupes=frozenset()):
    inside = set(ids)
    accepted = [
        (a, b)
        for (a, b), (j, c, s) in scored.items()
        if a in inside and b in inside and syn.is_copy(j, c, s, min_jaccard=min_j, min_containment=min_c)
    ]
    pred = same_group_pairs(components(ids, accepted))
    truth = same_group_pairs({i: family[i] for i in ids})
    tp = len(pred & truth)
    # pairs joined only because two BBC originals are near-duplicates of each other
    excused = {p for p in pred - truth if tuple(sorted((family[p[0]], family[p[1]]))) in near_dupes}
    precision = tp / len(pred) if pred else 1.0
    precision_excused = (tp + len(excused)) / len(pred) if pred else 1.0
    recall = tp / len(truth) if truth else 1.0
    return precision, recall, precision_excused, len(pred), len(truth), pred - truth - excused


def exact(a: str, b: str) -> tuple[float, float]:
    sa, sb = syn.shingles(a), syn.shingles(b)
    common = len(sa & sb)
    return common / max(1, len(sa | sb)), common / max(1, min(len(sa), len(sb)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--input", type=Path, default=SHARED / "bbc_news")
    ap.add_argument("--copied", type=int, default=300, help="originals given copies, per half")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    articles, dupes = read_articles(args.input)
    print(f"BBC articles: {len(articles) + dupes} read, {dupes} exact duplicates removed, {len(articles)} kept")
    docs, family, half = build_set(articles, args.copied, args.seed)
    copies = [d for d in docs if d not in articles]
    print(
        f"evaluation set: {len(docs)} documents ({len(copies)} edited copies of {len(set(family[c] for c in copies))} articles)"
    )

    started = time.perf_counter()
    prints = {d: syn.fingerprint(t) for d, t in docs.items()}
    fp_seconds = time.perf_counter() - started
    buckets: dict[tuple[int, int], list[str]] = {}
    for d, fp in prints.items():
        for b, h in enumerate(syn.band_hashes(fp)):
            buckets.setdefault((b, h), []).append(d)
    candidates = {tuple(sorted(p)) for ids in buckets.values() if len(ids) > 1 for p in combinations(ids, 2)}
    candidates = {(a, b) for a, b in candidates if half[a] == half[b]}
    scored = {}
    for a, b in candidates:
        j, c = syn.similarity(prints[a], prints[b])
        scored[(a, b)] = (j, c, min(prints[a].shingle_count, prints[b].shingle_count))
    truth_all = {p for p in same_group_pairs(family) if half[p[0]] == half[p[1]]}
    missed_by_lsh = len(truth_all - set(scored))
    print(
        f"fingerprints: {1000 * fp_seconds / len(docs):.2f} ms/document; LSH candidates {len(scored)}, "
        f"true pairs not among them {missed_by_lsh} of {len(truth_all)}"
    )

    # near-duplicate stories inside the BBC set itself: pairs of originals the loosest rule joins
    originals_pairs = [(a, b) for (a, b) in scored if a in articles and b in articles]
    near_dupes = set()
    print("\nBBC originals that look like copies of each other (exact shingle Jaccard, containment):")
    for a, b in sorted(originals_pairs):
        j, c, s = scored[(a, b)]
        if syn.is_copy(j, c, s, min_jaccard=0.3, min_containment=0.5):
            ej, ec = exact(docs[a], docs[b])
            shared = ec >= 0.5  # half the smaller article's 5-word shingles are in the other: reused text
            if shared:
                near_dupes.add((a, b))
            print(
                f"  {a}  {b}  estimated J={j:.2f} C={c:.2f}  exact J={ej:.2f} C={ec:.2f}"
                f"{'  (same text: set aside)' if shared else ''}"
            )
    print(f"  {len(near_dupes)} pairs share at least half of the smaller article's text (exact containment >= 0.5)")

    tune_ids = sorted(d for d in docs if half[d] == 0)
    test_ids = sorted(d for d in docs if half[d] == 1)
    best = None
    for mj in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7):
        for mc in (0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 1.01):
            p, r, pe, *_ = score(tune_ids, family, scored, mj, mc, near_dupes)
            f1 = 2 * pe * r / (pe + r) if pe + r else 0
            key = (round(f1, 3), pe, mj, mc)  # ties: the most conservative thresholds
            if best is None or key > best[0]:
                best = (key, mj, mc)
    _, mj, mc = best
    print(
        f"\ntuned on half A ({len(tune_ids)} documents): min_jaccard={mj} min_containment={mc} "
        f"(pipeline: {syn.MIN_JACCARD}, {syn.MIN_CONTAINMENT})"
    )
    # the cleaner set: BBC's own near-duplicates treated like its exact duplicates (the later
    # article of each pair, and its copies, left out)
    dropped = {max(a, b) for a, b in near_dupes}
    clean_test = [d for d in test_ids if family[d] not in dropped]
    for name, ids in (("half A (tuning)", tune_ids), ("half B (held out)", test_ids), ("half B, clean", clean_test)):
        for label, (j_, c_) in (("tuned", (mj, mc)), ("pipeline", (syn.MIN_JACCARD, syn.MIN_CONTAINMENT))):
            p, r, pe, npred, ntruth, wrong = score(ids, family, scored, j_, c_, near_dupes)
            print(
                f"  {name:18} {label:8}: pairwise precision {p:.3f} (BBC near-duplicates set aside: {pe:.3f}), "
                f"recall {r:.3f}  [{npred} predicted pairs, {ntruth} true]"
            )
            if label == "pipeline" and ids is test_ids:
                for a, b in sorted(wrong)[:10]:
                    print(f"      false pair: {a}  {b}  estimated J/C {syn.similarity(prints[a], prints[b])}")

    # the real incremental index on half B, in two steps
    import duckdb

    from pipeline.warehouse.schema import ensure_schema
    from pipeline.warehouse.syndication import update_syndication

    con = duckdb.connect()
    ensure_schema(con)
    order = list(test_ids)
    random.Random(args.seed).shuffle(order)
    cut = int(len(order) * 0.8)
    for step, chunk in (("first 80%", order[:cut]), ("last 20%", order[cut:])):
        con.executemany("insert into raw.documents (document_id, text) values (?, ?)", [(d, docs[d]) for d in chunk])
        t0 = time.perf_counter()
        stats = update_syndication(con)
        dt = time.perf_counter() - t0
        print(
            f"incremental index, {step}: {len(chunk)} new documents in {dt:.2f} s "
            f"({1000 * dt / len(chunk):.2f} ms/document; {stats['candidates_compared']} candidates compared, "
            f"{stats['pairs_found']} copies found)"
        )
    got = dict(con.execute("select document_id, component_id from raw.syndication_components").fetchall())
    index_groups = same_group_pairs({d: got.get(d, d) for d in test_ids})
    mem_groups = same_group_pairs(
        components(
            test_ids,
            [(a, b) for (a, b), (j, c, s) in scored.items() if half[a] == 1 and syn.is_copy(j, c, s)],
        )
    )
    print(f"incremental index groups equal the in-memory evaluation's: {index_groups == mem_groups}")


if __name__ == "__main__":
    main()
