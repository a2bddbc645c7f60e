"""Per-residue confidence from the samples of one sequence, and how predict writes it (with the full backbone)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from protein_rgdm.config.predict import PredictConfig
from protein_rgdm.evaluate.lddt import lddt_ca
from protein_rgdm.predict.confidence import ensemble_lddt, residue_confidence, residue_lddt, superposed_spread
from protein_rgdm.predict.inputs import SequenceRecord
from protein_rgdm.predict.runner import predict_records
from tests.helpers import random_record


def _chain(length: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return random_record("x", length, rng).ca.astype(np.float64)


def _rotate(x: np.ndarray, seed: int) -> np.ndarray:
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(3, 3)))
    return x @ (q * np.sign(np.linalg.det(q))).T + 7.0


def test_residue_lddt_pools_to_the_global_lddt():
    a = _chain(40, 0)
    b = a + np.random.default_rng(1).normal(scale=1.0, size=a.shape)
    per = residue_lddt(b, a)
    d = np.linalg.norm(a[:, None] - a[None], axis=-1)
    n_pairs = ((d < 15) & ~np.eye(40, dtype=bool)).sum(1)
    # each residue's fraction weighted by its number of scored pairs is the pair-weighted global lDDT
    assert np.sum(per * n_pairs) / n_pairs.sum() == pytest.approx(lddt_ca(b, a), abs=1e-12)
    assert residue_lddt(a, a) == pytest.approx(np.ones(40))


def test_confidence_is_high_where_samples_agree_and_low_where_they_do_not():
    rng = np.random.default_rng(2)
    base = _chain(50, 3)
    samples = []
    for k in range(4):
        x = base + rng.normal(scale=0.1, size=base.shape)
        x[40:] += rng.normal(scale=4.0, size=(10, 3))  # a floppy C-terminal tail
        samples.append(_rotate(x, 10 + k))  # rigid motions must not matter
    samples = np.stack(samples)
    for conf in (ensemble_lddt(samples), superposed_spread(samples)):
        assert conf.shape == (4, 50) and (conf >= 0).all() and (conf <= 100).all()
        assert conf[:, :35].min() > conf[:, 42:].max()
    assert ensemble_lddt(samples)[:, :35].min() > 75  # their pairs with the tail residues are lost
    identical = np.stack([_rotate(base, s) for s in range(3)])
    np.testing.assert_allclose(ensemble_lddt(identical), 100.0)
    np.testing.assert_allclose(superposed_spread(identical), 100.0, atol=1e-6)
    assert residue_confidence(samples[:1]) is None and superposed_spread(samples[:1]) is None


def _records():
    return [SequenceRecord(id="p", sequence="MKTAYIAKQRQISFVKSHFSRQ", source="t:p", raw_id="p")]


def _atoms(path: Path):
    from biotite.structure.io import load_structure

    return load_structure(path, extra_fields=["b_factor"])


def test_predict_writes_full_backbone_and_confidence_and_ca_stays_bitwise(tmp_path: Path, fake_engine):
    runs = {}
    for mode in ("full", "ca"):
        cfg = PredictConfig(num_samples=3, seed=1, format="both", backbone=mode)
        version = {"checkpoint_sha256": "f"}
        predict_records(_records(), lambda: fake_engine(), cfg, tmp_path / mode, model_version=version, progress=False)
        runs[mode] = tmp_path / mode
    rows = list(csv.DictReader(open(runs["full"] / "summary.csv")))
    for k in range(3):
        stem = f"predictions/p/p_sample_{k}"
        info = json.loads((runs["full"] / f"{stem}.json").read_text())
        assert info["backbone"] == "full" and len(info["confidence"]) == 22
        assert float(rows[k]["confidence"]) == pytest.approx(np.mean(info["confidence"]), abs=0.006)
        for ext in ("pdb", "cif"):
            full, ca_only = _atoms(runs["full"] / f"{stem}.{ext}"), _atoms(runs["ca"] / f"{stem}.{ext}")
            assert set(ca_only.atom_name) == {"CA"} and len(full) == 4 * 22
            assert list(full.atom_name[:8]) == ["N", "CA", "C", "O"] * 2
            np.testing.assert_array_equal(full[full.atom_name == "CA"].coord, ca_only.coord)
            for atoms in (full[full.atom_name == "O"], ca_only):
                np.testing.assert_allclose(atoms.b_factor, info["confidence"], atol=0.006)
        # the text of the CA records is identical: the rebuild never moves a Cα
        ca_lines = [
            [ln[:6] + ln[12:54] for ln in open(runs[m] / f"{stem}.pdb") if ln.startswith("ATOM") and ln[13:15] == "CA"]
            for m in ("full", "ca")
        ]
        assert ca_lines[0] == ca_lines[1] and len(ca_lines[0]) == 22
    # the written confidence is the one computed from the samples (read back with 3 decimals)
    coords = np.stack([_atoms(runs["ca"] / f"predictions/p/p_sample_{k}.pdb").coord for k in range(3)])
    info = json.loads((runs["ca"] / "predictions/p/p_sample_2.json").read_text())
    np.testing.assert_allclose(info["confidence"], ensemble_lddt(coords)[2], atol=0.3)


def test_one_sample_has_no_confidence(tmp_path: Path, fake_engine):
    cfg = PredictConfig(num_samples=1, format="pdb")
    predict_records(_records(), lambda: fake_engine(), cfg, tmp_path, model_version={"checkpoint_sha256": "f"},
                    progress=False)  # fmt: skip
    info = json.loads((tmp_path / "predictions/p/p_sample_0.json").read_text())
    assert info["confidence"] is None and info["mean_confidence"] is None
    assert list(csv.DictReader(open(tmp_path / "summary.csv")))[0]["confidence"] == ""
    assert (_atoms(tmp_path / "predictions/p/p_sample_0.pdb").b_factor == 0).all()


def test_many_samples_compare_with_a_bounded_number_of_partners():
    rng = np.random.default_rng(5)
    base = _chain(30, 6)
    samples = np.stack([base + rng.normal(scale=0.5 * (k % 3), size=base.shape) for k in range(7)])
    full, capped = ensemble_lddt(samples), ensemble_lddt(samples, max_partners=2)
    for k in range(7):  # sample k against samples k+1, k+2 only
        expected = 100 * np.mean([residue_lddt(samples[k], samples[(k + s) % 7]) for s in (1, 2)], axis=0)
        np.testing.assert_allclose(capped[k], expected, atol=1e-9)
    assert not np.allclose(full, capped)
