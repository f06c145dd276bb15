#!/usr/bin/env python3
"""Extraction quality on the shared evaluation data, scored by the shared scorers.

    .venv/bin/python benchmarks/quality.py                    # claims on PolNeAR dev + mentions on CoNLL valid
    .venv/bin/python benchmarks/quality.py --split train      # tune on train, never on dev
    .venv/bin/python benchmarks/quality.py --limit 50 --only claims
    .venv/bin/python benchmarks/quality.py --only mentions
    .venv/bin/python benchmarks/quality.py --only claims --thresholds 0,0.5,0.7   # P/R by confidence

Claims: the split's article texts are copied into a temporary folder, the real pipeline
(`pipeline.cli.run`, i.e. the whole Dagster job with dbt) builds a temporary warehouse from them,
and `../shared/tools/score_claims.py SPLIT_DIR --duckdb WAREHOUSE` scores `fct_claims`. With
`--limit N` only the first N articles (by name) are taken, and a temporary split folder of links to
their text and annotation files is what gets scored.

Mentions: `conll_docs.py` turns CoNLL-2003 valid into documents in a temporary folder, the pipeline
runs on them, and `score_mentions.py` scores `fct_mentions`, then the bare spaCy model
(`pipeline.settings.default_model()`) on the same text, as the baseline.

Every command run is printed, then the scorer's JSON line. Nothing is written inside the project:
all inputs, warehouses and scratch files live in a temporary folder removed at the end (kept with
--keep, for error analysis). Without ../shared/data the script says so and exits 0.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSCLAIMS_SHARED_DATA", ROOT.parent / "shared" / "data")).resolve()
TOOLS = SHARED.parent / "tools"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline import evaluation  # noqa: E402


def _run_pipeline(input_dir: Path, warehouse: Path) -> float:
    from pipeline.cli import run

    return evaluation.run_pipeline(run, input_dir, warehouse)


def inside_project(path: Path) -> bool:
    try:
        path.resolve().relative_to(ROOT)
        return True
    except ValueError:
        return False


def polnear_subset(split_dir: Path, scratch: Path, limit: int | None) -> tuple[Path, list[Path]]:
    """(the split folder to score, the article texts to run on): the split itself, or a folder
    of links to its first `limit` articles and their annotation files."""
    texts = sorted((split_dir / "text").glob("*.txt"))
    if limit is None or limit >= len(texts):
        return split_dir, texts
    texts = texts[:limit]
    chosen = {t.stem for t in texts}
    sub = scratch / f"{split_dir.name}_first{limit}"
    (sub / "text").mkdir(parents=True)
    (sub / "attributions").mkdir()
    for t in texts:
        (sub / "text" / t.name).symlink_to(t)
    for ann in sorted((split_dir / "attributions").glob("*.ann")):
        if ann.stem.rsplit("_", 1)[0] in chosen:
            (sub / "attributions" / ann.name).symlink_to(ann)
    return sub, texts


def claims_quality(split: str, limit: int | None, scratch: Path, thresholds: list[float] | None = None) -> dict:
    split_dir = SHARED / "polnear" / split
    score_dir, texts = polnear_subset(split_dir, scratch, limit)
    input_dir = scratch / f"polnear_{split}" / "input"
    input_dir.mkdir(parents=True)
    for t in texts:
        shutil.copy2(t, input_dir / t.name)
    warehouse = scratch / f"polnear_{split}" / "w.duckdb"
    print(f"\n== claims: PolNeAR {split}, {len(texts)} articles ==", flush=True)
    seconds = _run_pipeline(input_dir, warehouse)
    print(f"(pipeline: {seconds:.1f} s)")
    result = evaluation.scorer([sys.executable, TOOLS / "score_claims.py", score_dir, "--duckdb", warehouse])
    print(evaluation.claims_summary(result))
    if thresholds:
        print("\nclaims kept by confidence (fct_claims.confidence >= threshold):")
        evaluation.print_confidence_table(evaluation.confidence_table(TOOLS, score_dir, warehouse, thresholds))
    return result


def mentions_quality(scratch: Path) -> dict:
    from pipeline.cli import run
    from pipeline.nlp.model import resolve_model
    from pipeline.settings import default_model

    print("\n== mentions: CoNLL-2003 valid ==", flush=True)
    pipe = evaluation.eval_mentions(run, SHARED / "conll2003" / "valid.txt", scratch, TOOLS)
    bare = evaluation.scorer(
        [sys.executable, TOOLS / "score_mentions.py", scratch / "conll", "--spacy", resolve_model(default_model())]
    )
    print(f"micro F1: pipeline {pipe['micro']['f1']:.3f} · bare spaCy ({default_model()}) {bare['micro']['f1']:.3f}")
    return {"pipeline": pipe, "spacy": bare}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", choices=("train", "dev"), default="dev", help="PolNeAR split (tune on train)")
    ap.add_argument("--limit", type=int, help="only the first N articles of the split")
    ap.add_argument("--only", choices=("claims", "mentions"), help="run one half only")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (printed) for error analysis")
    ap.add_argument(
        "--thresholds",
        default="0,0.5,0.6,0.7,0.8",
        help="confidence thresholds for the P/R table (comma-separated; empty for none)",
    )
    a = ap.parse_args(argv)
    if not (SHARED / "polnear").is_dir() or not TOOLS.is_dir():
        print(
            f"quality: evaluation data not found at {SHARED} (it lives in ../shared/data beside the clone); "
            f"nothing measured"
        )
        return 0
    scratch = Path(tempfile.mkdtemp(prefix="newsclaims-quality-"))
    assert not inside_project(scratch), "scratch space must be outside the project"
    try:
        if a.only in (None, "claims"):
            claims_quality(a.split, a.limit, scratch, [float(t) for t in a.thresholds.split(",") if t.strip()])
        if a.only in (None, "mentions"):
            mentions_quality(scratch)
    finally:
        if a.keep:
            print(f"\nkept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
