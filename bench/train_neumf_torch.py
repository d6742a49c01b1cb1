#!/usr/bin/env python3
"""PyTorch NeuMF reference for bench/train-neumf.ts (run by it; reads the data it wrote).

Same model and training as Wren's neuralcf: GMF factor 8 + MLP [64, 32, 16, 8], fused by one linear
layer; embeddings N(0, 0.01), dense layers Glorot-uniform with zero bias; binary cross-entropy from
logits; Adam lr 1e-3 (eps 1e-7, as Wren/Keras) over mini-batches of 256 — lazy on the embedding tables
(sparse gradients + torch.optim.SparseAdam, the same algorithm as Wren's lazy Adam), dense elsewhere;
each epoch draws 4 negatives per positive from the movies the user never interacted with and shuffles
all rows. Prints one JSON line.
Usage: train_neumf_torch.py <data dir> (files: meta.json, *.i32, *.f32 written by the TS bench).
"""
import json
import sys
import time

import numpy as np
import torch
from torch import nn


def load(d, name, dtype):
    return np.fromfile(f"{d}/{name}", dtype=dtype)


class NeuMF(nn.Module):
    def __init__(self, users, movies, gmf_dim=8, mlp=(64, 32, 16, 8)):
        super().__init__()
        self.gmf_user = nn.Embedding(users, gmf_dim, sparse=True)
        self.gmf_item = nn.Embedding(movies, gmf_dim, sparse=True)
        self.mlp_user = nn.Embedding(users, mlp[0] // 2, sparse=True)
        self.mlp_item = nn.Embedding(movies, mlp[0] // 2, sparse=True)
        layers = []
        for a, b in zip(mlp[:-1], mlp[1:]):
            layers += [nn.Linear(a, b), nn.ReLU()]
        self.mlp = nn.Sequential(*layers)
        self.predict = nn.Linear(gmf_dim + mlp[-1], 1)
        for e in (self.gmf_user, self.gmf_item, self.mlp_user, self.mlp_item):
            nn.init.normal_(e.weight, std=0.01)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, u, i):
        gmf = self.gmf_user(u) * self.gmf_item(i)
        mlp = self.mlp(torch.cat([self.mlp_user(u), self.mlp_item(i)], dim=1))
        return self.predict(torch.cat([gmf, mlp], dim=1)).squeeze(1)


def main():
    d = sys.argv[1]
    meta = json.load(open(f"{d}/meta.json"))
    torch.set_num_threads(meta["threads"])
    torch.manual_seed(meta["seed"])
    rng = np.random.default_rng(meta["seed"])
    users, movies, neg = meta["users"], meta["movies"], meta["negatives"]
    tu = load(d, "train_users.i32", np.int32).astype(np.int64)
    ti = load(d, "train_items.i32", np.int32).astype(np.int64)
    tl = load(d, "train_labels.f32", np.float32)
    pos_u, pos_i = tu[tl > 0.5], ti[tl > 0.5]
    seen = np.unique(tu * movies + ti)  # sorted keys of every (user, movie) interaction
    candidates = np.unique(ti)
    cases = load(d, "cases.i32", np.int32).reshape(-1, 1 + meta["caseWidth"]).astype(np.int64)

    model = NeuMF(users, movies)
    sparse = [e.weight for e in (model.gmf_user, model.gmf_item, model.mlp_user, model.mlp_item)]
    dense = [p for n, p in model.named_parameters() if not any(p is s for s in sparse)]
    opts = [
        torch.optim.SparseAdam(sparse, lr=meta["lr"], eps=1e-7),
        torch.optim.Adam(dense, lr=meta["lr"], eps=1e-7),
    ]
    loss_fn = nn.BCEWithLogitsLoss()
    bs = meta["batchSize"]
    losses = []
    rows_total = 0
    t0 = time.perf_counter()
    for _ in range(meta["epochs"]):
        # Negatives: uniform over the candidates, redrawn until none is an interaction of its user.
        nu = np.repeat(pos_u, neg)
        ni = candidates[rng.integers(0, len(candidates), len(nu))]
        bad = np.isin(nu * movies + ni, seen, assume_unique=False)
        for _ in range(64):
            if not bad.any():
                break
            ni[bad] = candidates[rng.integers(0, len(candidates), int(bad.sum()))]
            bad = np.isin(nu * movies + ni, seen)
        u = torch.from_numpy(np.concatenate([pos_u, nu]))
        i = torch.from_numpy(np.concatenate([pos_i, ni]))
        y = torch.cat([torch.ones(len(pos_u)), torch.zeros(len(nu))])
        perm = torch.randperm(len(u))
        u, i, y = u[perm], i[perm], y[perm]
        total = 0.0
        for s in range(0, len(u), bs):
            for opt in opts:
                opt.zero_grad()
            loss = loss_fn(model(u[s : s + bs], i[s : s + bs]), y[s : s + bs])
            loss.backward()
            for opt in opts:
                opt.step()
            total += loss.item() * len(u[s : s + bs])
        losses.append(total / len(u))
        rows_total += len(u)
    seconds = time.perf_counter() - t0

    # HR@10 / NDCG@10: candidates[0] is the held-out positive; ties count as the expected rank.
    with torch.no_grad():
        cu = torch.from_numpy(np.repeat(cases[:, 0], cases.shape[1] - 1))
        ci = torch.from_numpy(cases[:, 1:].reshape(-1))
        scores = model(cu, ci).numpy().reshape(len(cases), -1)
    hr = ndcg = 0.0
    for row in scores:
        greater = int((row[1:] > row[0]).sum())
        ties = int((row[1:] == row[0]).sum())
        for r in range(greater, greater + ties + 1):
            if r < 10:
                hr += 1 / (ties + 1)
                ndcg += 1 / np.log2(r + 2) / (ties + 1)
    print(json.dumps({
        "samplesPerSec": rows_total / seconds,
        "seconds": seconds,
        "losses": losses,
        "hr10": hr / len(cases),
        "ndcg10": ndcg / len(cases),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }))


if __name__ == "__main__":
    main()
