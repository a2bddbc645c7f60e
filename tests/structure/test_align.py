"""Observed residues → seqres positions."""

import numpy as np

from protein_rgdm.structure.align import map_to_seqres


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
