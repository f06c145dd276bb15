#!/usr/bin/env python3
"""Throughput of newsclaims beside bare spaCy, on the BBC corpus (../shared/data/bbc_news).

    .venv/bin/python benchmarks/throughput.py               # all 2,225 articles (make benchmark)
    .venv/bin/python benchmarks/throughput.py --limit 200   # 200 articles spread over the 5 topics
    .venv/bin/python benchmarks/throughput.py --profile     # + a cProfiled extra run of the extraction

The articles are copied into a temporary folder (never into the project) and read once with the
pipeline's own reader (`read_corpus`: decoded, duplicates merged), so every phase sees the same
texts, in the order the `annotation_batches` asset feeds them to spaCy:

  (a)  bare spaCy: `spacy.load(default_model())` (the base model alone), `nlp.pipe` with the pipeline's batch size
  (a') spaCy as newsclaims loads it (`load_model`: senter excluded, line-break component added, and
       the trained CoNLL entity component where the base has its vectors)
  (b)  the extraction: `pipeline.nlp.annotate.annotate_texts` (nlp.pipe + rows per document)
  (c)  the whole pipeline, `pipeline.cli.run` (ingest → spaCy → load → entities → dbt build) on a
       new warehouse
  (d)  the same again on the unchanged input (incremental: nothing for spaCy to do)

Each phase runs in a fresh Python process, so its peak RSS (getrusage ru_maxrss: imports, model and
work) is its own; the phases' timings exclude that process's start. (a), (a') and (b) time the pipe
loop only (the model load is shown apart); (c) and (d) time `run()` whole: imports of Dagster, the
model load, the job and dbt. The RSS of dbt (a child process) is not in these figures: a forked
child's ru_maxrss starts at its parent's size, so RUSAGE_CHILDREN would only repeat the parent's.
tracemalloc is not used: it would slow the phases it measures several times over.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("NEWSCLAIMS_SHARED_DATA", ROOT.parent / "shared" / "data")).resolve()
DEFAULT_CORPUS = SHARED / "bbc_news"

PHASES = {
    "spacy_bare": "(a)  bare spaCy nlp.pipe",
    "spacy_newsclaims": "(a') spaCy as newsclaims loads it",
    "extraction": "(b)  extraction: annotate_texts",
    "pipeline": "(c)  whole pipeline, first run",
    "pipeline_again": "(d)  whole pipeline, unchanged input",
}
#: run after the measured phases with --profile; not in the table (cProfile slows what it measures)
PROFILE_PHASE = "extraction_profile"


# ---------------------------------------------------------------------------------------- helpers


def peak_rss_mib(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


def current_rss_mib() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def corpus_files(corpus: Path, limit: int | None) -> list[Path]:
    """The articles (`*.txt`, not the corpus's ORIGINAL_README.TXT), sorted; with a limit, spread
    evenly over the sorted list so every topic folder is represented."""
    files = sorted(p for p in corpus.rglob("*.txt") if p.is_file())
    if limit is not None and limit < len(files):
        files = [files[i * len(files) // limit] for i in range(limit)]
    return files


def load_texts(input_dir: Path) -> list[str]:
    """The texts the pipeline would send to spaCy: read_corpus's documents, in document_id order."""
    from pipeline.ingest.files import read_corpus

    corpus = read_corpus(input_dir)
    return [corpus.documents[k].text for k in sorted(corpus.documents)]


# ------------------------------------------------------------------ phases (each in its own process)


def phase_spacy(args, texts: list[str], newsclaims: bool) -> dict:
    started = time.perf_counter()
    if newsclaims:
        from pipeline.nlp.model import load_model

        nlp = load_model(args.model)
    else:
        import spacy

        from pipeline.nlp.model import resolve_model

        nlp = spacy.load(resolve_model(args.model))
    loaded = time.perf_counter()
    rss_loaded = current_rss_mib()
    tokens = 0
    for doc in nlp.pipe(texts, batch_size=args.batch_size, n_process=1):
        tokens += len(doc)
    done = time.perf_counter()
    return dict(
        seconds=done - loaded,
        setup_seconds=loaded - started,
        rss_after_load_mib=rss_loaded,
        tokens=tokens,
        pipe_names=nlp.pipe_names,
    )


def phase_extraction(args, texts: list[str], profile: bool = False) -> dict:
    from pipeline.nlp.annotate import annotate_texts, extractor_version
    from pipeline.nlp.model import load_model

    started = time.perf_counter()
    nlp = load_model(args.model)
    loaded = time.perf_counter()
    rss_loaded = current_rss_mib()
    rows = {}
    items = ((text, str(i)) for i, text in enumerate(texts))

    def consume():
        for _doc_id, tables in annotate_texts(nlp, items, batch_size=args.batch_size, n_process=1):
            for table, table_rows in tables.items():
                rows[table] = rows.get(table, 0) + len(table_rows)

    profile_text = None
    if profile:
        import cProfile
        import io
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(consume)
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(35)
        stats.sort_stats("tottime").print_stats(25)
        profile_text = out.getvalue()
    else:
        consume()
    done = time.perf_counter()
    return dict(
        seconds=done - loaded,
        setup_seconds=loaded - started,
        rss_after_load_mib=rss_loaded,
        rows=rows,
        version=extractor_version(nlp),
        profile=profile_text,
    )


def phase_pipeline(args, input_dir: Path, warehouse: Path) -> dict:
    from pipeline.cli import run
    from pipeline.settings import Settings

    settings = Settings.from_env(
        input_dir=input_dir, warehouse=warehouse, spacy_model=args.model, batch_size=args.batch_size, n_process=1
    )
    started = time.perf_counter()
    ok = run(settings)
    done = time.perf_counter()
    if not ok:
        raise SystemExit("the pipeline run failed")
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        counts = {
            t: con.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("dim_documents", "fct_mentions", "fct_claims", "fct_sources", "dim_entities")
        }
    finally:
        con.close()
    return dict(seconds=done - started, counts=counts)


def run_phase(args) -> None:
    """Child process: one phase, result as JSON into --result."""
    work = Path(args.workdir)
    input_dir, warehouse = work / "input", work / "warehouse.duckdb"
    if args.phase in ("pipeline", "pipeline_again"):
        result = phase_pipeline(args, input_dir, warehouse)
    else:
        texts = load_texts(input_dir)
        if args.phase in ("extraction", PROFILE_PHASE):
            result = phase_extraction(args, texts, profile=args.phase == PROFILE_PHASE)
        else:
            result = phase_spacy(args, texts, newsclaims=args.phase == "spacy_newsclaims")
    result["peak_rss_mib"] = peak_rss_mib()
    Path(args.result).write_text(json.dumps(result))


# ---------------------------------------------------------------------------------------- driver


def spawn(args, phase: str, work: Path) -> dict:
    result_file = work / f"{phase}.json"
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--phase",
        phase,
        "--workdir",
        str(work),
        "--result",
        str(result_file),
        "--model",
        args.model,
        "--batch-size",
        str(args.batch_size),
    ]
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME",)}  # an ephemeral instance
    env.pop("NEWSCLAIMS_INPUT_DIR", None)
    env.pop("NEWSCLAIMS_WAREHOUSE", None)
    print(f"  {PHASES.get(phase, phase)} ...", end="", flush=True)
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        print(" failed")
        sys.stderr.write(proc.stdout[-5000:] + proc.stderr[-10000:])
        raise SystemExit(f"phase {phase} failed (exit {proc.returncode})")
    result = json.loads(result_file.read_text())
    result["process_seconds"] = wall
    print(f" {result['seconds']:.1f} s")
    return result


