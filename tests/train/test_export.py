"""export-model: a slim checkpoint that predicts exactly like the training checkpoint it came from."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from protein_rgdm.artifacts.checkpoint import read_checkpoint
from protein_rgdm.cli.app import main
from protein_rgdm.errors import InputError
from protein_rgdm.predict.checkpoint import load_for_inference
from protein_rgdm.train.export import export_for_inference
from protein_rgdm.train.run import run_training


@pytest.fixture
def trained(tmp_path, chains_dir, tiny_cfg) -> Path:
    """A real training checkpoint (8 steps on the folder's tiny chains); EMA decay 0.5 so EMA != raw weights."""
    run_training(tiny_cfg(ema_decay=0.5), [chains_dir], tmp_path / "train.csv", None, tmp_path / "train",
                 progress=False)  # fmt: skip
    return tmp_path / "train" / "checkpoint.pt"


def test_export_keeps_the_ema_weights_and_drops_training_state(trained: Path, tmp_path: Path):
    full = read_checkpoint(trained)
    assert {"optimizer", "rng"} <= set(full)  # a real training checkpoint
    out = tmp_path / "slim.pt"
    info = export_for_inference(trained, out)
    slim = read_checkpoint(out)
    assert "optimizer" not in slim and "rng" not in slim and slim["ema"] == {}
    assert info["step"] == full["step"] == slim["step"] and slim["metadata"]["weights"] == "ema"
    shadow = full["ema"]["shadow"]
    assert set(slim["model"]) == set(shadow)
    for k, v in shadow.items():
        assert torch.equal(slim["model"][k], v), k
    # EMA with decay 0.5 after 8 steps differs from the raw weights, so a copy of `model` would fail above
    assert any(not torch.equal(full["model"][k], shadow[k]) for k in shadow if shadow[k].is_floating_point())
    assert info["bytes"] == out.stat().st_size < trained.stat().st_size / 2
    a, b = load_for_inference(trained), load_for_inference(out)
    assert a.config == b.config
    sa, sb = a.model.state_dict(), b.model.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)


def test_export_of_an_export_is_the_same_weights(trained: Path, tmp_path: Path):
    one, two = tmp_path / "one.pt", tmp_path / "two.pt"
    export_for_inference(trained, one)
    export_for_inference(one, two)
    m1, m2 = read_checkpoint(one)["model"], read_checkpoint(two)["model"]
    assert set(m1) == set(m2) and all(torch.equal(m1[k], m2[k]) for k in m1)
    assert read_checkpoint(two)["metadata"]["weights"] == "ema"


def test_export_refuses_a_bad_file_and_leaves_no_output(tmp_path: Path, capsys):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    out = tmp_path / "out.pt"
    with pytest.raises(InputError, match="bad.pt"):
        export_for_inference(bad, out)
    assert not out.exists()
    assert main(["export-model", str(bad), str(out)]) == 2
    assert "bad.pt" in capsys.readouterr().err and not out.exists()
