"""featurize on the bundled demo data, its filters, bad inputs in a batch, resume, CLI."""

from __future__ import annotations

import csv
import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest

from protein_rgdm.artifacts.chains import named_chain_files
from protein_rgdm.cli.app import main
from protein_rgdm.config.data import FeaturizeConfig, FeaturizeFilters
from protein_rgdm.data.featurize import ChainJob, featurize_files, plan_jobs
from protein_rgdm.data.manifest import chain_breaks, radius_of_gyration
from protein_rgdm.structure.record import ChainRecord

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data" / "demo"


def _rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_cgdms_demo_table(tmp_path):
    cfg = FeaturizeConfig(table=str(DEMO / "cgdms" / "chains.csv"))
    result = featurize_files(plan_jobs(cfg), tmp_path, cfg.filters, workers=2)
    table = {r["name"]: r for r in _rows(DEMO / "cgdms" / "chains.csv")}
    assert len(result.records) == 150 and not result.rejected
    for rec in result.records:
        assert rec.seqres == table[rec.name]["seqres"]
        assert rec.o is None and rec.n is not None  # cgdms files hold N, CA, C only
    manifest = {r["name"]: r for r in _rows(tmp_path / "manifest.csv")}
    assert set(manifest) == set(table)
    broken = [n for n, r in manifest.items() if int(r["chain_breaks"]) > 0]
    assert len(broken) >= 4  # make_demo.py includes 4 chains with breaks
    files = named_chain_files(tmp_path, names=["3swy_A"]) if "3swy_A" in table else named_chain_files(tmp_path)[:1]
    rec = ChainRecord.load(files[0])
    assert float(manifest[rec.name]["radius_of_gyration"]) == pytest.approx(
        radius_of_gyration(rec.ca, rec.observed), abs=1e-3
    )


def test_cameo_metadata_and_seqres_from_csv(tmp_path):
    cfg = FeaturizeConfig(
        structures=str(DEMO / "cameo2022" / "structures"), metadata=[str(DEMO / "cameo2022" / "cameo2022.csv")]
    )
    result = featurize_files(plan_jobs(cfg), tmp_path, cfg.filters)
    by_name = {r.name: r for r in result.records}
    rows = {r["name"].removesuffix(".pdb"): r for r in _rows(DEMO / "cameo2022" / "cameo2022.csv")}
    accepted = set(by_name) | {r["name"] for r in result.rejected}
    assert accepted == set(rows)
    for name, rec in by_name.items():
        assert rec.seqres == rows[name]["seqres"]
        assert rec.metadata["release_date"] == rows[name]["release_date"]
        assert rec.metadata["method"] == rows[name]["structure_method"]
        assert rec.o is not None
    manifest = {r["name"]: r for r in _rows(tmp_path / "manifest.csv")}
    assert manifest["7vrf.A"]["resolution"] == "1.7" and manifest["7wbn.A"]["resolution"] == ""
    assert float(manifest["7vrf.A"]["observed_fraction"]) == pytest.approx(61 / 71, abs=0.02)
    assert (
        any(r["name"] == "7y3k.A" and "missing fraction" in r["reason"] for r in result.rejected) or "7y3k.A" in by_name
    )


def test_filters(tmp_path):
    cfg = FeaturizeConfig(
        structures=str(DEMO / "cameo2022" / "structures"), metadata=[str(DEMO / "cameo2022" / "cameo2022.csv")]
    )
    filters = FeaturizeFilters(
        min_length=60,
        max_resolution=2.0,
        methods=["x-ray diffraction"],
        release_date_min="2022-10-01",
        allow_missing_metadata=False,
        max_missing_fraction=1.0,
    )
    result = featurize_files(plan_jobs(cfg), tmp_path, filters)
    reasons = {r["name"]: r["reason"] for r in result.rejected}
    assert "length 44 < min_length 60" in reasons["7t5w.B"]
    assert "resolution 2.5" in reasons["7y3k.A"]
    assert "7wbn.A" in reasons  # NMR: no resolution
    assert "release date" in reasons["7vmf.A"]
    assert {r.name for r in result.records} == {"7vrf.A", "7wf8.B"}


def test_chain_breaks_counts_gaps():
    ca = np.array([[0, 0, 0], [3.8, 0, 0], [7.6, 0, 0], [20, 0, 0], [np.nan] * 3, [23.8, 0, 0]], dtype=np.float32)
    obs = np.array([1, 1, 1, 1, 0, 1], dtype=bool)
    assert chain_breaks(ca, obs) == 1


