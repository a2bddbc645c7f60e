"""Benchmark of the score network: training throughput / peak memory for L = 64..512, and one
forward pass at L = 64..1000 (time, peak memory, fitted exponent of time vs L).

Usage: python bench/bench_model.py [--device cpu|cuda] [--threads N] [--config configs/train.yaml]
Times are the minimum over 7 (forward) / 3 (train step) repetitions after a warm-up (robust to other load). Peak memory on CPU is the growth of the process's peak RSS (ru_maxrss) over the run of each case,
measured in a fresh subprocess per case; on CUDA, torch.cuda.max_memory_allocated.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np


def _case(kind: str, L: int, device: str, threads: int, config: str | None, batch_residues: int) -> dict:
    import torch

    from protein_rgdm.config.base import load_config
    from protein_rgdm.config.train import TrainConfig
    from protein_rgdm.diffusion import Diffusion
    from protein_rgdm.model import Packing, ScoreNetwork
    from protein_rgdm.train.data import TrainingChain, collate
    from protein_rgdm.train.trainer import TrainStepModule, batch_loss

    torch.set_num_threads(threads)
    cfg = load_config(TrainConfig, config, section="train") if config else TrainConfig()
    dev = torch.device(device)
    rng = np.random.default_rng(0)
    steps = rng.normal(size=(L, 3))
    ca = np.cumsum(3.8 * steps / np.linalg.norm(steps, axis=1, keepdims=True), 0).astype(np.float32)
    seq = "".join(rng.choice(list("ACDEFGHIKLMNPQRSTVWY"), L))
    torch.manual_seed(0)
    net = ScoreNetwork(cfg.model).to(dev)
    if dev.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if kind == "forward":
        net.eval()
        packing = Packing.from_lengths([L], device=dev)
        x = torch.from_numpy(ca).to(dev)
        t = torch.tensor([0.5], device=dev)
        with torch.no_grad():
            feats = net.embed([seq], None, packing)
            net(x, t, t, packing, feats)  # warm-up
            times = []
            for _ in range(7):
                t0 = time.perf_counter()
                net(x, t, t, packing, feats)
                if dev.type == "cuda":
                    torch.cuda.synchronize()
                times.append(time.perf_counter() - t0)
        sec = min(times)
        out = {"seconds": sec}
    else:
        diff = Diffusion.from_config(cfg.diffusion)
        B = max(1, batch_residues // L)
        chain = TrainingChain("b", seq, ca, np.ones(L, bool))
        batch = collate([chain] * B, dev)
        module = TrainStepModule(net).train()
        opt = torch.optim.AdamW(net.parameters(), lr=1e-4)
        gen = torch.Generator(device=dev).manual_seed(0)
        amp = dev.type == "cuda"

        def step():
            loss = batch_loss(module, diff, batch, gen, amp)
            opt.zero_grad()
            loss.backward()
            opt.step()

        step()
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            step()
            if dev.type == "cuda":
                torch.cuda.synchronize()
            times.append(time.perf_counter() - t0)
        sec = min(times)
        out = {"seconds_per_step": sec, "chains": B, "residues_per_s": B * L / sec}
    if dev.type == "cuda":
        out["peak_mb"] = torch.cuda.max_memory_allocated() / 2**20
    else:
        out["peak_mb"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024
    out.update(kind=kind, L=L)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--config", default=None)
    ap.add_argument("--batch-residues", type=int, default=1024)
    ap.add_argument("--case", nargs=2, metavar=("KIND", "L"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.case:
        print(json.dumps(_case(a.case[0], int(a.case[1]), a.device, a.threads, a.config, a.batch_residues)))
        return
    import torch

    dev_name = torch.cuda.get_device_name() if a.device.startswith("cuda") else f"CPU, {a.threads} threads"
    print(f"device: {dev_name}")
    rows = []
    for kind, lengths in (("train", (64, 128, 256, 512)), ("forward", (64, 125, 250, 500, 1000))):
        for L in lengths:
            cmd = [sys.executable, __file__, "--case", kind, str(L), "--device", a.device, "--threads", str(a.threads),
                   "--batch-residues", str(a.batch_residues)] + (["--config", a.config] if a.config else [])
            res = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1])
            rows.append(res)
            if kind == "train":
                print(f"train   L={L:5d}  chains/batch={res['chains']:3d}  {res['residues_per_s']:9.0f} residues/s  "
                      f"peak {res['peak_mb']:8.1f} MB")
            else:
                print(f"forward L={L:5d}  {res['seconds'] * 1e3:9.1f} ms  peak {res['peak_mb']:8.1f} MB")
    fw = [r for r in rows if r["kind"] == "forward"]
    slope = np.polyfit(np.log([r["L"] for r in fw]), np.log([r["seconds"] for r in fw]), 1)[0]
    print(f"forward time ~ L^{slope:.2f} (fitted over L = {', '.join(str(r['L']) for r in fw)})")
    l1000 = next(r for r in fw if r["L"] == 1000)
    print(f"L=1000 forward peak memory {l1000['peak_mb']:.0f} MB ({'fits' if l1000['peak_mb'] < 2048 else 'EXCEEDS'} 2 GB)")


if __name__ == "__main__":
    main()
