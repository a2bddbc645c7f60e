"""Speed of protein_rgdm's TM-score/GDT/RMSD/lDDT against the TMscore binary, on one CPU core.

Pairs: the 40 (model, reference) pairs of ../shared/data/tmscore_fixture plus the alternate-
conformation pairs named by the EigenFold CoDNaS (column ``other``) and apo/holo (``holo``) split
CSVs, both chains read from ../shared/data/eigenfold/structures.

For each pair, residues are matched once by sequence and two renumbered Cα files (matched model
residues numbered like their reference residue, reference 1..N) are written for the binary, which
matches by residue number (Debian's TMscore has no ``-seq``). Then, in the same run:

* ``binary``: ``TMscore model ref`` as a subprocess per pair (what a pipeline calling it pays);
* ``ours, scores only``: :func:`score_matched` on the matched arrays (TM, GDT-TS/HA, RMSD, lDDT);
* ``ours, end to end``: read both original files, align sequences, score (in-process).

The process is pinned to one core and BLAS to one thread. The search is numba-compiled: the
timings are the steady state (one warm-up pair is scored first), each the best of ``--repeat``
runs (the binary's too); the one-off cost is reported apart: the first call in this process (JIT
cache load) and a cold compile in a fresh process with an empty numba cache. Usage::

    python bench/bench_tmscore.py [--limit N] [--repeat 3] [--shared ../shared/data] [--json out.json]
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from protein_rgdm.evaluate.io import read_trace  # noqa: E402
from protein_rgdm.evaluate.matching import match_by_sequence  # noqa: E402
from protein_rgdm.evaluate.metrics import score_matched  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def collect_pairs(shared: Path) -> list[tuple[str, Path, Path]]:
    """(label, model file, reference file) for every pair that exists on disk."""
    pairs = []
    fixture = shared / "tmscore_fixture"
    with (fixture / "expected.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            pairs.append(("fixture", fixture / row["sample"], fixture / row["reference"]))
    structures = shared / "eigenfold" / "structures"
    for split, column in (("codnas", "other"), ("apo", "holo")):
        path = shared / "eigenfold" / "splits" / f"{split}.csv"
        if not path.is_file():
            continue
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                a, b = structures / f"{row['name']}.gz", structures / f"{row[column]}.gz"
                if a.is_file() and b.is_file():
                    pairs.append((split, a, b))
    return pairs


def _write_ca(path: Path, ca: np.ndarray, sequence: str, numbers: np.ndarray) -> None:
    from biotite.sequence import ProteinSequence

    lines = []
    for k, (xyz, aa, num) in enumerate(zip(ca, sequence, numbers), start=1):
        name = ProteinSequence.convert_letter_1to3(aa) if aa in "ACDEFGHIKLMNPQRSTVWY" else "UNK"
        lines.append(f"ATOM  {k:5d}  CA  {name:>3s} A{int(num):4d}    {xyz[0]:8.3f}{xyz[1]:8.3f}{xyz[2]:8.3f}  1.00  0.00           C")
    path.write_text("\n".join(lines) + "\nTER\nEND\n")


_COLD_COMPILE = """
import time, numpy as np
t0 = time.perf_counter()
from protein_rgdm.evaluate.metrics import score_matched
t1 = time.perf_counter()
x = np.random.default_rng(0).normal(size=(30, 3)) * 10
score_matched(x, x + 1.0, np.arange(30), np.arange(30))
print(time.perf_counter() - t1)
"""


def cold_compile_seconds() -> float:
    """Seconds of the first scoring call in a fresh process whose numba cache is empty."""
    with tempfile.TemporaryDirectory(prefix="bench_numba_cache_") as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        out = subprocess.run([sys.executable, "-c", _COLD_COMPILE], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.split()[-1])


def best_of(repeat: int, run) -> float:
    """Smallest wall time (s) of ``repeat`` calls of ``run()`` (the least disturbed on a shared box)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N pairs (0 = all)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each variant; the best is kept")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    binary = shutil.which("TMscore")
    pairs = collect_pairs(args.shared)
    if args.limit:
        pairs = pairs[: args.limit]
    work = Path(tempfile.mkdtemp(prefix="bench_tmscore_"))
    prepared = []
    for k, (label, model_path, ref_path) in enumerate(pairs):
        model, ref = read_trace(model_path), read_trace(ref_path)
        match = match_by_sequence(model.sequence, ref.sequence, model.residue_numbers, ref.residue_numbers)
        if len(match) < 3:
            continue
        x = model.ca[match.model_index]
        mfile, rfile = work / f"{k}_model.pdb", work / f"{k}_ref.pdb"
        _write_ca(mfile, x, "".join(model.sequence[i] for i in match.model_index), match.reference_index + 1)
        _write_ca(rfile, ref.ca, ref.sequence, np.arange(1, len(ref) + 1))
        prepared.append((label, model_path, ref_path, x, ref.ca, match.reference_index, mfile, rfile))

    t0 = time.perf_counter()  # warm-up: loads (or compiles) the numba kernels
    _, mp, rp, *_ = prepared[0]
    m, r = read_trace(mp), read_trace(rp)
    mt = match_by_sequence(m.sequence, r.sequence, m.residue_numbers, r.residue_numbers)
    score_matched(m.ca, r.ca, mt.model_index, mt.reference_index)
    t_first = time.perf_counter() - t0

    ours = [score_matched(x, y, np.arange(len(x)), j) for _, _, _, x, y, j, _, _ in prepared]

    def scores_only() -> None:
        for _, _, _, x, y, j, _, _ in prepared:
            score_matched(x, y, np.arange(len(x)), j)

    def end_to_end() -> None:
        for _, mp, rp, *_ in prepared:
            m, r = read_trace(mp), read_trace(rp)
            mt = match_by_sequence(m.sequence, r.sequence, m.residue_numbers, r.residue_numbers)
            score_matched(m.ca, r.ca, mt.model_index, mt.reference_index)

    t_scores = best_of(args.repeat, scores_only)
    t_end = best_of(args.repeat, end_to_end)
    t_cold = cold_compile_seconds()

    result = {
        "pairs": len(prepared),
        "by_set": {},
        "repeat": args.repeat,
        "ours_scores_only_s": t_scores,
        "ours_end_to_end_s": t_end,
        "first_call_s": t_first,
        "cold_compile_s": t_cold,
    }
    for label, *_ in prepared:
        result["by_set"][label] = result["by_set"].get(label, 0) + 1
    lengths = [len(p[4]) for p in prepared]
    result["reference_length_min_median_max"] = [int(min(lengths)), int(np.median(lengths)), int(max(lengths))]
    if binary:
        tms = []

        def run_binary() -> None:
            tms.clear()
            for *_, mfile, rfile in prepared:
                out = subprocess.run([binary, mfile.name, rfile.name], cwd=work, capture_output=True, text=True)
                tms.append(out.stdout)

        t_bin = best_of(args.repeat, run_binary)
        diffs = [abs(float(re.search(r"TM-score\s*=\s*([\d.]+)", text).group(1)) - s.tm) for text, s in zip(tms, ours)]
        result.update(binary_s=t_bin, max_abs_tm_difference_vs_binary=max(diffs))
    shutil.rmtree(work, ignore_errors=True)

    n = result["pairs"]
    print(f"pairs: {n} {result['by_set']}, reference length min/median/max {result['reference_length_min_median_max']}")
    print(f"one-off JIT cost  : first call {t_first:.2f} s (cache load), cold compile {t_cold:.2f} s (empty cache)")
    print(f"steady state, best of {args.repeat} runs:")
    print(f"ours, scores only : {n / t_scores:8.1f} pairs/s ({1000 * t_scores / n:.1f} ms/pair)")
    print(f"ours, end to end  : {n / t_end:8.1f} pairs/s ({1000 * t_end / n:.1f} ms/pair, read + align + score)")
    if binary:
        tb = result["binary_s"]
        print(f"TMscore binary    : {n / tb:8.1f} pairs/s ({1000 * tb / n:.1f} ms/pair, subprocess per pair)")
        print(f"ratio ours/binary : scores only {tb / t_scores:.2f}x, end to end {tb / t_end:.2f}x (>1 = ours faster)")
        print(f"max |TM ours - TM binary| = {result['max_abs_tm_difference_vs_binary']:.4f}")
        print(f"ratio ours/binary end-to-end: {tb / t_end:.2f}")
    else:
        print("TMscore binary not installed: no comparison")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
