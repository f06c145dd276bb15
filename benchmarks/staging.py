#!/usr/bin/env python3
"""What staging the batches on an object store costs beside staging them in a folder.

    .venv/bin/python benchmarks/staging.py               # 500 distinct BBC articles, two rounds
    .venv/bin/python benchmarks/staging.py --limit 2127 --rounds 1

The same articles (`../shared/data/bbc_news`, exact duplicates removed, spread over the topics; copied
into a temporary folder, never into the project) go through `newsclaims run --verbose` on a fresh
warehouse twice per round, in alternate order: once with the default staging folder beside the
warehouse, once with `NEWSCLAIMS_STAGING=s3://…` on an S3 API on 127.0.0.1 (moto's server, the dev
dependency that tests/s3server.py starts for the tests: an HTTP round trip per request, no network
latency or bandwidth limit, so this measures the client side's cost, not a remote bucket's). Each
run's wall clock and peak PSS come from throughput.py's `run_measured`, its NLP and load steps from
Dagster's log. Bare spaCy (the same pipeline, `nlp.pipe` on every core) runs once on the same texts
for scale. Not a timed test.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from throughput import (  # noqa: E402
    DEFAULT_CORPUS,
    bare_spacy,
    clean_env,
    distinct_articles,
    git_state,
    load_average,
    machine,
    newsclaims_command,
    run_measured,
    step_seconds,
    word_count,
    write_corpus,
)

from tests.s3server import moto_s3  # noqa: E402

NLP, LOAD = "NLP (spaCy + extraction, staging)", "load"


def run(work: Path, input_dir: Path, side: str, staging: str | None, env_extra: dict) -> dict:
    warehouse = work / f"{side}.duckdb"
    for p in work.glob(f"{side}.duckdb*"):
        shutil.rmtree(p) if p.is_dir() else p.unlink()
    env = clean_env() | env_extra
    if staging:
        env["NEWSCLAIMS_STAGING"] = staging
    cmd = [*newsclaims_command(), "run", "--input", str(input_dir), "--warehouse", str(warehouse), "--verbose"]
    r = run_measured(cmd, work, env)  # exits with the run's output should it fail
    r["steps"] = step_seconds(r["stdout"] + r["stderr"])
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        r["batches"], r["documents"] = con.execute(
            "select count(*), sum(document_count) from raw.loaded_batches"
        ).fetchone()
    finally:
        con.close()
    return r


def main(argv: list[str] | None = None) -> int:
    from pipeline.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=500, help="distinct articles (default 500)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of the two runs, alternate order (default 2)")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"staging: the BBC corpus is not at {args.corpus}; nothing to measure")
        return 0
    articles = distinct_articles(args.corpus, args.limit)
    print(f"newsclaims staging: {len(articles):,} distinct articles, {word_count(articles):,} words")
    print(f"machine: {machine()}; code {git_state()}; load average at start: {load_average()}")
    started = time.time()
    runs: dict[str, list[dict]] = {"folder": [], "s3": []}
    with tempfile.TemporaryDirectory(prefix="newsclaims-staging-") as tmp:
        work = Path(tmp)
        input_dir = work / "input"
        write_corpus(input_dir, articles, 1)
        with moto_s3(work / "moto.log") as s3:
            for k in range(args.rounds):
                for side in ("folder", "s3") if k % 2 == 0 else ("s3", "folder"):
                    staging = f"{s3.bucket()}/batches" if side == "s3" else None
                    r = run(work, input_dir, side, staging, s3.env if side == "s3" else {})
                    if side == "s3":
                        assert s3.keys(staging) == [], "batches left in the bucket after the run"
                        assert not (work / "s3.duckdb.batches").exists(), "the s3 run staged in a folder"
                    runs[side].append(r)
                    print(
                        f"round {k + 1} {side:6}: {r['seconds']:7.1f} s, NLP step {r['steps'][NLP]:6.1f} s, "
                        f"load step {r['steps'][LOAD]:5.2f} s, {r['batches']} batches ({r['documents']} documents), "
                        f"peak PSS {r['peak_bytes'] / 1e9:.2f} GB",
                        flush=True,
                    )
        bare = bare_spacy(work, input_dir, Settings.from_env().spacy_model, [])
    print(
        f"bare spaCy (same pipeline, nlp.pipe on every core): pipe {bare['pipe_seconds']:.1f} s, whole process {bare['seconds']:.1f} s"
    )
    print()
    print("| staging | run (median) | NLP step | load step | peak PSS |")
    print("| --- | --- | --- | --- | --- |")
    for side, rs in runs.items():
        print(
            f"| {side} | {median(r['seconds'] for r in rs):.1f} s | {median(r['steps'][NLP] for r in rs):.1f} s | "
            f"{median(r['steps'][LOAD] for r in rs):.2f} s | {max(r['peak_bytes'] for r in rs) / 1e9:.2f} GB |"
        )
    ratio = median(r["seconds"] for r in runs["s3"]) / median(r["seconds"] for r in runs["folder"])
    print(
        f"\ns3 / folder (whole run, medians): {ratio:.3f}; load average at end: {load_average()} "
        f"(after {time.time() - started:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
