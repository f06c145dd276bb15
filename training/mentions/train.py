#!/usr/bin/env python3
"""`make train-mentions`: train the CoNLL entity component and install it in pipeline/models/conll_ner.

    .venv/bin/python training/mentions/train.py [--max-steps N] [--work DIR] [--no-eval]

1. prepare.py: CoNLL-2003 train (../shared/data/conll2003/train.txt) → spaCy DocBins in a scratch
   folder outside the project; every tenth document is held out for picking the best checkpoint.
   CoNLL valid is never used for training or for choosing anything.
2. `spacy train config.cfg`: a NER with its own CNN tok2vec over the base model's static vectors
   (en_core_web_md's, read from the installed package).
3. The best checkpoint is copied to pipeline/models/conll_ner WITHOUT its vocab (the strings spaCy
   saves there include training tokens; the vocab and vectors come from the base model at load
   time) and without the tokenizer; its meta.json records the vectors it needs. Then the artifact is
   checked: under the size limit, and none of a sample of rare CoNLL train tokens (ones the base
   model's own strings lack) occurs in any of its files.
4. The dev figures: the whole pipeline on CoNLL-2003 valid, scored by the shared score_mentions.py
   (the same path as `newsclaims eval mentions` and `make quality`).

Long: about an hour on two shared cores; runs under `nice`. Writes only pipeline/models/conll_ner.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.nlp import model as nm  # noqa: E402

SHARED = Path(os.environ.get("NEWSCLAIMS_SHARED_DATA", ROOT.parent / "shared" / "data")).resolve()
VECTORS_MODEL = "en_core_web_md"
MAX_BYTES = 25 * 1024 * 1024
#: files of a saved spaCy pipeline the component needs (no vocab/, no tokenizer/)
KEEP = ("config.cfg", "meta.json", nm.ENTITY_PIPE)


def step(msg: str) -> None:
    print(f"\n== train-mentions: {msg} ==", flush=True)


def run(cmd: list, **kw) -> None:
    print("$ " + " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, **kw)


def rare_training_tokens(conll_file: Path, base_strings, n: int = 300) -> list[str]:
    """Tokens seen once in the training file, at least 7 letters, that the base model's strings lack."""
    counts = collections.Counter()
    with open(conll_file, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if parts and not parts[0].startswith("-DOCSTART-"):
                counts[parts[0]] += 1
    rare = sorted(t for t, c in counts.items() if c == 1 and len(t) >= 7 and t.isalpha() and t not in base_strings)
    step_ = max(1, len(rare) // n)
    return rare[::step_][:n]


def check_artifact(artifact: Path, conll_file: Path, base_strings) -> dict:
    files = [p for p in artifact.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    if size > MAX_BYTES:
        raise SystemExit(f"artifact is {size / 2**20:.1f} MiB, over the 25 MB limit")
    probes = rare_training_tokens(conll_file, base_strings)
    blobs = [p.read_bytes() for p in files]
    found = [t for t in probes if any(t.encode("utf-8") in b for b in blobs)]
    if found:
        raise SystemExit(f"artifact holds CoNLL training tokens: {found[:10]}")
    return {"bytes": size, "files": len(files), "probe_tokens": len(probes), "probe_examples": probes[:5]}


def package(best: Path, artifact: Path, vectors_shape: tuple[int, int], held: dict, seconds: float) -> None:
    if artifact.exists():
        shutil.rmtree(artifact)
    artifact.mkdir(parents=True)
    for name in KEEP:
        src = best / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, artifact / name)
    cfg = (artifact / "config.cfg").read_text(encoding="utf-8")
    cfg = re.sub(r"^(train|dev|vectors) = .*$", r"\1 = null", cfg, flags=re.M)
    (artifact / "config.cfg").write_text(cfg, encoding="utf-8")
    meta = json.loads((artifact / "meta.json").read_text(encoding="utf-8"))
    meta.update(
        name="conll_ner",
        version="1.0.0",
        description="newsclaims' CoNLL-2003 entity component (PER, ORG, LOC, MISC): a NER with its own "
        "CNN tok2vec over en_core_web_md's static vectors, loaded with the base model's "
        "vocab. Built by `make train-mentions` (training/mentions). Holds no training text.",
        license="Apache-2.0 (weights trained on CoNLL-2003 English; the data is not included)",
    )
    meta.pop("vectors", None)
    meta["newsclaims"] = {
        "vectors_model": VECTORS_MODEL,
        "vectors_shape": list(vectors_shape),
        "held_out_of_train": held,
        "training_seconds": round(seconds),
    }
    (artifact / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--max-steps", type=int, default=6000)
    ap.add_argument("--work", type=Path, help="scratch folder outside the project (default: a new temporary one)")
    ap.add_argument("--no-eval", action="store_true", help="skip the dev figures")
    ap.add_argument(
        "--artifact",
        type=Path,
        default=nm.ENTITY_COMPONENT,
        help="where the component goes (default: pipeline/models/conll_ner; the dev figures need the default)",
    )
    a = ap.parse_args(argv)
    conll = SHARED / "conll2003"
    if not (conll / "train.txt").is_file():
        print(f"train-mentions: CoNLL-2003 not found at {conll} (../shared/data beside the clone); nothing trained")
        return 1
    import spacy

    base_path = nm.resolve_model(VECTORS_MODEL)
    base = spacy.load(base_path, exclude=["tagger", "parser", "attribute_ruler", "lemmatizer", "ner", "senter"])
    vectors_shape = tuple(base.vocab.vectors.shape)
    work = (a.work or Path(tempfile.mkdtemp(prefix="newsclaims-train-mentions-"))).resolve()
    assert ROOT not in work.parents, "the scratch folder must be outside the project (it holds CoNLL text)"
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")

    step("prepare")
    run([sys.executable, HERE / "prepare.py", conll / "train.txt", work / "corpus"], env=env)
    step("train (spacy train)")
    t0 = time.perf_counter()
    run(
        [
            "nice",
            "-n",
            "10",
            sys.executable,
            "-m",
            "spacy",
            "train",
            HERE / "config.cfg",
            "--output",
            work / "out",
            "--paths.train",
            work / "corpus" / "train.spacy",
            "--paths.dev",
            work / "corpus" / "held.spacy",
            "--paths.vectors",
            base_path,
            "--training.max_steps",
            a.max_steps,
        ],
        env=env,
    )
    seconds = time.perf_counter() - t0
    best = work / "out" / "model-best"
    held = {
        k: v
        for k, v in json.loads((best / "meta.json").read_text())["performance"].items()
        if k in ("ents_p", "ents_r", "ents_f", "ents_per_type")
    }
    step("package")
    package(best, a.artifact, vectors_shape, held, seconds)
    checked = check_artifact(a.artifact, conll / "train.txt", base.vocab.strings)
    print(
        f"artifact {a.artifact}: {checked['bytes'] / 2**20:.1f} MiB in "
        f"{checked['files']} files; none of {checked['probe_tokens']} rare training tokens found "
        f"(e.g. {', '.join(checked['probe_examples'])})"
    )
    print(f"held-out part of train: ents F1 {held['ents_f']:.3f} (P {held['ents_p']:.3f}, R {held['ents_r']:.3f})")
    if a.no_eval or a.artifact.resolve() != nm.ENTITY_COMPONENT:
        return 0
    step("dev figures: CoNLL-2003 valid through the pipeline")
    from pipeline import evaluation
    from pipeline.cli import run as run_pipeline

    nm.load_model.cache_clear()
    evaluation.eval_mentions(run_pipeline, conll / "valid.txt", work)
    print(f"(scratch: {work}; delete it when done, it holds CoNLL text)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
