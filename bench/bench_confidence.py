"""Does the per-residue confidence predict the per-residue error? Spearman correlations on a predictions folder.

Usage (from the repository root):
    .venv/bin/python bench/bench_confidence.py PRED_DIR REF_DIR [--top-only]

PRED_DIR is ``predict``'s ``out/predictions`` (``<id>/<id>_sample_<k>.pdb``, at least two samples
per target); references are ``REF_DIR/<id>.pdb|.cif[.gz]``. For every target the samples' Cα are
read, the two confidence estimates of ``protein_rgdm.predict.confidence`` are recomputed from
them (ensemble lDDT, the one written to the files, and the superposed spread), and each sample's
residues are matched to the reference as ``evaluate`` does (``TMscore -seq``-style alignment).
The per-residue truth is the Cα-lDDT of the sample against the reference over the matched
residues, and the distance error of each residue after optimal superposition of the sample onto
the reference. Printed: Spearman ρ between confidence and truth pooled over all residues of all
samples (distance error enters negated, so higher is better for every pair), the median of the
per-target ρ, and the mean absolute difference between confidence and 100 × lDDT (calibration).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pred_dir", type=Path)
    parser.add_argument("ref_dir", type=Path)
    parser.add_argument("--top-only", action="store_true", help="score only the top-ranked sample (summary.csv)")
    args = parser.parse_args(argv)
    from scipy.stats import spearmanr

    from protein_rgdm.evaluate.batch import find_reference, list_models
    from protein_rgdm.evaluate.io import read_trace
    from protein_rgdm.evaluate.matching import match_by_sequence
    from protein_rgdm.evaluate.superpose import kabsch
    from protein_rgdm.predict.confidence import ensemble_lddt, residue_lddt, superposed_spread

    ranks = _top_ranked(args.pred_dir.parent / "summary.csv") if args.top_only else None
    names = ("ensemble_lddt", "superposed_spread")
    pooled: dict[str, list] = {k: [] for k in (*names, "lddt", "neg_error")}
    per_target: dict[str, list] = {f"{c}~{t}": [] for c in names for t in ("lddt", "neg_error")}
    targets = 0
    for target_dir in sorted(p for p in args.pred_dir.iterdir() if p.is_dir()):
        ref_path = find_reference(args.ref_dir, target_dir.name)
        models = list_models(target_dir)
        if ref_path is None or len(models) < 2:
            continue
        ref = read_trace(ref_path)
        traces = [read_trace(p) for p, _ in models]
        if len({len(t.ca) for t in traces}) != 1:
            continue
        x = np.stack([t.ca for t in traces])
        conf = {"ensemble_lddt": ensemble_lddt(x), "superposed_spread": superposed_spread(x)}
        match = match_by_sequence(traces[0].sequence, ref.sequence)
        if len(match) < 10:
            continue
        targets += 1
        local: dict[str, list] = {k: [] for k in pooled}
        for k, (_, stem) in enumerate(models):
            if ranks is not None and ranks.get(target_dir.name) != _sample_index(stem):
                continue
            mi, ri = match.model_index, match.reference_index
            lddt = residue_lddt(x[k][mi], ref.ca[ri])
            rot, trans = kabsch(x[k][mi], ref.ca[ri])
            err = np.linalg.norm(x[k][mi] @ rot.T + trans - ref.ca[ri], axis=1)
            ok = np.isfinite(lddt)
            local["lddt"].append(lddt[ok])
            local["neg_error"].append(-err[ok])
            for c in names:
                local[c].append(conf[c][k][mi][ok])
        for key, values in local.items():
            pooled[key].extend(values)
        if local["lddt"]:
            for c in names:
                for t in ("lddt", "neg_error"):
                    a, b = np.concatenate(local[c]), np.concatenate(local[t])
                    if np.ptp(a) > 0 and np.ptp(b) > 0:
                        per_target[f"{c}~{t}"].append(spearmanr(a, b).statistic)
    if not targets:
        print("no target with >= 2 samples and a reference", file=sys.stderr)
        return 2
    flat = {k: np.concatenate(v) for k, v in pooled.items()}
    n_res, mean_lddt = len(flat["lddt"]), flat["lddt"].mean()
    print(f"{targets} targets, {n_res} residues (sample x residue), mean true lDDT {mean_lddt:.3f}")
    for c in names:
        for t in ("lddt", "neg_error"):
            rho = spearmanr(flat[c], flat[t]).statistic
            med = np.median(per_target[f"{c}~{t}"]) if per_target[f"{c}~{t}"] else float("nan")
            print(f"{c:>18} vs {t:<9}: pooled Spearman {rho:+.3f}, per-target median {med:+.3f}")
        print(f"{c:>18}: mean |confidence - 100 lDDT| = {np.mean(np.abs(flat[c] - 100 * flat['lddt'])):.1f}")
    return 0


def _sample_index(stem: str) -> int | None:
    from protein_rgdm.artifacts.predictions import parse_sample_stem

    parsed = parse_sample_stem(stem)
    return parsed[1] if parsed else None


def _top_ranked(summary: Path) -> dict[str, int]:
    from protein_rgdm.artifacts.predictions import read_summary

    return {row.id: row.sample for row in read_summary(summary) if row.rank == 1}


if __name__ == "__main__":
    sys.exit(main())
