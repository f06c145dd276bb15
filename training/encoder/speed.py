#!/usr/bin/env python3
"""Seconds per 1,000 words of each claim tagger alone, on the same parsed news texts, one thread:
the CNN tagger (pipeline/models/claims_tagger) and the encoder tagger from each folder given (an
ONNX artifact, or a training checkpoint's float16 weights run in numpy). Each tagger tags every
text --rounds times, the taggers taking turns, and its fastest round counts.

    OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python training/encoder/speed.py TEXT_DIR [ENCODER_DIR ...] [--limit 40]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main(argv=None) -> int:
    from pipeline.nlp import claim_model as cm
    from pipeline.nlp import encoder_tagger as et
    from pipeline.nlp import model as nm
    from pipeline.settings import default_model

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("texts", type=Path)
    ap.add_argument("encoders", type=Path, nargs="*", default=[et.ENCODER_COMPONENT])
    ap.add_argument("--limit", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args(argv)
    nlp = nm.load_model(default_model())
    if cm.TAGS_PIPE in nlp.pipe_names:
        nlp.remove_pipe(cm.TAGS_PIPE)
    texts = [p.read_text(encoding="utf-8") for p in sorted(a.texts.rglob("*.txt"))[: a.limit]]
    docs = list(nlp.pipe(texts))
    words = sum(1 for d in docs for t in d if not t.is_space)
    taggers = {"cnn": cm.make_claim_tags(nlp, cm.TAGS_PIPE, str(cm.CLAIM_COMPONENT))}
    for path in a.encoders:
        tagger = et.EncoderClaimTags(path)
        kind = type(tagger.tagger.models[0]).__name__.strip("_").replace("Encoder", "").lower()
        taggers[f"encoder {kind} ({path.name})"] = tagger
    best = {name: float("inf") for name in taggers}
    for _ in range(a.rounds):
        for name, tagger in taggers.items():
            t0 = time.perf_counter()
            for _doc in tagger.pipe(docs):
                pass
            best[name] = min(best[name], time.perf_counter() - t0)
    print(f"{len(docs)} texts from {a.texts}, {words} words (non-space tokens); fastest of {a.rounds} rounds")
    for name, sec in best.items():
        print(f"{name:40s} {1000 * sec / words:.3f} s per 1,000 words ({words / sec:,.0f} words/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
