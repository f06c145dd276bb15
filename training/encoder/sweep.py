"""Sweep claim_model's decoder settings (and compare encoder checkpoints) on the held-out tenth.

evaluate.py's path (the pipeline's spaCy model, `extract_claims`, `claim_model.learned_claims`,
`claim_model.with_learned`, the shared scorer), but the base pipeline runs once and each tagger once
(its tag probabilities are cached under --cache, keyed by the weights' sha256), then every decoder
setting is only a decode and a score: a sweep costs seconds per setting, not a model run.

    .venv/bin/python training/encoder/sweep.py SPLIT_DIR --held-every 10 --cache /work/scratch/sweep \\
        --encoder pipeline/models/claims_encoder [--encoder CKPT_DIR ...] [--encoder A+B (their mean)] \\
        [--set MIN_CUE_PROB=0.3,0.45,0.6 --set MIN_CONTENT_TOKENS=2,3,4 ...] [--product]

Each --set NAME=v1,v2,... names a module constant of pipeline/nlp/claim_model.py, or as MODULE.NAME one
of a rule module in pipeline/nlp/claims (the rules then run again for that setting) (Python literals,
separated by ";" where any holds a comma, e.g. --set "KINDS={'a','b'};{'a'}"). Without --product
each is varied alone around the module's values (one at a time); with it, every combination. The
first line per encoder is the module's own settings. The cache holds PolNeAR text-derived numbers
only (tag probabilities), but keep it outside the project anyway.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import importlib
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from training import common  # noqa: E402

ev = common.load_tool(ROOT / "training" / "claims" / "evaluate.py", "claims_evaluate")


def _digest(path: Path) -> str:
    w = path / "tagger.onnx" if (path / "tagger.onnx").exists() else path / "tagger.safetensors"
    return hashlib.sha256(w.read_bytes()).hexdigest()[:16]


def tag_probs(encoder: Path, docs, cache: Path) -> tuple[list[str], list[np.ndarray]]:
    """The encoder's labels and (tokens, labels) tag probabilities per doc, from the cache where
    this encoder's weights were already run on these docs."""
    from pipeline.nlp import encoder_tagger as et

    labels = json.loads((encoder / "labels.json").read_text(encoding="utf-8"))["labels"]
    key = hashlib.sha256(("\0".join(d.text for d in docs)).encode()).hexdigest()[:12]
    file = cache / f"probs-{_digest(encoder)}-{key}.npz"
    if file.exists():
        z = np.load(file)
        return labels, [z[f"d{i}"] for i in range(len(docs))]
    tagger = et.EncoderTagger(encoder)
    t0 = time.perf_counter()
    out = [tagger.doc_probs(d) for d in docs]
    print(f"tagged with {encoder} in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    cache.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(file, **{f"d{i}": p for i, p in enumerate(out)})
    return labels, out


def members(encoder: Path) -> list[Path]:
    """The taggers an --encoder names: one folder, or several joined by "+"."""
    return [Path(p) for p in str(encoder).split("+")]


def ensemble_probs(encoder: Path, docs, cache: Path) -> tuple[list[str], list[np.ndarray]]:
    """tag_probs of one tagger, or of several joined by "+" (A+B: the mean of their probabilities,
    which must share one label list)."""
    results = [tag_probs(m, docs, cache) for m in members(encoder)]
    labels = results[0][0]
    assert all(r[0] == labels for r in results), "the taggers' labels differ"
    return labels, [np.mean([r[1][i] for r in results], axis=0) for i in range(len(docs))]


def put_tags(doc, labels: list[str], s: np.ndarray) -> None:
    """The probabilities as token extensions, as encoder_tagger.EncoderClaimTags writes them."""
    from pipeline.nlp import claim_model as cm

    cue_columns = [k for k, lab in enumerate(labels) if lab.endswith("-Q")]
    best = s.argmax(axis=1)
    cue = s[:, cue_columns].sum(axis=1)
    probs = s[np.arange(len(best)), best].tolist()
    data = doc.user_data
    for idx, k, p, q in zip(cm._token_idx(doc), best.tolist(), probs, cue.tolist(), strict=True):
        data[cm._key("claim_tag", idx)] = labels[k]
        data[cm._key("claim_prob", idx)] = p
        data[cm._key("claim_cue_prob", idx)] = q


def _jsonable(value):
    """Sets (a frozenset setting) as sorted lists, anything else as its repr."""
    return sorted(value) if isinstance(value, (set, frozenset)) else repr(value)


def settings_grid(sets: dict[str, list], product: bool) -> list[dict]:
    """The settings to try: {} (the module's own) first, then each value alone or every combination."""
    out: list[dict] = [{}]
    if product:
        keys = list(sets)
        out += [dict(zip(keys, vals, strict=True)) for vals in itertools.product(*(sets[k] for k in keys))]
    else:
        out += [{k: v} for k, vals in sets.items() for v in vals]
    return out


def _target(cm, key: str) -> tuple[object, str]:
    """The module and name a setting names: claim_model's NAME, or pipeline/nlp/claims/MODULE.py's
    MODULE.NAME (a rule setting, e.g. widening.REST_TO_NEXT_QUOTE)."""
    if "." in key:
        module, name = key.rsplit(".", 1)
        return importlib.import_module(f"pipeline.nlp.claims.{module}"), name
    return cm, key


def decode(cm, docs, names, navs, rules, settings: dict) -> dict[str, dict]:
    """Learned and combined predictions (score_claims' form) per article under these settings (the
    rules' claims extracted again where a setting is a rule module's)."""
    targets = {k: _target(cm, k) for k in settings}
    saved = {k: getattr(m, n) for k, (m, n) in targets.items()}
    try:
        for k, v in settings.items():
            setattr(*targets[k], v)
        if any("." in k for k in settings):
            from pipeline.nlp.claims import extract_claims

            rules = [extract_claims(d, skip=nav) for d, nav in zip(docs, navs, strict=True)]
        preds = {"learned": {}, "combined": {}}
        for name, doc, nav, r in zip(names, docs, navs, rules, strict=True):
            preds["learned"][name] = ev.as_pred(cm.learned_claims(doc, skip=nav))
            preds["combined"][name] = ev.as_pred(cm.with_learned(doc, r, skip=nav))
        return preds
    finally:
        for k, v in saved.items():
            setattr(*targets[k], v)


def line(label: str, r: dict) -> str:
    a = r["attribution"]
    return (
        f"{label:48s} P {a['p']:.3f} R {a['r']:.3f} F1 {a['f1']:.3f} | strict {r['strict']['f1']:.3f} "
        f"cue {r['cue']['f1']:.3f} source {r['source']['f1']:.3f} | content {r['content']['mean_char_f1']:.3f}"
    )


def main(argv=None) -> int:
    from pipeline.nlp import claim_model as cm
    from pipeline.nlp import model as nm
    from pipeline.nlp.claims import extract_claims
    from pipeline.nlp.spans import navigation_spans
    from pipeline.settings import default_model

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("split_dir", type=Path)
    ap.add_argument("--encoder", type=Path, action="append", required=True)
    ap.add_argument("--cache", type=Path, required=True, help="a scratch folder outside the project")
    ap.add_argument("--held-every", type=int)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--tools", type=Path)
    ap.add_argument("--set", action="append", default=[], metavar="NAME=V1,V2")
    ap.add_argument("--product", action="store_true")
    ap.add_argument("--json", type=Path, help="append every result here as JSON lines")
    a = ap.parse_args(argv)
    assert ROOT not in a.cache.resolve().parents, "the cache must be outside the project"
    sets = {}
    for s in a.set:
        name, _, vals = s.partition("=")
        assert hasattr(*_target(cm, name)), f"no setting {name}"
        sets[name] = [ast.literal_eval(v) for v in (vals.split(";") if ";" in vals else vals.split(","))]
    tools = a.tools or a.split_dir.resolve().parent.parent.parent / "tools"
    sc = ev._tool(tools, "score_claims")
    gold = ev.held_out_gold(sc, a.split_dir, a.held_every, a.limit)
    names = list(gold)
    nlp = nm.load_model(default_model())
    if cm.TAGS_PIPE in nlp.pipe_names:
        nlp.remove_pipe(cm.TAGS_PIPE)
    texts = [(a.split_dir / "text" / n).read_text(encoding="utf-8") for n in names]
    t0 = time.perf_counter()
    docs = list(nlp.pipe(texts, batch_size=16))
    print(f"parsed {len(docs)} articles in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    navs = [navigation_spans(d.text) for d in docs]
    rules = [extract_claims(d, skip=nav) for d, nav in zip(docs, navs, strict=True)]
    print(line("rules alone", sc.score(gold, {n: ev.as_pred(r) for n, r in zip(names, rules, strict=True)})))
    for enc in a.encoder:
        labels, probs = ensemble_probs(enc, docs, a.cache)
        for doc, s in zip(docs, probs, strict=True):
            put_tags(doc, labels, s)
        for setting in settings_grid(sets, a.product):
            preds = decode(cm, docs, names, navs, rules, setting)
            res = {v: sc.score(gold, p) for v, p in preds.items()}
            label = ", ".join(f"{k}={v}" for k, v in setting.items()) or "module settings"
            print(
                f"[{'+'.join(m.name for m in members(enc))}] "
                + line(label, res["combined"])
                + f" | learned F1 {res['learned']['attribution']['f1']:.3f}"
            )
            if a.json:
                with a.json.open("a", encoding="utf-8") as f:
                    f.write(json.dumps({"encoder": str(enc), "settings": setting, **res}, default=_jsonable) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
