"""Gap placement checked against the TM-score program on files whose numbering is the true mapping.

Debian's ``TMscore`` (2019 Fortran, no ``-seq``) pairs residues by residue number. When the model
is numbered 1..L along seqres and the reference's residues carry their true seqres positions, it
scores the true mapping — the one ``TMscore -seq`` chose on the CAMEO targets whose missing loops
have several equal-score placements. ``evaluate``'s matching (sequence alignment, numbering as the
tie-break) must reproduce its TM-score within 0.001 and RMSD within 0.01 Å.

* Synthetic: a real chain (1gh1.A, ``…GGPGPSG…``) loses two residues of its GP repeat; each of the
  three equal-score placements is the truth in turn. The model is the full chain with 1.5 Å noise.
* Real: CAMEO references whose gaps have equal-score placements; the model is the reference on
  seqres (missing residues interpolated) with 1 Å noise.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from protein_rgdm.evaluate.io import read_trace
from protein_rgdm.evaluate.matching import match_by_sequence
from protein_rgdm.evaluate.metrics import score_matched
from protein_rgdm.structure.seqalign import alignment_score
from protein_rgdm.structure.seqres_map import map_to_seqres

TMSCORE = shutil.which("TMscore")
pytestmark = pytest.mark.skipif(TMSCORE is None, reason="TMscore (Debian tm-align) not installed")
TM_TOL, RMSD_TOL = 1e-3, 1e-2
#: CAMEO 2022 references whose missing loops have several placements of the best alignment score.
CAMEO_TIES = ("7t12.B.pdb", "7qau.A.pdb", "7fh0.B.pdb", "7q83.D.pdb")


def _write_ca(path: Path, ca: np.ndarray, sequence: str, numbers: np.ndarray) -> None:
    from biotite.sequence import ProteinSequence

    three = ProteinSequence.convert_letter_1to3
    lines = [
        f"ATOM  {k:5d}  CA  {three(aa):>3s} A{n:4d}    {xyz[0]:8.3f}{xyz[1]:8.3f}{xyz[2]:8.3f}  1.00  0.00           C"
        for k, (xyz, aa, n) in enumerate(zip(ca, sequence, numbers), start=1)
    ]
    path.write_text("\n".join(lines) + "\nTER\nEND\n")


def _tmscore(folder: Path, model, ref) -> tuple[float, float]:
    """TM-score (normalised by the reference) and RMSD of the number-matched pairs; args (ca, seq, numbers)."""
    _write_ca(folder / "model.pdb", *model)
    _write_ca(folder / "ref.pdb", *ref)
    out = subprocess.run([TMSCORE, "model.pdb", "ref.pdb"], cwd=folder, capture_output=True, text=True, check=True)
    tm = float(re.search(r"TM-score\s*=\s*([\d.]+)", out.stdout).group(1))
    rmsd = float(re.search(r"RMSD of\s+the common residues=\s*([\d.]+)", out.stdout).group(1))
    return tm, rmsd


def test_synthetic_repeat_gap_follows_numbering_and_matches_tmscore(tmscore_fixture, tmp_path):
    chain = read_trace(tmscore_fixture / "references" / "1gh1.A.pdb")
    seq, L = chain.sequence, len(chain)
    assert seq[18:25] == "GGPGPSG" and np.array_equal(chain.residue_numbers, np.arange(1, L + 1))
    rng = np.random.default_rng(7)
    model_ca = chain.ca + rng.normal(0.0, 1.5, chain.ca.shape)
    numbers = np.arange(1, L + 1)
    placements = [k for k in range(1, L - 2) if seq[:k] + seq[k + 2 :] == seq[:19] + seq[21:]]
    assert placements == [19, 20, 21]
    mappings = {k: np.r_[np.arange(k), np.arange(k + 2, L)] for k in placements}
    for k, keep in mappings.items():
        ref_seq = "".join(seq[i] for i in keep)
        ref = (chain.ca[keep], ref_seq, numbers[keep])  # author numbers keep the jump
        match = match_by_sequence(seq, ref_seq, numbers, numbers[keep])
        assert match.model_index.tolist() == keep.tolist(), f"GP deleted at {k}"
        got = score_matched(model_ca, ref[0], match.model_index, match.reference_index)
        want_tm, want_rmsd = _tmscore(tmp_path, (model_ca, seq, numbers), ref)
        assert abs(got.tm - want_tm) <= TM_TOL and abs(got.rmsd - want_rmsd) <= RMSD_TOL, k
        for other, wrong in mappings.items():  # an equal-score placement the sequences alone allow
            if other == k:
                continue
            j = np.arange(L - 2)
            assert alignment_score(seq, ref_seq, wrong, j) == alignment_score(seq, ref_seq, keep, j)
            off = score_matched(model_ca, ref[0], wrong, np.arange(L - 2))
            assert abs(off.rmsd - want_rmsd) > RMSD_TOL  # the placement matters for the scores


def _model_on_seqres(ref_ca: np.ndarray, index: np.ndarray, L: int, rng: np.random.Generator) -> np.ndarray:
    """(L, 3) Cα: observed residues at their seqres index, gaps interpolated, ends extended, then 1 Å noise."""
    ca = np.empty((L, 3))
    positions = np.arange(L)
    for axis in range(3):
        ca[:, axis] = np.interp(positions, index, ref_ca[:, axis])
    ca[: index[0]] -= np.outer(index[0] - positions[: index[0]], [3.8, 0.0, 0.0])
    ca[index[-1] + 1 :] += np.outer(positions[index[-1] + 1 :] - index[-1], [3.8, 0.0, 0.0])
    return ca + rng.normal(0.0, 1.0, ca.shape)


@pytest.fixture(scope="module")
def cameo(shared_data):
    split = shared_data / "eigenfold" / "splits" / "cameo2022.csv"
    folder = shared_data / "eigenfold" / "structures"
    if not split.is_file():
        pytest.skip("eigenfold/splits/cameo2022.csv not present")
    with split.open(newline="") as handle:
        seqres = {row["name"]: row["seqres"] for row in csv.DictReader(handle)}
    return folder, seqres


@pytest.mark.parametrize("name", CAMEO_TIES)
def test_cameo_reference_with_equal_score_gaps_matches_tmscore(cameo, name, tmp_path):
    folder, seqres_of = cameo
    path = next((p for p in (folder / name, folder / f"{name}.gz") if p.is_file()), None)
    if path is None:
        pytest.skip(f"{name} not present")
    ref = read_trace(path)
    seqres, L = seqres_of[name], len(seqres_of[name])
    truth = map_to_seqres(ref.sequence, seqres, ref.residue_numbers)
    assert truth.method == "numbering" and truth.identity == 1.0
    model_ca = _model_on_seqres(ref.ca, truth.index, L, np.random.default_rng(3))
    model_numbers = np.arange(1, L + 1)
    match = match_by_sequence(seqres, ref.sequence, model_numbers, ref.residue_numbers)
    assert match.model_index.tolist() == truth.index.tolist()
    got = score_matched(model_ca, ref.ca, match.model_index, match.reference_index)
    want_tm, want_rmsd = _tmscore(tmp_path, (model_ca, seqres, model_numbers), (ref.ca, ref.sequence, truth.index + 1))
    assert abs(got.tm - want_tm) <= TM_TOL and abs(got.rmsd - want_rmsd) <= RMSD_TOL
