"""Scoring the pipeline on shared gold data with the shared scorers (`../shared/tools`).

Used by `newsclaims eval mentions CONLL_FILE` and by benchmarks/quality.py, so both print the same
figures the same way: every command run is echoed, then the scorer's JSON line.

Mentions: `conll_docs.py CONLL_FILE DIR` writes one document per CoNLL document and gold spans, the
whole pipeline (`run`, the CLI's path) builds a warehouse from the documents, and
`score_mentions.py DIR --duckdb WAREHOUSE` scores `fct_mentions` (PER, ORG, LOC; exact spans).
The scorers are not part of newsclaims: they are found in $NEWSCLAIMS_SHARED_TOOLS, else in
../shared/tools beside the project.
"""
from __future__ import annotations

import contextlib
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

from pipeline.settings import PROJECT_ROOT, Settings


def shared_tools() -> Path:
    env = os.environ.get("NEWSCLAIMS_SHARED_TOOLS")
    if env:
        return Path(env).expanduser().resolve()
    data = os.environ.get("NEWSCLAIMS_SHARED_DATA")
    return (Path(data).expanduser().resolve().parent if data else PROJECT_ROOT.parent / "shared") / "tools"


def show(cmd: list) -> None:
    print("$ " + " ".join(shlex.quote(str(c)) for c in cmd), flush=True)


def scorer(cmd: list) -> dict:
    """Run a shared scorer, echo its command and its JSON line, and return the JSON."""
    show(cmd)
    out = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if out.returncode != 0:
        sys.stderr.write(out.stdout + out.stderr)
        raise SystemExit(f"scorer failed ({out.returncode}): {cmd[1]}")
    line = out.stdout.strip().splitlines()[-1]
    print(line, flush=True)
    return json.loads(line)


@contextlib.contextmanager
def output_to(log: Path):
    """Send this process's (and its children's, e.g. dbt's) stdout and stderr to `log`."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for f in (fd, *saved):
            os.close(f)


def run_pipeline(run: Callable[[Settings], bool], input_dir: Path, warehouse: Path, model: str | None = None) -> float:
    """The whole job (ingest → spaCy → load → dbt build), its log kept beside the warehouse."""
    settings = Settings.from_env(input_dir=input_dir, warehouse=warehouse, spacy_model=model)
    print(f'$ python -c "from pipeline.cli import run; from pipeline.settings import Settings; '
          f'run(Settings.from_env(input_dir={str(input_dir)!r}, warehouse={str(warehouse)!r}, '
          f'spacy_model={settings.spacy_model!r}))"', flush=True)
    log = warehouse.with_suffix(".log")
    t0 = time.perf_counter()
    with output_to(log):
        ok = run(settings)
    if not ok:
        sys.stderr.write(log.read_text(encoding="utf-8", errors="replace")[-5000:])
        raise SystemExit("the pipeline run failed")
    return time.perf_counter() - t0


def mentions_summary(result: dict) -> str:
    m = result["micro"]
    return (f"micro P {m['p']:.3f} R {m['r']:.3f} F1 {m['f1']:.3f} · PER F1 {result['PER']['f1']:.3f} · "
            f"ORG F1 {result['ORG']['f1']:.3f} · LOC F1 {result['LOC']['f1']:.3f}")


def eval_mentions(run: Callable[[Settings], bool], conll_file: Path, scratch: Path, tools: Path | None = None,
                  model: str | None = None) -> dict:
    """conll_docs.py → the pipeline → score_mentions.py on fct_mentions; returns the scorer's JSON."""
    tools = tools or shared_tools()
    for name in ("conll_docs.py", "score_mentions.py"):
        if not (tools / name).is_file():
            raise SystemExit(f"the shared scorer {name} is not in {tools} (set NEWSCLAIMS_SHARED_TOOLS)")
    conll = scratch / "conll"
    cmd = [sys.executable, tools / "conll_docs.py", conll_file, conll]
    show(cmd)
    subprocess.run([str(c) for c in cmd], check=True)
    warehouse = scratch / "conll_w.duckdb"
    seconds = run_pipeline(run, conll / "docs", warehouse, model)
    print(f"(pipeline: {seconds:.1f} s)")
    result = scorer([sys.executable, tools / "score_mentions.py", conll, "--duckdb", warehouse])
    print(mentions_summary(result))
    return result
