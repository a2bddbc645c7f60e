"""Batching, seeds, failures and resume of ``predict_records`` (with the stand-in engine of conftest.py)."""

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from protein_rgdm.config.predict import PredictConfig
from protein_rgdm.errors import ConfigError
from protein_rgdm.predict.inputs import SequenceRecord
from protein_rgdm.predict.runner import MARKER, derive_seed, predict_records

VERSION = {"checkpoint_sha256": "fake"}


def _rec(i, seq):
    return SequenceRecord(id=i, sequence=seq, source=f"test:{i}", raw_id=i)


def _read_csv(path):
    with open(path) as handle:
        return list(csv.DictReader(handle, delimiter="\t" if path.suffix == ".tsv" else ","))


def test_outputs_summary_and_failures(tmp_path: Path, fake_engine):
    engine = fake_engine()
    recs = [_rec("long", "ACDEFGHIKLMNPQRSTVWY" * 2), _rec("bad", "ACDXZ"), _rec("short", "MKVLAAGIV"),
            _rec("empty", ""), _rec("huge", "A" * 50)]  # fmt: skip
    cfg = PredictConfig(num_samples=3, seed=5, format="both", max_length=45)
    run = predict_records(recs, lambda: engine, cfg, tmp_path, model_version=VERSION, progress=False)
    assert sorted(run.predicted) == ["long", "short"]
    failed = {row["id"]: row["reason"] for row in _read_csv(tmp_path / "failed.tsv")}
    assert set(failed) == {"bad", "empty", "huge"}
    assert "XZ" in failed["bad"] and "max_length 45" in failed["huge"] and "empty" in failed["empty"]
    rows = _read_csv(tmp_path / "summary.csv")
    assert list(rows[0]) == ["id", "sample", "rank", "ranking_score", "path", "confidence"]
    assert [(r["id"], r["sample"]) for r in rows] == [("long", "0"), ("long", "1"), ("long", "2"),
                                                     ("short", "0"), ("short", "1"), ("short", "2")]  # fmt: skip
    for rid in ("long", "short"):
        ranks = sorted(int(r["rank"]) for r in rows if r["id"] == rid)
        assert ranks == [1, 2, 3]
        best = min((r for r in rows if r["id"] == rid), key=lambda r: int(r["rank"]))
        assert float(best["ranking_score"]) == max(float(r["ranking_score"]) for r in rows if r["id"] == rid)
    # Structure files: N, CA, C, O (the default full backbone), sequence residue names, numbered 1..L.
    from biotite.structure.io import load_structure

    for ext in ("pdb", "cif"):
        atoms = load_structure(tmp_path / "predictions" / "short" / f"short_sample_1.{ext}")
        ca = atoms[atoms.atom_name == "CA"]
        assert list(ca.res_id) == list(range(1, 10)) and list(atoms.atom_name[:4]) == ["N", "CA", "C", "O"]
        assert len(atoms) == 4 * 9
        assert list(ca.res_name[:3]) == ["MET", "LYS", "VAL"]
    info = json.loads((tmp_path / "predictions" / "short" / "short_sample_1.json").read_text())
    assert info["seed"] == derive_seed(5, "short", 0) and info["batch_position"] == 1
    assert {"seed", "schedule", "steps", "nfe", "wall_time_s", "model_version", "ranking_score", "rank"} <= set(info)
    x = np.random.default_rng(info["seed"]).normal(size=(3, 9, 3))  # the fake's draw: the seed reproduces it
    assert ca.coord.shape == (9, 3) and x.shape == (3, 9, 3)


def test_batches_respect_the_residue_budget_and_seeds_are_input_independent(tmp_path: Path, fake_engine):
    engine = fake_engine()
    cfg = PredictConfig(num_samples=5, batch_residues=25)  # 10 residues -> 2 samples per batch
    predict_records([_rec("a", "A" * 10)], lambda: engine, cfg, tmp_path / "one", model_version=VERSION,
                    progress=False)  # fmt: skip
    assert [n for _, n, _ in engine.calls] == [2, 2, 1]
    alone = np.loadtxt(
        [ln[30:54] for ln in open(tmp_path / "one/predictions/a/a_sample_3.pdb") if ln.startswith("ATOM")]
    )
    engine2 = fake_engine()
    predict_records([_rec("z", "C" * 12), _rec("a", "A" * 10)], lambda: engine2, cfg, tmp_path / "two",
                    model_version=VERSION, progress=False)  # fmt: skip
    with_other = np.loadtxt(
        [ln[30:54] for ln in open(tmp_path / "two/predictions/a/a_sample_3.pdb") if ln.startswith("ATOM")]
    )
    np.testing.assert_array_equal(alone, with_other)
    assert engine2.calls[0][0] == "a"  # shortest first


def test_out_of_memory_halves_the_batch_then_fails_only_that_record(tmp_path: Path, fake_engine):
    engine = fake_engine(oom_above=40)
    cfg = PredictConfig(num_samples=4)
    run = predict_records([_rec("ok", "A" * 12), _rec("big", "A" * 41)], lambda: engine, cfg, tmp_path,
                          model_version=VERSION, progress=False)  # fmt: skip
    assert run.predicted == ["ok"]
    assert [k for n, k, _ in engine.calls if n == "ok"] == [4, 2, 2]  # 48 residues fail, then 2 + 2
    assert [k for n, k, _ in engine.calls if n == "big"] == [4, 2, 1]
    assert [row["id"] for row in _read_csv(tmp_path / "failed.tsv")] == ["big"]
    assert "out of memory" in _read_csv(tmp_path / "failed.tsv")[0]["reason"]


