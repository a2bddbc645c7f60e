"""Rebuild data/demo from ../shared/data (the script that made the bundled subset).

Run from the repository root:  .venv/bin/python data/demo/make_demo.py
Selection is deterministic (seeded), so re-running gives the same files.
"""

from __future__ import annotations

import csv
import gzip
import shutil
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data"
DEMO = REPO / "data" / "demo"

N_TRAIN, N_VAL = 135, 15
CAMEO = ["7vrf.A.pdb", "7wbn.A.pdb", "7wf8.B.pdb", "7y3k.A.pdb", "7t5w.B.pdb", "7vmf.A.pdb"]


def _has_break(path: Path) -> bool | None:
    """True when consecutive Cα are > 4.2 Å apart; None for files with shifted PDB columns."""
    ca = []
    with gzip.open(path, "rt") as handle:
        for line in handle:
            if line.startswith("ATOM") and line[12:16].strip() == "CA":
                try:
                    ca.append([float(line[30:38]), float(line[38:46]), float(line[46:54])])
                except ValueError:  # multi-letter chain ids shift the columns (5mkl_A1, 6uhg_AAA)
                    return None
    ca = np.asarray(ca)
    return bool((np.linalg.norm(np.diff(ca, axis=0), axis=1) > 4.2).any())


def main() -> None:
    rng = np.random.default_rng(20240601)
    rows = list(csv.DictReader(open(SHARED / "cgdms" / "chains.csv")))
    train = [r for r in rows if r["split"] == "train"]
    val = [r for r in rows if r["split"] == "val"]
    status = {r["name"]: _has_break(SHARED / "cgdms" / r["file"]) for r in train + val}
    broken = [r for r in train if status[r["name"]]][:4]
    rest = [r for r in train if status[r["name"]] is False]
    val = [r for r in val if status[r["name"]] is False]
    picks = broken + [rest[i] for i in sorted(rng.choice(len(rest), N_TRAIN - len(broken), replace=False))]
    picks += [val[i] for i in sorted(rng.choice(len(val), N_VAL, replace=False))]

    out = DEMO / "cgdms"
    (out / "structures").mkdir(parents=True, exist_ok=True)
    for r in picks:
        shutil.copyfile(SHARED / "cgdms" / r["file"], out / r["file"])
    with open(out / "chains.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(picks)

    cam = DEMO / "cameo2022"
    (cam / "structures").mkdir(parents=True, exist_ok=True)
    crow = list(csv.DictReader(open(SHARED / "eigenfold" / "splits" / "cameo2022.csv")))
    keep = [r for r in crow if r["name"] in CAMEO]
    for r in keep:
        shutil.copyfile(SHARED / "eigenfold" / "structures" / f"{r['name']}.gz", cam / "structures" / f"{r['name']}.gz")
    with open(cam / "cameo2022.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(crow[0]))
        writer.writeheader()
        writer.writerows(keep)
    # PDB ids of the CAMEO targets, one a line, for `protein-rgdm fetch` demos.
    (DEMO / "fetch_ids.txt").write_text("".join(f"{r['name'][:4]}\n" for r in keep))


if __name__ == "__main__":
    main()
