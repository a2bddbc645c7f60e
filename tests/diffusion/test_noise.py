"""Per-block random streams: a block of a packed batch samples exactly what it samples alone."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from protein_rgdm.config.diffusion import DiffusionConfig
from protein_rgdm.diffusion import BlockNoise, Diffusion, GaussianOracle, NoiseBlock
from protein_rgdm.errors import InputError

pytestmark = pytest.mark.usefixtures("one_torch_thread")

#: (rows, length, seed) of the jobs packed together; the lengths have different step counts
JOBS = [(3, 10, 11), (2, 25, 22), (1, 17, 33)]


@pytest.fixture(scope="module")
def diff_oracle():
    diff = Diffusion.from_config(DiffusionConfig())
    assert len({diff.num_steps(n) for _, n, _ in JOBS}) == 3  # idle steps occur in the packed batch
    return diff, GaussianOracle(diff, lambda n: diff.tables(n)[1] * np.linspace(0.5, 2.0, n))


def _mask(rows_lengths):
    rows = [n for r, n, *_ in rows_lengths for _ in range(r)]
    lmax = max(rows)
    return torch.arange(lmax)[None, :] < torch.tensor(rows)[:, None]


def _packed(diff, oracle, jobs, deterministic=False):
    blocks = BlockNoise([NoiseBlock(r, n, torch.Generator().manual_seed(s)) for r, n, s in jobs])
    return diff.sample(oracle, _mask(jobs), blocks, deterministic=deterministic, dtype=torch.float64).x


def _alone(diff, oracle, job, deterministic=False):
    r, n, s = job
    return diff.sample(oracle, _mask([job]), torch.Generator().manual_seed(s), deterministic=deterministic,
                       dtype=torch.float64).x  # fmt: skip


@pytest.mark.parametrize("deterministic", [False, True])
def test_each_block_samples_what_it_samples_alone(diff_oracle, deterministic):
    diff, oracle = diff_oracle
    x = _packed(diff, oracle, JOBS, deterministic)
    r0 = 0
    for job in JOBS:
        r, n, _ = job
        alone = _alone(diff, oracle, job, deterministic)
        torch.testing.assert_close(x[r0 : r0 + r, :n], alone, rtol=0, atol=1e-9)
        assert (x[r0 : r0 + r, n:] == 0).all()
        r0 += r
    # one stream for the whole padded batch (today's single generator) would give the first block other samples
    shared = diff.sample(oracle, _mask(JOBS), torch.Generator().manual_seed(11), deterministic=deterministic,
                         dtype=torch.float64).x  # fmt: skip
    assert (shared[:3, :10] - x[:3, :10]).abs().max() > 0.1


def test_block_order_and_batch_mates_do_not_matter(diff_oracle):
    diff, oracle = diff_oracle
    reordered = [JOBS[2], (4, 30, 44), JOBS[0]]
    x = _packed(diff, oracle, JOBS)
    y = _packed(diff, oracle, reordered)
    torch.testing.assert_close(y[5:8, :10], x[:3, :10], rtol=0, atol=1e-9)
    torch.testing.assert_close(y[:1, :17], x[5:6, :17], rtol=0, atol=1e-9)


def test_one_block_is_the_plain_generator(diff_oracle):
    """A single block spanning the batch draws exactly the numbers of today's single-generator sampler."""
    diff, oracle = diff_oracle
    job = (4, 21, 5)
    a = _packed(diff, oracle, [job])
    b = _alone(diff, oracle, job)
    assert torch.equal(a, b)


def test_blocks_must_tile_the_batch(diff_oracle):
    diff, oracle = diff_oracle
    blocks = BlockNoise([NoiseBlock(2, 10, torch.Generator().manual_seed(0))])
    with pytest.raises(InputError, match="do not fit"):
        diff.sample(oracle, _mask([(3, 10)]), blocks)
