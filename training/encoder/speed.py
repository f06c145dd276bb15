#!/usr/bin/env python3
"""Seconds per 1,000 words of the encoder tagger: numpy (pipeline/nlp/encoder_tagger.py) against
onnxruntime on export_onnx.py's float32 and int8 models, on the same windows, one thread.

Words are spaCy-like tokens from a regex (no spaCy in the training venv); run in the training venv:

    OMP_NUM_THREADS=1 nice -n 19 /work/train311/bin/python training/encoder/speed.py CKPT_DIR ONNX_DIR TEXT_DIR [--limit 40]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pipeline.nlp import encoder_tagger as et  # noqa: E402

WORDS = re.compile(r"\w+(?:'\w+)?|[^\w\s]")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("ckpt", type=Path)
    ap.add_argument("onnx_dir", type=Path)
    ap.add_argument("texts", type=Path)
    ap.add_argument("--limit", type=int, default=40)
    ap.add_argument("--base", type=Path, help="the wheel's model.zip")
    a = ap.parse_args(argv)
    import onnxruntime as ort

    tagger = et.EncoderTagger(a.ckpt, a.base)
    docs = [WORDS.findall(p.read_text(encoding="utf-8")) for p in sorted(a.texts.rglob("*.txt"))[: a.limit]]
    words = sum(len(d) for d in docs)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    sessions = {p.stem: ort.InferenceSession(str(p), opts) for p in sorted(a.onnx_dir.glob("*.onnx"))}

    def run_onnx(sess, ids):
        out = np.zeros((len(ids), len(tagger.labels)), dtype=np.float32)
        wins = tagger._windows(len(ids))
        for b in range(0, len(wins), et.ROWS):
            chunk = wins[b : b + et.ROWS]
            length = max(e - s for s, e, _, _ in chunk) + 2
            arr = np.zeros((len(chunk), length), dtype=np.int64)
            mask = np.zeros_like(arr)
            for r, (s, e, _, _) in enumerate(chunk):
                arr[r, : e - s + 2] = [tagger.cls, *ids[s:e], tagger.sep]
                mask[r, : e - s + 2] = 1
            logits = sess.run(["logits"], {"ids": arr, "mask": mask})[0]
            for r, (s, _, cs, ce) in enumerate(chunk):
                out[cs:ce] = logits[r, 1 + cs - s : 1 + ce - s]
        return out

    pieces = [tagger.pieces(d)[0] for d in docs]
    n_pieces = sum(len(p) for p in pieces)
    print(f"{len(docs)} texts, {words} words, {n_pieces} word pieces")
    results = {}
    for name, fn in [("numpy", tagger.piece_logits)] + [
        (k, lambda ids, s=s: run_onnx(s, ids)) for k, s in sessions.items()
    ]:
        t0 = time.perf_counter()
        outs = [fn(ids) for ids in pieces]
        sec = time.perf_counter() - t0
        results[name] = outs
        agree = np.mean(
            np.concatenate([(o.argmax(1) == r.argmax(1)) for o, r in zip(outs, results["numpy"], strict=True)])
        )
        rate = f"{1000 * sec / words:.3f} s per 1,000 words ({n_pieces / sec:.0f} pieces/s)"
        print(f"{name:14s} {rate}; argmax agrees with numpy on {agree:.4f} of pieces")
    return 0


if __name__ == "__main__":
    sys.exit(main())