def git_state() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "pipeline"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
        return head + (" + uncommitted changes in pipeline/" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"


def main(argv: list[str] | None = None) -> int:
    from pipeline.settings import Settings, default_model

    defaults = Settings.from_env()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help=f"default: {DEFAULT_CORPUS}")
    parser.add_argument("--limit", type=int, help="take N articles spread over the corpus (default: all)")
    parser.add_argument("--model", default=defaults.spacy_model or default_model())
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size, dest="batch_size")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="after the measurements, run the extraction once more under cProfile and print the top",
    )
    parser.add_argument("--only", nargs="+", choices=list(PHASES), help="run only these phases")
    parser.add_argument("--phase", choices=[*PHASES, PROFILE_PHASE], help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.phase:
        run_phase(args)
        return 0
    if not args.corpus.is_dir():
        print(
            f"throughput: the BBC corpus is not at {args.corpus} (it lives in ../shared/data/bbc_news "
            "beside the clone); nothing to measure"
        )
        return 0
    files = corpus_files(args.corpus, args.limit)
    if not files:
        print(f"throughput: no *.txt under {args.corpus}")
        return 0
    phases = args.only or list(PHASES)
    if "pipeline_again" in phases and "pipeline" not in phases:
        phases.insert(phases.index("pipeline_again"), "pipeline")

    with tempfile.TemporaryDirectory(prefix="newsclaims-throughput-") as tmp:
        work = Path(tmp)
        for f in files:
            target = work / "input" / f.relative_to(args.corpus)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, target)
        texts = load_texts(work / "input")
        chars = sum(len(t) for t in texts)
        import spacy

        print(
            f"newsclaims throughput on {args.corpus}: {len(files)} files → {len(texts)} distinct documents, "
            f"{chars:,} characters"
        )
        print(
            f"model {args.model} (spaCy {spacy.__version__}), batch size {args.batch_size}, n_process 1, "
            f"{os.cpu_count()} CPUs; code {git_state()}"
        )
        results = {phase: spawn(args, phase, work) for phase in phases}
        profiled = spawn(args, PROFILE_PHASE, work) if args.profile else None

    bare = results.get("spacy_bare")
    print()
    header = f"{'phase':<40} {'seconds':>8} {'docs/s':>8} {'chars/s':>9} {'× bare':>7} {'peak RSS':>9}  notes"
    print(header)
    print("-" * len(header))
    for phase, r in results.items():
        secs = r["seconds"]
        docs_s = len(texts) / secs if secs else float("inf")
        chars_s = chars / secs if secs else float("inf")
        ratio = f"{secs / bare['seconds']:.2f}" if bare and phase != "spacy_bare" else ""
        notes = []
        if "setup_seconds" in r:
            notes.append(f"model load {r['setup_seconds']:.1f} s, RSS after load {r['rss_after_load_mib']:.0f} MiB")
        if phase == "spacy_newsclaims":
            notes.append("pipes: " + ",".join(r["pipe_names"]))
        if phase == "extraction":
            notes.append(f"rows: {r['rows'].get('claims', 0)} claims, {r['rows'].get('mentions', 0)} mentions")
        if "tokens" in r:
            notes.append(f"{r['tokens'] / secs:,.0f} tokens/s")
        if "counts" in r:
            notes.append(f"{r['counts']['fct_claims']} claims in fct_claims")
        notes.append(f"process {r['process_seconds']:.1f} s")
        print(
            f"{PHASES[phase]:<40} {secs:>8.2f} {docs_s:>8.1f} {chars_s:>9,.0f} {ratio:>7} "
            f"{r['peak_rss_mib']:>6.0f} MiB  {'; '.join(notes)}"
        )
    if "spacy_newsclaims" in results and "extraction" in results:
        a2, b = results["spacy_newsclaims"]["seconds"], results["extraction"]["seconds"]
        print(
            f"\nextraction beside spaCy as newsclaims loads it: {b / a2:.2f}× "
            f"({(b - a2) / len(texts) * 1000:.1f} ms per document on top of nlp.pipe)"
        )
    if profiled:
        print(
            f"\ncProfile of one more extraction run ({profiled['seconds']:.1f} s under the profiler; "
            "cumulative, then own time):"
        )
        print(profiled["profile"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
