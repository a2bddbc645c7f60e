"""Featurize throughput: chains per second per core on the EigenFold structures (516 chains).

Usage (from the repository root):
    .venv/bin/python bench/bench_featurize.py [--structures DIR] [--splits DIR] [--workers N] [--backend fast|biotite]

Everything featurize does is timed (wall clock, and with one worker also CPU time) (read + parse + seqres alignment + record npz + manifest),
after a warm-up on 5 files that loads biotite's CCD. With N workers the figure is chains/s / N.
Target: >= 50 chains/s per core.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--structures", default=str(REPO.parent / "shared" / "data" / "eigenfold" / "structures"))
    parser.add_argument("--splits", default=str(REPO.parent / "shared" / "data" / "eigenfold" / "splits"))
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--backend", choices=["fast", "biotite"], default="fast")
    args = parser.parse_args(argv)

    from protein_rgdm.config.data import FeaturizeConfig
    from protein_rgdm.data.featurize import featurize_files, plan_jobs

    structures = Path(args.structures)
    if not structures.is_dir():
        print(f"structures folder not found: {structures}", file=sys.stderr)
        return 2
    metadata = sorted(str(p) for p in Path(args.splits).glob("*.csv")) if Path(args.splits).is_dir() else []
    cfg = FeaturizeConfig(
        structures=str(structures), metadata=metadata, filters={"max_length": None, "max_missing_fraction": 1.0}
    )
    jobs = plan_jobs(cfg)
    with tempfile.TemporaryDirectory() as tmp:
        featurize_files(jobs[:5], Path(tmp) / "warmup", cfg.filters, pdb_backend=args.backend)
        start, cpu_start = time.perf_counter(), time.process_time()
        result = featurize_files(jobs, Path(tmp) / "out", cfg.filters, workers=args.workers, pdb_backend=args.backend)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    n = len(result.records)
    print(
        f"files: {len(jobs)}  chains: {n}  rejected: {len(result.rejected)}  workers: {args.workers}  backend: {args.backend}"
    )
    print(f"cpu: {os.cpu_count()} cores visible")
    print(
        f"elapsed: {elapsed:.2f} s  throughput: {n / elapsed:.1f} chains/s  per core: {n / elapsed / args.workers:.1f} chains/s"
    )
    if args.workers == 1:
        # on a shared machine wall time includes waiting for the CPU; CPU time is the per-core cost
        print(f"cpu time: {cpu:.2f} s  per core (CPU-time based): {n / cpu:.1f} chains/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
