"""Score rules, the learned claim tagger and their combination on a PolNeAR split, without a warehouse.

Runs the pipeline's spaCy model (`pipeline.nlp.model.load_model`: base + entity component) with the
claim tagger from --component added, then for each article the rules' claims
(`pipeline.nlp.claims.extract_claims`), the learned ones (`claim_model.learned_claims`) and
both merged as the pipeline merges them (`claim_model.with_learned`), each scored by the shared `score_claims.score`. For decisions on the
held-out tenth of train (`--held-every 10`, the articles prepare.py keeps out of training); the
reported figures come from the warehouse (`benchmarks/quality.py`, `make quality`).

    python training/claims/evaluate.py SPLIT_DIR [--component DIR] [--held-every 10] [--limit N]
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


def _tool(tools: Path, name: str):
    return common.load_tool(tools / f"{name}.py", name)


def as_pred(claims) -> list[dict]:
    return [{"source": [c.speaker] if c.speaker else None, "cue": [c.cue], "content": [c.content]} for c in claims]


def summary(name: str, r: dict) -> str:
    a = r["attribution"]
    return (
        f"{name:10s} attribution P {a['p']:.3f} R {a['r']:.3f} F1 {a['f1']:.3f} · strict F1 "
        f"{r['strict']['f1']:.3f} · cue F1 {r['cue']['f1']:.3f} · source F1 {r['source']['f1']:.3f} · "
        f"content char-F1 {r['content']['mean_char_f1']:.3f}"
    )


def held_out_gold(sc, split_dir: Path, held_every: int | None, limit: int | None) -> dict:
    """The split's gold (score_claims.load_gold), article name -> attributions, in name order: every
    held_every-th article (the ones prepare.py keeps out of training) where given, at most limit."""
    gold = sc.load_gold(split_dir)
    names = sorted(gold)
    if held_every:
        names = [n for i, n in enumerate(names) if i % held_every == held_every - 1]
    names = names[:limit] if limit else names
    return {n: gold[n] for n in names}


def evaluate(split_dir: Path, component: Path, held_every: int | None, limit: int | None, tools: Path) -> dict:
    from pipeline.nlp import claim_model as cm
    from pipeline.nlp import model as nm
    from pipeline.nlp.claims import extract_claims
    from pipeline.nlp.spans import navigation_spans
    from pipeline.settings import default_model

    sc = _tool(tools, "score_claims")
    gold = held_out_gold(sc, split_dir, held_every, limit)
    names = list(gold)
    nlp = nm.load_model(default_model())
    if cm.TAGS_PIPE in nlp.pipe_names:
        nlp.remove_pipe(cm.TAGS_PIPE)
    assert cm.add_claim_component(nlp, component, force=True, kind="cnn"), "the claim tagger does not fit this base"
    texts = [(split_dir / "text" / n).read_text(encoding="utf-8") for n in names]
    preds = {v: {} for v in ("rules", "learned", "combined")}
    t0 = time.perf_counter()
    for name, doc in zip(names, nlp.pipe(texts, batch_size=16), strict=True):
        nav = navigation_spans(doc.text)
        rules = extract_claims(doc, skip=nav)
        preds["rules"][name] = as_pred(rules)
        preds["learned"][name] = as_pred(cm.learned_claims(doc, skip=nav))
        preds["combined"][name] = as_pred(cm.with_learned(doc, rules, skip=nav))  # what the pipeline stores
    out = {v: sc.score(gold, p) for v, p in preds.items()}
    out["seconds"] = round(time.perf_counter() - t0, 1)
    return out


def main(argv=None) -> int:
    from pipeline.nlp import claim_model as cm

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("split_dir", type=Path)
    ap.add_argument("--component", type=Path, default=cm.CLAIM_COMPONENT)
    ap.add_argument("--held-every", type=int)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--tools", type=Path)
    a = ap.parse_args(argv)
    tools = a.tools or a.split_dir.resolve().parent.parent.parent / "tools"
    r = evaluate(a.split_dir, a.component, a.held_every, a.limit, tools)
    print(json.dumps(r))
    for v in ("rules", "learned", "combined"):
        print(summary(v, r[v]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
