"""PolNeAR train → spaCy DocBins for training the claim tagger (training/claims/config.cfg).

Each article is tokenized by spaCy's English tokenizer (the tokens en_core_web_sm gives the
pipeline) and every token gets one composite tag, ``CONTENT|ROLE``:

* CONTENT: ``B`` where a content span starts, ``I`` inside one, ``O`` outside (the union of all
  attributions' contents: a nested attribution's content lies inside its parent's);
* ROLE: ``B-S`` / ``I-S`` for a source span, ``B-Q`` / ``I-Q`` for a cue span, ``O`` else (a cue
  wins over a source where they overlap).

Gold comes from the shared scorer's own reader (``score_claims.load_gold``: the first annotation
file per article by name), so the tags mean what the metric means. Every tenth article (by name)
goes to ``held.spacy``, the set checkpoints are chosen and decoder decisions taken on; PolNeAR dev
is never read here.

    python training/claims/prepare.py ../shared/data/polnear/train OUT_DIR [--held-every 10]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import spacy
from spacy.tokens import DocBin

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from training import common  # noqa: E402

ROLE_PRIORITY = {"Q": 2, "S": 1}


def load_tool(tools: Path, name: str):
    return common.load_tool(tools / f"{name}.py", name)


def token_range(doc, start: int, end: int) -> tuple[int, int] | None:
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or len(span) == 0:
        return None
    return span.start, span.end


def tag_doc(doc, items: list[dict]) -> list[str]:
    n = len(doc)
    content = ["O"] * n
    role = ["O"] * n
    role_rank = [0] * n
    for it in items:
        for s, e in it["content"]:
            r = token_range(doc, s, e)
            if r is None:
                continue
            for i in range(r[0], r[1]):
                if content[i] == "O":
                    content[i] = "I"
            content[r[0]] = "B"
        for key, letter in (("source", "S"), ("cue", "Q")):
            for s, e in it[key] or []:
                r = token_range(doc, s, e)
                if r is None:
                    continue
                if any(role_rank[i] > ROLE_PRIORITY[letter] for i in range(r[0], r[1])):
                    continue
                for i in range(r[0], r[1]):
                    role[i] = ("B-" if i == r[0] else "I-") + letter
                    role_rank[i] = ROLE_PRIORITY[letter]
    return [f"{c}|{r}" for c, r in zip(content, role, strict=True)]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("split_dir", type=Path)
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--tools", type=Path, help="folder of score_claims.py (default: ../tools beside the data)")
    ap.add_argument("--held-every", type=int, default=10)
    a = ap.parse_args(argv)
    tools = a.tools or a.split_dir.resolve().parent.parent.parent / "tools"
    gold = load_tool(tools, "score_claims").load_gold(a.split_dir)
    nlp = spacy.blank("en")
    train, held = DocBin(store_user_data=False), DocBin(store_user_data=False)
    held_names, counts = [], {}
    for i, name in enumerate(sorted(gold)):
        text = (a.split_dir / "text" / name).read_text(encoding="utf-8")
        doc = nlp.make_doc(text)
        for tok, tag in zip(doc, tag_doc(doc, gold[name]), strict=True):
            tok.tag_ = tag
            counts[tag] = counts.get(tag, 0) + 1
        if i % a.held_every == a.held_every - 1:
            held.add(doc)
            held_names.append(name)
        else:
            train.add(doc)
    a.out_dir.mkdir(parents=True, exist_ok=True)
    train.to_disk(a.out_dir / "train.spacy")
    held.to_disk(a.out_dir / "held.spacy")
    (a.out_dir / "held.json").write_text(json.dumps(held_names), encoding="utf-8")
    print(
        f"prepare: {len(gold)} articles, {len(train)} train / {len(held)} held-out → {a.out_dir}; "
        f"tags {json.dumps(dict(sorted(counts.items())))}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
