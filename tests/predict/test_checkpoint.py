"""predict against a REAL checkpoint: trained for a few steps through ``train.run.run_training``.

Checks the whole path the contract promises (``load_for_inference`` → ``Diffusion.sample`` →
files): structures parse with the right residues, per-sample JSON facts, summary.csv ranking,
failed.tsv for a bad record, completion markers, a re-run that skips finished records, and
one-line errors for bad schedule overrides.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from protein_rgdm.cli.app import main
from protein_rgdm.config.predict import PredictConfig
from protein_rgdm.config.train import TrainConfig
from protein_rgdm.errors import ConfigError
from protein_rgdm.predict.engine import load_engine
from tests.helpers import random_record

SEQS = {"alpha": "MKTAYIAKQRQISFVKSHFS", "beta one": "GSHMLEDPVAGKT"}
TINY = dict(
    model=dict(ns=8, nv=2, layers=2, knn=4, num_rbf=6, time_dim=8, edge_hidden=16, embedder=dict(kind="learned", dim=8, layers=1)),
    optim=dict(lr=2e-3, warmup_steps=2),
    data=dict(residue_budget=120, min_length=8),
    max_steps=6,
    checkpoint_every=100,
    log_every=1,
    device="cpu",
    num_threads=1,
)  # fmt: skip


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    """A checkpoint trained for a few steps on 6 random chains by the real training entry point."""
    from protein_rgdm.train.run import run_training

    root = tmp_path_factory.mktemp("trained")
    rng = np.random.default_rng(0)
    names = [f"c{i}_A" for i in range(6)]
    for name in names:
        random_record(name, int(rng.integers(12, 25)), rng).save(root / "chains" / f"{name}.npz")
    (root / "train.csv").write_text("name\n" + "\n".join(names) + "\n")
    threads = torch.get_num_threads()
    try:
        run_training(
            TrainConfig.model_validate(TINY),
            [root / "chains"],
            root / "train.csv",
            None,
            root / "train",
            progress=False,
        )
    finally:
        torch.set_num_threads(threads)
    return root / "train" / "checkpoint.pt"


def _predict(capsys, *args: str) -> tuple[int, str]:
    """Run ``protein-rgdm predict ARGS`` in process: (exit code, stdout + stderr)."""
    code = main(["predict", *args])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_predict_from_a_trained_checkpoint(checkpoint: Path, tmp_path: Path, capsys):
    fasta = tmp_path / "in.fasta"
    fasta.write_text("".join(f">{k} desc\n{v}\n" for k, v in SEQS.items()) + ">bad/../x\nMKTXZ1\n")
    out = tmp_path / "out"
    common = [str(fasta), "-c", str(checkpoint), "-o", str(out), "-n", "2", "--seed", "3", "--t32", "6"]
    code, text = _predict(capsys, *common, "--format", "both", "--device", "cpu", "-q")
    assert code == 0, text
    assert "2 predicted, 0 already finished, 1 failed" in text
    assert "ranking cannot order the samples of 2 record(s)" in text  # 2 samples: equal consistency scores

    from biotite.structure.io import load_structure

    summary = list(csv.DictReader(open(out / "summary.csv")))
    assert [(r["id"], r["sample"]) for r in summary] == [("alpha", "0"), ("alpha", "1"), ("beta", "0"), ("beta", "1")]
    for rid, seq in (("alpha", SEQS["alpha"]), ("beta", SEQS["beta one"])):
        rows = [r for r in summary if r["id"] == rid]
        assert sorted(int(r["rank"]) for r in rows) == [1, 2] and {r["rank_tied"] for r in rows} == {"true"}
        best = min(rows, key=lambda r: int(r["rank"]))
        assert float(best["ranking_score"]) >= max(float(r["ranking_score"]) for r in rows)
        folder = out / "predictions" / rid
        assert (folder / ".complete.json").is_file()
        seeds = set()
        for k in range(2):
            for ext in ("pdb", "cif"):
                full = load_structure(folder / f"{rid}_sample_{k}.{ext}", extra_fields=["b_factor"])
                assert len(full) == 4 * len(seq) and list(full.atom_name[:4]) == ["N", "CA", "C", "O"]
                atoms = full[full.atom_name == "CA"]
                assert list(atoms.res_id) == list(range(1, len(seq) + 1))
                ca = atoms.coord
                bonds = np.linalg.norm(np.diff(ca, axis=0), axis=1)
                assert np.isfinite(ca).all() and bonds.max() > 0  # a real, non-degenerate sample
            info = json.loads((folder / f"{rid}_sample_{k}.json").read_text())
            assert (
                info["sequence"] == seq
                and info["sample"] == k
                and info["files"] == [f"{rid}_sample_{k}.pdb", f"{rid}_sample_{k}.cif"]
            )
            assert info["schedule"]["t32"] == 6 and info["steps"] >= 2 and info["nfe"] >= info["steps"]
            # per-residue confidence: the JSON list is the B-factor column of the last file read
            assert len(info["confidence"]) == len(seq) and 0 <= min(info["confidence"]) <= max(info["confidence"]) <= 100
            np.testing.assert_allclose(atoms.b_factor, info["confidence"], atol=0.006)
            assert float(rows[k]["confidence"]) == pytest.approx(np.mean(info["confidence"]), abs=0.01)
            assert info["wall_time_s"] > 0 and info["model_version"]["step"] == 6
            assert len(info["model_version"]["checkpoint_sha256"]) == 64
            assert info["rank"] == int(summary[[r["id"] for r in summary].index(rid) + k]["rank"])
            seeds.add(info["seed"])
        assert len(seeds) >= 1
        a = load_structure(folder / f"{rid}_sample_0.pdb").coord
        b = load_structure(folder / f"{rid}_sample_1.pdb").coord
        assert not np.allclose(a, b)  # two different samples
    failed = list(csv.DictReader(open(out / "failed.tsv"), delimiter="\t"))
    assert len(failed) == 1 and "'1' are not amino-acid letters" in failed[0]["reason"] and "/" not in failed[0]["item"]
    assert not (out / "predictions" / failed[0]["item"]).exists()

    # A re-run skips finished records (no file rewritten), still reporting the bad one.
    stamps = {p: p.stat().st_mtime_ns for p in (out / "predictions").rglob("*") if p.is_file()}
    code, text = _predict(capsys, *common, "--format", "both", "--device", "cpu", "-q")
    assert code == 0 and "0 predicted, 2 already finished, 1 failed" in text, text
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps
    assert list(csv.DictReader(open(out / "summary.csv"))) == summary

    # Same seed into a fresh folder: the same structures (seeds derive from base seed and id only).
    (tmp_path / "alpha.fasta").write_text(f">alpha\n{SEQS['alpha']}\n")
    code, text = _predict(
        capsys,
        str(tmp_path / "alpha.fasta"),
        *common[1:4],
        str(tmp_path / "again"),
        *common[5:],
        "--format",
        "pdb",
        "--device",
        "cpu",
        "-q",
    )
    assert code == 0, text
    again = load_structure(tmp_path / "again" / "predictions" / "alpha" / "alpha_sample_1.pdb").coord
    np.testing.assert_allclose(
        again, load_structure(out / "predictions" / "alpha" / "alpha_sample_1.pdb").coord, atol=2e-3
    )


def test_no_pack_samples_one_record_per_batch_and_agrees_with_packing(checkpoint: Path, tmp_path: Path, capsys):
    fasta = tmp_path / "in.fasta"
    fasta.write_text("".join(f">{k}\n{v}\n" for k, v in SEQS.items()))
    coords = {}
    for flag in ("--pack", "--no-pack"):
        out = tmp_path / flag
        code, text = _predict(capsys, str(fasta), "-c", str(checkpoint), "-o", str(out), "-n", "2", "--t32", "6",
                              "--device", "cpu", "-q", flag)  # fmt: skip
        assert code == 0, text
        info = json.loads((out / "predictions" / "alpha" / "alpha_sample_1.json").read_text())
        assert info["batch_rows"] == (4 if flag == "--pack" else 2) and info["batch_size"] == 2
        coords[flag] = np.loadtxt([ln[30:54] for ln in open(out / "predictions" / "alpha" / "alpha_sample_1.pdb")
                                   if ln.startswith("ATOM")])  # fmt: skip
    np.testing.assert_allclose(coords["--pack"], coords["--no-pack"], atol=2e-3)  # float rounding only


def test_x0_guard_is_the_checkpoints_unless_overridden(checkpoint: Path, tmp_path: Path, capsys):
    """The checkpoint's diffusion.sampler.x0_guard by default; ``--x0-guard none`` replaces it, is recorded in each
    sample's JSON, and counts as a changed setting for finished records."""
    assert load_engine(checkpoint, PredictConfig(device="cpu")).diffusion.x0_guard.kind == "chain_extent"
    engine = load_engine(checkpoint, PredictConfig(device="cpu", x0_guard={"kind": "none"}))
    assert engine.diffusion.x0_guard.kind == "none"
    assert engine.sampler == {
        "x0_guard": {"kind": "none", "max_step": 7.6}, "spacing": "progress", "ode_solver": "ddim"
    }  # fmt: skip
    fasta = tmp_path / "one.fasta"
    fasta.write_text(">a\nMKTAYIAKQR\n")
    common = [str(fasta), "-c", str(checkpoint), "-o", str(tmp_path / "o"), "-n", "1", "--device", "cpu", "-q"]
    code, text = _predict(capsys, *common, "--x0-guard", "none")
    assert code == 0, text
    info = json.loads((tmp_path / "o" / "predictions" / "a" / "a_sample_0.json").read_text())
    assert info["sampler"]["x0_guard"]["kind"] == "none"
    code, text = _predict(capsys, *common)
    assert code == 2 and "other settings" in text, text


