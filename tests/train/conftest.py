"""Tiny chain-record folders, split CSVs and a tiny train config for the training tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from protein_rgdm.config.train import TrainConfig
from tests.helpers import random_record


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    """Every test in this folder runs with one torch thread."""


@pytest.fixture
def chains_dir(tmp_path: Path) -> Path:
    """12 random chains of 10..30 residues in chains/ and train (10) / val (2) split CSVs."""
    rng = np.random.default_rng(0)
    d = tmp_path / "chains"
    names = []
    for i in range(12):
        name = f"rand{i}_A"
        random_record(name, int(rng.integers(10, 31)), rng, missing=(0, 5) if i == 3 else ()).save(d / f"{name}.npz")
        names.append(name)
    (tmp_path / "train.csv").write_text("name\n" + "\n".join(names[:10]) + "\n")
    (tmp_path / "val.csv").write_text("name\n" + "\n".join(names[10:]) + "\n")
    return d


TINY = dict(
    model=dict(ns=8, nv=2, layers=2, knn=4, num_rbf=6, time_dim=8, edge_hidden=16, embedder=dict(kind="learned", dim=8, layers=1)),
    optim=dict(lr=2e-3, warmup_steps=3),
    data=dict(residue_budget=80, min_length=8),
    max_steps=8,
    checkpoint_every=100,
    log_every=1,
    device="cpu",
)


@pytest.fixture
def tiny_cfg():
    def make(**kw) -> TrainConfig:
        data = {k: (dict(v) if isinstance(v, dict) else v) for k, v in TINY.items()}
        for k, v in kw.items():
            if isinstance(v, dict) and isinstance(data.get(k), dict):
                data[k].update(v)
            else:
                data[k] = v
        return TrainConfig.model_validate(data)

    return make
