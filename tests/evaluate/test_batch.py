"""Batch evaluation of prediction folders: good rows, ranking, and every kind of bad input."""

from __future__ import annotations

import gzip
import json
import math
import shutil

import numpy as np
import pytest

from protein_rgdm.cli.app import main
from protein_rgdm.config.evaluate import EvaluateConfig
from protein_rgdm.evaluate.aggregate import read_metrics
from protein_rgdm.evaluate.batch import evaluate_predictions, find_reference, write_metrics

GOOD = "1gh1.A"  # 90 residues, TM 0.7813 in expected.csv
OTHER = "1c54.A"


@pytest.fixture()
def dirs(tmscore_fixture, tmp_path):
    pred, refs = tmp_path / "pred", tmp_path / "refs"
    refs.mkdir()
    for target in (GOOD, OTHER):
        shutil.copy(tmscore_fixture / "references" / f"{target}.pdb", refs / f"{target}.pdb")
    sample = next((tmscore_fixture / "samples").glob(f"{GOOD}.pdb.*.pdb"))
    good = pred / GOOD
    good.mkdir(parents=True)
    shutil.copy(sample, good / f"{GOOD}_sample_0.pdb")
    with gzip.open(good / f"{GOOD}_sample_1.pdb.gz", "wb") as handle:
        handle.write(sample.read_bytes())
    (good / f"{GOOD}_sample_2.pdb").write_text("<html>404 not found</html>\n")  # unreadable
    for k, score in enumerate((0.1, 0.9, 0.5)):
        (good / f"{GOOD}_sample_{k}.json").write_text(json.dumps({"sample": k, "ranking_score": score}))
    return pred, refs, sample


def _by_model(rows):
    return {(r["target"], r["model"]): r for r in rows}


def test_good_models_are_scored_and_bad_ones_get_row_errors(dirs, tmscore_fixture):
    pred, refs, sample = dirs
    # a model of another protein: identity far below the threshold
    (pred / OTHER).mkdir()
    shutil.copy(sample, pred / OTHER / "wrong_protein.pdb")
    # an empty prediction folder and a target without reference
    (pred / "empty").mkdir()
    (pred / "noref").mkdir()
    shutil.copy(sample, pred / "noref" / "m.pdb")
    # a reference without Cα atoms
    (pred / "noca").mkdir()
    shutil.copy(sample, pred / "noca" / "m.pdb")
    lines = [l for l in (refs / f"{GOOD}.pdb").read_text().splitlines() if l.startswith("ATOM") and l[12:16] != " CA "]
    (refs / "noca.pdb").write_text("\n".join(lines) + "\nEND\n")
    errors = []
    rows = evaluate_predictions(pred, refs, EvaluateConfig(progress=False), on_error=errors.append)
    got = _by_model(rows)
    ok0, ok1 = got[(GOOD, f"{GOOD}_sample_0.pdb")], got[(GOOD, f"{GOOD}_sample_1.pdb.gz")]
    for row in (ok0, ok1):
        assert row["error"] == "" and row["n_matched"] == 90 and row["seq_identity"] == 1.0
        assert abs(row["tm"] - 0.7813) < 1e-3
    assert ok1["sample"] == 1 and ok1["ranking_score"] == 0.9
    assert "HTML" in got[(GOOD, f"{GOOD}_sample_2.pdb")]["error"]
    wrong = got[(OTHER, "wrong_protein.pdb")]
    assert "below min_seq_identity" in wrong["error"] and wrong["seq_identity"] < 0.5 and math.isnan(wrong["tm"])
    assert "no model files" in got[("empty", "")]["error"]
    assert "no reference" in got[("noref", "m.pdb")]["error"]
    assert "Cα" in got[("noca", "m.pdb")]["error"]
    assert len(errors) == 5  # html model, wrong protein, empty folder, missing ref, no-Cα ref


def test_zero_matched_residues_is_an_error(dirs):
    pred, refs, _ = dirs
    text = (refs / f"{GOOD}.pdb").read_text().splitlines()
    shifted = [l[:22] + f"{int(l[22:26]) + 5000:4d}"[-4:] + l[26:] if l.startswith("ATOM") else l for l in text]
    (refs / f"{GOOD}.pdb").write_text("\n".join(shifted) + "\n")
    rows = evaluate_predictions(pred, refs, EvaluateConfig(progress=False, matching="numbering"))
    row = _by_model(rows)[(GOOD, f"{GOOD}_sample_0.pdb")]
    assert "no residue of the model matches" in row["error"] and row["n_matched"] == 0


def test_eigenfold_reference_names(tmp_path, shared_data):
    src = shared_data / "eigenfold" / "structures" / "1ael.A.pdb.gz"
    shutil.copy(src, tmp_path / src.name)
    assert find_reference(tmp_path, "1ael.A") == tmp_path / src.name
    assert find_reference(tmp_path, "1ael.A.pdb") == tmp_path / src.name
    assert find_reference(tmp_path, "1xyz.B") is None


def test_cli_evaluate_writes_metrics_and_errors_on_stderr(dirs, tmp_path, capsys):
    pred, refs, _ = dirs
    out = tmp_path / "metrics.csv"
    assert main(["evaluate", "-p", str(pred), "-r", str(refs), "-o", str(out), "-q"]) == 0
    frame = read_metrics(out)
    assert len(frame) == 3 and (frame["error"] != "").sum() == 1
    assert "error:" in capsys.readouterr().err
    assert (tmp_path / "metrics_config.yaml").is_file()
    from protein_rgdm.artifacts.ledger import read_ledger

    failed = read_ledger(tmp_path / "metrics_failed.tsv")  # the same failures in the one ledger shape
    bad = frame[frame["error"] != ""].iloc[0]
    assert [(f.stage, f.item, f.file, f.reason) for f in failed] == [
        ("evaluate", f"{bad['target']}/{bad['model']}", bad["model_path"], bad["error"])
    ]
    # a missing predictions folder is a one-line error with exit code 2
    assert main(["evaluate", "-p", str(tmp_path / "nope"), "-r", str(refs), "-o", str(out), "-q"]) == 2


