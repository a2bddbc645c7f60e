"""Memorisation: a few CPU minutes on two short real chains, then samples of those chains must
reach TM-score ≥ 0.9 to the truth — data, targets, network and sampler fitting together."""

from __future__ import annotations

import numpy as np
import pytest

from tests.train.memorise import memorise_config, train_and_sample

# Samples per chain. A trained model draws a poor sample (TM < 0.9) about 1 time in 23 (11 of 256 over 8 training
# seeds), so the verdict must not hang on a few draws: with 4 samples, 2 poor ones (TM 0.81, 0.74 for 1p9g_A on a
# 2-core AMD EPYC box, identically on every run) failed the median although 16 samples of the same model have median
# 0.986; 2 of 10 four-sample medians over the seeds fell below 0.9. With 16 (8 poor ones needed to fail: ~1e-6 at
# that rate), the median of each chain over training seeds 0-7 (a stand-in for another CPU's rounding, which changes
# the trained weights) lies in 0.974-0.992: a margin of >= 0.07 over the threshold (bench/memorise_margin.py).
SAMPLES = 16
THRESHOLD = 0.9


@pytest.mark.slow
def test_memorise_two_real_chains(shared_data, tmp_path):
    """The package defaults for the diffusion (x0 target, prior-error step weighting) and a one-layer network
    with the global vector head; the 16 samples of each chain must reach median TM-score >= 0.9 (a compact chain of
    the right size scores ~0.3)."""
    scores = train_and_sample(shared_data / "cgdms", tmp_path, memorise_config(), SAMPLES)
    for name, tms in scores.items():
        assert np.median(tms) >= THRESHOLD, (name, sorted(tms))
