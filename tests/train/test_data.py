"""Training data: trimming and interpolation of unobserved residues, batches under the residue budget."""

from __future__ import annotations

import numpy as np
import pytest

from protein_rgdm.artifacts.split import load_split
from protein_rgdm.config.train import TrainDataConfig
from protein_rgdm.errors import InputError
from protein_rgdm.structure.record import ChainRecord
from protein_rgdm.train.data import LengthBatcher, collate, prepare_chain


def _record(observed, seq=None):
    L = len(observed)
    ca = np.stack([np.arange(L) * 3.8, np.zeros(L), np.zeros(L)], 1).astype(np.float32)
    obs = np.asarray(observed, bool)
    ca[~obs] = np.nan
    return ChainRecord("t_A", seq or "A" * L, ca, obs, np.where(obs, np.arange(L), -1))


def test_trim_and_interpolate():
    obs = [0, 0, 1, 1, 0, 0, 1, 1, 1, 1, 0]
    ch = prepare_chain(_record(obs, "ACDEFGHIKLM"), TrainDataConfig(min_length=2, min_observed_fraction=0.1))
    assert ch.sequence == "DEFGHIKL"  # unobserved termini trimmed
    np.testing.assert_allclose(ch.ca[:, 0], np.arange(2, 10) * 3.8, atol=1e-5)  # gap interpolated on the line
    assert ch.loss_mask.tolist() == [True, True, False, False, True, True, True, True]
    full = prepare_chain(_record(obs, "ACDEFGHIKLM"), TrainDataConfig(min_length=2, min_observed_fraction=0.1, trim_termini=False))
    assert full.length == 11 and np.isfinite(full.ca).all()
    np.testing.assert_allclose(full.ca[:, 0], np.arange(11) * 3.8, atol=1e-4)  # termini extended along the bond


def test_bad_records_are_named():
    with pytest.raises(InputError, match="record 't_A'.*'X'"):
        prepare_chain(_record([1] * 10, "AAAAXAAAAA"), TrainDataConfig(min_length=2))
    with pytest.raises(InputError, match="record 't_A': length 10 outside"):
        prepare_chain(_record([1] * 10), TrainDataConfig(min_length=2, max_length=9))
    with pytest.raises(InputError, match="observed fraction"):
        prepare_chain(_record([1, 1] + [0] * 8), TrainDataConfig(min_length=2))


def test_batches_respect_budget_and_are_deterministic():
    rng = np.random.default_rng(0)
    lengths = rng.integers(10, 200, size=300)
    cfg = TrainDataConfig(residue_budget=600, max_chains=8, max_length=200)
    b = LengthBatcher(lengths, cfg, seed=3)
    e0 = b.batches(0)
    assert sorted(i for batch in e0 for i in batch) == list(range(300))
    for batch in e0:
        assert len(batch) <= 8 and (len(batch) == 1 or len(batch) * lengths[batch].max() <= 600)
    assert e0 == LengthBatcher(lengths, cfg, seed=3).batches(0)
    assert e0 != b.batches(1)
    # bucketing: padded waste is small compared with random batches
    waste = sum(len(x) * lengths[x].max() - lengths[x].sum() for x in e0) / lengths.sum()
    assert waste < 0.3


def test_collate_pads(tmp_path):
    ch = prepare_chain(_record([1] * 10), TrainDataConfig(min_length=2))
    ch2 = prepare_chain(_record([1] * 6), TrainDataConfig(min_length=2))
    b = collate([ch, ch2])
    assert b.x0.shape == (2, 10, 3) and b.mask.sum() == 16 and (b.x0[1, 6:] == 0).all()


def test_split_needs_name_column(tmp_path):
    (tmp_path / "s.csv").write_text("id\nx\n")
    with pytest.raises(InputError, match="'name' column"):
        load_split(tmp_path / "s.csv")
    with pytest.raises(InputError, match="not found"):
        load_split(tmp_path / "nope.csv")


def test_shipped_train_configs_load(repo_root):
    from protein_rgdm.config.base import load_config
    from protein_rgdm.config.train import TrainConfig

    for name in ("train.yaml", "train_tiny.yaml"):
        cfg = load_config(TrainConfig, repo_root / "configs" / name, section="train")
        assert cfg.max_steps > 0