def test_rerun_skips_finished_records_and_refuses_mixed_settings(tmp_path: Path, fake_engine):
    engine = fake_engine()
    cfg = PredictConfig(num_samples=2)
    recs = [_rec("a", "ACDEF"), _rec("b", "GHIKL")]
    predict_records(recs, lambda: engine, cfg, tmp_path, model_version=VERSION, progress=False)
    assert (tmp_path / "predictions" / "a" / MARKER).is_file()
    before = (tmp_path / "summary.csv").read_text()
    # Simulate an interruption inside record b: its marker is gone, files half there.
    (tmp_path / "predictions" / "b" / MARKER).unlink()
    engine2 = fake_engine()
    run = predict_records(recs, lambda: engine2, cfg, tmp_path, model_version=VERSION, progress=False)
    assert run.skipped == ["a"] and run.predicted == ["b"] and [c[0] for c in engine2.calls] == ["b"]
    assert (tmp_path / "summary.csv").read_text() == before
    # Nothing to do: the engine is never built.
    run = predict_records(recs, lambda: pytest.fail("engine loaded"), cfg, tmp_path, model_version=VERSION,
                          progress=False)  # fmt: skip
    assert sorted(run.skipped) == ["a", "b"]
    with pytest.raises(ConfigError, match="other settings"):
        predict_records(recs, lambda: engine, PredictConfig(num_samples=3), tmp_path, model_version=VERSION,
                        progress=False)  # fmt: skip
    run = predict_records(recs, lambda: engine, PredictConfig(num_samples=3, override=True), tmp_path,
                          model_version=VERSION, progress=False)  # fmt: skip
    assert sorted(run.predicted) == ["a", "b"] and len(_read_csv(tmp_path / "summary.csv")) == 6


def test_trajectory_written_outside_the_prediction_folder(tmp_path: Path, fake_engine):
    cfg = PredictConfig(num_samples=1, write_trajectory=True)
    run = predict_records([_rec("t", "ACDEFG")], lambda: fake_engine(), cfg, tmp_path, model_version=VERSION,
                          progress=False)  # fmt: skip
    traj = (tmp_path / "trajectories" / "t" / "t_sample_0.pdb").read_text()
    assert traj.count("MODEL") == 3
    assert sorted(p.name for p in (tmp_path / "predictions" / "t").iterdir()) == [
        MARKER, "t_sample_0.json", "t_sample_0.pdb"]  # fmt: skip
    assert run.summary[0]["ranking_score"] is None and run.summary[0]["rank"] == 1


def test_redo_changed_redoes_only_records_with_other_settings(tmp_path: Path, fake_engine):
    recs = [_rec("a", "ACDEF")]
    predict_records(recs, lambda: fake_engine(), PredictConfig(num_samples=2), tmp_path, model_version=VERSION,
                    progress=False)  # fmt: skip
    engine = fake_engine()
    run = predict_records(recs, lambda: engine, PredictConfig(num_samples=3, redo_changed=True), tmp_path,
                          model_version=VERSION, progress=False)  # fmt: skip
    assert run.predicted == ["a"] and len(run.summary) == 3
    predict_records(recs, lambda: fake_engine(), PredictConfig(num_samples=1, redo_changed=True), tmp_path,
                    model_version=VERSION, progress=False)  # fmt: skip
    assert sorted(p.name for p in (tmp_path / "predictions" / "a").glob("a_sample_*")) == [
        "a_sample_0.json", "a_sample_0.pdb"]  # fmt: skip
    run = predict_records(recs, lambda: pytest.fail("engine loaded"), PredictConfig(num_samples=1, redo_changed=True),
                          tmp_path, model_version=VERSION, progress=False)  # fmt: skip
    assert run.skipped == ["a"] and run.predicted == []  # same settings: nothing to redo


def test_diverged_samples_are_recorded_not_written(tmp_path: Path, fake_engine):
    class Exploding(fake_engine):
        def sample(self, sequence, n, seed, name, **kw):
            out = super().sample(sequence, n, seed, name, **kw)
            if name == "far":
                out.coords = out.coords - 5000.0  # thousands of Å: beyond the PDB columns
            elif name == "nan":
                out.coords[0, 0, 0] = np.nan
            return out

    recs = [_rec("far", "MKVLAAGIVK"), _rec("nan", "MKVLAAGIVK"), _rec("ok", "MKVLAAGIVK")]
    run = predict_records(
        recs, Exploding, PredictConfig(num_samples=2), tmp_path, model_version=VERSION, progress=False
    )
    assert run.predicted == ["ok"]
    failed = {row["id"]: row["reason"] for row in _read_csv(tmp_path / "failed.tsv")}
    assert "outside the PDB format's range" in failed["far"] and "non-finite" in failed["nan"]
    assert not list((tmp_path / "predictions" / "far").glob("*_sample_*"))
    assert not (tmp_path / "predictions" / "far" / MARKER).exists()
    # mmCIF has no column limit: the same far-out samples are written there.
    run = predict_records(recs[:1], Exploding, PredictConfig(num_samples=2, format="mmcif"), tmp_path / "cif",
                          model_version=VERSION, progress=False)  # fmt: skip
    assert run.predicted == ["far"]
