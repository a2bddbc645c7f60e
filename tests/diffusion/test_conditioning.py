"""The network's inputs are derived once: training and sampling give the same t, shell and projection per step."""

from __future__ import annotations

import pytest
import torch

from protein_rgdm.config.diffusion import SCHEDULE_CONFIGS, DiffusionConfig
from protein_rgdm.diffusion import Diffusion


@pytest.mark.parametrize(("kind", "steps"), [("rg", None), ("rg", 6), ("sigmoid", 5)])
def test_sampler_and_training_condition_the_network_alike(kind, steps):
    diff = Diffusion.from_config(DiffusionConfig(schedule=SCHEDULE_CONFIGS[kind]()))
    lengths = (12, 21)
    mask = torch.zeros(2, max(lengths), dtype=torch.bool)
    for b, n in enumerate(lengths):
        mask[b, :n] = True
    calls = []

    def score_fn(x, t, shell, m):
        calls.append((x.clone(), t.clone(), shell.clone()))
        return x  # an x0 guess that keeps every mode of the state non-zero

    diff.sample(score_fn, mask, torch.Generator().manual_seed(0), dtype=torch.float64, steps=steps)
    visits = [diff.step_indices(n, steps).tolist() for n in lengths]
    assert len(calls) == max(len(v) for v in visits)
    x0 = torch.randn(2, max(lengths), 3, generator=torch.Generator().manual_seed(1), dtype=torch.float64) * 5
    checked = 0
    for b, n in enumerate(lengths):
        lead = len(calls) - len(visits[b])
        one = mask[b : b + 1, :n]
        for i, (x_in, t, shell) in enumerate(calls):
            if i < lead:  # idle until its turn: shown t = 1
                assert t[b] == 1.0
                continue
            s = visits[b][i - lead]
            ex = diff.training_example(x0[b : b + 1, :n], one, torch.Generator().manual_seed(2), step=s)
            assert t[b].item() == pytest.approx(ex.t.item(), abs=1e-12) == pytest.approx((s + 1) / diff.num_steps(n))
            assert shell[b].item() == pytest.approx(ex.shell.item(), abs=1e-12)
            # the same modes are projected out of the input
            seen = diff.basis.to_modes(x_in[b : b + 1, :n], one).norm(dim=-1) > 1e-9
            trained = diff.basis.to_modes(ex.x_t, one).norm(dim=-1) > 1e-9
            assert torch.equal(seen, trained)
            ab = diff.tables(n)[0][s]
            assert seen[0, 1:].tolist() == (ab[1:] > 0).tolist()
            checked += 1
    assert checked == sum(len(v) for v in visits)
