"""The global vector head: equivariance, parity, and that it places residues in a chain's own frame."""

from __future__ import annotations

import pytest
import torch
from e3nn import o3

from protein_rgdm.model.global_head import GlobalVectorHead


def _head(reflection: bool, k: int = 4, ns: int = 6, seed: int = 0) -> GlobalVectorHead:
    torch.manual_seed(seed)
    head = GlobalVectorHead(ns, k, 16, reflection).double()
    with torch.no_grad():  # the output layer starts at zero
        head.coef[-1].weight.normal_(0.0, 0.3)
        head.coef[-1].bias.normal_(0.0, 0.3)
    return head


def _inputs(lengths=(9, 14), ns: int = 6, seed: int = 1):
    g = torch.Generator().manual_seed(seed)
    lengths = torch.tensor(lengths)
    batch = torch.repeat_interleave(torch.arange(len(lengths)), lengths)
    s = torch.randn(int(lengths.sum()), ns, generator=g, dtype=torch.float64)
    x = 5.0 * torch.randn(int(lengths.sum()), 3, generator=g, dtype=torch.float64)
    return s, x, batch, lengths


def _run(head, s, x, batch, lengths):
    centroid = torch.zeros(len(lengths), 3, dtype=x.dtype).index_add_(0, batch, x) / lengths[:, None]
    c = x - centroid[batch]
    radius = torch.sqrt(torch.zeros(len(lengths), dtype=x.dtype).index_add_(0, batch, c.pow(2).sum(-1)) / lengths)
    return head(s, c, batch, lengths, radius)


@pytest.mark.parametrize("reflection", [False, True])
def test_rotation_translation_equivariance(reflection):
    head = _head(reflection)
    s, x, batch, lengths = _inputs()
    R = o3.rand_matrix(dtype=torch.float64)
    out = _run(head, s, x, batch, lengths)
    moved = _run(head, s, x @ R.T + torch.tensor([3.0, -7.0, 11.0], dtype=torch.float64), batch, lengths)
    assert torch.allclose(moved, out @ R.T, atol=1e-10)
    assert out.abs().mean() > 1e-2


@pytest.mark.parametrize("k", [1, 2, 3])
def test_few_vectors_are_equivariant(k):
    """K < 3 has no triple products; K = 2 still has a cross product in SE(3) mode (checked with K = 1, 2, 3)."""
    head = _head(False, k=k)
    s, x, batch, lengths = _inputs()
    R = o3.rand_matrix(dtype=torch.float64)
    out = _run(head, s, x, batch, lengths)
    assert torch.allclose(_run(head, s, x @ R.T, batch, lengths), out @ R.T, atol=1e-10)
    assert out.abs().mean() > 1e-3


def test_parity_follows_the_setting():
    s, x, batch, lengths = _inputs()
    a, b = (_run(_head(True), s, y, batch, lengths) for y in (x, -x))
    assert torch.allclose(b, -a, atol=1e-10)  # O(3): a mirrored chain gets the mirrored output
    a, b = (_run(_head(False), s, y, batch, lengths) for y in (x, -x))
    assert (b + a).abs().max() > 1e-2 * a.abs().max()  # SE(3): cross/triple products see chirality


def test_chains_do_not_mix():
    head = _head(False)
    s, x, batch, lengths = _inputs()
    out = _run(head, s, x, batch, lengths)
    x2 = x.clone()
    x2[batch == 1] *= 2.0  # change only chain 1
    out2 = _run(head, s, x2, batch, lengths)
    assert torch.allclose(out[batch == 0], out2[batch == 0], atol=1e-12)
    assert not torch.allclose(out[batch == 1], out2[batch == 1])


def test_learns_a_chain_in_its_own_frame():
    """Given randomly rotated copies of one noisy 16-residue chain and residue-identity features, the head
    alone learns to output the rotated clean chain: the pooled vectors define the frame, the coefficients the
    residues' places in it (no local message passing involved)."""
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(3)
    L = 16
    template = torch.cumsum(3.8 * torch.nn.functional.normalize(torch.randn(L, 3, generator=g), dim=-1), 0)
    template = template - template.mean(0)
    s = torch.eye(L)
    head = GlobalVectorHead(L, 4, 32, reflection_equivariant=False)
    opt = torch.optim.Adam(head.parameters(), lr=1e-2)
    batch, lengths = torch.zeros(L, dtype=torch.long), torch.tensor([L])

    def loss_of(n_draws: int) -> torch.Tensor:
        R = o3.rand_matrix(n_draws)
        total = 0.0
        for r in R:
            x = template @ r.T
            noisy = x + 0.5 * torch.randn(x.shape)
            c = noisy - noisy.mean(0)
            radius = c.pow(2).sum(-1).mean().sqrt()[None]
            total = total + (head(s, c, batch, lengths, radius) - x).pow(2).sum(-1).mean()
        return total / n_draws

    with torch.no_grad():
        start = loss_of(16).item()
    for _ in range(400):
        opt.zero_grad()
        loss_of(4).backward()
        opt.step()
    with torch.no_grad():
        end = loss_of(32).item()
    assert start > 20.0  # mean squared distance of an untrained head's output from the chain, Å²
    assert end < 0.02 * start, (start, end)
