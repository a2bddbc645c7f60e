"""Benchmark: prediction throughput with records packed into shared batches against one record per batch.

Both paths run in the same process on the same loaded model (``predict_records`` with
``pack_records`` on / off, i.e. today's one-record-at-a-time code path), so the ratio is what packing
gains on this machine:

* end to end: sequences/s for ``--records`` random sequences of ``--min-length``..``--max-length``
  residues (sampling, ranking, geometry, files), and whether every record's samples agree between
  the two runs;
* per step: sampler wall time per record-step for ``--step-records`` sequences of one length L
  (50 / 100 / 300 by default), engine only.

Without ``--checkpoint`` a tiny model (the test suite's configuration) is trained for a few steps in
a temporary folder; the step budget is cut with ``--t32`` to keep the default run short.

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_predict.py [--checkpoint ckpt.pt] [--records 100]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from protein_rgdm.artifacts.predictions import sample_stem
from protein_rgdm.config.predict import PredictConfig
from protein_rgdm.predict.engine import SampleJob, load_engine
from protein_rgdm.predict.inputs import SequenceRecord
from protein_rgdm.predict.runner import predict_records

AMINO = np.array(list("ACDEFGHIKLMNPQRSTVWY"))
TINY = dict(
    model=dict(ns=8, nv=2, layers=2, knn=4, num_rbf=6, time_dim=8, edge_hidden=16,
               embedder=dict(kind="learned", dim=8, layers=1)),
    optim=dict(lr=2e-3, warmup_steps=2), data=dict(residue_budget=120, min_length=8),
    max_steps=6, checkpoint_every=100, log_every=1, device="cpu", num_threads=1,
)  # fmt: skip


def tiny_checkpoint(root: Path) -> Path:
    """A checkpoint of the test suite's tiny model trained for a few steps on random chains."""
    from protein_rgdm.config.train import TrainConfig
    from protein_rgdm.structure.record import ChainRecord
    from protein_rgdm.train.run import run_training

    rng = np.random.default_rng(0)
    names = [f"c{i}_A" for i in range(6)]
    for name in names:
        n = int(rng.integers(12, 25))
        steps = rng.normal(size=(n, 3))
        ca = np.cumsum(3.8 * steps / np.linalg.norm(steps, axis=1, keepdims=True), axis=0).astype(np.float32)
        numbers = np.arange(1, n + 1, dtype=np.int32)
        record = ChainRecord(name, "".join(rng.choice(AMINO, n)), ca, np.ones(n, bool), numbers)
        record.save(root / "chains" / f"{name}.npz")
    (root / "train.csv").write_text("name\n" + "\n".join(names) + "\n")
    threads = torch.get_num_threads()
    run_training(TrainConfig.model_validate(TINY), [root / "chains"], root / "train.csv", None, root / "train",
                 progress=False)  # fmt: skip
    torch.set_num_threads(threads)
    return root / "train" / "checkpoint.pt"


def _records(rng, n: int, lo: int, hi: int) -> list[SequenceRecord]:
    return [
        SequenceRecord(id=f"s{i}", sequence="".join(rng.choice(AMINO, int(rng.integers(lo, hi + 1)))),
                       source="bench", raw_id=f"s{i}")  # fmt: skip
        for i in range(n)
    ]


def end_to_end(engine, records, cfg: PredictConfig, out: Path) -> dict:
    walls, coords = {}, {}
    for pack in (False, True):
        c = cfg.model_copy(update={"pack_records": pack})
        t0 = time.perf_counter()
        run = predict_records(records, lambda: engine, c, out / f"pack{int(pack)}", model_version=engine.model_version,
                              progress=False)  # fmt: skip
        walls[pack] = time.perf_counter() - t0
        assert not run.failed, run.failed
        folder = out / f"pack{int(pack)}" / "predictions"
        coords[pack] = {
            r.id: np.stack([np.loadtxt([ln[30:54] for ln in open(folder / r.id / f"{sample_stem(r.id, k)}.pdb")
                                        if ln.startswith("ATOM")])
                            for k in range(cfg.num_samples)])
            for r in records
        }  # fmt: skip
    dev = [float(np.abs(coords[True][r.id] - coords[False][r.id]).max()) for r in records]
    return {"seq_per_s_ref": len(records) / walls[False], "seq_per_s_packed": len(records) / walls[True],
            "ratio": walls[False] / walls[True], "identical_records": sum(d == 0 for d in dev),
            "max_dev_A": max(dev)}  # fmt: skip


