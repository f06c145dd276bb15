"""PolNeAR train → JSON lines of spaCy tokens and their composite claim tags, for the encoder tagger.

The same tokens and tags as the CNN tagger's corpus (training/claims/prepare.py: spaCy's English
tokenizer, ``CONTENT|ROLE`` tags from the shared scorer's gold), one line per article:
``{"name", "words", "tags", "held"}``, ``held`` true for every tenth article by name (the tenth
prepare.py holds out; ``--held-every 0``: none, every article is trained on). With ``--features``
also ``feats``: each token's parse features as the pipeline's spaCy model gives them at run time
(`encoder_tagger.FEATURES`: fine-grained tag, dependency label, entity type; the same tokens), for a
tagger trained with ``train.py --features`` (the parse takes 90 s, the tokenizer alone 4). Run under
the project's .venv; the output holds PolNeAR text, so it must go to a scratch folder outside the
project.

    .venv/bin/python training/encoder/prepare.py ../shared/data/polnear/train OUT.jsonl [--held-every 10] [--features]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from training import common  # noqa: E402


def main(argv=None) -> int:
    import spacy

    from pipeline.nlp import claim_model as cm
    from pipeline.nlp import encoder_tagger as et
    from pipeline.nlp import model as nm
    from pipeline.settings import default_model

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("split_dir", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--tools", type=Path, help="folder of score_claims.py (default: ../tools beside the data)")
    ap.add_argument("--held-every", type=int, default=10, help="hold out every Nth article (0: none)")
    ap.add_argument("--features", action="store_true", help="parse, and write each token's parse features")
    a = ap.parse_args(argv)
    assert ROOT not in a.out.resolve().parents, "the output must be outside the project (it holds PolNeAR text)"
    prep = common.load_tool(ROOT / "training" / "claims" / "prepare.py", "claims_prepare")
    tools = a.tools or a.split_dir.resolve().parent.parent.parent / "tools"
    gold = prep.load_tool(tools, "score_claims").load_gold(a.split_dir)
    if a.features:
        nlp = nm.load_model(default_model())
        if cm.TAGS_PIPE in nlp.pipe_names:
            nlp.remove_pipe(cm.TAGS_PIPE)
    else:
        nlp = spacy.blank("en")
    a.out.parent.mkdir(parents=True, exist_ok=True)
    with a.out.open("w", encoding="utf-8") as f:
        names = sorted(gold)
        texts = ((a.split_dir / "text" / name).read_text(encoding="utf-8") for name in names)
        for i, (name, doc) in enumerate(zip(names, nlp.pipe(texts, batch_size=16), strict=True)):
            row = {
                "name": name,
                "words": [t.text for t in doc],
                "tags": prep.tag_doc(doc, gold[name]),
                "held": a.held_every > 0 and i % a.held_every == a.held_every - 1,
            }
            if a.features:
                row["feats"] = et.token_features(doc)
            f.write(json.dumps(row) + "\n")
    print(f"prepare: {len(gold)} articles → {a.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
