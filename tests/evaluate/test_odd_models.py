"""evaluate on hostile models and mapping files: every one is an error in its row or one error line, none hangs."""

from __future__ import annotations

import gzip
import math
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from protein_rgdm.cli.app import main
from protein_rgdm.config.evaluate import EvaluateConfig
from protein_rgdm.errors import InputError
from protein_rgdm.evaluate.batch import evaluate_predictions, load_mapping
from tests.helpers import call_with_timeout

REF = Path(__file__).resolve().parents[2] / "data" / "demo" / "cameo2022" / "structures" / "7vrf.A.pdb.gz"
TARGET = "7vrf.A"


def _ca_atoms():
    import io

    from biotite.structure.io import pdb

    atoms = pdb.PDBFile.read(io.StringIO(gzip.decompress(REF.read_bytes()).decode())).get_structure(model=1)
    return atoms[atoms.atom_name == "CA"]


def _write_cif(path: Path, atoms, missing: bool = False) -> None:
    from biotite.structure.io import pdbx

    cif = pdbx.CIFFile()
    pdbx.set_structure(cif, atoms)
    if missing:  # every coordinate '?'
        site = cif.block["atom_site"]
        n = len(atoms)
        for key in ("Cartn_x", "Cartn_y", "Cartn_z"):
            site[key] = pdbx.CIFColumn(pdbx.CIFData(["?"] * n), pdbx.CIFData(np.full(n, pdbx.MaskValue.MISSING)))
    cif.write(str(path))


@pytest.fixture()
def folders(tmp_path):
    from biotite.structure.io import pdb

    refs, pred = tmp_path / "refs", tmp_path / "pred"
    refs.mkdir()
    shutil.copy(REF, refs / REF.name)
    models = pred / TARGET
    models.mkdir(parents=True)
    ca = _ca_atoms()
    shutil.copy(REF, models / "good.pdb.gz")
    huge = ca.copy()
    huge.coord = huge.coord * 1e5  # metres-for-ångström style scaling: far outside any structure
    _write_cif(models / "scaled_1e5.cif", huge)
    small = ca.copy()
    small.coord = small.coord * 0.1  # nanometres
    out = pdb.PDBFile()
    out.set_structure(small)
    out.write(str(models / "in_nm.pdb"))
    _write_cif(models / "no_coords.cif", ca, missing=True)
    os.mkfifo(models / "pipe.pdb")
    (models / "folder.pdb").mkdir()
    return pred, refs


def test_absurd_missing_and_special_models_get_row_errors(folders):
    pred, refs = folders
    errors: list[str] = []
    rows = call_with_timeout(evaluate_predictions, pred, refs, EvaluateConfig(progress=False),
                             on_error=errors.append, timeout=60)  # fmt: skip
    got = {r["model"]: r for r in rows}
    assert got["good.pdb.gz"]["error"] == "" and got["good.pdb.gz"]["tm"] > 0.999
    scaled = got["scaled_1e5.cif"]["error"]
    assert "absurd Cα coordinates" in scaled and "3.805e+05 Å" in scaled
    assert "absurd Cα coordinates" in got["in_nm.pdb"]["error"]
    assert "no protein chain with Cα" in got["no_coords.cif"]["error"]  # never scored as zeros
    assert "FIFO" in got["pipe.pdb"]["error"] and "folder" in got["folder.pdb"]["error"]
    for name, row in got.items():
        if name != "good.pdb.gz":
            assert all(math.isnan(row[k]) for k in ("rmsd", "tm", "lddt")), name
    assert len(errors) == 5


def test_a_metric_that_cannot_be_computed_is_an_error_not_an_empty_cell(folders, monkeypatch):
    import protein_rgdm.evaluate.batch as batch

    real = batch.score_matched

    def no_lddt(*args, **kw):
        scores = real(*args, **kw)
        import dataclasses

        return dataclasses.replace(scores, lddt=float("nan")) if dataclasses.is_dataclass(scores) else scores

    monkeypatch.setattr(batch, "score_matched", no_lddt)
    pred, refs = folders
    rows = evaluate_predictions(pred, refs, EvaluateConfig(progress=False))
    assert "lddt could not be computed" in {r["model"]: r for r in rows}["good.pdb.gz"]["error"]


@pytest.mark.parametrize(
    ("data", "match"),
    [(os.urandom(200) + b"\xff\xfe\x00", "not UTF-8|NUL|UTF-16"), ("target,model_residue\n".encode("utf-16"), "UTF-16"),
     (b"target,model_residue,reference_residue\nx,1,\x00\n", "NUL")],
)  # fmt: skip
def test_unreadable_mapping_is_one_error_line(tmp_path, capsys, data, match):
    path = tmp_path / "map.csv"
    path.write_bytes(data)
    with pytest.raises(InputError, match=rf"map\.csv: .*({match})"):
        load_mapping(path)
    code = main(["evaluate", "-p", str(tmp_path), "-r", str(tmp_path), "-o", str(tmp_path / "m.csv"),
                 "--mapping", str(path), "-q"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err


def test_mapping_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "map.csv"
    path.write_bytes(b"\xef\xbb\xbftarget,model_residue,reference_residue\nt,1,3\nt,2,4\n")
    assert load_mapping(path) == {"t": [(1, 3), (2, 4)]}


def test_a_collapsed_or_stretched_model_is_scored_not_refused(tmp_path):
    """A weak model's chain with 1.5 Å or 8 Å between Cα atoms is a (bad) prediction: scored, so aggregates keep it."""
    from protein_rgdm.evaluate.io import check_ca_geometry

    numbers = np.arange(1, 31)
    walk = np.cumsum(np.tile([[1.0, 0.0, 0.0]], (30, 1)), axis=0)
    for step in (1.5, 8.0):
        check_ca_geometry("m.pdb", walk * step, numbers)
    for step in (0.38, 38.0):  # nm instead of Å, or ten times too large
        with pytest.raises(InputError, match="absurd"):
            check_ca_geometry("m.pdb", walk * step, numbers)