def test_bad_schedule_override_is_a_one_line_config_error(checkpoint: Path, tmp_path: Path, capsys):
    with pytest.raises(ConfigError, match=r"not parameters of the checkpoint's 'rg' schedule"):
        load_engine(checkpoint, PredictConfig(device="cpu", schedule_overrides={"bogus": 1}))
    with pytest.raises(ConfigError, match=r"invalid config: .*steps.*not used by schedule kind 'rg'") as err:
        load_engine(checkpoint, PredictConfig(device="cpu", schedule_overrides={"steps": 10}))
    assert "\n" not in str(err.value)
    fasta = tmp_path / "one.fasta"
    fasta.write_text(">a\nMKTAYIAKQR\n")
    cfg = tmp_path / "predict.yaml"
    cfg.write_text("predict:\n  schedule_overrides: {beta_start: 0.5}\n  device: cpu\n")
    code, text = _predict(
        capsys, str(fasta), "-c", str(checkpoint), "-o", str(tmp_path / "o"), "--config", str(cfg), "-q"
    )
    assert code == 2 and text.startswith("error: ") and "beta_start" in text and len(text.strip().splitlines()) == 1


def test_few_step_prediction_records_its_budget_and_redoes_on_change(checkpoint: Path, tmp_path: Path, capsys):
    """--steps N visits N of the checkpoint's trained steps (the schedule is not rebuilt); the JSON says so, and a
    finished record made with another budget is only redone with --redo-changed."""
    fasta = tmp_path / "in.fasta"
    fasta.write_text(f">alpha\n{SEQS['alpha']}\n")
    out = tmp_path / "out"
    base = [str(fasta), "-c", str(checkpoint), "-o", str(out), "-n", "1", "--device", "cpu", "-q"]
    code, text = _predict(capsys, *base, "--steps", "4", "--spacing", "progress")
    assert code == 0 and "1 predicted" in text, text
    info = json.loads((out / "predictions" / "alpha" / "alpha_sample_0.json").read_text())
    assert info["steps"] == info["nfe"] == 4 and info["sampler"]["spacing"] == "progress"
    assert info["schedule"]["t32"] == 80  # the trained schedule, not a re-scheduled one
    code, text = _predict(capsys, *base, "--steps", "5", "--spacing", "progress")
    assert code == 2 and "other settings" in text, text
    code, text = _predict(capsys, *base, "--steps", "5", "--spacing", "progress", "--redo-changed")
    assert code == 0 and "1 predicted" in text, text
    assert json.loads((out / "predictions" / "alpha" / "alpha_sample_0.json").read_text())["nfe"] == 5
    code, text = _predict(capsys, *base, "--steps", "5", "--spacing", "progress", "--deterministic",
                          "--ode-solver", "dpm2m", "--redo-changed")  # fmt: skip
    assert code == 0 and "1 predicted" in text, text
    info = json.loads((out / "predictions" / "alpha" / "alpha_sample_0.json").read_text())
    assert info["sampler"]["ode_solver"] == "dpm2m" and info["nfe"] == 5


