#!/usr/bin/env python3
"""A checkpoint of training/encoder/train.py (full.pt) → ONNX, int8 by dynamic quantisation (per tensor, and per channel).

For comparing onnxruntime's speed with the numpy encoder's; run in the training venv
(torch, onnx, onnxruntime):

    /work/train311/bin/python training/encoder/export_onnx.py CKPT_DIR OUT_DIR
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import train  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("ckpt", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--keep-fp32", action="store_true", help="keep the float32 model (90 MB) beside the int8 ones")
    a = ap.parse_args(argv)
    from onnxruntime.quantization import QuantType, quantize_dynamic

    labels = json.loads((a.ckpt / "labels.json").read_text())["labels"]
    model = train.Tagger(len(labels))
    model.load_state_dict(torch.load(a.ckpt / "full.pt"))
    model.eval()
    a.out.mkdir(parents=True, exist_ok=True)
    ids = torch.ones(2, 256, dtype=torch.long)
    mask = torch.ones(2, 256, dtype=torch.long)
    fp32 = a.out / "tagger.fp32.onnx"
    torch.onnx.export(
        model,
        (ids, mask),
        str(fp32),
        input_names=["ids", "mask"],
        output_names=["logits"],
        dynamic_axes={"ids": {0: "batch", 1: "len"}, "mask": {0: "batch", 1: "len"}, "logits": {0: "batch", 1: "len"}},
        opset_version=17,
        dynamo=False,
    )
    quantize_dynamic(str(fp32), str(a.out / "tagger.int8.onnx"), weight_type=QuantType.QInt8)
    quantize_dynamic(str(fp32), str(a.out / "tagger.int8pc.onnx"), weight_type=QuantType.QInt8, per_channel=True)
    if not a.keep_fp32:
        fp32.unlink()
    for p in sorted(a.out.glob("*.onnx")):
        print(p, p.stat().st_size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
