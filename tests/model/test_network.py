"""Equivariance of the whole network and independence of chains within a packed batch."""

from __future__ import annotations

import pytest
import torch
from e3nn import o3
from e3nn.util.test import assert_equivariant

from protein_rgdm.model import Packing, ScoreNetwork, make_score_fn

SEQS = ["MKTAYIAKQRQISFVKSHFSRQ", "GSHMLEDPV", "ACDEFGHIKLMNPQRSTVWYACDEFGHIK"]


def _setup(cfg, random_chain, dtype=torch.float64, seqs=SEQS):
    torch.manual_seed(0)
    old = torch.get_default_dtype()
    torch.set_default_dtype(dtype)  # e3nn bakes Clebsch-Gordan constants in the default dtype
    try:
        model = ScoreNetwork(cfg).to(dtype).eval()
    finally:
        torch.set_default_dtype(old)
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():  # output layers start at zero: give them values so every term is exercised
        for p in model.parameters():
            if not p.abs().any():
                p.copy_(0.1 * torch.randn(p.shape, generator=g, dtype=dtype))
    packing = Packing.from_lengths([len(s) for s in seqs])
    x = torch.cat([random_chain(len(s), g, dtype) for s in seqs]) * 1.5
    feats = model.embed(seqs, None, packing)
    t = torch.rand(len(seqs), generator=g, dtype=dtype)
    shell = torch.rand(len(seqs), generator=g, dtype=dtype)
    return model, packing, x, feats, t, shell


@pytest.mark.parametrize("reflection", [False, True])
def test_rotation_translation_equivariance_float64(small_cfg, random_chain, reflection):
    model, packing, x, feats, t, shell = _setup(small_cfg(reflection_equivariant=reflection), random_chain)

    def f(pos):
        return model(pos, t, shell, packing, feats)

    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # e3nn draws the test rotations in the default dtype
    try:
        with torch.no_grad():
            errors = assert_equivariant(
                f,
                args_in=[x],
                irreps_in=["cartesian_points"],
                irreps_out=[o3.Irreps("1o")],
                do_parity=reflection,
                do_translation=True,
                tolerance=1e-9,
            )
    finally:
        torch.set_default_dtype(old)
    assert max(float(e.max()) for e in errors.values()) < 1e-9
    # output is not trivially zero
    assert f(x).abs().mean() > 1e-3


def test_parity_setting(small_cfg, random_chain):
    """O(3) mode: f(-x) = -f(x). SE(3) mode: a mirror image is a different input (chirality is seen)."""
    for reflection, expect_equal in [(True, True), (False, False)]:
        model, packing, x, feats, t, shell = _setup(small_cfg(reflection_equivariant=reflection, layers=4), random_chain)
        with torch.no_grad():
            a = model(x, t, shell, packing, feats)
            b = model(-x, t, shell, packing, feats)
        err = (b + a).abs().max() / a.abs().max()
        if expect_equal:
            assert err < 1e-10
        else:
            assert err > 1e-3


def test_batch_equals_one_by_one_and_permutation(small_cfg, random_chain):
    model, packing, x, feats, t, shell = _setup(small_cfg(), random_chain)
    with torch.no_grad():
        full = model(x, t, shell, packing, feats)
        parts = full.split(packing.lengths.tolist())
        for b, s in enumerate(SEQS):
            p1 = Packing.from_lengths([len(s)])
            xb = x[packing.batch == b]
            single = model(xb, t[b : b + 1], shell[b : b + 1], p1, model.embed([s], None, p1))
            torch.testing.assert_close(single, parts[b], rtol=1e-10, atol=1e-10)
        perm = [2, 0, 1]
        seqs_p = [SEQS[i] for i in perm]
        pp = Packing.from_lengths([len(s) for s in seqs_p])
        xp = torch.cat([x[packing.batch == i] for i in perm])
        out_p = model(xp, t[perm], shell[perm], pp, model.embed(seqs_p, None, pp)).split(pp.lengths.tolist())
        for j, i in enumerate(perm):
            torch.testing.assert_close(out_p[j], parts[i], rtol=1e-10, atol=1e-10)


def test_score_fn_padded_matches_packed(small_cfg, random_chain):
    model, packing, x, feats, t, shell = _setup(small_cfg(), random_chain)
    mask = torch.arange(max(len(s) for s in SEQS))[None, :] < packing.lengths[:, None]
    xpad = packing.unpack(x)
    fn = make_score_fn(model, SEQS, mask)
    with torch.no_grad():
        out = fn(xpad, t, shell, mask)
        ref = model(x, t, shell, packing, feats)
    assert out.shape == xpad.shape
    assert torch.all(out[~mask] == 0)
    torch.testing.assert_close(out[mask], ref)


def test_gradients_reach_every_parameter(small_cfg, random_chain):
    model, packing, x, feats, t, shell = _setup(small_cfg(), random_chain, dtype=torch.float32)
    model.train()
    feats = model.embed(SEQS, None, packing)
    out = model(x, t, shell, packing, feats)
    out.pow(2).mean().backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None]
    assert not missing, missing
