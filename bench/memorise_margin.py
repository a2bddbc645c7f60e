"""How far the memorisation test (tests/train/test_memorise.py) passes: its exact setup over several training seeds.

A different seed changes the initial weights, the batches and the noise, as another CPU's rounding changes the
trained weights; the spread of the per-chain median over seeds is the test's margin. Prints, per seed and chain,
the median TM-score of the samples, and in the end the range of those medians and the rate of poor samples
(TM < 0.9). ``--clean-mode-noise`` trains with RGDM's data augmentation of the not-yet-noised modes instead.

Usage: python bench/memorise_margin.py CGDMS_DIR [--seeds 0 1 2] [--samples 16] [--clean-mode-noise 5e-4] [--steps N]
(run from the repository root; one seed ~2-3 min on one core)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    import torch

    from tests.train.memorise import memorise_config, train_and_sample

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cgdms", type=Path, help="the cgdms folder (with structures/)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--samples", type=int, default=16)
    ap.add_argument("--clean-mode-noise", type=float, default=0.0)
    ap.add_argument("--steps", type=int, default=None, help="training steps (default: the test's)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    medians, everything = [], []
    for seed in args.seeds:
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            cfg = memorise_config(seed=seed, clean_mode_noise=args.clean_mode_noise)
            if args.steps:
                cfg = cfg.model_copy(update={"max_steps": args.steps})
            scores = train_and_sample(args.cgdms, Path(tmp), cfg, args.samples)
        for name, tms in scores.items():
            medians.append(float(np.median(tms)))
            everything += tms
            print(f"seed {seed} {name}: median TM {np.median(tms):.3f}, min {min(tms):.3f}, "
                  f"{sum(t < 0.9 for t in tms)} of {len(tms)} below 0.9 ({time.perf_counter() - t0:.0f} s)", flush=True)  # fmt: skip
    tm = np.array(everything)
    print(f"medians {min(medians):.3f}-{max(medians):.3f}; all {len(tm)} samples: mean {tm.mean():.3f}, "
          f"{int((tm < 0.9).sum())} below 0.9")  # fmt: skip


if __name__ == "__main__":
    main()
