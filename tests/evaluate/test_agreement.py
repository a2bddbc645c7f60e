"""Agreement with the TM-score program on 40 (model, reference) pairs of the apo set.

expected.csv holds the values printed by ``TMscore -seq model reference`` (Zhang lab C++
TMscore, 4 decimals for TM/GDT, 3 for RMSD) and a Cα-lDDT; see ../shared/data/README.md.
Tolerances (every pair): TM 0.001, RMSD 0.01 Å, GDT-TS/HA 0.005, lDDT 0.005.
"""

from __future__ import annotations

import csv

import pytest

from protein_rgdm.evaluate.io import read_trace
from protein_rgdm.evaluate.matching import match_by_sequence
from protein_rgdm.evaluate.metrics import score_matched

TOLERANCE = {"tm": 1e-3, "rmsd": 1e-2, "gdt_ts": 5e-3, "gdt_ha": 5e-3, "lddt": 5e-3}
CHUNKS = 4


def _rows(fixture):
    with (fixture / "expected.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_matches_tmscore_seq_on_every_pair(tmscore_fixture, chunk):
    rows = _rows(tmscore_fixture)
    assert len(rows) == 40
    failures = []
    for row in rows[chunk::CHUNKS]:
        model = read_trace(tmscore_fixture / row["sample"])
        ref = read_trace(tmscore_fixture / row["reference"])
        assert len(ref) == int(row["n_ref_ca"])
        match = match_by_sequence(model.sequence, ref.sequence, model.residue_numbers, ref.residue_numbers)
        got = score_matched(model.ca, ref.ca, match.model_index, match.reference_index)
        want = {"tm": row["tm"], "rmsd": row["rmsd"], "gdt_ts": row["gdt_ts"], "gdt_ha": row["gdt_ha"], "lddt": row["lddt_ca"]}
        for key, value in want.items():
            if abs(getattr(got, key) - float(value)) > TOLERANCE[key]:
                failures.append(f"{row['sample']}: {key} {getattr(got, key):.4f} != {value}")
    assert not failures, "\n".join(failures)