def test_non_standard_letters_are_mapped_and_recorded(checkpoint: Path, tmp_path: Path, capsys):
    """U → C, O → K, B/Z/J/X → the unknown token, through the real network; the JSON says what changed."""
    seq = "MKUAYOAKBRZISJVKXHFS"
    (tmp_path / "odd.fasta").write_text(f">odd\n{seq.lower()}\n>star\nMKT*\n>eszett\nMKß\n")
    out = tmp_path / "out"
    code, text = _predict(capsys, str(tmp_path / "odd.fasta"), "-c", str(checkpoint), "-o", str(out), "-n", "2",
                          "--t32", "6", "--device", "cpu", "-q")  # fmt: skip
    assert code == 0 and "1 predicted, 0 already finished, 2 failed" in text, text
    info = json.loads((out / "predictions" / "odd" / "odd_sample_0.json").read_text())
    assert info["sequence"] == seq and info["model_sequence"] == "MKCAYKAKXRXISXVKXHFS"
    assert info["letter_mapping"] == {
        "U": {"to": "C", "positions": [3]}, "O": {"to": "K", "positions": [6]}, "B": {"to": "X", "positions": [9]},
        "Z": {"to": "X", "positions": [11]}, "J": {"to": "X", "positions": [14]}, "X": {"to": "X", "positions": [17]},
    }  # fmt: skip
    from biotite.structure.io import load_structure

    atoms = load_structure(out / "predictions" / "odd" / "odd_sample_0.pdb")
    assert np.isfinite(atoms.coord).all() and len(atoms) == 4 * len(seq)  # N, CA, C, O (full backbone)
    names = dict(zip(atoms.res_id.tolist(), atoms.res_name.tolist()))
    assert [names[i] for i in (3, 6, 9, 11, 14, 17)] == ["SEC", "PYL", "ASX", "GLX", "UNK", "UNK"]
    failed = {r["item"]: r["reason"] for r in csv.DictReader(open(out / "failed.tsv"), delimiter="\t")}
    assert "'*'" in failed["star"] and "'ß'" in failed["eszett"]  # not a letter; never case-folded to SS


