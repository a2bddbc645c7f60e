"""The model shipped in the package: its card is true to the file, it needs no optional extra, and
``protein-rgdm predict`` without ``--checkpoint`` uses it to make chain-like backbones."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from biotite.structure.io import load_structure

from protein_rgdm.cli.app import main
from protein_rgdm.fileio import sha256_file
from protein_rgdm.pretrained import BUNDLED_MODEL, bundled_card, bundled_checkpoint
from protein_rgdm.artifacts.checkpoint import config_from_checkpoint, read_checkpoint

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def cameo_target() -> tuple[str, str]:
    """The shortest CAMEO 2022 target of the demo data: never in the bundled model's training data."""
    table = pd.read_csv(Path(__file__).parents[2] / "data" / "demo" / "cameo2022" / "cameo2022.csv")
    row = table.loc[table["seqres"].str.len().idxmin()]
    return str(row["name"]).removesuffix(".pdb"), str(row["seqres"])


def test_card_is_true_to_the_file(repo_root: Path):
    path, card = bundled_checkpoint(), bundled_card()
    assert path.name == f"{BUNDLED_MODEL}.pt" == card["file"]
    assert card["sha256"] == sha256_file(path) and card["bytes"] == path.stat().st_size
    assert path.stat().st_size <= 10 * 2**20
    data = read_checkpoint(path)  # weights_only: safe to load
    cfg = config_from_checkpoint(data, str(path))
    assert card["trained"]["step"] == data["step"]
    assert (repo_root / card["trained"]["config"]).is_file()
    # the default model must work after a plain `pip install`: no optional extra (UniRep, ESM weights)
    assert cfg.model.embedder.kind == "learned"
    for tset in ("cameo100", "heldout"):
        figures = card["figures"][tset]
        assert figures["targets"] > 0 and 0 < figures["tm_median"] < 1 and 0 <= figures["bonds_3.8pm0.2_median"] <= 1


def test_model_card_command(capsys):
    assert main(["model-card", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == bundled_card()
    assert main(["model-card"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{BUNDLED_MODEL}:") and "not good for:" in out


def test_predict_without_checkpoint_uses_the_bundled_model(cameo_target, tmp_path: Path, capsys):
    name, seq = cameo_target
    fasta = tmp_path / "in.fasta"
    fasta.write_text(f">{name}\n{seq}\n")
    out = tmp_path / "out"
    code = main(["predict", str(fasta), "-o", str(out), "-n", "2", "--seed", "0", "--device", "cpu",
                 "--backbone", "ca", "-q"])  # fmt: skip
    text = capsys.readouterr()
    assert code == 0, text.out + text.err
    assert f"using the bundled model {BUNDLED_MODEL}" in text.err
    card = bundled_card()
    bonds_ok = []
    for k in range(2):
        info = json.loads((out / "predictions" / name / f"{name}_sample_{k}.json").read_text())
        assert info["model_version"]["checkpoint_sha256"] == card["sha256"]
        ca = load_structure(out / "predictions" / name / f"{name}_sample_{k}.pdb").coord
        assert ca.shape == (len(seq), 3)
        bonds = np.linalg.norm(np.diff(ca, axis=0), axis=1)
        bonds_ok.append(np.mean(np.abs(bonds - 3.8) <= 0.2))
        d = np.linalg.norm(ca[:, None] - ca[None], axis=-1)
        far = np.abs(np.arange(len(ca))[:, None] - np.arange(len(ca))[None]) >= 3
        assert (d[far] < 3.0).mean() <= 0.01  # no collapsed blob
    # the bundled model has learned chain geometry (an untrained network: ~0 % of bonds within 3.8 ± 0.2 Å)
    assert max(bonds_ok) >= 0.8, bonds_ok


def test_missing_bundled_file_is_a_clear_error(monkeypatch, tmp_path: Path, capsys):
    import protein_rgdm.pretrained as pretrained

    monkeypatch.setattr(pretrained, "BUNDLED_MODEL", "no_such_model")
    fasta = tmp_path / "in.fasta"
    fasta.write_text(">a\nMKTAYIAKQR\n")
    assert main(["predict", str(fasta), "-o", str(tmp_path / "out"), "-q"]) == 2
    err = capsys.readouterr().err
    assert "no_such_model.pt" in err and "--checkpoint" in err and len(err.strip().splitlines()) == 1
