"""Small, fast network configs and random chains for the model tests."""

from __future__ import annotations

import pytest
import torch

from protein_rgdm.config.model import ModelConfig


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    """Every test in this folder runs with one torch thread."""


@pytest.fixture
def small_cfg():
    def make(**kw) -> ModelConfig:
        base = dict(ns=8, nv=3, layers=3, knn=6, num_rbf=8, time_dim=8, edge_hidden=16)
        base.update(kw)
        if "embedder" not in base:
            base["embedder"] = {"kind": "learned", "dim": 8, "layers": 2}
        return ModelConfig.model_validate(base)

    return make


@pytest.fixture
def random_chain():
    return _random_chain


def _random_chain(L: int, generator: torch.Generator, dtype=torch.float64) -> torch.Tensor:
    """A random walk of 3.8 Å steps, (L, 3), centred."""
    steps = torch.randn(L, 3, generator=generator, dtype=dtype)
    steps = 3.8 * steps / steps.norm(dim=-1, keepdim=True)
    x = torch.cumsum(steps, 0)
    return x - x.mean(0)
