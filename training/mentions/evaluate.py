"""Score a pipeline's entities on CoNLL-2003 documents, the shared scorer's way, without a warehouse.

Renders the documents with `../shared/tools/conll_docs.py`, runs `pipeline.nlp.model.load_model`
(base model + the CoNLL component, as the pipeline loads it) or a bare model on them, strips each
entity as `pipeline.nlp.mentions` does, and scores with `score_mentions.score`. For quick
comparisons while training (on the held-out part of train); the reported figures come from the
warehouse (`make quality`, `newsclaims eval mentions`).

    python training/mentions/evaluate.py CONLL_FILE [--model NAME] [--component DIR|none] [--held-every 10]
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


def rendered(conll_file: Path, tools: Path, held_every: int | None):
    mod = _tool(tools, "conll_docs")
    with open(conll_file, encoding="utf-8") as f:
        for i, d in enumerate(mod.docs(f)):
            if held_every and i % held_every != held_every - 1:
                continue
            yield f"doc_{i:04d}", *mod.render(d)


def score_nlp(nlp, conll_file: Path, tools: Path, held_every: int | None = None) -> dict:
    sm = _tool(tools, "score_mentions")
    items = list(rendered(conll_file, tools, held_every))
    gold = {name: {tuple(e) for e in ents} for name, _, ents in items}
    pred = {}
    t0 = time.perf_counter()
    for (name, _text, _), doc in zip(items, nlp.pipe((t for _, t, _ in items), batch_size=32), strict=True):
        out = set()
        for e in doc.ents:
            s = e.start_char
            stripped = e.text.strip()
            if not stripped:
                continue
            s += len(e.text) - len(e.text.lstrip())
            out.add((s, s + len(stripped), sm.MAP.get(e.label_, "")))
        pred[name] = out
    result = sm.score(gold, pred)
    result["seconds"] = round(time.perf_counter() - t0, 1)
    return result


def summary(r: dict) -> str:
    m = r["micro"]
    return (
        f"micro P {m['p']:.4f} R {m['r']:.4f} F1 {m['f1']:.4f} · PER {r['PER']['f1']:.4f} · "
        f"ORG {r['ORG']['f1']:.4f} · LOC {r['LOC']['f1']:.4f}"
    )


def main(argv=None) -> int:
    from pipeline.nlp import model as nm

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("conll_file", type=Path)
    ap.add_argument("--model", default="en_core_web_md")
    ap.add_argument("--component", default=str(nm.ENTITY_COMPONENT), help="component folder, or 'none'")
    ap.add_argument("--held-every", type=int, help="only every Nth document (the held-out part of train)")
    ap.add_argument("--tools", type=Path)
    a = ap.parse_args(argv)
    tools = a.tools or a.conll_file.resolve().parent.parent.parent / "tools"
    import spacy

    nlp = spacy.load(nm.resolve_model(a.model), exclude=list(nm.UNUSED_COMPONENTS))
    nlp.add_pipe("newsclaims_line_breaks", before="parser")
    if a.component != "none":
        assert nm.add_entity_component(nlp, Path(a.component)), "the component does not fit this base"
    r = score_nlp(nlp, a.conll_file, tools, a.held_every)
    print(json.dumps(r))
    print(summary(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
