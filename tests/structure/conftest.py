"""Small structure files built on the fly from the bundled demo data."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest

CAMEO = Path(__file__).resolve().parents[2] / "data" / "demo" / "cameo2022"


@pytest.fixture(scope="session")
def cameo_pdb() -> Path:
    """7vrf.A: X-ray CAMEO target, seqres 71 residues, 61 observed, author numbering."""
    return CAMEO / "structures" / "7vrf.A.pdb.gz"


@pytest.fixture(scope="session")
def converted(tmp_path_factory, cameo_pdb) -> dict[str, Path]:
    """The same chain as PDB, gzipped PDB, mmCIF, gzipped mmCIF and BinaryCIF (written by biotite)."""
    from biotite.structure.io import pdb, pdbx

    out = tmp_path_factory.mktemp("formats")
    atoms = pdb.PDBFile.read(gzip.open(cameo_pdb, "rt")).get_structure(model=1)
    paths = {
        "pdb.gz": out / "x.pdb.gz",
        "pdb": out / "x.pdb",
        "cif": out / "x.cif",
        "cif.gz": out / "x.cif.gz",
        "bcif": out / "x.bcif",
    }
    shutil.copyfile(cameo_pdb, paths["pdb.gz"])
    paths["pdb"].write_bytes(gzip.decompress(cameo_pdb.read_bytes()))
    seqres = "GSHMASMTGGQQMGRGSEFAPVKKSRNPISVDGLKDLLLKIQEGESLSELEKLLCKTAFNLELCHRLIR"  # a stand-in construct
    cif = pdbx.CIFFile()
    pdbx.set_structure(cif, atoms, data_block="7VRF")
    cif.block["entity_poly"] = pdbx.CIFCategory(
        {
            "entity_id": ["1"],
            "type": ["polypeptide(L)"],
            "pdbx_seq_one_letter_code_can": [seqres],
            "pdbx_strand_id": ["A"],
        }
    )
    cif.block["exptl"] = pdbx.CIFCategory({"entry_id": ["7VRF"], "method": ["X-RAY DIFFRACTION"]})
    cif.block["refine"] = pdbx.CIFCategory({"entry_id": ["7VRF"], "ls_d_res_high": ["1.70"]})
    cif.block["pdbx_audit_revision_history"] = pdbx.CIFCategory(
        {"ordinal": ["1", "2"], "revision_date": ["2022-10-26", "2023-01-04"]}
    )
    cif.write(str(paths["cif"]))
    paths["cif.gz"].write_bytes(gzip.compress(paths["cif"].read_bytes()))
    bcif = pdbx.BinaryCIFFile()
    pdbx.set_structure(bcif, atoms, data_block="7VRF")
    bcif.write(str(paths["bcif"]))
    return paths


def pdb_line(serial, name, res, chain, num, xyz, *, het=False, altloc=" ", element="C", occupancy=1.0) -> str:
    """One fixed-column ATOM/HETATM record."""
    rec = "HETATM" if het else "ATOM  "
    x, y, z = xyz
    return (
        f"{rec}{serial:5d}  {name:<3}{altloc}{res:>3} {chain}{num:4d}    {x:8.3f}{y:8.3f}{z:8.3f}{occupancy:6.2f}  0.00"
        f"          {element:>2}"
    )


def cif_text(atoms: list[tuple]) -> str:
    """A minimal mmCIF ``atom_site`` loop; atoms are (name, res, chain, num, altloc, x, y, z, occupancy) tuples."""
    keys = ["group_PDB", "id", "type_symbol", "label_atom_id", "label_alt_id", "label_comp_id", "label_asym_id",
            "label_entity_id", "label_seq_id", "pdbx_PDB_ins_code", "Cartn_x", "Cartn_y", "Cartn_z", "occupancy",
            "auth_seq_id", "auth_comp_id", "auth_asym_id", "auth_atom_id", "pdbx_PDB_model_num"]  # fmt: skip
    lines = ["data_TEST", "loop_", *(f"_atom_site.{k}" for k in keys)]
    for i, (name, res, chain, num, alt, x, y, z, occ) in enumerate(atoms, 1):
        lines.append(
            f"ATOM {i} {name[0]} {name} {alt} {res} {chain} 1 {num} ? {x} {y} {z} {occ} {num} {res} {chain} {name} 1"
        )
    return "\n".join(lines) + "\n"


def helix_pdb(seq3: list[str], chain: str = "A", start: int = 1, *, with_seqres: list[str] | None = None) -> str:
    """A small ideal-ish backbone (N, CA, C, O) along a helix; residues numbered from ``start``."""
    lines = []
    if with_seqres:
        for k in range(0, len(with_seqres), 13):
            lines.append(f"SEQRES {k // 13 + 1:>3} {chain} {len(with_seqres):>4}  " + " ".join(with_seqres[k : k + 13]))
    serial = 1
    for i, res in enumerate(seq3):
        t = np.deg2rad(100.0 * i)
        ca = np.array([2.3 * np.cos(t), 2.3 * np.sin(t), 1.5 * i])
        for name, off in (
            ("N", (-0.5, 0.8, -0.6)),
            ("CA", (0, 0, 0)),
            ("C", (0.6, -0.7, 0.6)),
            ("O", (1.6, -0.9, 0.9)),
        ):
            lines.append(
                pdb_line(serial, name, res, chain, start + i, ca + np.array(off), het=res == "MSE", element=name[0])
            )
            serial += 1
    lines.append("END")
    return "\n".join(lines) + "\n"
