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
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.nlp import claim_model as cm  # noqa: E402
from pipeline.nlp import model as nm  # noqa: E402
from training import common  # noqa: E402

SHARED = Path(os.environ.get("NEWSCLAIMS_SHARED_DATA", ROOT.parent / "shared" / "data")).resolve()
#: files of a saved spaCy pipeline the component needs (no vocab/, no tokenizer/)
KEEP = ("config.cfg", "meta.json", cm.CLAIM_PIPE)
steps = common.Steps("train-claims")


def rare_training_words(split_dir: Path, base_strings, n: int = 300) -> list[str]:
    """Words seen once in the training texts, at least 8 letters, that the base model's strings lack."""
    return common.rare_words(common.split_word_counts(split_dir), base_strings, n)


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

    base_path = nm.resolve_model(common.VECTORS_MODEL)
    base = spacy.load(base_path, exclude=common.NOT_VECTORS)
    vectors_shape = tuple(base.vocab.vectors.shape)
    work = (a.work or Path(tempfile.mkdtemp(prefix="newsclaims-train-claims-"))).resolve()
    assert ROOT not in work.parents, "the scratch folder must be outside the project (it holds PolNeAR text)"
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, **common.ONE_THREAD)
    seconds = 0.0
    best = a.best
    if best is None:
        steps.step("prepare")
        steps.run([sys.executable, HERE / "prepare.py", polnear / "train", work / "corpus"], env=env)
        steps.step("train (spacy train)")
        best, seconds = common.spacy_train(
            steps, sys.executable, HERE / "config.cfg", work, base_path, a.max_steps, env
        )
    held = common.held_figures(best, ("tag_acc",))
    steps.step("package")
    common.package(
        best,
        a.artifact,
        KEEP,
        dict(
            name="claims_tagger",
            version="1.0.0",
            description="newsclaims' claim tagger (content B/I/O x source/cue BIO per token): a tagger "
            "with its own CNN tok2vec over en_core_web_md's static vectors, loaded with the base "
            "model's vocab. Built by `make train-claims` (training/claims). Holds no training text.",
            license="Apache-2.0 (weights trained on PolNeAR 1.0 train; the data is not included)",
        ),
        vectors_shape,
        held,
        seconds,
    )
    probes = rare_training_words(polnear / "train", base.vocab.strings)
    checked = common.check_artifact(a.artifact, probes, "PolNeAR training words")
    print(common.describe_check(a.artifact, checked, "rare training words"))
    if a.no_eval:
        return 0
    steps.step("held-out tenth of PolNeAR train: rules / learned / combined")
    ev = common.load_tool(HERE / "evaluate.py", "claims_evaluate")
    r = ev.evaluate(polnear / "train", a.artifact, 10, None, SHARED.parent / "tools")
    for v in ("rules", "learned", "combined"):
        print(ev.summary(v, r[v]))
    if a.artifact.resolve() != cm.CLAIM_COMPONENT:
        return 0
    steps.step("dev figures: PolNeAR dev through the pipeline (benchmarks/quality.py)")
    env["NEWSCLAIMS_CLAIM_TAGGER"] = "cnn"  # the pipeline with this tagger, whichever is the default
    steps.run(["nice", "-n", "10", sys.executable, ROOT / "benchmarks" / "quality.py", "--only", "claims"], env=env)
    print(f"(scratch: {work}; delete it when done, it holds PolNeAR text)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
