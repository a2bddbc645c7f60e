"""export-model: a slim checkpoint that predicts exactly like the training checkpoint it came from."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from protein_rgdm.cli.app import main
from protein_rgdm.config.train import TrainConfig
from protein_rgdm.errors import InputError
from protein_rgdm.artifacts.checkpoint import read_checkpoint
from protein_rgdm.predict.checkpoint import load_for_inference
from protein_rgdm.train.export import export_for_inference
from tests.helpers import random_record

TINY = dict(
    model=dict(ns=8, nv=2, layers=2, knn=4, num_rbf=6, time_dim=8, edge_hidden=16, embedder=dict(kind="learned", dim=8, layers=1)),
    optim=dict(lr=2e-3, warmup_steps=2),
    data=dict(residue_budget=120, min_length=8),
    max_steps=8,
    checkpoint_every=100,
    log_every=1,
    ema_decay=0.5,
    device="cpu",
    num_threads=1,
)  # fmt: skip

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    from protein_rgdm.train.run import run_training

    root = tmp_path_factory.mktemp("trained")
    rng = np.random.default_rng(1)
    names = [f"c{i}_A" for i in range(5)]
    for name in names:
        random_record(name, int(rng.integers(12, 22)), rng).save(root / "chains" / f"{name}.npz")
    (root / "train.csv").write_text("name\n" + "\n".join(names) + "\n")
    threads = torch.get_num_threads()
    try:
        run_training(TrainConfig.model_validate(TINY), [root / "chains"], root / "train.csv", None, root / "train",
                     progress=False)  # fmt: skip
    finally:
        torch.set_num_threads(threads)
    return root / "train" / "checkpoint.pt"


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
