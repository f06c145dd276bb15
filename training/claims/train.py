#!/usr/bin/env python3
"""`make train-claims`: train the claim tagger and install it in pipeline/models/claims_tagger.

    .venv/bin/python training/claims/train.py [--max-steps N] [--work DIR] [--no-eval]

1. prepare.py: PolNeAR train (../shared/data/polnear/train) → spaCy DocBins in a scratch folder
   outside the project; every tenth article is held out for picking the best checkpoint and for
   the decoder's decisions. PolNeAR dev is never used for training or for choosing anything.
2. `spacy train config.cfg`: a tagger (composite content/source/cue tags) with its own CNN tok2vec
   over en_core_web_md's static vectors, under `nice`, one thread.
3. The best checkpoint is copied to pipeline/models/claims_tagger WITHOUT its vocab (the strings
   spaCy saves there include training tokens; vocab and vectors come from the base at load time)
   and without the tokenizer; meta.json records the vectors it needs. The artifact is checked: under
   25 MB, and none of a sample of rare PolNeAR train words (ones the base model's strings lack)
   occurs in any of its files.
4. Figures: rules / learned / combined on the held-out tenth of train (training/claims/evaluate.py),
   then the dev figures through the whole pipeline, scored by the shared score_claims.py
   (benchmarks/quality.py, the same path as `make quality`).

Writes only pipeline/models/claims_tagger.
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

from pipeline.nlp import claim_model as cm  # noqa: E402
from pipeline.nlp import model as nm  # noqa: E402

SHARED = Path(os.environ.get("NEWSCLAIMS_SHARED_DATA", ROOT.parent / "shared" / "data")).resolve()
VECTORS_MODEL = "en_core_web_md"
MAX_BYTES = 25 * 1024 * 1024
#: files of a saved spaCy pipeline the component needs (no vocab/, no tokenizer/)
KEEP = ("config.cfg", "meta.json", cm.CLAIM_PIPE)
WORD = re.compile(r"[A-Za-z]{8,}")


def step(msg: str) -> None:
    print(f"\n== train-claims: {msg} ==", flush=True)


def run(cmd: list, **kw) -> None:
    print("$ " + " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, **kw)


def rare_training_words(split_dir: Path, base_strings, n: int = 300) -> list[str]:
    """Words seen once in the training texts, at least 8 letters, that the base model's strings lack."""
    counts = collections.Counter()
    for p in sorted((split_dir / "text").glob("*.txt")):
        counts.update(WORD.findall(p.read_text(encoding="utf-8")))
    rare = sorted(t for t, c in counts.items() if c == 1 and t not in base_strings)
    step_ = max(1, len(rare) // n)
    return rare[::step_][:n]


def check_artifact(artifact: Path, split_dir: Path, base_strings) -> dict:
    files = [p for p in artifact.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    if size > MAX_BYTES:
        raise SystemExit(f"artifact is {size / 2**20:.1f} MiB, over the 25 MB limit")
    probes = rare_training_words(split_dir, base_strings)
    blobs = [p.read_bytes() for p in files]
    found = [t for t in probes if any(t.encode("utf-8") in b for b in blobs)]
    if found:
        raise SystemExit(f"artifact holds PolNeAR training words: {found[:10]}")
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
        name="claims_tagger",
        version="1.0.0",
        description="newsclaims' claim tagger (content B/I/O x source/cue BIO per token): a tagger "
        "with its own CNN tok2vec over en_core_web_md's static vectors, loaded with the base "
        "model's vocab. Built by `make train-claims` (training/claims). Holds no training text.",
        license="Apache-2.0 (weights trained on PolNeAR 1.0 train; the data is not included)",
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
    ap.add_argument("--max-steps", type=int, default=2000)
    ap.add_argument("--work", type=Path, help="scratch folder outside the project (default: a new temporary one)")
    ap.add_argument("--best", type=Path, help="package this trained pipeline instead of training one")
    ap.add_argument("--no-eval", action="store_true", help="skip the figures")
    ap.add_argument("--artifact", type=Path, default=cm.CLAIM_COMPONENT)
    a = ap.parse_args(argv)
    polnear = SHARED / "polnear"
    if not (polnear / "train" / "text").is_dir():
        print(f"train-claims: PolNeAR not found at {polnear} (../shared/data beside the clone); nothing trained")
        return 1
    import spacy

    base_path = nm.resolve_model(VECTORS_MODEL)
    base = spacy.load(base_path, exclude=["tagger", "parser", "attribute_ruler", "lemmatizer", "ner", "senter"])
    vectors_shape = tuple(base.vocab.vectors.shape)
    work = (a.work or Path(tempfile.mkdtemp(prefix="newsclaims-train-claims-"))).resolve()
    assert ROOT not in work.parents, "the scratch folder must be outside the project (it holds PolNeAR text)"
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    seconds = 0.0
    best = a.best
    if best is None:
        step("prepare")
        run([sys.executable, HERE / "prepare.py", polnear / "train", work / "corpus"], env=env)
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
    held = {k: v for k, v in json.loads((best / "meta.json").read_text())["performance"].items() if k in ("tag_acc",)}
    step("package")
    package(best, a.artifact, vectors_shape, held, seconds)
    checked = check_artifact(a.artifact, polnear / "train", base.vocab.strings)
    print(
        f"artifact {a.artifact}: {checked['bytes'] / 2**20:.1f} MiB in {checked['files']} files; none of "
        f"{checked['probe_tokens']} rare training words found (e.g. {', '.join(checked['probe_examples'])})"
    )
    if a.no_eval:
        return 0
    step("held-out tenth of PolNeAR train: rules / learned / combined")
    import importlib.util

    spec = importlib.util.spec_from_file_location("claims_evaluate", HERE / "evaluate.py")
    ev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ev)

    r = ev.evaluate(polnear / "train", a.artifact, 10, None, SHARED.parent / "tools")
    for v in ("rules", "learned", "combined"):
        print(ev.summary(v, r[v]))
    if a.artifact.resolve() != cm.CLAIM_COMPONENT:
        return 0
    step("dev figures: PolNeAR dev through the pipeline (benchmarks/quality.py)")
    run(["nice", "-n", "10", sys.executable, ROOT / "benchmarks" / "quality.py", "--only", "claims"], env=env)
    print(f"(scratch: {work}; delete it when done, it holds PolNeAR text)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
