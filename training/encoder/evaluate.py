"""Rules / learned / combined claims with the encoder tagger (or the CNN one) on a PolNeAR split.

training/claims/evaluate.py's path (the pipeline's spaCy model, `extract_claims`,
`claim_model.learned_claims`, `claim_model.with_learned`, the shared scorer), with the claim tags
from the fine-tuned encoder (pipeline/nlp/encoder_tagger.py) in place of the CNN tagger's.

    .venv/bin/python training/encoder/evaluate.py SPLIT_DIR [--encoder DIR] [--held-every 10] [--limit N]

Without --encoder the CNN tagger (pipeline/models/claims_tagger) gives the tags, the same way
(figures equal to training/claims/evaluate.py's), so that both taggers are timed alike.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from training import common  # noqa: E402

ev = common.load_tool(ROOT / "training" / "claims" / "evaluate.py", "claims_evaluate")


def evaluate(split_dir: Path, encoder: Path | None, held_every: int | None, limit: int | None, tools: Path) -> dict:
    from pipeline.nlp import claim_model as cm
    from pipeline.nlp import encoder_tagger as et
    from pipeline.nlp import model as nm
    from pipeline.nlp.claims import extract_claims
    from pipeline.nlp.spans import navigation_spans
    from pipeline.settings import default_model

    sc = ev._tool(tools, "score_claims")
    gold = ev.held_out_gold(sc, split_dir, held_every, limit)
    names = list(gold)
    nlp = nm.load_model(default_model())
    if cm.TAGS_PIPE in nlp.pipe_names:
        nlp.remove_pipe(cm.TAGS_PIPE)
    if encoder is None:  # the CNN tagger, run apart from the pipeline so that it is timed alone
        tagger = cm.make_claim_tags(nlp, cm.TAGS_PIPE, str(cm.CLAIM_COMPONENT))
    else:
        tagger = et.EncoderClaimTags(encoder)
    texts = [(split_dir / "text" / n).read_text(encoding="utf-8") for n in names]
    preds = {v: {} for v in ("rules", "learned", "combined")}
    t0 = time.perf_counter()
    tag_seconds, words = 0.0, 0
    for name, doc in zip(names, nlp.pipe(texts, batch_size=16), strict=True):
        t1 = time.perf_counter()
        tagger(doc)
        tag_seconds += time.perf_counter() - t1
        words += sum(1 for t in doc if not t.is_space)
        nav = navigation_spans(doc.text)
        rules = extract_claims(doc, skip=nav)
        preds["rules"][name] = ev.as_pred(rules)
        preds["learned"][name] = ev.as_pred(cm.learned_claims(doc, skip=nav))
        preds["combined"][name] = ev.as_pred(cm.with_learned(doc, rules, skip=nav))
    out = {v: sc.score(gold, p) for v, p in preds.items()}
    out["seconds"] = round(time.perf_counter() - t0, 1)
    out["tagger_seconds_per_1000_words"] = round(1000 * tag_seconds / max(words, 1), 3)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("split_dir", type=Path)
    ap.add_argument("--encoder", type=Path, help="the encoder tagger's folder (default: the CNN tagger)")
    ap.add_argument("--held-every", type=int)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--tools", type=Path)
    a = ap.parse_args(argv)
    tools = a.tools or a.split_dir.resolve().parent.parent.parent / "tools"
    r = evaluate(a.split_dir, a.encoder, a.held_every, a.limit, tools)
    print(json.dumps(r))
    for v in ("rules", "learned", "combined"):
        print(ev.summary(v, r[v]))
    print(f"tagger alone: {r['tagger_seconds_per_1000_words']} s per 1,000 words")
    return 0


if __name__ == "__main__":
    sys.exit(main())
