"""Fit the backbone-rebuild tables and window network shipped in ``protein_rgdm/structure/backbone_table.npz``.

Usage (from the repository root):
    .venv/bin/python bench/fit_backbone_table.py [--out protein_rgdm/structure/backbone_table.npz] [--epochs 30]

Fits :func:`protein_rgdm.structure.backbone_table.fit_backbone_table` on the N / CA / C of the
cgdms **train** chains only (``../shared/data/cgdms/chains.csv``, split column); the val chains
and the EigenFold structures stay held out for ``bench/bench_backbone.py``. The window network
(10 → 128 → 128 → 9, SiLU) is trained here with torch on one thread: Adam, lr 3e-3 with cosine
decay, batches of 512, squared error summed over the nine coordinates, seed 0 (~1 CPU minute).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from backbone_data import REPO, cgdms_chains  # noqa: E402


def train_window(features: np.ndarray, targets: np.ndarray, *, hidden: int = 128, epochs: int = 30,
                 batch: int = 512, seed: int = 0) -> dict[str, np.ndarray]:  # fmt: skip
    """Weights of the window network (see ``BackboneTable.window``), trained by full passes over the data."""
    import torch

    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(seed)
    layers = [torch.nn.Linear(10, hidden), torch.nn.Linear(hidden, hidden), torch.nn.Linear(hidden, 9)]
    for layer in layers:  # explicit, seeded initialisation
        bound = 1.0 / np.sqrt(layer.in_features)
        with torch.no_grad():
            layer.weight.uniform_(-bound, bound, generator=gen)
            layer.bias.zero_()
    net = torch.nn.Sequential(layers[0], torch.nn.SiLU(), layers[1], torch.nn.SiLU(), layers[2])
    x = torch.tensor(features, dtype=torch.float32)
    y = torch.tensor(targets, dtype=torch.float32)
    mean = y.mean(0)
    with torch.no_grad():
        layers[2].bias.copy_(mean)
    steps = len(x) // batch
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs * steps)
    for _ in range(epochs):
        perm = torch.randperm(len(x), generator=gen)
        for b in range(steps):
            idx = perm[b * batch : (b + 1) * batch]
            loss = ((net(x[idx]) - y[idx]) ** 2).sum(1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    with torch.no_grad():
        rms = float(((net(x) - y) ** 2).sum(1).mean().sqrt())
    print(f"window network: {len(x)} peptides, {epochs} epochs, train RMS over C/N/O {rms:.3f} Å")
    return {
        "w1": layers[0].weight.detach().numpy().T, "b1": layers[0].bias.detach().numpy(),
        "w2": layers[1].weight.detach().numpy().T, "b2": layers[1].bias.detach().numpy(),
        "w3": layers[2].weight.detach().numpy().T, "b3": layers[2].bias.detach().numpy(),
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "protein_rgdm" / "structure" / "backbone_table.npz"))
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args(argv)
    from protein_rgdm.structure.backbone_table import fit_backbone_table

    records, skipped = cgdms_chains("train")
    table = fit_backbone_table(
        ((r.ca, r.n, r.c) for r in records), fit_window=lambda f, t: train_window(f, t, epochs=args.epochs)
    )
    table.info["source"] = "cgdms train split (../shared/data/cgdms/chains.csv), bench/fit_backbone_table.py"
    table.save(args.out)
    print(f"fitted on {len(records)} chains ({skipped} unreadable skipped), {table.info['peptides']} peptides")
    print(f"written: {args.out}")
    print("tables: " + ", ".join(f"{k} {v.shape}" for k, v in table.tables.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