def test_write_metrics_round_trips(tmp_path):
    rows = [{"target": "a", "model": "m.pdb", "tm": 0.5, "rmsd": float("nan"), "error": "x, y"}]
    write_metrics(rows, tmp_path / "m.csv")
    frame = read_metrics(tmp_path / "m.csv")
    assert frame.loc[0, "tm"] == 0.5 and math.isnan(frame.loc[0, "rmsd"]) and frame.loc[0, "error"] == "x, y"


def test_geometry_columns_of_scored_and_refused_models(dirs):
    """Every readable model gets its own geometry; a scored one also the comparison with its reference."""
    from protein_rgdm.evaluate.geometry import GEOMETRY_COLUMNS, trace_geometry
    from protein_rgdm.evaluate.io import read_trace

    pred, refs, sample = dirs
    shutil.copy(refs / f"{GOOD}.pdb", pred / GOOD / "itself.pdb")  # the reference as its own model
    (pred / OTHER).mkdir()
    shutil.copy(sample, pred / OTHER / "wrong_protein.pdb")
    got = _by_model(evaluate_predictions(pred, refs, EvaluateConfig(progress=False)))
    same = got[(GOOD, "itself.pdb")]
    assert same["error"] == "" and same["rg_ratio"] == pytest.approx(1.0, abs=1e-12) and same["sse_agreement"] == 1.0
    for kind in ("helix", "strand", "coil"):
        assert same[f"sse_{kind}"] == same[f"ref_sse_{kind}"]
    ref = read_trace(refs / f"{GOOD}.pdb")
    assert same["rg"] == pytest.approx(float(np.sqrt(((ref.ca - ref.ca.mean(0)) ** 2).sum(1).mean())))
    row = got[(GOOD, f"{GOOD}_sample_0.pdb")]
    geo = trace_geometry(read_trace(sample).ca)
    for key, value in geo.values().items():
        assert row[key] == pytest.approx(value, nan_ok=True), key
    assert 0 <= row["sse_agreement"] <= 1 and row["rg_ratio"] > 0
    assert all(not math.isnan(row[c]) for c in GEOMETRY_COLUMNS)
    wrong = got[(OTHER, "wrong_protein.pdb")]  # refused pair: the model's own geometry, no comparison
    assert wrong["error"] and wrong["bond_valid"] == row["bond_valid"]
    assert math.isnan(wrong["rg_ratio"]) and math.isnan(wrong["sse_agreement"])


def test_models_of_one_target_with_other_residues_are_matched_on_their_own(dirs):
    """The matching is reused within a target only for models with the same sequence and numbering."""
    pred, refs, sample = dirs
    lines = sample.read_text().splitlines()
    atoms = [line for line in lines if line.startswith("ATOM")]
    kept = [line for line in atoms if not 30 <= int(line[22:26]) <= 39]  # a model lacking ten residues
    (pred / GOOD / f"{GOOD}_sample_3.pdb").write_text("\n".join(kept) + "\nEND\n")
    rows = _by_model(evaluate_predictions(pred, refs, EvaluateConfig(progress=False)))
    assert rows[(GOOD, f"{GOOD}_sample_0.pdb")]["n_matched"] == 90
    short = rows[(GOOD, f"{GOOD}_sample_3.pdb")]
    assert short["error"] == "" and short["n_model"] == len(kept) == 80 and short["n_matched"] == 80


def test_malformed_ranking_files_are_errors_not_silently_skipped(dirs):
    """A cut per-sample JSON is that model's row error (the batch goes on); a bad summary row names file:line."""
    from protein_rgdm.errors import InputError

    pred, refs, _ = dirs
    (pred / GOOD / f"{GOOD}_sample_1.json").write_text('{"sample": 1, "ranking_sc')
    errors = []
    rows = _by_model(evaluate_predictions(pred, refs, EvaluateConfig(progress=False), on_error=errors.append))
    bad, ok = rows[(GOOD, f"{GOOD}_sample_1.pdb.gz")], rows[(GOOD, f"{GOOD}_sample_0.pdb")]
    assert "sample_1.json: per-sample JSON is unreadable" in bad["error"] and any("sample_1.json" in e for e in errors)
    assert ok["error"] == "" and ok["ranking_score"] == 0.1 and abs(ok["tm"] - 0.7813) < 1e-3
    (pred / GOOD / f"{GOOD}_sample_1.json").unlink()
    (pred.parent / "summary.csv").write_text(
        "id,sample,rank,ranking_score,rank_tied,path,confidence\n"
        f"{GOOD},1,1,0.9,false,predictions/{GOOD}/{GOOD}_sample_1.pdb.gz,\n{GOOD},one,2,0.2,false,x.pdb,\n"
    )
    with pytest.raises(InputError, match=r"summary.csv:3: sample 'one' is not an integer"):
        evaluate_predictions(pred, refs, EvaluateConfig(progress=False))
    (pred.parent / "summary.csv").write_text("\n".join((pred.parent / "summary.csv").read_text().splitlines()[:2]))
    row = _by_model(evaluate_predictions(pred, refs, EvaluateConfig(progress=False)))[(GOOD, f"{GOOD}_sample_1.pdb.gz")]
    assert row["sample"] == 1 and row["rank"] == 1 and row["ranking_score"] == 0.9  # from summary.csv
