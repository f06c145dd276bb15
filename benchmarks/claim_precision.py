#!/usr/bin/env python3
"""Each claim construction's precision on PolNeAR train, written to pipeline/nlp/claims/precision.py.

    .venv/bin/python benchmarks/claim_precision.py                 # train (never dev), writes the module
    .venv/bin/python benchmarks/claim_precision.py --dry-run       # print only
    .venv/bin/python benchmarks/claim_precision.py --cache /tmp/train.spacy   # keep the parses for reruns

The extractor (the same annotate_doc the pipeline stores) runs over ../shared/data/polnear/train;
its claims are matched to the gold with the shared scorer's own matching (score_claims.py: content
char-F1 >= 0.5, one-to-one, best overlap first), and a construction's precision is the share of its
claims that matched. The module written holds numbers only (no PolNeAR text); a construction seen
fewer than MIN_CLAIMS times falls back to its base construction, then to the overall precision.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSCLAIMS_SHARED_DATA", ROOT.parent / "shared" / "data")).resolve()
TOOLS = SHARED.parent / "tools"
MODULE = ROOT / "pipeline" / "nlp" / "claims" / "precision.py"
MIN_CLAIMS = 15

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def load_scorer(tools: Path = TOOLS):
    spec = importlib.util.spec_from_file_location("score_claims", tools / "score_claims.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parsed_docs(texts: list[Path], cache: Path | None):
    from spacy.tokens import DocBin

    from pipeline.nlp.model import load_model
    from pipeline.settings import default_model

    nlp = load_model(default_model())
    if cache is not None and cache.exists():
        return list(DocBin().from_disk(cache).get_docs(nlp.vocab))
    docs = list(nlp.pipe((t.read_text(encoding="utf-8") for t in texts), batch_size=16))
    if cache is not None:
        db = DocBin(store_user_data=True)
        for d in docs:
            db.add(d)
        db.to_disk(cache)
    return docs


def claim_rows(texts: list[Path], cache: Path | None) -> dict[str, list[dict]]:
    """file name → the claim rows annotate_doc stores for it."""
    from pipeline.nlp.annotate import annotate_doc

    now = datetime.now(timezone.utc)
    out = {}
    for path, doc in zip(texts, parsed_docs(texts, cache), strict=True):
        out[path.name] = annotate_doc(doc, path.stem, "precision", now)["claims"]
    return out


def precision_by_construction(gold: dict, rows: dict[str, list[dict]], scorer) -> tuple[Counter, Counter]:
    """(claims per construction, matched claims per construction)."""
    seen, hit = Counter(), Counter()
    for name, golds in gold.items():
        mine = rows.get(name, [])
        preds = [{"content": [(r["content_start_char"], r["content_end_char"])]} for r in mine]
        matched = {pi for _, pi, _ in scorer.match(golds, preds, "content", 0.5)}
        for pi, r in enumerate(mine):
            seen[r["construction"]] += 1
            hit[r["construction"]] += pi in matched
    return seen, hit


def precisions(seen: Counter, hit: Counter) -> tuple[dict[str, float], float]:
    overall = sum(hit.values()) / max(sum(seen.values()), 1)
    base_seen, base_hit = Counter(), Counter()
    for c in seen:
        base_seen[c.split("+")[0]] += seen[c]
        base_hit[c.split("+")[0]] += hit[c]
    out = {}
    for c in sorted(set(seen) | set(base_seen)):
        n, k = (seen[c], hit[c]) if seen[c] >= MIN_CLAIMS else (base_seen[c.split("+")[0]], base_hit[c.split("+")[0]])
        out[c] = round(k / n, 3) if n >= MIN_CLAIMS else round(overall, 3)
    return out, round(overall, 3)


def module_text(prec: dict[str, float], overall: float, seen: Counter) -> str:
    lines = ['"""Precision of each construction on PolNeAR train (numbers only), written by',
             'benchmarks/claim_precision.py: the share of the construction\'s claims whose content matches a',
             'gold attribution (content char-F1 >= 0.5, the shared scorer\'s matching). Regenerate after',
             'changing the rules."""', "",
             f"DEFAULT_PRECISION = {overall}", "", "RULE_PRECISION: dict[str, float] = {"]
    lines += [f'    "{c}": {p},  # {seen.get(c, 0)} claims' for c, p in prec.items()]
    return "\n".join(lines + ["}", ""])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dry-run", action="store_true", help="print the precisions, write nothing")
    ap.add_argument("--cache", type=Path, help="a DocBin file outside the project to keep the parses in")
    ap.add_argument("--limit", type=int, help="only the first N articles")
    a = ap.parse_args(argv)
    split = SHARED / "polnear" / "train"
    if not split.is_dir() or not TOOLS.is_dir():
        print(f"claim_precision: PolNeAR train not found at {split}; nothing measured")
        return 0
    scorer = load_scorer()
    texts = sorted((split / "text").glob("*.txt"))[:a.limit]
    gold = scorer.load_gold(split)
    gold = {t.name: gold.get(t.name, []) for t in texts}
    seen, hit = precision_by_construction(gold, claim_rows(texts, a.cache), scorer)
    prec, overall = precisions(seen, hit)
    for c in sorted(seen, key=lambda c: -seen[c]):
        print(f"{c:32s} {seen[c]:6d} claims  precision {hit[c] / seen[c]:.3f}  → {prec[c]}")
    print(f"{'all':32s} {sum(seen.values()):6d} claims  precision {overall:.3f}")
    if not a.dry_run:
        MODULE.write_text(module_text(prec, overall, seen), encoding="utf-8")
        print(f"wrote {MODULE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
