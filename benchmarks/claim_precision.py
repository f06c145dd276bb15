#!/usr/bin/env python3
"""Each claim construction's precision on PolNeAR train, written to pipeline/nlp/claims/precision.py.

    .venv/bin/python benchmarks/claim_precision.py                 # train (never dev), writes the module
    .venv/bin/python benchmarks/claim_precision.py --dry-run       # print only
    .venv/bin/python benchmarks/claim_precision.py --cache /tmp/train.spacy   # keep the parses for reruns

The extractor (the same annotate_doc the pipeline stores) runs over ../shared/data/polnear/train;
its claims are matched to the gold with the shared scorer's own matching (score_claims.py: content
char-F1 >= 0.5, one-to-one, best overlap first), and a rule's precision is the share of its claims
that matched. A rule is a construction with its cue lemma, or with whether a speaker is named, or the
construction alone (pipeline.nlp.claims.evidence.confidence_keys); only rules with at least
MIN_CLAIMS claims are written. The module holds numbers and the project's own construction names and
cue lemmas only (no PolNeAR text).
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


def precision_by_rule(gold: dict, rows: dict[str, list[dict]], scorer) -> tuple[Counter, Counter]:
    """(claims per rule, matched claims per rule); a claim counts for every rule it belongs to."""
    from pipeline.nlp.claims.evidence import confidence_keys

    seen, hit = Counter(), Counter()
    for name, golds in gold.items():
        mine = rows.get(name, [])
        preds = [{"content": [(r["content_start_char"], r["content_end_char"])]} for r in mine]
        matched = {pi for _, pi, _ in scorer.match(golds, preds, "content", 0.5)}
        for pi, r in enumerate(mine):
            for key in set(confidence_keys(r["construction"], r["cue_lemma"], r["speaker_start_char"] is not None)):
                seen[key] += 1
                hit[key] += pi in matched
    return seen, hit


def precisions(seen: Counter, hit: Counter, total: int, matched: int) -> tuple[dict[str, float], float]:
    overall = round(matched / max(total, 1), 3)
    return {k: round(hit[k] / seen[k], 3) for k in sorted(seen) if seen[k] >= MIN_CLAIMS}, overall


def module_text(prec: dict[str, float], overall: float, seen: Counter) -> str:
    lines = [
        '"""Precision of each claim rule on PolNeAR train (numbers only), written by',
        "benchmarks/claim_precision.py: the share of the rule's claims whose content matches a gold",
        "attribution (content char-F1 >= 0.5, the shared scorer's matching). A rule is",
        '"construction|cue lemma", "construction|speaker" / "construction|no speaker", or the',
        'construction (pipeline.nlp.claims.evidence.confidence_keys). Regenerate after changing the rules."""',
        "",
        f"DEFAULT_PRECISION = {overall}",
        "",
        "RULE_PRECISION: dict[str, float] = {",
    ]
    lines += [f'    "{k}": {p},  # {seen[k]} claims' for k, p in prec.items()]
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
    texts = sorted((split / "text").glob("*.txt"))[: a.limit]
    gold = scorer.load_gold(split)
    gold = {t.name: gold.get(t.name, []) for t in texts}
    rows = claim_rows(texts, a.cache)
    seen, hit = precision_by_rule(gold, rows, scorer)
    total = sum(seen[k] for k in seen if "|" not in k and "+" not in k)
    matched = sum(hit[k] for k in seen if "|" not in k and "+" not in k)
    prec, overall = precisions(seen, hit, total, matched)
    for k in sorted(prec, key=lambda k: (k.split("|")[0], -seen[k])):
        print(f"{k:40s} {seen[k]:6d} claims  precision {prec[k]:.3f}")
    print(f"{'all':40s} {total:6d} claims  precision {overall:.3f}")
    if not a.dry_run:
        MODULE.write_text(module_text(prec, overall, seen), encoding="utf-8")
        print(f"wrote {MODULE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
