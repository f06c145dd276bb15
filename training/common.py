"""What both training commands share (`make train-claims`, `make train-mentions`).

Each trains one spaCy component over en_core_web_md's static vectors and installs it in
pipeline/models/ WITHOUT its vocab (the strings spaCy saves there include training tokens; vocab
and vectors come from the base model at load time) and without the tokenizer. The installed
artifact is then checked: under the size limit, and none of a sample of rare training words (ones
the base model's strings lack) occurs in any of its files.
"""

from __future__ import annotations

import collections
import importlib.util
import json
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Iterable

ROOT = Path(__file__).resolve().parents[1]
VECTORS_MODEL = "en_core_web_md"
#: The largest trained artifact the repository takes.
MAX_BYTES = 25 * 1024 * 1024
#: Threads per numeric library while training (the machine is shared; training runs under `nice`).
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
#: The base model's components a vectors-only load leaves out.
NOT_VECTORS = ["tagger", "parser", "attribute_ruler", "lemmatizer", "ner", "senter"]


def load_tool(path: Path, name: str):
    """A script (a shared scorer, a sibling module) imported from its file."""
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class Steps:
    """Prints `== train-NAME: step ==` headers and the commands it runs."""

    def __init__(self, name: str) -> None:
        self.name = name

    def step(self, msg: str) -> None:
        print(f"\n== {self.name}: {msg} ==", flush=True)

    @staticmethod
    def run(cmd: list, **kw) -> None:
        print("$ " + " ".join(str(c) for c in cmd), flush=True)
        subprocess.run([str(c) for c in cmd], check=True, **kw)

    @staticmethod
    def start(cmd: list, log: Path, **kw) -> tuple[subprocess.Popen, Path]:
        """Start cmd with its output in log (for jobs that run side by side); `wait` for it."""
        print(f"$ {' '.join(str(c) for c in cmd)} > {log}", flush=True)
        with log.open("w", encoding="utf-8") as out:
            return subprocess.Popen([str(c) for c in cmd], stdout=out, stderr=subprocess.STDOUT, **kw), log

    @staticmethod
    def wait(jobs: list[tuple[subprocess.Popen, Path]]) -> None:
        """Wait for every started job; the first that failed raises, with its log's tail."""
        codes = [(job.wait(), log) for job, log in jobs]
        for code, log in codes:
            if code:
                tail = "".join(log.read_text(encoding="utf-8", errors="replace").splitlines(True)[-20:])
                raise subprocess.CalledProcessError(code, str(log), output=tail)


def spacy_train(
    steps: Steps, python: str, config: Path, work: Path, vectors: Path, max_steps: int, env
) -> tuple[Path, float]:
    """`spacy train` under nice on work/corpus/{train,held}.spacy; the best checkpoint and the seconds taken."""
    t0 = time.perf_counter()
    steps.run(
        ["nice", "-n", "10", python, "-m", "spacy", "train", config, "--output", work / "out"]
        + ["--paths.train", work / "corpus" / "train.spacy", "--paths.dev", work / "corpus" / "held.spacy"]
        + ["--paths.vectors", vectors, "--training.max_steps", max_steps],
        env=env,
    )
    return work / "out" / "model-best", time.perf_counter() - t0


#: the words a check for training text looks for: 8 letters or more
LONG_WORD = re.compile(r"[A-Za-z]{8,}")


def split_word_counts(split_dir: Path) -> collections.Counter:
    """How often each LONG_WORD occurs in a brat split's texts (split_dir/text/*.txt)."""
    counts = collections.Counter()
    for p in sorted((split_dir / "text").glob("*.txt")):
        counts.update(LONG_WORD.findall(p.read_text(encoding="utf-8")))
    return counts


def rare_words(counts: collections.Counter, base_strings, n: int = 300) -> list[str]:
    """An even sample of n words seen once in training that the base model's strings lack."""
    rare = sorted(t for t, c in counts.items() if c == 1 and t not in base_strings)
    return rare[:: max(1, len(rare) // n)][:n]


def check_artifact(artifact: Path, probes: Iterable[str], what: str) -> dict:
    """Raise SystemExit if the artifact is too large or holds any probe word; else its figures."""
    files = [p for p in artifact.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    if size > MAX_BYTES:
        raise SystemExit(f"artifact is {size / 2**20:.1f} MiB, over the {MAX_BYTES // 2**20} MB limit")
    probes = list(probes)
    blobs = [p.read_bytes() for p in files]
    found = [t for t in probes if any(t.encode("utf-8") in b for b in blobs)]
    if found:
        raise SystemExit(f"artifact holds {what}: {found[:10]}")
    return {"bytes": size, "files": len(files), "probe_tokens": len(probes), "probe_examples": probes[:5]}


def describe_check(artifact: Path, checked: dict, what: str) -> str:
    return (
        f"artifact {artifact}: {checked['bytes'] / 2**20:.1f} MiB in {checked['files']} files; none of "
        f"{checked['probe_tokens']} {what} found (e.g. {', '.join(checked['probe_examples'])})"
    )


def package(
    best: Path,
    artifact: Path,
    keep: Iterable[str],
    meta_fields: dict,
    vectors_shape: tuple[int, int],
    held: dict,
    seconds: float,
) -> None:
    """Install the trained pipeline's `keep` files in `artifact`: no vocab, no tokenizer, no data paths
    in its config; meta.json gets `meta_fields` and a `newsclaims` section (the vectors it needs, its
    figures on the held-out part of train, the training time)."""
    if artifact.exists():
        shutil.rmtree(artifact)
    artifact.mkdir(parents=True)
    for name in keep:
        src = best / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, artifact / name)
    cfg = (artifact / "config.cfg").read_text(encoding="utf-8")
    cfg = re.sub(r"^(train|dev|vectors) = .*$", r"\1 = null", cfg, flags=re.M)
    (artifact / "config.cfg").write_text(cfg, encoding="utf-8")
    meta = json.loads((artifact / "meta.json").read_text(encoding="utf-8"))
    meta.update(meta_fields)
    meta.pop("vectors", None)
    meta["newsclaims"] = {
        "vectors_model": VECTORS_MODEL,
        "vectors_shape": list(vectors_shape),
        "held_out_of_train": held,
        "training_seconds": round(seconds),
    }
    (artifact / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def held_figures(best: Path, keys: Iterable[str]) -> dict:
    """The best checkpoint's scores on the held-out part of train that `keys` names."""
    keys = set(keys)
    return {k: v for k, v in json.loads((best / "meta.json").read_text())["performance"].items() if k in keys}
