"""The sequence alignment (evaluate's model ↔ reference matching): TMscore -seq's optimal score, gaps placed where
the numbering jumps.

A reference that lacks residues inside a repeat (``…GSGSG…`` missing ``SG``, ``GGG`` missing a G, a
loop whose first residue equals the residue after it) has several alignments of equal score; only
the reference's residue numbers say which one is true. Every such placement is tried here as the
truth in turn: the same two sequences with different numbering must give different matchings, each
following its numbering — an aligner that ignores the numbering fails for all but one of them.
"""

from __future__ import annotations

import numpy as np
import pytest

from protein_rgdm.structure.seqalign import align_residues, alignment_score

FLANK_N, FLANK_C = "MKTAYIAKQRQISFVKSHF", "LEWDRTHPPAMNYVKEC"


def _optimal_score(model: str, ref: str, gap_open: int = -11, gap_extend: int = -1) -> int:
    from biotite.sequence import ProteinSequence, align

    matrix = align.SubstitutionMatrix.std_protein_matrix()
    best = align.align_optimal(
        ProteinSequence(model), ProteinSequence(ref), matrix,
        gap_penalty=(gap_open, gap_extend), terminal_penalty=False, max_number=1,
    )[0]  # fmt: skip
    trace = best.trace
    both = (trace[:, 0] >= 0) & (trace[:, 1] >= 0)
    scored = alignment_score(model, ref, trace[both, 0], trace[both, 1], gap_open=gap_open, gap_extend=gap_extend)
    assert scored == best.score  # the scorer is TMscore -seq's (with its gap costs)
    return best.score


def _equivalent_deletions(seqres: str, start: int, length: int) -> list[int]:
    """Starts of every deletion of ``length`` residues that leaves the same observed sequence."""
    observed = seqres[:start] + seqres[start + length :]
    return [k for k in range(1, len(seqres) - length) if seqres[:k] + seqres[k + length :] == observed]


def _delete(seqres: str, start: int, length: int, first_number: int = 1):
    """Observed sequence and author numbers (with the jump) of seqres lacking [start, start + length)."""
    keep = np.r_[np.arange(start), np.arange(start + length, len(seqres))]
    return "".join(seqres[k] for k in keep), keep + first_number, keep


@pytest.mark.parametrize(
    "motif, start, length, n_placements",
    [
        ("GSGSGSG", 2, 2, 6),  # dipeptide repeat missing SG
        ("AGGGA", 2, 1, 3),  # homopolymer run missing one G
        ("GSGSG", 2, 1, 1),  # one residue of GSGSG: unambiguous, the numbering must still hold
        ("PDKLSNVPA", 0, 7, 2),  # a loop whose first residue equals the residue after it
    ],
)
def test_gap_goes_where_the_numbering_jumps(motif, start, length, n_placements):
    seqres = FLANK_N + motif + FLANK_C
    at = len(FLANK_N) + start
    placements = _equivalent_deletions(seqres, at, length)
    assert at in placements and len(placements) == n_placements
    model_numbers = np.arange(1, len(seqres) + 1)
    outcomes = set()
    for k in placements:
        observed, numbers, truth = _delete(seqres, k, length, first_number=101)
        best = _optimal_score(seqres, observed)
        # every placement scores the same: the sequences alone cannot tell them apart
        assert alignment_score(seqres, observed, truth, np.arange(len(observed))) == best
        model_index, reference_index = align_residues(seqres, observed, model_numbers, numbers)
        assert reference_index.tolist() == list(range(len(observed)))
        assert model_index.tolist() == truth.tolist(), f"deletion at {k}"
        outcomes.add(tuple(model_index.tolist()))
    assert len(outcomes) == len(placements)


def test_a_residue_between_two_gaps_is_placed_by_the_gap_lengths():
    """One ordered W inside a disordered GSGW linker: it can sit on any W of the repeat at equal score.

    Both gaps stay gaps wherever it sits and only their lengths differ, so just the size of each
    numbering jump (not the mere fact of a jump) says where it belongs.
    """
    linker = "GSGW" * 4 + "GSG"
    seqres = FLANK_N + linker + FLANK_C
    a = len(FLANK_N)
    model_numbers = np.arange(1, len(seqres) + 1)
    truths = [np.r_[np.arange(a), [a + w], np.arange(a + len(linker), len(seqres))] for w in (3, 7, 11, 15)]
    observed = {"".join(seqres[k] for k in keep) for keep in truths}
    assert len(observed) == 1
    observed = observed.pop()
    best = _optimal_score(seqres, observed)
    for keep in truths:
        assert alignment_score(seqres, observed, keep, np.arange(len(keep))) == best
        model_index, _ = align_residues(seqres, observed, model_numbers, keep + 1)
        assert model_index.tolist() == keep.tolist()


