"""CoNLL-2003 train → spaCy DocBin files for training the CoNLL entity component.

Each CoNLL document is rendered exactly as `../shared/tools/conll_docs.py` renders it (tokens
joined by spaces, one sentence a line), then tokenized by spaCy's own English tokenizer, so the
component learns on the tokens and text it meets in the pipeline. Gold entities are the CoNLL
spans (PER, ORG, LOC, MISC) aligned to spaCy tokens.

The documents of train.txt are split by position: every tenth document goes to `held.spacy`, the
set `spacy train` picks its best checkpoint on; CoNLL valid is never read here.

    python training/mentions/prepare.py ../shared/data/conll2003/train.txt OUT_DIR
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import spacy
from spacy.tokens import DocBin

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from training import common  # noqa: E402


def load_conll_docs(tools: Path):
    return common.load_tool(tools / "conll_docs.py", "conll_docs")


def to_docs(conll_file: Path, tools: Path, nlp):
    mod = load_conll_docs(tools)
    with open(conll_file, encoding="utf-8") as f:
        for doc_tokens in mod.docs(f):
            text, ents = mod.render(doc_tokens)
            doc = nlp.make_doc(text)
            spans, lost = [], 0
            for s, e, label in ents:
                span = doc.char_span(s, e, label=label, alignment_mode="strict")
                if span is None:
                    span = doc.char_span(s, e, label=label, alignment_mode="expand")
                    lost += 1
                if span is not None:
                    spans.append(span)
            doc.ents = spacy.util.filter_spans(spans)
            yield doc, lost


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("conll_file", type=Path)
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--tools", type=Path, help="folder of conll_docs.py (default: ../tools beside the data)")
    ap.add_argument("--held-every", type=int, default=10)
    a = ap.parse_args(argv)
    tools = a.tools or a.conll_file.resolve().parent.parent.parent / "tools"
    nlp = spacy.blank("en")
    train, held = DocBin(), DocBin()
    n = lost = ents = 0
    for i, (doc, miss) in enumerate(to_docs(a.conll_file, tools, nlp)):
        (held if i % a.held_every == a.held_every - 1 else train).add(doc)
        n += 1
        lost += miss
        ents += len(doc.ents)
    a.out_dir.mkdir(parents=True, exist_ok=True)
    train.to_disk(a.out_dir / "train.spacy")
    held.to_disk(a.out_dir / "held.spacy")
    print(
        f"prepare: {n} documents, {ents} entities ({lost} re-aligned), "
        f"{len(train)} train / {len(held)} held-out documents → {a.out_dir}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
