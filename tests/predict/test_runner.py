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
    recs = [_rec("long", "ACDEFGHIKLMNPQRSTVWY" * 2), _rec("bad", "ACD*-"), _rec("short", "MKVLAAGIV"),
            _rec("empty", ""), _rec("huge", "A" * 50)]  # fmt: skip
    cfg = PredictConfig(num_samples=3, seed=5, format="both", max_length=45)
    run = predict_records(recs, lambda: engine, cfg, tmp_path, model_version=VERSION, progress=False)
    assert sorted(run.predicted) == ["long", "short"]
    failed = {row["item"]: row["reason"] for row in _read_csv(tmp_path / "failed.tsv")}
    assert set(failed) == {"bad", "empty", "huge"}
    assert "'*' '-'" in failed["bad"] and "max_length 45" in failed["huge"] and "empty" in failed["empty"]
    rows = _read_csv(tmp_path / "summary.csv")
    assert list(rows[0]) == ["id", "sample", "rank", "ranking_score", "rank_tied", "path", "confidence"]
    assert {r["rank_tied"] for r in rows} == {"false"}  # three random walks: three different scores
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
    assert [row["item"] for row in _read_csv(tmp_path / "failed.tsv")] == ["big"]
    assert "out of memory" in _read_csv(tmp_path / "failed.tsv")[0]["reason"]


def _coords(out: Path, rid: str, n: int) -> np.ndarray:
    return np.stack([np.loadtxt([ln[30:54] for ln in open(out / "predictions" / rid / f"{rid}_sample_{k}.pdb")
                                 if ln.startswith("ATOM")]) for k in range(n)])  # fmt: skip


def test_records_are_packed_under_the_budget_with_the_seeds_of_one_record_at_a_time(tmp_path: Path, fake_engine):
    recs = [_rec(f"r{i}", "ACDEFGHIKL"[: 4 + i % 5] * 2) for i in range(9)] + [_rec("long", "A" * 50)]
    cfg = PredictConfig(num_samples=3, batch_residues=120, pack_records=True)
    packed, single = fake_engine(), fake_engine()
    predict_records(recs, lambda: packed, cfg, tmp_path / "p", model_version=VERSION, progress=False)
    predict_records(recs, lambda: single, cfg.model_copy(update={"pack_records": False}), tmp_path / "s",
                    model_version=VERSION, progress=False)  # fmt: skip
    assert all(len(batch) == 1 for batch in single.batches) and len(single.batches) == 11  # long: 2 + 1 samples
    assert len(packed.batches) < 8 and max(len(batch) for batch in packed.batches) >= 3
    length = {r.id: len(r.sequence) for r in recs}
    for batch in packed.batches:  # rows x longest length within the budget (a chunk alone may exceed it)
        assert len(batch) == 1 or sum(n for _, n, _ in batch) * max(length[name] for name, _, _ in batch) <= 120
    assert sorted(packed.calls) == sorted(single.calls)  # the same chunks with the same seeds
    for r in recs:
        np.testing.assert_array_equal(_coords(tmp_path / "p", r.id, 3), _coords(tmp_path / "s", r.id, 3))


def test_a_failing_packed_batch_fails_only_the_bad_record(tmp_path: Path, fake_engine):
    recs = [_rec("a", "ACDEFG"), _rec("bad", "ACDEFGH"), _rec("c", "ACDEFGHI")]
    engine = fake_engine(refuse=("bad",))
    run = predict_records(recs, lambda: engine, PredictConfig(num_samples=2, pack_records=True), tmp_path, model_version=VERSION,
                          progress=False)  # fmt: skip
    assert engine.batches[0] == [(r.id, 2, derive_seed(0, r.id, 0)) for r in recs]  # tried together first
    assert sorted(run.predicted) == ["a", "c"] and [f["id"] for f in run.failed] == ["bad"]
    assert "refused by the model" in run.failed[0]["reason"]
    # out of memory for the packed batch (6 rows x 8 > 40): each record redone alone, none fails
    engine = fake_engine(oom_above=40)
    run = predict_records([recs[0], recs[2]], lambda: engine, PredictConfig(num_samples=3, pack_records=True), tmp_path / "oom",
                          model_version=VERSION, progress=False)  # fmt: skip
    assert sorted(run.predicted) == ["a", "c"] and [len(b) for b in engine.batches] == [2, 1, 1]


