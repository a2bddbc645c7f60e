"""Fit the backbone-rebuild lookup table shipped in ``protein_rgdm/structure/backbone_table.npz``.

Usage (from the repository root):
    .venv/bin/python bench/fit_backbone_table.py [--out protein_rgdm/structure/backbone_table.npz]

Fits :func:`protein_rgdm.structure.backbone_table.fit_backbone_table` on the N / CA / C of the
cgdms **train** chains only (``../shared/data/cgdms/chains.csv``, split column); the val chains
and the EigenFold structures stay held out for ``bench/bench_backbone.py``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from backbone_data import REPO, cgdms_chains  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "protein_rgdm" / "structure" / "backbone_table.npz"))
    args = parser.parse_args(argv)
    from protein_rgdm.structure.backbone_table import fit_backbone_table

    records, skipped = cgdms_chains("train")
    table = fit_backbone_table((r.ca, r.n, r.c) for r in records)
    table.info["source"] = "cgdms train split (../shared/data/cgdms/chains.csv), bench/fit_backbone_table.py"
    table.save(args.out)
    print(f"fitted on {len(records)} chains ({skipped} unreadable skipped), {table.info['peptides']} peptides -> {args.out}")
    print("tables: " + ", ".join(f"{k} {v.shape}" for k, v in table.tables.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