def test_odd_files_in_an_input_folder_are_recorded_and_the_rest_predicted(checkpoint: Path, tmp_path: Path, capsys):
    import os

    from tests.helpers import call_with_timeout

    src = tmp_path / "in"
    src.mkdir()
    (src / "a_good.fasta").write_text(f">alpha\n{SEQS['alpha']}\n")
    (src / "b_latin1.fasta").write_bytes(b">caf\xe9\nMKV\n")
    (src / "c_utf16.csv").write_bytes("id,sequence\nx,MKV\n".encode("utf-16"))
    (src / "d_bom.csv").write_bytes(b"\xef\xbb\xbfid,sequence\nbom,GSHMLEDPVAGKT\n")
    (src / "e_long.csv").write_text(f"id,sequence\nlong,{'A' * 200_000}\n")
    os.mkfifo(src / "f_pipe.fa")
    out = tmp_path / "out"
    code, text = call_with_timeout(
        _predict, capsys, str(src), "-c", str(checkpoint), "-o", str(out), "-n", "1", "--t32", "6", "--device", "cpu",
        "-q", timeout=120,
    )  # fmt: skip
    assert code == 0 and "2 predicted" in text and "Traceback" not in text, text
    assert sorted(p.name for p in (out / "predictions").iterdir()) == ["alpha", "bom"]
    failed = {r["item"]: r["reason"] for r in csv.DictReader(open(out / "failed.tsv"), delimiter="\t")}
    assert set(failed) == {"b_latin1.fasta", "c_utf16.csv", "f_pipe.fa", "long"}
    assert "not UTF-8" in failed["b_latin1.fasta"] and "FIFO" in failed["f_pipe.fa"]
    assert "length 200000 exceeds max_length 1024" in failed["long"]


def test_the_checkpoint_is_checked_and_hashed_once_on_the_predict_path(
    checkpoint: Path, tmp_path: Path, capsys, monkeypatch
):
    """One existence check and one SHA-256 of the checkpoint per predict run (CLI → runner → engine → loader)."""
    import protein_rgdm.artifacts.checkpoint as ckpt_format
    import protein_rgdm.fileio as fileio

    hashed, checked = [], []
    real_hash, real_is_file, real_exists = fileio.sha256_file, Path.is_file, Path.exists

    def counting_hash(path, *args, **kwargs):
        hashed.append(Path(path))
        return real_hash(path, *args, **kwargs)

    def counting(real):
        def check(self, *args, **kwargs):
            if self == checkpoint:
                checked.append(real.__name__)
            return real(self, *args, **kwargs)

        return check

    monkeypatch.setattr(fileio, "sha256_file", counting_hash)
    monkeypatch.setattr(ckpt_format, "sha256_file", counting_hash)
    monkeypatch.setattr(Path, "is_file", counting(real_is_file))
    monkeypatch.setattr(Path, "exists", counting(real_exists))
    (tmp_path / "one.fasta").write_text(">one\nMKTAYIAKQRQISF\n")
    code, text = _predict(capsys, str(tmp_path / "one.fasta"), "-c", str(checkpoint), "-o", str(tmp_path / "out"),
                          "-n", "2", "--t32", "4", "--device", "cpu", "-q")  # fmt: skip
    assert code == 0 and "1 predicted" in text, text
    assert hashed == [checkpoint] and len(checked) == 1, (hashed, checked)
    info = json.loads((tmp_path / "out" / "predictions" / "one" / "one_sample_0.json").read_text())
    assert info["model_version"]["checkpoint_sha256"] == real_hash(checkpoint)
