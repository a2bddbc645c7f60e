"""Checkpoint safety: truncated / corrupted / foreign files and configs that do not fit give clear errors."""

from __future__ import annotations

import pytest
import torch

from protein_rgdm.artifacts.chains import index_chain_files
from protein_rgdm.artifacts.checkpoint import read_checkpoint
from protein_rgdm.artifacts.split import load_split
from protein_rgdm.errors import ConfigError, InputError
from protein_rgdm.predict.checkpoint import load_for_inference
from protein_rgdm.train.data import load_chains
from protein_rgdm.train.trainer import Trainer


@pytest.fixture
def trained(tmp_path, chains_dir, tiny_cfg):
    cfg = tiny_cfg(max_steps=2)
    train, _ = load_chains(load_split(tmp_path / "train.csv"), index_chain_files([chains_dir]), cfg.data)
    Trainer(cfg, train, [], tmp_path / "run", resume=False, progress=False).fit()
    return tmp_path / "run", cfg, train


def test_checkpoint_roundtrip_and_inference(trained):
    run, cfg, train = trained
    data = read_checkpoint(run / "checkpoint.pt")
    assert data["step"] == 2 and data["metadata"]["git_commit"] is None or isinstance(data["metadata"]["git_commit"], str)
    inf = load_for_inference(run / "checkpoint.pt", "cpu")
    assert not inf.model.training and inf.config == cfg and inf.metadata["step"] == 2
    seq = train[0].sequence
    mask = torch.ones(2, len(seq), dtype=torch.bool)
    fn = inf.score_fn([seq, seq], mask, ["a", "b"])
    out = fn(torch.randn(2, len(seq), 3), torch.tensor([0.5, 0.5]), torch.tensor([1.0, 1.0]), mask)
    assert out.shape == (2, len(seq), 3) and torch.isfinite(out).all()
    # the network takes the 20 amino acids and the unknown X (predict maps U/O/B/Z/J first); anything else is refused
    assert torch.isfinite(inf.score_fn([seq, seq[:-1] + "X"], mask, ["a", "b"])(
        torch.randn(2, len(seq), 3), torch.tensor([0.5, 0.5]), torch.tensor([1.0, 1.0]), mask)).all()
    with pytest.raises(InputError, match="record 'b'.*'B'"):
        inf.score_fn([seq, seq[:-1] + "B"], mask, ["a", "b"])


def test_truncated_and_corrupted_checkpoints(trained, tmp_path):
    run, _, _ = trained
    raw = (run / "checkpoint.pt").read_bytes()
    (tmp_path / "trunc.pt").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(InputError, match="trunc.pt: corrupted or truncated"):
        load_for_inference(tmp_path / "trunc.pt")
    bad = bytearray(raw)
    bad[100:400] = b"\x00" * 300
    (tmp_path / "bad.pt").write_bytes(bytes(bad))
    with pytest.raises(InputError, match="bad.pt"):
        load_for_inference(tmp_path / "bad.pt")
    (tmp_path / "empty.pt").write_bytes(b"")
    with pytest.raises(InputError, match="empty.pt"):
        load_for_inference(tmp_path / "empty.pt")
    torch.save({"weights": torch.zeros(2)}, tmp_path / "foreign.pt")
    with pytest.raises(InputError, match="not a protein_rgdm checkpoint"):
        load_for_inference(tmp_path / "foreign.pt")
    with pytest.raises(InputError, match="not found"):
        load_for_inference(tmp_path / "missing.pt")


class _Evil:
    def __reduce__(self):
        return (print, ("pwned",))


def test_checkpoint_that_would_run_code_is_refused(tmp_path):
    torch.save({"format": "protein_rgdm.checkpoint", "x": _Evil()}, tmp_path / "evil.pt")
    with pytest.raises(InputError, match="evil.pt: refused"):
        read_checkpoint(tmp_path / "evil.pt")


def test_resume_with_config_that_does_not_fit(trained, tiny_cfg):
    run, cfg, train = trained
    other = tiny_cfg(model={**cfg.model.model_dump(), "ns": 12})
    with pytest.raises(ConfigError, match=r"model\.ns \(8 in checkpoint vs 12\)"):
        Trainer(other, train, [], run, resume=True, progress=False)
