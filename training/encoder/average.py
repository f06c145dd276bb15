#!/usr/bin/env python3
"""Average the weights of several checkpoints of one training run (train.py's ckpt-STEP folders).

Run in the training venv (torch):

    /work/train311/bin/python training/encoder/average.py OUT_DIR CKPT_DIR CKPT_DIR [...]

Writes OUT_DIR/full.pt (float32, the element-wise mean of the checkpoints' full.pt), the float16
``tagger.safetensors`` train.py writes beside it, and the last checkpoint's ``labels.json`` with
``averaged`` naming the steps. export_onnx.py then exports OUT_DIR like any checkpoint.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch
from safetensors.numpy import save_file


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("ckpts", type=Path, nargs="+")
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    total: dict[str, torch.Tensor] = {}
    for ck in a.ckpts:
        state = torch.load(ck / "full.pt", map_location="cpu")
        for k, v in state.items():
            total[k] = total[k] + v.double() if k in total else v.double()
    mean = {k: (v / len(a.ckpts)).float() for k, v in total.items()}
    a.out.mkdir(parents=True, exist_ok=True)
    torch.save(mean, a.out / "full.pt")
    # what train.save writes for the numpy encoder: every weight but the frozen word-piece table
    save_file(
        {k: v.numpy().astype(np.float16) for k, v in mean.items() if k != "embeddings.word_embeddings.weight"},
        str(a.out / "tagger.safetensors"),
    )
    meta = json.loads((a.ckpts[-1] / "labels.json").read_text())
    meta["averaged"] = [json.loads((ck / "labels.json").read_text()).get("step") for ck in a.ckpts]
    (a.out / "labels.json").write_text(json.dumps(meta, indent=1))
    print(a.out, meta["averaged"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
