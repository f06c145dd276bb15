"""Scoring the pipeline on shared gold data with the shared scorers (`../shared/tools`).

Used by `newsclaims eval mentions CONLL_FILE`, `newsclaims eval claims DIR` and by benchmarks/quality.py, so both print the same
figures the same way: every command run is echoed, then the scorer's JSON line.

Mentions: `conll_docs.py CONLL_FILE DIR` writes one document per CoNLL document and gold spans, the
whole pipeline (`run`, the CLI's path) builds a warehouse from the documents, and
`score_mentions.py DIR --duckdb WAREHOUSE` scores `fct_mentions` (PER, ORG, LOC; exact spans).
Claims: the articles of a brat folder in PolNeAR's layout (DIR/text/*.txt, DIR/attributions/*.ann)
are copied to a scratch folder, the whole pipeline builds a warehouse from them, and
`score_claims.py DIR --duckdb WAREHOUSE` scores `fct_claims`; with thresholds, the same matching
is applied to the claims with confidence >= each threshold.
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
    print(
        f'$ python -c "from pipeline.cli import run; from pipeline.settings import Settings; '
        f"run(Settings.from_env(input_dir={str(input_dir)!r}, warehouse={str(warehouse)!r}, "
        f'spacy_model={settings.spacy_model!r}))"',
        flush=True,
    )
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
    return (
        f"micro P {m['p']:.3f} R {m['r']:.3f} F1 {m['f1']:.3f} · PER F1 {result['PER']['f1']:.3f} · "
        f"ORG F1 {result['ORG']['f1']:.3f} · LOC F1 {result['LOC']['f1']:.3f}"
    )


def eval_mentions(
    run: Callable[[Settings], bool],
    conll_file: Path,
    scratch: Path,
    tools: Path | None = None,
    model: str | None = None,
) -> dict:
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


def claims_summary(result: dict) -> str:
    a, s = result["attribution"], result["strict"]
    return (
        f"attribution P {a['p']:.3f} R {a['r']:.3f} F1 {a['f1']:.3f} · strict F1 {s['f1']:.3f} · "
        f"cue F1 {result['cue']['f1']:.3f} · source F1 {result['source']['f1']:.3f} "
        f"(exact {result['source_exact']['f1']:.3f}) · content char-F1 {result['content']['mean_char_f1']:.3f}"
    )


def brat_folder_problem(split_dir: Path) -> str | None:
    """Why `split_dir` is not a brat folder in PolNeAR's layout, or None."""
    if not (split_dir / "text").is_dir() or not (split_dir / "attributions").is_dir():
        return f"{split_dir} has no text/ and attributions/ folders (PolNeAR's layout)"
    if not any((split_dir / "text").glob("*.txt")):
        return f"{split_dir}/text holds no .txt articles"
    return None


def load_claims_scorer(tools: Path):
    """The shared score_claims.py as a module (its gold reader, matching and scoring)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("score_claims", tools / "score_claims.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def confidence_table(tools: Path, split_dir: Path, warehouse: Path, thresholds: list[float]) -> list[dict]:
    """The shared scorer's figures on the claims kept at each confidence threshold."""
    import duckdb

    sc = load_claims_scorer(tools)
    gold = sc.load_gold(split_dir)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute("""
            select d.path, c.speaker_start_char, c.speaker_end_char, c.cue_start_char, c.cue_end_char,
                   c.content_start_char, c.content_end_char, coalesce(c.confidence, 0)
            from fct_claims c join dim_documents d using (document_id)""").fetchall()
    finally:
        con.close()
    out = []
    for t in thresholds:
        pred: dict[str, list[dict]] = {}
        for path, ss, se, cs, ce, ts, te, conf in rows:
            if conf >= t:
                pred.setdefault(Path(path).name, []).append(
                    {"source": [(ss, se)] if ss is not None else None, "cue": [(cs, ce)], "content": [(ts, te)]}
                )
        r = sc.score(gold, pred)
        out.append(
            {
                "threshold": t,
                "claims": r["attribution"]["pred"],
                "p": r["attribution"]["p"],
                "r": r["attribution"]["r"],
                "f1": r["attribution"]["f1"],
                "strict_f1": r["strict"]["f1"],
            }
        )
    return out


def print_confidence_table(table: list[dict]) -> None:
    print("| confidence >= | claims | attribution P | R | F1 | strict F1 |")
    print("| --- | --- | --- | --- | --- | --- |")
    for row in table:
        print(
            f"| {row['threshold']:.2f} | {row['claims']} | {row['p']:.3f} | {row['r']:.3f} | {row['f1']:.3f} | "
            f"{row['strict_f1']:.3f} |"
        )


def eval_claims(
    run: Callable[[Settings], bool],
    split_dir: Path,
    scratch: Path,
    tools: Path | None = None,
    model: str | None = None,
    thresholds: list[float] | None = None,
) -> dict:
    """A brat folder's articles → the pipeline → score_claims.py on fct_claims; returns the scorer's JSON."""
    import shutil

    tools = tools or shared_tools()
    if not (tools / "score_claims.py").is_file():
        raise SystemExit(f"the shared scorer score_claims.py is not in {tools} (set NEWSCLAIMS_SHARED_TOOLS)")
    input_dir = scratch / "claims_input"
    input_dir.mkdir(parents=True)
    texts = sorted((split_dir / "text").glob("*.txt"))
    for t in texts:
        shutil.copy2(t, input_dir / t.name)
    warehouse = scratch / "claims_w.duckdb"
    print(f"== claims: {split_dir}, {len(texts)} articles ==", flush=True)
    seconds = run_pipeline(run, input_dir, warehouse, model)
    print(f"(pipeline: {seconds:.1f} s)")
    result = scorer([sys.executable, tools / "score_claims.py", split_dir, "--duckdb", warehouse])
    print(claims_summary(result))
    if thresholds:
        print_confidence_table(confidence_table(tools, split_dir, warehouse, thresholds))
    return result
