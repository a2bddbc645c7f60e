"""Accuracy of the N / C / O rebuilt from Cα traces on native chains held out from the fitted table.

Usage (from the repository root):
    .venv/bin/python bench/bench_backbone.py [--eigenfold-limit 150] [--no-dssp]

Two methods from the native Cα alone (the native Cα are kept):

- ``table``: the package's ``rebuild_backbone`` (lookup table fitted on the cgdms train chains by
  ``bench/fit_backbone_table.py``);
- ``ideal``: rigid ideal trans peptides (Engh & Huber) rotated about each Cα–Cα axis, the rotations
  chosen jointly (Viterbi over 5° steps) so that every N–Cα–C angle is 111.2° and φ < 0
  (after Purisima & Scheraga 1984, who place ideal peptides on a virtual-bond chain by the same
  conditions); no fitted parameter.

- ``pulchra``: PULCHRA (the pip package ``pulchra``, a Python port; run with ``-c -s``: Cα kept,
  no side chains), only when it is installed (it is not a dependency).

Prints, per method: RMSD of N and C to the native atoms on the cgdms val chains (N, CA, C only),
and on EigenFold chains that are not cgdms train chains: RMSD of N, C, O, the peptide bond C–N
(mean ± sd, fraction within 1.33 ± 0.02 Å), ω (median |ω − 180°|, fraction within 15°), the
N–Cα–C angle (mean ± sd; ideal 111.2°) and the
3-state DSSP agreement with the native backbone (mkdssp on PDB files of the N/CA/C/O of both; H = HGI, E = EB,
C = the rest), which is skipped cleanly without ``mkdssp``.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from backbone_data import cgdms_chains, eigenfold_chains  # noqa: E402

from protein_rgdm.structure.backbone import rebuild_backbone, segments  # noqa: E402
from protein_rgdm.structure.backbone_geometry import (  # noqa: E402
    IDEAL,
    frames,
    from_frame,
    ideal_peptide,
    place_oxygen,
    unit,
)
from protein_rgdm.structure.write import write_ca_pdb  # noqa: E402

DSSP_3 = {"H": "H", "G": "H", "I": "H", "E": "E", "B": "E"}


def ideal_rebuild(ca: np.ndarray, steps: int = 72) -> dict[str, np.ndarray]:
    """N, C, O from rigid ideal peptides whose rotations make N–Cα–C ideal and φ negative (Viterbi)."""
    pep = ideal_peptide()
    lam = np.linspace(-np.pi, np.pi, steps, endpoint=False)
    cos, sin = np.cos(lam)[:, None], np.sin(lam)[:, None]

    def rotated(v):  # (K, 3) the unit's atom at every rotation λ about x
        return np.hstack([np.full((steps, 1), v[0]), v[1] * cos - v[2] * sin, v[1] * sin + v[2] * cos])

    loc_c, loc_n = rotated(pep["C"]), rotated(pep["N"])
    out = {k: np.full(ca.shape, np.nan) for k in ("N", "C", "O")}
    target = np.cos(np.radians(IDEAL["N_CA_C"]))
    for start, stop in segments(ca):
        x = ca[start:stop].astype(float)
        m = len(x)
        if m < 3:
            continue
        i = np.arange(m - 1)
        side = np.where(i[:, None] > 0, x[np.maximum(i - 1, 0)], x[np.minimum(i + 2, m - 1)])
        rot = frames(x[i], x[i + 1], side)  # (m-1, 3, 3)
        c_all = np.einsum("bij,kj->bki", rot, loc_c) + x[i][:, None]  # C_i for every λ
        n_all = np.einsum("bij,kj->bki", rot, loc_n) + x[i + 1][:, None]  # N_{i+1}
        cost = np.zeros(steps)
        back = []
        for r in range(1, m - 1):  # residue r joins bond r-1 (N_r) and bond r (C_r)
            u = unit(n_all[r - 1] - x[r])  # (K, 3) over λ_{r-1}
            v = unit(c_all[r] - x[r])  # (K, 3) over λ_r
            pair = (u @ v.T - target) ** 2
            # φ_r = dihedral C_{r-1}, N_r, Cα_r, C_r: prefer negative (L-amino acids)
            b1 = unit(x[r] - n_all[r - 1])
            b0 = c_all[r - 1] - n_all[r - 1]
            w0 = b0 - np.sum(b0 * b1, 1, keepdims=True) * b1
            b2 = c_all[r][None, :, :] - x[r]
            w2 = b2 - np.sum(b2 * b1[:, None], 2, keepdims=True) * b1[:, None]
            sign = np.einsum("ki,kji->kj", np.cross(b1, w0), w2)
            pair = pair + 0.05 * (sign > 0)
            total = cost[:, None] + pair
            back.append(np.argmin(total, axis=0))
            cost = total.min(axis=0)
        k = [int(np.argmin(cost))]
        for b in reversed(back):
            k.append(int(b[k[-1]]))
        k = k[::-1]
        c = np.array([c_all[j, k[j]] for j in range(m - 1)])
        n_next = np.array([n_all[j, k[j]] for j in range(m - 1)])
        n_first = from_frame(rot[0], x[0], np.array([-IDEAL["N_CA"], 0.0, 0.0]) @ np.eye(3))  # crude end
        out["N"][start:stop] = np.vstack([n_first, n_next])
        out["C"][start:stop] = np.vstack([c, x[-1] + (x[-1] - x[-2]) * IDEAL["CA_C"] / 3.8])
        o = place_oxygen(x[:-1], c, n_next)
        out["O"][start:stop] = np.vstack([o, out["C"][stop - 1] + unit(x[-1] - x[-2]) * IDEAL["C_O"]])
    return out


def pulchra_rebuild(ca: np.ndarray) -> dict[str, np.ndarray]:
    """N, C, O from PULCHRA (pip package ``pulchra``, its CLI with ``-c -s``: Cα kept, no side chains)."""
    from protein_rgdm.structure.read import read_structure

    out = {k: np.full(ca.shape, np.nan) for k in ("N", "C", "O")}
    ok = np.isfinite(ca).all(1)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ca.pdb"
        write_ca_pdb(path, ca, "G" * len(ca), observed=ok)
        subprocess.run([sys.executable, "-m", "pulchra.cli", "-c", "-s", str(path)], cwd=tmp, check=True,
                       capture_output=True)  # fmt: skip
        atoms = read_structure(Path(tmp) / "ca.rebuilt.pdb").atoms
    for name in out:
        sel = atoms.atom_name == name
        out[name][atoms.res_id[sel] - 1] = atoms.coord[sel]
    return out


METHODS = {"table": lambda ca: rebuild_backbone(ca).as_dict(), "ideal": ideal_rebuild, "pulchra": pulchra_rebuild}


def rebuild(method: str, ca: np.ndarray) -> dict[str, np.ndarray]:
    return METHODS[method](ca)


def dihedral(p0, p1, p2, p3) -> np.ndarray:
    b1 = unit(p2 - p1)
    v = (p0 - p1) - np.sum((p0 - p1) * b1, -1, keepdims=True) * b1
    w = (p3 - p2) - np.sum((p3 - p2) * b1, -1, keepdims=True) * b1
    return np.degrees(np.arctan2(np.sum(np.cross(b1, v) * w, -1), np.sum(v * w, -1)))


def dssp_states(path: Path) -> dict[int, str]:
    """3-state DSSP per residue number of a PDB file (mkdssp, classic output)."""
    out = path.with_suffix(".dssp")
    subprocess.run(["mkdssp", "--output-format", "dssp", str(path), str(out)], check=True, capture_output=True)
    states, started = {}, False
    for line in out.read_text().splitlines():
        if line.startswith("  #  RESIDUE"):
            started = True
        elif started and len(line) > 16 and line[13] != "!":
            states[int(line[5:10])] = DSSP_3.get(line[16], "C")
    return states


def rms(errors: list[np.ndarray]) -> float:
    e = np.concatenate(errors)
    return float(np.sqrt(np.nanmean(e**2)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eigenfold-limit", type=int, default=150, help="EigenFold chains scored (file order)")
    parser.add_argument("--no-dssp", action="store_true")
    parser.add_argument("--no-pulchra", action="store_true", help="skip PULCHRA even when installed (slow)")
    args = parser.parse_args(argv)
    use_dssp = not args.no_dssp and shutil.which("mkdssp") is not None
    if not use_dssp:
        print("mkdssp not used (absent or --no-dssp): DSSP agreement skipped")
    val, _ = cgdms_chains("val")
    train_names, _ = {r.name.lower() for r in cgdms_chains("train")[0]}, None
    held, skipped = eigenfold_chains(exclude=train_names, limit=args.eigenfold_limit)
    print(f"cgdms val: {len(val)} chains; EigenFold held out: {len(held)} chains ({skipped} unreadable)")
    methods = ["table", "ideal"]
    if importlib.util.find_spec("pulchra") is not None and not args.no_pulchra:
        methods.append("pulchra")
    else:
        print("pulchra (pip package) not installed or --no-pulchra: PULCHRA comparison skipped")
    for method in methods:
        err = {"N": [], "C": [], "N inner": [], "C inner": []}
        t0 = time.perf_counter()
        for r in val:
            bb = rebuild(method, r.ca)
            for a, native in (("N", r.n), ("C", r.c)):
                ok = np.isfinite(native).all(1) & r.observed
                e = np.linalg.norm(bb[a] - native, axis=1)
                err[a].append(e[ok])
                ends = np.zeros(len(ok), bool)  # the terminal N / C of every segment
                for s, t in segments(r.ca):
                    ends[s if a == "N" else t - 1] = True
                err[f"{a} inner"].append(e[ok & ~ends])
        wall = time.perf_counter() - t0
        print(
            f"[{method}] cgdms val RMSD  N {rms(err['N']):.3f} Å  C {rms(err['C']):.3f} Å; without the terminal "
            f"N / C of each segment: N {rms(err['N inner']):.3f}  C {rms(err['C inner']):.3f} Å  ({wall:.1f} s)"
        )
        err = {"N": [], "C": [], "O": []}
        bonds, omegas, angles, agree, total = [], [], [], 0, 0
        with tempfile.TemporaryDirectory() as tmp:
            for r in held:
                bb = rebuild(method, r.ca)
                for a, native in (("N", r.n), ("C", r.c), ("O", r.o)):
                    ok = np.isfinite(native).all(1) & r.observed
                    err[a].append(np.linalg.norm(bb[a][ok] - native[ok], axis=1))
                for s, e in segments(r.ca):
                    ca, c, n = r.ca[s:e], bb["C"][s:e], bb["N"][s:e]
                    bonds.append(np.linalg.norm(n[1:] - c[:-1], axis=1))
                    omegas.append(dihedral(ca[:-1], c[:-1], n[1:], ca[1:]))
                    cos = np.sum(unit(n - ca) * unit(c - ca), axis=1)
                    angles.append(np.degrees(np.arccos(np.clip(cos, -1, 1))))
                if use_dssp:
                    native_bb = {"N": r.n, "C": r.c, "O": r.o}
                    full = r.observed & np.isfinite(r.n).all(1) & np.isfinite(r.c).all(1) & np.isfinite(r.o).all(1)
                    paths = (Path(tmp) / f"{r.name}_native.pdb", Path(tmp) / f"{r.name}_{method}.pdb")
                    write_ca_pdb(paths[0], r.ca, r.seqres, observed=full, backbone=native_bb)
                    write_ca_pdb(paths[1], r.ca, r.seqres, observed=full, backbone=bb)
                    a, b = dssp_states(paths[0]), dssp_states(paths[1])
                    common = a.keys() & b.keys()
                    agree += sum(a[k] == b[k] for k in common)
                    total += len(common)
        bonds_a, om = np.concatenate(bonds), np.abs(180.0 - np.abs(np.concatenate(omegas)))
        ang = np.concatenate(angles)
        med = {a: float(np.nanmedian(np.concatenate(v))) for a, v in err.items()}
        print(
            f"[{method}] EigenFold held out RMSD  N {rms(err['N']):.3f}  C {rms(err['C']):.3f}  O {rms(err['O']):.3f}  "
            f"N/C/O {rms(err['N'] + err['C'] + err['O']):.3f} Å; median error N {med['N']:.3f}  C {med['C']:.3f}  "
            f"O {med['O']:.3f} Å; O > 1.5 Å (flipped peptides) {np.nanmean(np.concatenate(err['O']) > 1.5):.1%}"
        )
        print(
            f"[{method}] peptide C–N {bonds_a.mean():.3f} ± {bonds_a.std():.3f} Å "
            f"({np.mean(np.abs(bonds_a - 1.33) <= 0.02):.1%} within 1.33 ± 0.02); "
            f"ω: median |ω − 180°| {np.median(om):.1f}°, {np.mean(om <= 15):.1%} within 15°; "
            f"N–Cα–C {ang.mean():.1f} ± {ang.std():.1f}°"
        )
        if use_dssp:
            print(f"[{method}] DSSP 3-state agreement with native: {agree / max(total, 1):.1%} of {total} residues")
    return 0


if __name__ == "__main__":
    sys.exit(main())