def test_resuming_gives_the_uninterrupted_runs_samples(tmp_path: Path, fake_engine):
    recs = [_rec(f"r{i}", "MKVLAAGIVWY"[: 5 + i]) for i in range(6)]
    cfg = PredictConfig(num_samples=2, batch_residues=50, pack_records=True)
    predict_records(recs, lambda: fake_engine(), cfg, tmp_path / "full", model_version=VERSION, progress=False)
    predict_records(recs[1::2], lambda: fake_engine(), cfg, tmp_path / "resumed", model_version=VERSION,
                    progress=False)  # fmt: skip
    engine = fake_engine()
    run = predict_records(recs, lambda: engine, cfg, tmp_path / "resumed", model_version=VERSION, progress=False)
    assert sorted(run.skipped) == ["r1", "r3", "r5"] and len(engine.batches) < 3  # the rest packed anew
    for r in recs:
        np.testing.assert_array_equal(_coords(tmp_path / "full", r.id, 2), _coords(tmp_path / "resumed", r.id, 2))


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
    failed = {row["item"]: row["reason"] for row in _read_csv(tmp_path / "failed.tsv")}
    assert "outside the PDB format's range" in failed["far"] and "non-finite" in failed["nan"]
    assert not list((tmp_path / "predictions" / "far").glob("*_sample_*"))
    assert not (tmp_path / "predictions" / "far" / MARKER).exists()
    # mmCIF has no column limit: the same far-out samples are written there.
    run = predict_records(recs[:1], Exploding, PredictConfig(num_samples=2, format="mmcif"), tmp_path / "cif",
                          model_version=VERSION, progress=False)  # fmt: skip
    assert run.predicted == ["far"]


def test_sample_json_carries_reference_free_geometry(tmp_path: Path, fake_engine):
    """The stand-in engine walks in 3.8 Å steps: every virtual bond is valid; the rest equals evaluate's numbers."""
    from protein_rgdm.evaluate.geometry import trace_geometry
    from protein_rgdm.evaluate.io import read_trace

    cfg = PredictConfig(num_samples=2, seed=1, format="pdb")
    predict_records([_rec("walk", "ACDEFGHIKLMNPQRSTVWY")], lambda: fake_engine(), cfg, tmp_path,
                    model_version=VERSION, progress=False)  # fmt: skip
    for k in range(2):
        stem = tmp_path / "predictions" / "walk" / f"walk_sample_{k}"
        geo = json.loads(stem.with_suffix(".json").read_text())["geometry"]
        assert geo["bond_valid"] == 1.0 and geo["bond_rms_dev"] < 1e-4 and len(geo["sse"]) == 20
        again = trace_geometry(read_trace(stem.with_suffix(".pdb")).ca).as_json()  # written with 3 decimals
        assert geo["sse"] == again["sse"] and geo["rg"] == pytest.approx(again["rg"], abs=1e-3)
        assert geo["clash"] == pytest.approx(again["clash"], abs=0.01)


@pytest.mark.parametrize(
    "marker_text",
    ["{not json", "", "[1, 2]", '{"fingerprint": {}, "summary": [{"id": "a"}]}',
     '{"summary": [{"id": "a", "sample": 0, "rank": "x", "ranking_score": null, "path": "p"}]}'],
)  # fmt: skip
def test_an_unreadable_marker_means_unfinished(tmp_path: Path, fake_engine, marker_text):
    recs = [_rec("a", "ACDEF")]
    cfg = PredictConfig(num_samples=2)
    predict_records(recs, lambda: fake_engine(), cfg, tmp_path, model_version=VERSION, progress=False)
    marker = tmp_path / "predictions" / "a" / MARKER
    good = marker.read_text()
    marker.write_text(marker_text)  # hand-edited or truncated
    engine = fake_engine()
    run = predict_records(recs, lambda: engine, cfg, tmp_path, model_version=VERSION, progress=False)
    assert run.predicted == ["a"] and [c[0] for c in engine.calls] == ["a"]
    assert json.loads(marker.read_text())["summary"] == json.loads(good)["summary"]  # same seeds: same record


