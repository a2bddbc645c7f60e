"""Agreement of evaluate's residue matching with the TM-score program on references that lack residues.

For every reference of the EigenFold splits whose author numbering is one constant offset from its
seqres position (:func:`protein_rgdm.structure.seqres_map.map_to_seqres` method ``numbering``, all
letters agreeing), ``--samples`` models are made: the reference placed on seqres (missing residues
interpolated, missing ends extended in 3.8 Å steps) plus Gaussian noise of ``--noise`` Å, numbered
1..L. Debian's ``TMscore`` (matching by residue number) then scores each model against the
reference renumbered by its true seqres position: the true mapping's TM-score and RMSD.

Each model is also scored in-process after matching residues

* ``numbering``: as ``evaluate`` does (sequence alignment, residue numbers as the tie-break);
* ``plain``: by the score-only alignment used before (biotite ``align_optimal``, same scoring).

A pair agrees when |ΔTM| ≤ 0.0015 and |ΔRMSD| ≤ 0.01 Å. References whose true mapping scores below
the best alignment are listed apart: ``TMscore -seq`` does not use the true mapping there either.
Usage::

    python bench/gap_agreement.py [--splits cameo2022] [--samples 5] [--noise 1.0] [--shared ../shared/data]
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import collections  # noqa: E402
import csv  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from protein_rgdm.evaluate.io import read_trace  # noqa: E402
from protein_rgdm.evaluate.matching import match_by_sequence  # noqa: E402
from protein_rgdm.evaluate.metrics import score_matched  # noqa: E402
from protein_rgdm.structure.seqalign import alignment_score  # noqa: E402
from protein_rgdm.structure.seqres_map import map_to_seqres  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
TM_TOL, RMSD_TOL = 1.5e-3, 1e-2


def plain_alignment(model: str, ref: str) -> tuple[np.ndarray, np.ndarray]:
    """The score-only alignment (biotite, BLOSUM62, gaps −11/−1, free end gaps): its own tie-break."""
    from biotite.sequence import ProteinSequence, align

    matrix = align.SubstitutionMatrix.std_protein_matrix()
    if model.find(ref) >= 0 and model.find(ref, model.find(ref) + 1) < 0:
        start = model.find(ref)
        return np.arange(start, start + len(ref)), np.arange(len(ref))
    best = align.align_optimal(
        ProteinSequence(model), ProteinSequence(ref), matrix,
        gap_penalty=(-11, -1), terminal_penalty=False, max_number=1,
    )[0]  # fmt: skip
    trace = best.trace
    both = (trace[:, 0] >= 0) & (trace[:, 1] >= 0)
    return trace[both, 0], trace[both, 1]


def model_on_seqres(ref_ca: np.ndarray, index: np.ndarray, L: int, noise: float, rng) -> np.ndarray:
    """(L, 3) Cα in Å: observed residues at their seqres index, gaps interpolated, ends extended, plus noise."""
    ca = np.empty((L, 3))
    pos = np.arange(L)
    for axis in range(3):
        ca[:, axis] = np.interp(pos, index, ref_ca[:, axis])
    ca[: index[0]] -= np.outer(index[0] - pos[: index[0]], [3.8, 0.0, 0.0])
    ca[index[-1] + 1 :] += np.outer(pos[index[-1] + 1 :] - index[-1], [3.8, 0.0, 0.0])
    return ca + rng.normal(0.0, noise, ca.shape)


def write_ca(path: Path, ca: np.ndarray, sequence: str, numbers: np.ndarray) -> None:
    from biotite.sequence import ProteinSequence

    three = ProteinSequence.convert_letter_1to3
    lines = [
        f"ATOM  {k:5d}  CA  {three(a):>3s} A{n:4d}    {x[0]:8.3f}{x[1]:8.3f}{x[2]:8.3f}  1.00  0.00           C"
        for k, (x, a, n) in enumerate(zip(ca, sequence, numbers), start=1)
    ]
    path.write_text("\n".join(lines) + "\nTER\nEND\n")


def tmscore(binary: str, folder: Path) -> tuple[float, float]:
    out = subprocess.run([binary, "model.pdb", "ref.pdb"], cwd=folder, capture_output=True, text=True, check=True)
    tm = float(re.search(r"TM-score\s*=\s*([\d.]+)", out.stdout).group(1))
    rmsd = float(re.search(r"RMSD of\s+the common residues=\s*([\d.]+)", out.stdout).group(1))
    return tm, rmsd


def references(shared: Path, splits: list[str]):
    """(name, seqres, trace) of every reference of the splits that is on disk."""
    for split in splits:
        with (shared / "eigenfold" / "splits" / f"{split}.csv").open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        for row in rows:
            path = shared / "eigenfold" / "structures" / row["name"]
            path = path if path.is_file() else path.with_name(row["name"] + ".gz")
            if path.is_file():
                yield row["name"], row["seqres"], read_trace(path)


def check_reference(seqres: str, ref, samples: int, noise: float, rng, binary: str, folder: Path):
    """Per model: {matching: agrees?} for the two matchings, plus whether the true mapping scores best."""
    truth = map_to_seqres(ref.sequence, seqres, ref.residue_numbers)
    if truth.method not in ("numbering", "identical", "substring") or truth.identity < 1.0:
        return None, False
    numbers = np.arange(1, len(seqres) + 1)
    ours = match_by_sequence(seqres, ref.sequence, numbers, ref.residue_numbers)
    matchings = {"numbering": (ours.model_index, ours.reference_index), "plain": plain_alignment(seqres, ref.sequence)}
    best = alignment_score(seqres, ref.sequence, *matchings["plain"])
    optimal = alignment_score(seqres, ref.sequence, truth.index, np.arange(len(ref))) == best
    write_ca(folder / "ref.pdb", ref.ca, ref.sequence, truth.index + 1)
    results = []
    for _ in range(samples):
        model = model_on_seqres(ref.ca, truth.index, len(seqres), noise, rng)
        write_ca(folder / "model.pdb", model, seqres, numbers)
        want_tm, want_rmsd = tmscore(binary, folder)
        agrees = {}
        for key, (mi, rj) in matchings.items():
            got = score_matched(model, ref.ca, mi, rj)
            agrees[key] = abs(got.tm - want_tm) <= TM_TOL and abs(got.rmsd - want_rmsd) <= RMSD_TOL
        results.append(agrees)
    return results, optimal


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--splits", nargs="+", default=["cameo2022"])
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--noise", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    binary = shutil.which("TMscore")
    if binary is None:
        raise SystemExit("TMscore (Debian tm-align) not installed")
    rng = np.random.default_rng(args.seed)
    n_refs, skipped, not_optimal, misses = 0, 0, [], []
    rows = []  # (matching, agrees, true mapping scores best)
    with tempfile.TemporaryDirectory() as tmp:
        for name, seqres, ref in references(args.shared, args.splits):
            n_refs += 1
            results, optimal = check_reference(seqres, ref, args.samples, args.noise, rng, binary, Path(tmp))
            if results is None:
                skipped += 1
                continue
            if not optimal:
                not_optimal.append(name)
            misses += [name for r in results if not r["numbering"]]
            rows += [(key, ok, optimal) for r in results for key, ok in r.items()]
    n = len(rows) // 2
    n_opt = sum(1 for key, _, opt in rows if key == "plain" and opt)
    print(f"splits {' '.join(args.splits)}: {n_refs} references, {n} pairs "
          f"({skipped} references without a single-offset numbering left out)")  # fmt: skip
    for key in ("numbering", "plain"):
        ok = sum(1 for k, a, _ in rows if k == key and a)
        ok_opt = sum(1 for k, a, opt in rows if k == key and a and opt)
        print(f"{key:>9s} matching agrees with TMscore on the true mapping: {ok}/{n} = {100 * ok / max(n, 1):.1f} %; "
              f"where the true mapping scores best: {ok_opt}/{n_opt} = "
              f"{100 * ok_opt / max(n_opt, 1):.1f} %")  # fmt: skip
    print(f"references whose true mapping scores below the best alignment: {' '.join(not_optimal) or 'none'}")
    print(f"models where 'numbering' disagrees, by reference: {dict(collections.Counter(misses))}")


if __name__ == "__main__":
    main()
