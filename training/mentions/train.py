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
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.nlp import model as nm  # noqa: E402
from training import common  # noqa: E402

SHARED = Path(os.environ.get("NEWSCLAIMS_SHARED_DATA", ROOT.parent / "shared" / "data")).resolve()
#: files of a saved spaCy pipeline the component needs (no vocab/, no tokenizer/)
KEEP = ("config.cfg", "meta.json", nm.ENTITY_PIPE)
steps = common.Steps("train-mentions")


def rare_training_tokens(conll_file: Path, base_strings, n: int = 300) -> list[str]:
    """Tokens seen once in the training file, at least 7 letters, that the base model's strings lack."""
    counts = collections.Counter()
    with open(conll_file, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if parts and not parts[0].startswith("-DOCSTART-") and len(parts[0]) >= 7 and parts[0].isalpha():
                counts[parts[0]] += 1
    return common.rare_words(counts, base_strings, n)


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

    base_path = nm.resolve_model(common.VECTORS_MODEL)
    base = spacy.load(base_path, exclude=common.NOT_VECTORS)
    vectors_shape = tuple(base.vocab.vectors.shape)
    work = (a.work or Path(tempfile.mkdtemp(prefix="newsclaims-train-mentions-"))).resolve()
    assert ROOT not in work.parents, "the scratch folder must be outside the project (it holds CoNLL text)"
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, **common.ONE_THREAD)

    steps.step("prepare")
    steps.run([sys.executable, HERE / "prepare.py", conll / "train.txt", work / "corpus"], env=env)
    steps.step("train (spacy train)")
    best, seconds = common.spacy_train(steps, sys.executable, HERE / "config.cfg", work, base_path, a.max_steps, env)
    held = common.held_figures(best, ("ents_p", "ents_r", "ents_f", "ents_per_type"))
    steps.step("package")
    common.package(
        best,
        a.artifact,
        KEEP,
        dict(
            name="conll_ner",
            version="1.0.0",
            description="newsclaims' CoNLL-2003 entity component (PER, ORG, LOC, MISC): a NER with its own "
            "CNN tok2vec over en_core_web_md's static vectors, loaded with the base model's "
            "vocab. Built by `make train-mentions` (training/mentions). Holds no training text.",
            license="Apache-2.0 (weights trained on CoNLL-2003 English; the data is not included)",
        ),
        vectors_shape,
        held,
        seconds,
    )
    probes = rare_training_tokens(conll / "train.txt", base.vocab.strings)
    checked = common.check_artifact(a.artifact, probes, "CoNLL training tokens")
    print(common.describe_check(a.artifact, checked, "rare training tokens"))
    print(f"held-out part of train: ents F1 {held['ents_f']:.3f} (P {held['ents_p']:.3f}, R {held['ents_r']:.3f})")
    if a.no_eval or a.artifact.resolve() != nm.ENTITY_COMPONENT:
        return 0
    steps.step("dev figures: CoNLL-2003 valid through the pipeline")
    from pipeline import evaluation
    from pipeline.cli import run as run_pipeline

    nm.load_model.cache_clear()
    evaluation.eval_mentions(run_pipeline, conll / "valid.txt", work)
    print(f"(scratch: {work}; delete it when done, it holds CoNLL text)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