def test_stale_temp_files_of_a_killed_run_are_removed(tmp_path: Path, fake_engine):
    import os
    import tempfile

    recs = [_rec("a", "ACDEF")]
    cfg = PredictConfig(num_samples=1, write_trajectory=True)
    predict_records(recs, lambda: fake_engine(), cfg, tmp_path, model_version=VERSION, progress=False)
    left = []
    for folder, name in ((tmp_path, "summary.csv"), (tmp_path / "predictions" / "a", "a_sample_0.pdb"),
                         (tmp_path / "trajectories" / "a", "a_sample_0.pdb")):  # fmt: skip
        fd, path = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)  # as fileio.atomic_path makes them
        os.close(fd)
        left.append(Path(path))
    predict_records(recs, lambda: pytest.fail("engine loaded"), cfg, tmp_path, model_version=VERSION, progress=False)
    assert not any(p.exists() for p in left)
    assert (tmp_path / "predictions" / "a" / "a_sample_0.pdb").is_file()


def test_mapped_letters_reach_the_engine_and_the_json(tmp_path: Path, fake_engine):
    engine = fake_engine()
    seen = []
    real_sample = engine.sample

    def sample(sequence, *args, **kw):
        seen.append(sequence)
        return real_sample(sequence, *args, **kw)

    engine.sample = sample
    run = predict_records([_rec("u", "MUKOBX")], lambda: engine, PredictConfig(num_samples=1), tmp_path,
                          model_version=VERSION, progress=False)  # fmt: skip
    assert run.predicted == ["u"] and seen == ["MCKKXX"]
    info = json.loads((tmp_path / "predictions" / "u" / "u_sample_0.json").read_text())
    assert info["sequence"] == "MUKOBX" and info["model_sequence"] == "MCKKXX"
    assert info["letter_mapping"]["U"] == {"to": "C", "positions": [2]} and set(info["letter_mapping"]) == set("UOBX")
    pdb = (tmp_path / "predictions" / "u" / "u_sample_0.pdb").read_text()
    assert [ln[17:20] for ln in pdb.splitlines() if ln.startswith("ATOM") and ln[12:16] == " CA "] == ["MET", "SEC", "LYS", "PYL", "ASX", "UNK"]


def test_unreadable_input_files_are_listed_in_failed_tsv(tmp_path: Path, fake_engine):
    from protein_rgdm.predict.inputs import InputFailure

    bad = InputFailure(id="b.fasta", source="in/b.fasta", reason="in/b.fasta: not UTF-8 text (byte 0xe9 ...)")
    run = predict_records([_rec("a", "ACDEF")], lambda: fake_engine(), PredictConfig(num_samples=1), tmp_path,
                          model_version=VERSION, progress=False, input_failures=[bad])  # fmt: skip
    assert run.predicted == ["a"]
    assert _read_csv(tmp_path / "failed.tsv") == [
        {"stage": "predict", "item": "b.fasta", "file": "in/b.fasta", "reason": bad.reason}
    ]


def test_two_samples_are_marked_as_tied_and_keep_sample_order(tmp_path: Path, fake_engine):
    """With 2 samples the consistency score is TM(x_0, x_1) for both: the outputs say the rank is uninformative."""
    run = predict_records([_rec("pair", "ACDEFGHIKLMNPQRSTVWY")], lambda: fake_engine(), PredictConfig(num_samples=2),
                          tmp_path, model_version=VERSION, progress=False)  # fmt: skip
    rows = _read_csv(tmp_path / "summary.csv")
    assert [(r["sample"], r["rank"], r["rank_tied"]) for r in rows] == [("0", "1", "true"), ("1", "2", "true")]
    assert rows[0]["ranking_score"] == rows[1]["ranking_score"] != ""
    info = json.loads((tmp_path / "predictions" / "pair" / "pair_sample_1.json").read_text())
    assert info["rank_tied"] is True and info["rank"] == 2
    assert [r["rank_tied"] for r in run.summary] == [True, True]
    # a resumed run reads the same from the completion marker, also from one written before rank_tied existed
    marker = tmp_path / "predictions" / "pair" / MARKER
    old = json.loads(marker.read_text())
    old["summary"] = [{k: v for k, v in row.items() if k != "rank_tied"} for row in old["summary"]]
    marker.write_text(json.dumps(old))
    again = predict_records([_rec("pair", "ACDEFGHIKLMNPQRSTVWY")], lambda: fake_engine(), PredictConfig(num_samples=2),
                            tmp_path, model_version=VERSION, progress=False)  # fmt: skip
    assert again.skipped == ["pair"] and [r["rank_tied"] for r in again.summary] == [True, True]
    assert _read_csv(tmp_path / "summary.csv") == rows