def test_bad_inputs_are_rejected_and_the_batch_goes_on(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    good = DEMO / "cameo2022" / "structures" / "7vrf.A.pdb.gz"
    shutil.copyfile(good, src / "7vrf.A.pdb.gz")
    (src / "empty.pdb").write_bytes(b"")
    (src / "cut.pdb.gz").write_bytes(good.read_bytes()[:300])
    (src / "page.cif").write_text("<html><body>404 Not Found</body></html>")
    dna = "".join(
        f"ATOM  {i + 1:5d}  P    DA B{i + 1:4d}    {i * 6.0:8.3f}{1.0:8.3f}{1.0:8.3f}  1.00  0.00           P\n"
        for i in range(5)
    )
    (src / "dna.pdb").write_text("SEQRES   1 B    5   DA  DA  DA  DA  DA\n" + dna + "END\n")
    (src / "noca.pdb").write_text(
        "ATOM      1  N   ALA A   1       0.000   0.000   0.000  1.00  0.00           N\nEND\n"
    )
    out = tmp_path / "out"
    jobs = [ChainJob(str(p)) for p in sorted(src.iterdir())]
    jobs += [
        ChainJob(str(src / "7vrf.A.pdb.gz"), chain="Q", name="7vrf.Q"),  # chain not present
        ChainJob(str(src / "7vrf.A.pdb.gz"), chain="A", name="../evil"),  # path traversal
        ChainJob(str(src / "7vrf.A.pdb.gz"), chain="A", name="7vrf.A"),  # duplicate name
        ChainJob(str(src / "missing.pdb"), name="missing"),
    ]
    result = featurize_files(jobs, out, FeaturizeFilters(max_missing_fraction=1.0), workers=2)
    assert [r.name for r in result.records] == ["7vrf.A"]
    reasons = {Path(r["file"]).name + ":" + r["item"]: r["reason"] for r in _rows(out / "rejected.csv")}
    assert "empty file" in reasons["empty.pdb:"]
    assert "gzip" in reasons["cut.pdb.gz:"]
    assert "HTML" in reasons["page.cif:"]
    assert "DNA/RNA" in reasons["dna.pdb:"]
    assert "no protein chain" in reasons["noca.pdb:"]
    assert "not found" in reasons["7vrf.A.pdb.gz:7vrf.Q"]
    assert "invalid record name" in reasons["7vrf.A.pdb.gz:../evil"]
    assert "duplicate name" in reasons["7vrf.A.pdb.gz:7vrf.A"]
    assert "cannot read" in reasons["missing.pdb:missing"]
    assert sorted(p.name for p in (out / "chains").iterdir()) == ["7vrf.A.npz"]
    assert not (tmp_path / "evil.npz").exists()


def test_existing_records_are_not_overwritten(tmp_path):
    path = DEMO / "cameo2022" / "structures" / "7vrf.A.pdb.gz"
    featurize_files([path], tmp_path)
    npz = tmp_path / "chains" / "7vrf.A.npz"
    stamp = npz.stat().st_mtime_ns
    featurize_files([path], tmp_path)
    assert npz.stat().st_mtime_ns == stamp
    featurize_files([path], tmp_path, overwrite=True)
    assert npz.stat().st_mtime_ns != stamp


def test_mmcif_input(tmp_path):
    import io

    from biotite.structure.io import pdb, pdbx

    atoms = pdb.PDBFile.read(
        io.StringIO(gzip.decompress((DEMO / "cameo2022/structures/7wf8.B.pdb.gz").read_bytes()).decode())
    ).get_structure(model=1)
    cif = pdbx.CIFFile()
    pdbx.set_structure(cif, atoms)
    cif.write(str(tmp_path / "7wf8.cif"))
    result = featurize_files([tmp_path / "7wf8.cif"], tmp_path / "out")
    assert [r.name for r in result.records] == ["7wf8.B"]


def test_cli_featurize_writes_resolved_config(tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(
        [
            "featurize",
            "--structures",
            str(DEMO / "cameo2022" / "structures"),
            "--metadata",
            str(DEMO / "cameo2022" / "cameo2022.csv"),
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    assert (out / "featurize_config.yaml").read_text().count("max_missing_fraction") == 1
    assert "featurize:" in capsys.readouterr().out
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("featurize:\n  filters:\n    min_lenght: 3\n")
    assert main(["featurize", "--config", str(cfg), "--out", str(out)]) == 2
    assert "min_lenght" in capsys.readouterr().err