def test_a_model_lacking_residues_is_placed_by_its_own_numbering():
    """The mirror case: the model lacks two residues of a GSGSGSG repeat that the reference has."""
    seqres = FLANK_N + "GSGSGSG" + FLANK_C
    placements = _equivalent_deletions(seqres, len(FLANK_N) + 2, 2)
    found = set()
    for k in placements:
        model, numbers, truth = _delete(seqres, k, 2)
        model_index, reference_index = align_residues(model, seqres, numbers, np.arange(1, len(seqres) + 1))
        assert model_index.tolist() == list(range(len(model)))
        assert reference_index.tolist() == truth.tolist(), f"deletion at {k}"
        found.add(tuple(truth.tolist()))
    assert len(found) == len(placements) == 6


def test_without_numbers_ties_put_gaps_towards_the_c_terminus():
    seqres = FLANK_N + "GSGSGSG" + FLANK_C
    placements = _equivalent_deletions(seqres, len(FLANK_N) + 2, 2)
    observed, _, truth = _delete(seqres, max(placements), 2)
    i, j = align_residues(seqres, observed)
    assert i.tolist() == truth.tolist() and j.tolist() == list(range(len(observed)))


@pytest.mark.parametrize("seed", range(4))
def test_score_is_always_the_tmscore_seq_optimum(seed):
    """Random pairs, repeat-rich pairs and nonsense numbering: rule 1 never gives way to the tie-break."""
    rng = np.random.default_rng(seed)
    letters = np.array(list("ACDEFGHIKLMNPQRSTVWY"))
    for trial in range(40):
        alphabet = letters[:3] if trial % 2 else letters  # few letters: many equal-score alignments
        model = "".join(rng.choice(alphabet, rng.integers(1, 45)))
        keep = np.sort(rng.choice(len(model), size=rng.integers(1, len(model) + 1), replace=False))
        ref = "".join(model[k] if rng.random() > 0.15 else rng.choice(alphabet) for k in keep)
        if trial % 3 == 0:
            ref = "".join(rng.choice(alphabet, rng.integers(1, 45)))
        numbering = {
            0: None,
            1: keep + 1 if len(keep) == len(ref) else None,  # the truth where it applies
            2: rng.integers(-5, 5, len(ref)),  # repeats and negative steps (insertion codes, nonsense)
        }[trial % 3]
        i, j = align_residues(model, ref, None if numbering is None else np.arange(len(model)), numbering)
        assert np.all(np.diff(i) > 0) and np.all(np.diff(j) > 0)
        assert alignment_score(model, ref, i, j) == _optimal_score(model, ref), (model, ref)


def test_numbering_that_contradicts_the_sequence_does_not_override_the_score():
    seqres = FLANK_N + "GSGSGSG" + FLANK_C
    observed, numbers, _ = _delete(seqres, len(FLANK_N) + 2, 2)
    wrong = np.arange(len(observed)) + 1  # no jump at all: numbering is uninformative about the gap
    model_index, reference_index = align_residues(seqres, observed, np.arange(1, len(seqres) + 1), wrong)
    best = _optimal_score(seqres, observed)
    assert alignment_score(seqres, observed, model_index, reference_index) == best
    identical = [seqres[i] == observed[j] for i, j in zip(model_index, reference_index)]
    assert all(identical) and len(identical) == len(observed)
    with pytest.raises(ValueError, match="one entry per residue"):
        align_residues(seqres, observed, np.arange(3), numbers)


@pytest.mark.parametrize("gap_open, gap_extend", [(-10, -1), (-4, -2)])
def test_other_gap_costs_give_their_optimum(gap_open, gap_extend):
    """The gap costs are parameters (seqres mapping uses 10 + (k − 1)): the optimum moves with them."""
    rng = np.random.default_rng(7)
    letters = np.array(list("ACDEFGHIKLMNPQRSTVWY"))
    moved = 0
    for trial in range(30):
        alphabet = letters[:4] if trial % 2 else letters
        model = "".join(rng.choice(alphabet, rng.integers(5, 50)))
        keep = np.sort(rng.choice(len(model), size=rng.integers(3, len(model) + 1), replace=False))
        ref = "".join(model[k] if rng.random() > 0.2 else rng.choice(alphabet) for k in keep)
        i, j = align_residues(model, ref, gap_open=gap_open, gap_extend=gap_extend)
        assert np.all(np.diff(i) > 0) and np.all(np.diff(j) > 0)
        score = alignment_score(model, ref, i, j, gap_open=gap_open, gap_extend=gap_extend)
        assert score == _optimal_score(model, ref, gap_open, gap_extend), (model, ref)
        default = align_residues(model, ref)
        moved += alignment_score(model, ref, *default, gap_open=gap_open, gap_extend=gap_extend) < score
    assert moved > 0  # the TMscore costs' alignment is not optimal under these costs for some pairs
