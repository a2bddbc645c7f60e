"""Rebuilding N, C, O from a Cα trace: geometry, accuracy on real chains, breaks, Cα untouched, the table fit."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from protein_rgdm.structure.backbone import rebuild_backbone, segments
from protein_rgdm.structure.backbone_geometry import (
    IDEAL,
    frames,
    ideal_peptide,
    place_oxygen,
    to_frame,
    unit,
)
from protein_rgdm.structure.backbone_table import fit_backbone_table
from protein_rgdm.structure.chain import build_chain_record
from protein_rgdm.structure.read import BACKBONE_ATOMS, read_structure

CAMEO = Path(__file__).resolve().parents[2] / "data" / "demo" / "cameo2022" / "structures"


def _angle(a, b, c):
    return np.degrees(np.arccos(np.clip(np.sum(unit(a - b) * unit(c - b), -1), -1, 1)))


def _dihedral(p0, p1, p2, p3):
    b1 = unit(p2 - p1)
    v = (p0 - p1) - np.sum((p0 - p1) * b1, -1, keepdims=True) * b1
    w = (p3 - p2) - np.sum((p3 - p2) * b1, -1, keepdims=True) * b1
    return np.degrees(np.arctan2(np.sum(np.cross(b1, v) * w, -1), np.sum(v * w, -1)))


def _nerf(a, b, c, length, angle, torsion):
    """Place d with |cd| = length, ∠bcd = angle, dihedral abcd = torsion (degrees)."""
    bc = unit(c - b)
    n = unit(np.cross(b - a, bc))
    m = np.stack([bc, np.cross(n, bc), n], -1)
    ang, tor = np.radians(angle), np.radians(torsion)
    d2 = length * np.array([-np.cos(ang), np.sin(ang) * np.cos(tor), np.sin(ang) * np.sin(tor)])
    return c + m @ d2


def ideal_chain(phi_psi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """N, CA, C (L, 3) of a chain with Engh & Huber geometry, ω = 180° and the given (L, 2) φ, ψ in degrees."""
    n = [np.array([0.0, 1.458, 0.0])]
    ca = [np.zeros(3)]
    c = [np.array([1.525 * np.sin(np.radians(111.2)), 1.525 * np.cos(np.radians(111.2)), 0.0])]
    for i in range(1, len(phi_psi)):
        n.append(_nerf(n[-1], ca[-1], c[-1], IDEAL["C_N"], IDEAL["CA_C_N"], phi_psi[i - 1, 1]))
        ca.append(_nerf(ca[-1], c[-1], n[-1], IDEAL["N_CA"], IDEAL["C_N_CA"], 180.0))
        c.append(_nerf(c[-1], n[-1], ca[-1], IDEAL["CA_C"], IDEAL["N_CA_C"], phi_psi[i, 0]))
    return np.array(n), np.array(ca), np.array(c)


def _native(path: Path):
    parsed = read_structure(path, atom_names=BACKBONE_ATOMS)
    return build_chain_record(parsed, parsed.chain_ids[0], path.name)


def test_ideal_peptide_and_oxygen_have_the_ideal_geometry():
    pep = ideal_peptide()
    ca2 = np.array([float(pep["CA_CA"]), 0.0, 0.0])
    c, n, o = pep["C"], pep["N"] + ca2, pep["O"]
    assert np.linalg.norm(c) == pytest.approx(1.525) and np.linalg.norm(n - c) == pytest.approx(1.329)
    assert np.linalg.norm(ca2 - n) == pytest.approx(1.458) and np.linalg.norm(o - c) == pytest.approx(1.231)
    # Engh & Huber's three angles at C sum to 359°, not 360°: the planar O splits the difference
    a1, a2, a3 = _angle(np.zeros(3), c, o), _angle(o, c, n), _angle(np.zeros(3), c, n)
    assert a1 + a2 + a3 == pytest.approx(360.0, abs=1e-6) and a3 == pytest.approx(116.2, abs=1e-6)
    assert a1 == pytest.approx(120.1, abs=0.6) and a2 == pytest.approx(122.7, abs=0.6)
    assert float(pep["CA_CA"]) == pytest.approx(3.80, abs=0.01)
    assert abs(_dihedral(np.zeros(3), c, n, ca2)) == pytest.approx(180.0, abs=1e-6)  # trans


def test_oxygen_formula_reproduces_deposited_oxygens():
    rec = _native(CAMEO / "7vrf.A.pdb.gz")
    ok = rec.observed[:-1] & rec.observed[1:]
    o = place_oxygen(rec.ca[:-1][ok], rec.c[:-1][ok], rec.n[1:][ok])
    err = np.linalg.norm(o - rec.o[:-1][ok], axis=1)
    assert np.sqrt(np.mean(err**2)) < 0.1  # measured 0.05 Å on EigenFold chains


def test_table_fitted_on_an_ideal_helix_rebuilds_it_exactly():
    rng = np.random.default_rng(0)
    phi_psi = np.tile([-57.0, -47.0], (30, 1))
    n, ca, c = ideal_chain(phi_psi)
    table = fit_backbone_table([(ca, n, c)])
    # A rigidly moved copy: the rebuild is built in local frames, so it moves along.
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    q *= np.sign(np.linalg.det(q))
    shift = rng.normal(size=3) * 20
    out = rebuild_backbone(ca @ q.T + shift, table=table)
    interior = slice(1, -1)  # terminal N_0 / C_{L-1} are not fixed by the trace
    np.testing.assert_allclose(out.n[interior], (n @ q.T + shift)[interior], atol=2e-3)
    np.testing.assert_allclose(out.c[:-1], (c @ q.T + shift)[:-1], atol=2e-3)
    o_true = place_oxygen(ca[:-1], c[:-1], n[1:]) @ q.T + shift
    np.testing.assert_allclose(out.o[:-1], o_true, atol=2e-3)


def test_rebuilt_bonds_are_ideal_or_evenly_strained_and_ca_is_untouched():
    rec = _native(CAMEO / "7vrf.A.pdb.gz")
    ca = rec.ca[rec.observed].copy()
    noisy = ca + np.random.default_rng(1).normal(scale=0.3, size=ca.shape).astype(np.float32)
    before = noisy.copy()
    out = rebuild_backbone(noisy)
    assert out.ca is noisy and np.array_equal(noisy, before)  # bitwise unchanged, not copied or moved
    assert np.isfinite(out.n).all() and np.isfinite(out.c).all() and np.isfinite(out.o).all()
    # Cα–Cα off 3.80 Å: the peptide is stretched along its axis, the strain shared by the three bonds
    dist = np.linalg.norm(noisy[1:] - noisy[:-1], axis=1)
    joined = dist <= 4.2  # farther: a chain break, no peptide
    d = (dist - float(ideal_peptide()["CA_CA"]))[joined]
    for bond, ideal, frac in ((np.linalg.norm(out.c[:-1] - noisy[:-1], axis=1), IDEAL["CA_C"], 0.38),
                              (np.linalg.norm(out.n[1:] - out.c[:-1], axis=1), IDEAL["C_N"], 0.26),
                              (np.linalg.norm(out.n[1:] - noisy[1:], axis=1), IDEAL["N_CA"], 0.38)):  # fmt: skip
        assert np.all(np.abs(bond[joined] - ideal) <= frac * np.abs(d) + 1e-4)  # x-extent / 3.80 Å of each bond
    assert np.abs(d).max() > 0.3  # the noise does strain the trace
    np.testing.assert_allclose(np.linalg.norm(out.o - out.c, axis=1), IDEAL["C_O"], atol=0.03)  # nearly ⟂ axis
    # on a trace with ideal Cα–Cα every bond is ideal
    n, ca, c = ideal_chain(np.tile([-120.0, 130.0], (20, 1)))
    out = rebuild_backbone(ca)
    np.testing.assert_allclose(np.linalg.norm(out.n - ca, axis=1), IDEAL["N_CA"], atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(out.c - ca, axis=1), IDEAL["CA_C"], atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(out.n[1:] - out.c[:-1], axis=1), IDEAL["C_N"], atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(out.o - out.c, axis=1), IDEAL["C_O"], atol=1e-4)


def test_accuracy_on_held_out_native_chains():
    """CAMEO 2022 chains (released after the cgdms set the table was fitted on)."""
    err = {"N": [], "C": [], "O": []}
    cn = []
    for path in sorted(CAMEO.glob("*.pdb.gz")):
        rec = _native(path)
        out = rebuild_backbone(rec.ca)
        for atom, native, rebuilt in (("N", rec.n, out.n), ("C", rec.c, out.c), ("O", rec.o, out.o)):
            ok = rec.observed & np.isfinite(native).all(1)
            err[atom].append(np.linalg.norm(rebuilt[ok] - native[ok], axis=1))
        for s, e in segments(rec.ca):
            cn.append(np.linalg.norm(out.n[s + 1 : e] - out.c[s : e - 1], axis=1))
    rms = {k: float(np.sqrt(np.mean(np.concatenate(v) ** 2))) for k, v in err.items()}
    median = {k: float(np.median(np.concatenate(v))) for k, v in err.items()}
    # measured on these six chains: RMSD N 0.24, C 0.18, O 0.42 Å; medians 0.06 / 0.07 / 0.16 Å
    # (inner table instead of the window network: O 0.52 Å)
    assert rms["N"] < 0.35 and rms["C"] < 0.3 and rms["O"] < 0.6, rms
    assert median["N"] < 0.12 and median["C"] < 0.12 and median["O"] < 0.25, median
    cn = np.concatenate(cn)
    assert abs(np.median(cn) - 1.33) < 0.02


def test_window_network_places_oxygen_better_than_the_table_alone():
    from protein_rgdm.structure.backbone_table import BackboneTable, default_table

    full = default_table()
    assert full.window, "the shipped table carries the window network"
    table_only = BackboneTable(full.tables, {}, full.info)
    err = {"window": [], "table": []}
    for path in sorted(CAMEO.glob("*.pdb.gz")):
        rec = _native(path)
        ok = rec.observed & np.isfinite(rec.o).all(1)
        for key, table in (("window", full), ("table", table_only)):
            err[key].append(np.linalg.norm(rebuild_backbone(rec.ca, table=table).o[ok] - rec.o[ok], axis=1))
    rms = {k: float(np.sqrt(np.mean(np.concatenate(v) ** 2))) for k, v in err.items()}
    assert rms["window"] < rms["table"] - 0.05, rms  # measured 0.42 vs 0.52 Å


def test_chain_breaks_and_missing_residues_split_the_chain():
    phi_psi = np.tile([-120.0, 130.0], (24, 1))
    n, ca, c = ideal_chain(phi_psi)
    far = ca.copy()
    far[12:] += [0.0, 0.0, 15.0]  # a 15 Å gap between residues 11 and 12
    assert segments(far) == [(0, 12), (12, 24)]
    whole = rebuild_backbone(far)
    parts = [rebuild_backbone(far[:12]), rebuild_backbone(far[12:])]
    for atom in ("n", "c", "o"):
        np.testing.assert_array_equal(getattr(whole, atom), np.vstack([getattr(p, atom) for p in parts]))
    holed = ca.copy()
    holed[10] = np.nan
    out = rebuild_backbone(holed)
    assert np.isnan(out.n[10]).all() and np.isfinite(out.n[np.arange(24) != 10]).all()
    np.testing.assert_array_equal(out.c[:10], rebuild_backbone(ca[:10]).c)


@pytest.mark.parametrize("length", [1, 2, 3, 4])
def test_short_segments_get_ideal_local_geometry(length):
    _, ca, _ = ideal_chain(np.tile([-60.0, -45.0], (length, 1)))
    out = rebuild_backbone(ca)
    assert np.isfinite(out.n).all() and np.isfinite(out.c).all() and np.isfinite(out.o).all()
    np.testing.assert_allclose(np.linalg.norm(out.n - ca, axis=1), IDEAL["N_CA"], atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(out.c - ca, axis=1), IDEAL["CA_C"], atol=1e-4)
    assert _angle(out.n, ca, out.c)[0] == pytest.approx(IDEAL["N_CA_C"], abs=1e-3)  # N_0 placed by the ideal angle
    assert np.all(np.abs(_angle(out.n, ca, out.c) - IDEAL["N_CA_C"]) < 15)


def test_local_frames_are_orthonormal_and_right_handed():
    rng = np.random.default_rng(3)
    a, b, s = rng.normal(size=(3, 50, 3))
    rot = frames(a, b, s)
    np.testing.assert_allclose(np.einsum("nji,njk->nik", rot, rot), np.broadcast_to(np.eye(3), (50, 3, 3)), atol=1e-12)
    np.testing.assert_allclose(np.linalg.det(rot), 1.0, atol=1e-12)
    local = to_frame(rot, a, s)
    assert (local[:, 1] > 0).all() and np.allclose(local[:, 2], 0, atol=1e-12)


@pytest.mark.skipif(shutil.which("mkdssp") is None, reason="mkdssp (Debian dssp) not installed")
def test_dssp_reads_the_rebuilt_files_and_agrees_with_the_native(tmp_path):
    from protein_rgdm.structure.write import write_ca_structure

    rec = _native(CAMEO / "7vrf.A.pdb.gz")
    full = rec.observed & np.isfinite(rec.o).all(1)
    states = []
    rebuilt = rebuild_backbone(rec.ca).as_dict()
    for label, atoms, fmt in (("native", {"N": rec.n, "C": rec.c, "O": rec.o}, "pdb"), ("rebuilt", rebuilt, "pdb"),
                              ("rebuilt", rebuilt, "cif")):  # fmt: skip
        path = tmp_path / f"{label}.{fmt}"
        write_ca_structure(path, rec.ca, rec.seqres, fmt, observed=full, backbone=atoms,
                           residue_numbers=rec.residue_numbers)  # fmt: skip
        subprocess.run(["mkdssp", "--output-format", "dssp", str(path), str(path.with_suffix(".dssp"))], check=True)
        lines = path.with_suffix(".dssp").read_text().splitlines()
        start = next(i for i, ln in enumerate(lines) if ln.startswith("  #  RESIDUE")) + 1
        ss = "".join({"G": "H", "I": "H", "B": "E"}.get(ln[16], ln[16]) for ln in lines[start:] if ln[13] != "!")
        states.append("".join(ch if ch in "HE" else "C" for ch in ss))
    assert len(states[0]) == len(states[1]) == int(full.sum())
    assert states[2] == states[1]  # DSSP reads the mmCIF files too (they carry pdbx_poly_seq_scheme)
    agreement = np.mean([a == b for a, b in zip(states[0], states[1])])
    assert agreement >= 0.85 and "H" in states[0], (agreement, states)


@pytest.mark.parametrize("suffix", ["pdb", "cif"])
def test_backbone_command_on_a_ca_file(tmp_path, capsys, suffix):
    from biotite.structure.io import load_structure

    from protein_rgdm.cli.app import main
    from protein_rgdm.structure.write import write_ca_pdb

    rec = _native(CAMEO / "7vrf.A.pdb.gz")
    ca_file = tmp_path / "model_ca.pdb"
    write_ca_pdb(ca_file, rec.ca, rec.seqres, observed=rec.observed, residue_numbers=rec.residue_numbers)
    out = tmp_path / f"model_full.{suffix}"
    assert main(["backbone", str(ca_file), "-o", str(out)]) == 0
    atoms = load_structure(out)
    assert list(atoms.atom_name[:4]) == ["N", "CA", "C", "O"] and len(atoms) == 4 * int(rec.observed.sum())
    ca = atoms[atoms.atom_name == "CA"]
    np.testing.assert_array_equal(ca.res_id, rec.residue_numbers[rec.observed])  # the file's numbering kept
    np.testing.assert_allclose(ca.coord, rec.ca[rec.observed], atol=5e-4)  # PDB's 3 decimals
    o = atoms[atoms.atom_name == "O"].coord
    err = np.linalg.norm(o - rec.o[rec.observed], axis=1)
    assert np.median(err) < 0.4
    assert main(["backbone", str(tmp_path / "absent.pdb"), "-o", str(out)]) == 2
    assert "absent.pdb" in capsys.readouterr().err
