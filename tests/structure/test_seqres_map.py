"""Observed residues → seqres positions."""

import numpy as np

from protein_rgdm.structure.seqres_map import map_to_seqres


def test_identical_and_substring():
    assert map_to_seqres("ACDE", "ACDE").method == "identical"
    m = map_to_seqres("CDE", "MACDEG", np.array([10, 11, 12]))
    assert m.method == "substring" and list(m.index) == [2, 3, 4] and m.offset == -8


def test_numbering_places_gaps_where_the_author_numbers_say():
    seqres = "MSGGGGAGGGGK"
    observed = "SGGGGGGGK"  # the missing "GA" could be placed many ways by score alone
    numbers = np.array([2, 3, 4, 5, 6, 9, 10, 11, 12])
    m = map_to_seqres(observed, seqres, numbers)
    assert m.method == "numbering" and m.offset == -1
    assert list(m.index) == list(numbers - 1)
    assert m.identity == 1.0


def test_alignment_when_numbering_is_inconsistent():
    seqres = "MKTAYIAKQRWISFVKSHFSRQ"
    observed = "KTAYIAKQISFVKSHF"  # RW missing in the middle
    numbers = np.array([1, 2, 3, 4, 5, 6, 7, 8, 500, 501, 502, 503, 504, 505, 506, 507])  # renumbered domain
    m = map_to_seqres(observed, seqres, numbers)
    assert m.method == "alignment"
    assert list(m.index) == [1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14, 15, 16, 17, 18]
    assert m.identity == 1.0


def test_mismatch_lowers_identity():
    m = map_to_seqres("AAAAWAAAA", "AAAAGAAAA")
    assert m.identity == 8 / 9


def test_alignment_path_is_the_optimum_with_its_gap_costs():
    """Without usable numbering the mapping is an optimal alignment under BLOSUM62, gap 10 + (k − 1), free ends."""
    from biotite.sequence import ProteinSequence, align

    from protein_rgdm.structure.seqalign import alignment_score

    matrix = align.SubstitutionMatrix.std_protein_matrix()
    rng = np.random.default_rng(11)
    letters = np.array(list("ACDEFGHIKLMNPQRSTVWY"))
    pairs = [("DNCEWTNHGPMK", "DNCEKCRNHTQTCEMT")]  # optimal under gap 10 + (k − 1), not under 11 + (k − 1)
    for trial in range(30):
        alphabet = letters[:4] if trial % 2 else letters
        seqres = "".join(rng.choice(alphabet, rng.integers(10, 60)))
        keep = np.sort(rng.choice(len(seqres), size=rng.integers(3, len(seqres)), replace=False))
        pairs.append(("".join(seqres[k] if rng.random() > 0.15 else rng.choice(alphabet) for k in keep), seqres))
    for observed, seqres in pairs:
        m = map_to_seqres(observed, seqres)
        if m.method != "alignment":
            continue
        mapped = np.flatnonzero(m.index >= 0)
        ours = alignment_score(observed, seqres, mapped, m.index[mapped], gap_open=-10, gap_extend=-1)
        best = align.align_optimal(
            ProteinSequence(observed), ProteinSequence(seqres), matrix,
            gap_penalty=(-10, -1), terminal_penalty=False, max_number=1,
        )[0].score  # fmt: skip
        assert ours == best, (observed, seqres)


def test_selenocysteine_and_pyrrolysine_align_as_unknown():
    # U and O are outside BLOSUM62's alphabet: they score as X in the alignment but stay themselves
    m = map_to_seqres("ACDUEWG", "MMACDUEFGHHK")
    assert m.method == "alignment" and list(m.index) == [2, 3, 4, 5, 6, 7, 8]
    assert m.identity == 6 / 7
