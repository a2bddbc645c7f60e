"""Speed of predict's sample ranking (ensemble consistency: every sample pair's TM-score), one CPU thread.

Sample ensembles are random 3.8 Å-step chains plus 2 Å Gaussian noise per sample (N samples of
L residues). For each (N, L) the ranking is timed ``--repeat`` times after one warm-up call (the
numba JIT cache load is reported apart: the first call in the process). Usage::

    python bench/bench_ranking.py [--repeat 5] [--sizes 5x120 5x300 10x60]
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from protein_rgdm.predict.ranking import ensemble_consistency  # noqa: E402


def ensemble(rng: np.random.Generator, n: int, length: int) -> np.ndarray:
    """(n, length, 3) float64 Å: one random chain with 3.8 Å steps, each sample jittered by 2 Å noise."""
    steps = rng.normal(size=(length, 3))
    chain = np.cumsum(3.8 * steps / np.linalg.norm(steps, axis=1, keepdims=True), axis=0)
    return chain + rng.normal(size=(n, length, 3)) * 2.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--sizes", nargs="+", default=["5x120", "5x300", "10x60"], help="NxL ensembles")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    ensemble_consistency(ensemble(rng, 3, 50))
    print(f"first call (JIT cache load): {time.perf_counter() - start:.2f} s")
    for size in args.sizes:
        n, length = (int(v) for v in size.split("x"))
        samples = ensemble(rng, n, length)
        ensemble_consistency(samples)
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            ensemble_consistency(samples)
            times.append(time.perf_counter() - start)
        print(f"N={n:3d} L={length:4d}: best {min(times) * 1e3:8.1f} ms, median {np.median(times) * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
