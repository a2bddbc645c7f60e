"""GPU check of the training and sampling paths: bf16 vs fp32 loss parity, residues/s and peak memory,
sampling time and memory at L = 1000, torch.compile on/off. Sized for ≤ 8 minutes on one H100/H200.

Usage::

    python bench/device_check.py                      # CUDA, the full-size network of configs/pdb.yaml
    python bench/device_check.py --json out.json      # also write every figure as JSON
    python bench/device_check.py --smoke              # CPU, a tiny network, seconds (run by the test suite)

Every case builds the same network from the same seed and trains on the same synthetic chains (random
3.8 Å walks with random sequences), so bf16 and fp32 runs differ only in arithmetic. Parity is the
relative difference of their mean loss over the same steps from the same start: bf16 rounding gives
~1e-2; a broken autocast path (wrong dtype reaching a reduction, NaNs) gives far more. Times are the
median over the timed steps after warm-up steps (compile happens in the warm-up). Peak memory is
``torch.cuda.max_memory_allocated`` on CUDA and the growth of the process's peak RSS on CPU.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]

#: (train lengths, sample length, warm-up steps, timed steps, parity steps) per mode.
SIZES = {
    "full": {"train_lengths": (128, 256, 512), "sample_length": 1000, "warmup": 3, "timed": 10, "parity": 20},
    "smoke": {"train_lengths": (24, 40), "sample_length": 48, "warmup": 1, "timed": 2, "parity": 3},
}


def _chains(L: int, n: int, seed: int):
    from protein_rgdm.train.data import TrainingChain

    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        steps = rng.normal(size=(L, 3))
        ca = np.cumsum(3.8 * steps / np.linalg.norm(steps, axis=1, keepdims=True), 0).astype(np.float32)
        seq = "".join(rng.choice(list("ACDEFGHIKLMNPQRSTVWY"), L))
        out.append(TrainingChain(f"c{i}", seq, ca - ca.mean(0), np.ones(L, bool)))
    return out


def _sync(device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize()


def _reset_peak(device) -> int:
    import torch

    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _peak_mb(device, base_rss_kb: int) -> float:
    import torch

    if device.type == "cuda":
        return torch.cuda.max_memory_allocated() / 2**20
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base_rss_kb) / 1024


def train_case(cfg, device, L: int, *, amp: bool, compile_: bool, steps: int, warmup: int, residues: int) -> dict:
    """``warmup + steps`` training steps at length ``L``; per-step losses, residues/s, peak memory."""
    import torch

    from protein_rgdm.diffusion import Diffusion
    from protein_rgdm.model import ScoreNetwork
    from protein_rgdm.train.data import collate
    from protein_rgdm.train.trainer import TrainStepModule, batch_loss

    torch.manual_seed(0)
    net = ScoreNetwork(cfg.model).to(device)
    module = TrainStepModule(net).train()
    if compile_:
        module = torch.compile(module)
    diff = Diffusion.from_config(cfg.diffusion)
    B = max(1, residues // L)
    batch = collate(_chains(L, B, seed=L), device)
    opt = torch.optim.AdamW(net.parameters(), lr=1e-4)
    gen = torch.Generator(device=device).manual_seed(0)
    base = _reset_peak(device)
    losses, times = [], []
    for i in range(warmup + steps):
        _sync(device)
        t0 = time.perf_counter()
        loss = batch_loss(module, diff, batch, gen, amp)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        _sync(device)
        if i >= warmup:
            times.append(time.perf_counter() - t0)
        losses.append(float(loss.detach()))
    sec = statistics.median(times)
    return {
        "L": L, "chains": B, "amp_bf16": amp, "compile": compile_, "losses": losses,
        "seconds_per_step": sec, "residues_per_s": B * L / sec, "peak_mb": _peak_mb(device, base),
        "finite": bool(np.all(np.isfinite(losses))),
    }  # fmt: skip


def sample_case(cfg, device, L: int) -> dict:
    """One reverse-process sample of length ``L`` with the untrained network; wall time, NFE, peak memory."""
    import torch

    from protein_rgdm.diffusion import Diffusion
    from protein_rgdm.model import ScoreNetwork
    from protein_rgdm.model.score_fn import make_score_fn

    torch.manual_seed(0)
    net = ScoreNetwork(cfg.model).to(device).eval()
    diff = Diffusion.from_config(cfg.diffusion)
    seq = "".join(np.random.default_rng(1).choice(list("ACDEFGHIKLMNPQRSTVWY"), L))
    mask = torch.ones(1, L, dtype=torch.bool, device=device)
    gen = torch.Generator(device=device).manual_seed(0)
    base = _reset_peak(device)
    _sync(device)
    t0 = time.perf_counter()
    with torch.no_grad():
        res = diff.sample(make_score_fn(net, [seq], mask), mask, gen)
    _sync(device)
    wall = time.perf_counter() - t0
    coords = res.x.detach().float().cpu().numpy()
    return {
        "L": L, "seconds": wall, "nfe": int(res.nfe), "seconds_per_nfe": wall / max(int(res.nfe), 1),
        "peak_mb": _peak_mb(device, base), "finite": bool(np.isfinite(coords).all()),
    }  # fmt: skip


def _config(path: str | None, smoke: bool):
    from protein_rgdm.config.base import load_config
    from protein_rgdm.config.train import TrainConfig

    if smoke:
        return TrainConfig.model_validate({
            "model": {"embedder": {"kind": "learned", "dim": 8, "layers": 1}, "ns": 4, "nv": 2, "layers": 1,
                      "knn": 6, "num_rbf": 8, "time_dim": 8, "edge_hidden": 8, "max_length": 128},
            "diffusion": {"schedule": {"kind": "rg", "t32": 6}}, "data": {"max_length": 128},
        })  # fmt: skip
    cfg = load_config(TrainConfig, path, section="train")
    # the checkpoint-independent parts only: a fitted colour needs a spectrum file from a run
    diffusion = cfg.diffusion.model_dump()
    if diffusion.get("colour", {}).get("kind") == "fitted":
        diffusion["colour"] = {"kind": "free"}
    model = {**cfg.model.model_dump(), "max_length": max(cfg.model.max_length, 1024)}
    data = {**cfg.data.model_dump(), "max_length": model["max_length"]}
    return TrainConfig.model_validate({**cfg.model_dump(), "model": model, "diffusion": diffusion, "data": data})


def run(smoke: bool, device_name: str, config: str | None, residues: int, with_compile: bool = True) -> dict:
    """All cases; returns the figures as one dict (also what ``--json`` writes)."""
    import torch

    sizes = SIZES["smoke" if smoke else "full"]
    device = torch.device(device_name)
    cfg = _config(config, smoke)
    torch.set_float32_matmul_precision("high")
    info = {
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)",
        "torch": torch.__version__, "python": platform.python_version(), "smoke": smoke,
        "network_parameters": sum(p.numel() for p in __import__("protein_rgdm.model", fromlist=["ScoreNetwork"]).ScoreNetwork(cfg.model).parameters()),
    }  # fmt: skip
    out: dict = {"info": info, "parity": [], "train": [], "compile": [], "sample": None}
    L0 = sizes["train_lengths"][0]
    fp32 = train_case(cfg, device, L0, amp=False, compile_=False, steps=sizes["parity"], warmup=0, residues=residues)
    bf16 = train_case(cfg, device, L0, amp=True, compile_=False, steps=sizes["parity"], warmup=0, residues=residues)
    rel = abs(np.mean(bf16["losses"]) - np.mean(fp32["losses"])) / abs(np.mean(fp32["losses"]))
    out["parity"] = {"L": L0, "steps": sizes["parity"], "fp32_mean_loss": float(np.mean(fp32["losses"])),
                     "bf16_mean_loss": float(np.mean(bf16["losses"])), "relative_difference": float(rel),
                     "bf16_active": device.type == "cuda"}  # fmt: skip
    amp = device.type == "cuda"
    for L in sizes["train_lengths"]:
        for use_amp in sorted({False, amp}):
            out["train"].append(train_case(cfg, device, L, amp=use_amp, compile_=False, steps=sizes["timed"],
                                           warmup=sizes["warmup"], residues=residues))  # fmt: skip
    for compile_ in (False, True) if with_compile else (False,):
        try:
            row = train_case(cfg, device, L0, amp=amp, compile_=compile_, steps=sizes["timed"], warmup=sizes["warmup"] + 1,
                             residues=residues)  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - a compiler failure is a finding to report, not a crash
            row = {"L": L0, "compile": compile_, "error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"}
        out["compile"].append(row)
    out["sample"] = sample_case(cfg, device, sizes["sample_length"])
    return out


def _print(res: dict) -> None:
    info = res["info"]
    print(f"device: {info['device']}  torch {info['torch']}  network parameters {info['network_parameters']:,}")
    p = res["parity"]
    note = "" if p["bf16_active"] else "  (autocast is CUDA-only: both runs are fp32 here)"
    print(f"loss parity L={p['L']}, {p['steps']} steps: fp32 {p['fp32_mean_loss']:.5f}  bf16 {p['bf16_mean_loss']:.5f}"
          f"  relative difference {p['relative_difference']:.2e}{note}")  # fmt: skip
    for r in res["train"]:
        print(f"train  L={r['L']:5d}  {'bf16' if r['amp_bf16'] else 'fp32'}  chains/batch {r['chains']:3d}  "
              f"{r['residues_per_s']:10.0f} residues/s  {r['seconds_per_step'] * 1e3:8.1f} ms/step  peak {r['peak_mb']:8.1f} MB")
    for r in res["compile"]:
        if "error" in r:
            print(f"compile={r['compile']!s:5}  L={r['L']}  failed: {r['error']}")
        else:
            print(f"compile={r['compile']!s:5}  L={r['L']:5d}  {r['residues_per_s']:10.0f} residues/s  peak {r['peak_mb']:8.1f} MB")
    ok = [r for r in res["compile"] if "error" not in r]
    if len(ok) == 2:
        print(f"torch.compile speed-up: {ok[1]['residues_per_s'] / ok[0]['residues_per_s']:.2f}x")
    s = res["sample"]
    print(f"sample L={s['L']}: {s['seconds']:.2f} s for {s['nfe']} network evaluations "
          f"({s['seconds_per_nfe'] * 1e3:.1f} ms each), peak {s['peak_mb']:.1f} MB, finite={s['finite']}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true", help="CPU, tiny network, seconds: checks the code paths only")
    ap.add_argument("--device", default=None, help="default: cuda (cpu with --smoke)")
    ap.add_argument("--config", default=str(REPO / "configs" / "pdb.yaml"), help="YAML whose train section sets the network")
    ap.add_argument("--residues", type=int, default=None, help="residues per training batch (default 4096; 96 with --smoke)")
    ap.add_argument("--json", default=None, help="also write the figures to this JSON file")
    ap.add_argument("--no-compile", action="store_true", help="skip the torch.compile case")
    a = ap.parse_args(argv)
    device = a.device or ("cpu" if a.smoke else "cuda")
    if device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            print("error: CUDA is not available (use --smoke for the CPU check)", file=sys.stderr)
            return 2
    res = run(a.smoke, device, a.config, a.residues or (96 if a.smoke else 4096), with_compile=not a.no_compile)
    _print(res)
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
