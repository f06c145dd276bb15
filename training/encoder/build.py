#!/usr/bin/env python3
"""`make train-encoder`: fine-tune all-MiniLM-L6-v2 as the claim tagger and install it in
pipeline/models/claims_encoder.

    .venv/bin/python training/encoder/build.py --train-python /work/train311/bin/python [--work DIR] [--epochs 4] [--seeds 0 1]
    .venv/bin/python training/encoder/build.py --ckpt DIR [DIR] --onnx FILE [FILE]   # package trained checkpoints

Torch is a training tool only, never a dependency of the project: --train-python is a separate venv
with `torch==2.13.0 numpy safetensors tokenizers onnx onnxruntime` (training/encoder/README.md).

1. prepare.py (this venv): PolNeAR train → JSON lines of spaCy tokens and composite tags in a
   scratch folder outside the project, every tenth article held out (the CNN tagger's split;
   ``--held-every 0``: none, every article is trained on).
2. train.py (the training venv, `nice -n 19`, one thread): the fine-tuning, once per seed (the seeds
   run side by side, a core each); a checkpoint every half epoch; each run's last one is packaged.
3. export_onnx.py (the training venv): the checkpoint as ONNX from the word-piece embeddings on,
   its MatMuls int8 by dynamic per-channel quantisation (``tagger.onnx``, 11 MB; a third of the
   numpy encoder's time per token).
4. package: ``tagger.onnx`` (one seed) or ``tagger-0.onnx``, ``tagger-1.onnx``, ... (an ensemble: labels.json's
   ``members``, whose probabilities the tagger averages) and ``labels.json`` (tag names, training
   figures) into the artifact,
   checked: under 25 MB, and none of a sample of rare PolNeAR train words in any of its files.
5. Figures: rules / learned / combined on the held-out tenth (training/encoder/evaluate.py; not with
   ``--held-every 0``), then
   PolNeAR dev through the pipeline (benchmarks/quality.py --only claims).

Writes only pipeline/models/claims_encoder.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.nlp import embeddings as emb  # noqa: E402
from pipeline.nlp import encoder_tagger as et  # noqa: E402
from training import common  # noqa: E402

SHARED = Path(os.environ.get("NEWSCLAIMS_SHARED_DATA", ROOT.parent / "shared" / "data")).resolve()
steps = common.Steps("train-encoder")


def rare_training_words(split_dir: Path, n: int = 300) -> list[str]:
    """Words seen once in the training texts, at least 8 letters, that the encoder's word-piece
    vocabulary lacks as whole words (and that are no part of its weights' names, which the ONNX
    graph's node names repeat)."""
    import zipfile

    with zipfile.ZipFile(emb.model_zip()) as z:
        vocab = set(json.loads(z.read("tokenizer.json"))["model"]["vocab"])
        names = " ".join(emb._read_safetensors(z.read("model.safetensors"))).lower()  # the graph's own names
    counts = common.split_word_counts(split_dir)
    return common.rare_words(counts, {w for w in counts if w.lower() in vocab or w.lower() in names}, n)


def package(ckpts: list[Path], onnxes: list[Path], artifact: Path, seconds: float | None) -> None:
    if artifact.exists():
        shutil.rmtree(artifact)
    artifact.mkdir(parents=True)
    metas = [json.loads((c / "labels.json").read_text(encoding="utf-8")) for c in ckpts]
    assert all(m["labels"] == metas[0]["labels"] for m in metas), "the checkpoints' tag names differ"
    meta = dict(metas[0])
    if meta.get("features"):  # their tables, beside the graph (export_onnx.py writes them)
        assert len(onnxes) == 1, "an ensemble of taggers with parse features is not supported"
        shutil.copy2(onnxes[0].parent / "features.safetensors", artifact / "features.safetensors")
    if len(onnxes) == 1:
        shutil.copy2(onnxes[0], artifact / "tagger.onnx")
    else:
        names = [f"tagger-{i}.onnx" for i in range(len(onnxes))]
        for onnx, name in zip(onnxes, names, strict=True):
            shutil.copy2(onnx, artifact / name)
        meta.update(
            members=names,
            step=[m["step"] for m in metas],
            loss=[m["loss"] for m in metas],
            seed=[m.get("seed") for m in metas],
        )
    meta.pop("frozen", None)  # the ONNX model carries its word-piece table
    meta.update(
        name=et.NAME,
        version="1.0.0",
        description="newsclaims' claim tagger (content B/I/O x source/cue BIO per token): "
        "all-MiniLM-L6-v2 fine-tuned as a token tagger (linear head at each token's first word piece), "
        "int8 ONNX (several: their probabilities averaged). Built by `make train-encoder` (training/encoder). Holds no training text.",
        license="Apache-2.0 (all-MiniLM-L6-v2; weights fine-tuned on PolNeAR 1.0 train, the data is not included)",
    )
    if seconds is not None:
        meta["training_seconds"] = round(seconds)
    (artifact / "labels.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--train-python", type=Path, help="python of the training venv (torch)")
    ap.add_argument("--work", type=Path, help="scratch folder outside the project (default: a new temporary one)")
    ap.add_argument("--epochs", type=float, default=4.0)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0], help="one tagger per seed (several: an ensemble)")
    ap.add_argument("--deadline", help="UTC HH:MM by which training must end (train.py --deadline)")
    ap.add_argument("--features", action="store_true", help="train with parse features (train.py --features)")
    ap.add_argument("--ckpt", type=Path, nargs="+", help="package these checkpoints instead of training")
    ap.add_argument("--onnx", type=Path, nargs="+", help="with --ckpt: their exported int8 models")
    ap.add_argument("--no-eval", action="store_true", help="skip the figures")
    ap.add_argument(
        "--held-every",
        type=int,
        default=10,
        help="hold out every Nth training article for the held-out figures (0: train on all of them; dev figures only)",
    )
    ap.add_argument("--artifact", type=Path, default=et.ENCODER_COMPONENT)
    a = ap.parse_args(argv)
    polnear = SHARED / "polnear"
    if not (polnear / "train" / "text").is_dir():
        print(f"train-encoder: PolNeAR not found at {polnear} (../shared/data beside the clone); nothing trained")
        return 1
    work = (a.work or Path(tempfile.mkdtemp(prefix="newsclaims-train-encoder-"))).resolve()
    assert ROOT not in work.parents, "the scratch folder must be outside the project (it holds PolNeAR text)"
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, **common.ONE_THREAD)
    ckpts, onnxes, seconds = a.ckpt, a.onnx, None
    if ckpts is None:
        if a.train_python is None:
            ap.error("--train-python (a venv with torch) is needed to train; see training/encoder/README.md")
        steps.step("prepare")
        prepare = [sys.executable, HERE / "prepare.py", polnear / "train", work / "polnear.jsonl"]
        steps.run([*prepare, "--held-every", a.held_every] + (["--features"] if a.features else []), env=env)
        steps.step(f"fine-tune (torch, nice -n 19, one thread per seed: {a.seeds})")
        t0 = time.perf_counter()
        runs = [work / f"run-seed{seed}" for seed in a.seeds]
        jobs = []
        for seed, run in zip(a.seeds, runs, strict=True):
            cmd = ["nice", "-n", "19", a.train_python, HERE / "train.py", work / "polnear.jsonl", emb.model_zip()]
            cmd += [run, "--epochs", a.epochs, "--seed", seed] + (["--deadline", a.deadline] if a.deadline else [])
            cmd += ["--features"] if a.features else []
            jobs.append(steps.start(cmd, env=env, log=work / f"train-seed{seed}.log"))
        steps.wait(jobs)
        seconds = time.perf_counter() - t0
        ckpts = [max(run.glob("ckpt-*"), key=lambda p: int(p.name.split("-")[1])) for run in runs]
    if onnxes is None:
        if a.train_python is None:
            ap.error("--onnx, or --train-python to export them")
        steps.step("export to ONNX, int8")
        onnxes = []
        for k, ckpt in enumerate(ckpts):
            steps.run([a.train_python, HERE / "export_onnx.py", ckpt, work / f"onnx-{k}"], env=env)
            onnxes.append(work / f"onnx-{k}" / "tagger.onnx")  # from the embeddings on, its MatMuls int8: what ships
    if len(onnxes) != len(ckpts):
        ap.error("one --onnx per --ckpt")
    steps.step("package")
    package(ckpts, onnxes, a.artifact, seconds)
    probes = rare_training_words(polnear / "train")
    checked = common.check_artifact(a.artifact, probes, "PolNeAR training words")
    print(common.describe_check(a.artifact, checked, "rare training words"))
    if a.no_eval:
        return 0
    if a.held_every > 0:
        steps.step("held-out articles of PolNeAR train: rules / learned / combined")
        ev = common.load_tool(HERE / "evaluate.py", "encoder_evaluate")
        r = ev.evaluate(polnear / "train", a.artifact, a.held_every, None, SHARED.parent / "tools")
        for v in ("rules", "learned", "combined"):
            print(ev.ev.summary(v, r[v]))
    if a.artifact.resolve() != et.ENCODER_COMPONENT:
        return 0
    steps.step("dev figures: PolNeAR dev through the pipeline (benchmarks/quality.py)")
    env["NEWSCLAIMS_CLAIM_TAGGER"] = "encoder"
    steps.run(["nice", "-n", "19", sys.executable, ROOT / "benchmarks" / "quality.py", "--only", "claims"], env=env)
    print(f"(scratch: {work}; delete it when done, it holds PolNeAR text)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
