"""Cross-check against Debian's TM-score program (``/usr/bin/TMscore``, package tm-align).

That 2019 Fortran TMscore pairs residues by residue number and has no ``-seq``, so both files are
rewritten with the matched residues numbered 1..K. Its TM-score and RMSD use the same search as
``TMscore -seq``; its GDT is collected over the final search with ≤ cut-offs, so GDT is checked
loosely (one residue per cut-off).
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess

import numpy as np
import pytest

from protein_rgdm.evaluate.io import read_trace
from protein_rgdm.evaluate.matching import match_by_sequence
from protein_rgdm.evaluate.metrics import score_matched

TMSCORE = shutil.which("TMscore")
pytestmark = pytest.mark.skipif(TMSCORE is None, reason="TMscore (Debian tm-align) not installed")


def _write_ca(path, ca, sequence):
    from biotite.sequence import ProteinSequence

    one_to_three = ProteinSequence.convert_letter_1to3
    lines = []
    for k, (xyz, aa) in enumerate(zip(ca, sequence), start=1):
        lines.append(f"ATOM  {k:5d}  CA  {one_to_three(aa):>3s} A{k:4d}    {xyz[0]:8.3f}{xyz[1]:8.3f}{xyz[2]:8.3f}  1.00  0.00           C")
    path.write_text("\n".join(lines) + "\nTER\nEND\n")


def _parse(text):
    tm = float(re.search(r"TM-score\s*=\s*([\d.]+)", text).group(1))
    rmsd = float(re.search(r"RMSD of\s+the common residues=\s*([\d.]+)", text).group(1))
    ts = float(re.search(r"GDT-TS-score=\s*([\d.]+)", text).group(1))
    return tm, rmsd, ts


def test_agrees_with_debian_tmscore(tmscore_fixture, tmp_path):
    with (tmscore_fixture / "expected.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))[:8]
    for row in rows:
        model = read_trace(tmscore_fixture / row["sample"])
        ref = read_trace(tmscore_fixture / row["reference"])
        match = match_by_sequence(model.sequence, ref.sequence, model.residue_numbers, ref.residue_numbers)
        # Normalisation length = reference Cα count, so write the reference in full (1..N_ref)
        # and give each matched model residue its reference residue's number.
        assert len(match) == len(ref)
        x = model.ca[match.model_index]
        _write_ca(tmp_path / "model.pdb", x, "".join(model.sequence[i] for i in match.model_index))
        _write_ca(tmp_path / "ref.pdb", ref.ca, ref.sequence)
        out = subprocess.run([TMSCORE, "model.pdb", "ref.pdb"], cwd=tmp_path, capture_output=True, text=True, check=True)
        tm, rmsd, ts = _parse(out.stdout)
        got = score_matched(x, ref.ca, np.arange(len(x)), match.reference_index)
        assert abs(got.tm - tm) <= 1e-3, row["sample"]
        assert abs(got.rmsd - rmsd) <= 1e-2, row["sample"]
        assert abs(got.gdt_ts - ts) <= 1.0 / len(ref) + 1e-4, row["sample"]