def per_step(engine, rng, L: int, records: int, n: int, budget: int) -> dict:
    """Sampler wall time per record-step: each record alone (chunks as today) against records packed."""
    seqs = ["".join(rng.choice(AMINO, L)) for _ in range(records)]
    per = max(1, min(n, budget // L))
    jobs = [SampleJob(s, min(per, n - k), 7 + k, f"r{i}") for i, s in enumerate(seqs) for k in range(0, n, per)]
    steps = engine.diffusion.num_steps(L)
    t0 = time.perf_counter()
    for job in jobs:
        engine.sample_batch([job])
    ref = time.perf_counter() - t0
    batches, cur, rows = [], [], 0
    for job in jobs:
        if cur and (rows + job.n) * L > budget:
            batches.append(cur)
            cur, rows = [], 0
        cur.append(job)
        rows += job.n
    batches.append(cur)
    t0 = time.perf_counter()
    for batch in batches:
        engine.sample_batch(batch)
    packed = time.perf_counter() - t0
    ms = 1e3 / (steps * records)
    return {"L": L, "steps": steps, "ms_ref": ref * ms, "ms_packed": packed * ms, "ratio": ref / packed,
            "batches": len(batches)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", type=Path, help="trained checkpoint (default: a tiny one trained here)")
    ap.add_argument("--records", type=int, default=100)
    ap.add_argument("--min-length", type=int, default=50)
    ap.add_argument("--max-length", type=int, default=150)
    ap.add_argument("--num-samples", type=int, default=5)
    ap.add_argument("--t32", type=int, default=8, help="step budget (reverse steps of a 32-residue chain)")
    ap.add_argument("--batch-residues", type=int, default=4096)
    ap.add_argument("--lengths", type=int, nargs="+", default=[50, 100, 300])
    ap.add_argument("--step-records", type=int, default=8)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = args.checkpoint or tiny_checkpoint(Path(tmp))
        cfg = PredictConfig(num_samples=args.num_samples, t32=args.t32, batch_residues=args.batch_residues,
                            device="cpu", max_length=max(args.max_length, *args.lengths))  # fmt: skip
        engine = load_engine(ckpt, cfg)
        records = _records(rng, args.records, args.min_length, args.max_length)
        print(f"threads {args.threads}, t32 {args.t32}, {args.num_samples} samples/sequence, "
              f"batch_residues {args.batch_residues}")  # fmt: skip
        e2e = end_to_end(engine, records, cfg, Path(tmp))
        print(f"end to end, {args.records} sequences of {args.min_length}-{args.max_length}: "
              f"{e2e['seq_per_s_ref']:.2f} seq/s one record per batch, {e2e['seq_per_s_packed']:.2f} seq/s packed, "
              f"ratio {e2e['ratio']:.2f}x; records with identical samples {e2e['identical_records']}/{args.records}, "
              f"max deviation {e2e['max_dev_A']:.3g} A")  # fmt: skip
        print(f"{'L':>5} {'steps':>6} {'ms/step ref':>12} {'ms/step packed':>15} {'ratio':>6} {'batches':>8}")
        for L in args.lengths:
            r = per_step(engine, rng, L, args.step_records, args.num_samples, args.batch_residues)
            print(f"{r['L']:>5} {r['steps']:>6} {r['ms_ref']:>12.2f} {r['ms_packed']:>15.2f} {r['ratio']:>6.2f} "
                  f"{r['batches']:>8}")  # fmt: skip


if __name__ == "__main__":
    main()
