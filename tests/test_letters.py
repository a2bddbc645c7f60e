"""Non-standard one-letter codes map to the model's letters; anything that is not an ASCII letter is refused."""

from __future__ import annotations

import re
import string

import pytest

from protein_rgdm.constants import AMINO_ACIDS
from protein_rgdm.letters import MODEL_LETTERS, map_letters


def test_standard_sequences_pass_unchanged():
    mapped = map_letters(AMINO_ACIDS)
    assert mapped.sequence == AMINO_ACIDS and mapped.changes == {} and mapped.unknown == 0


def test_the_field_mapping_and_its_record():
    mapped = map_letters("UAOBZJXU")
    assert mapped.sequence == "CAKXXXXC"
    assert mapped.changes == {
        "U": {"to": "C", "positions": [1, 8]}, "O": {"to": "K", "positions": [3]}, "B": {"to": "X", "positions": [4]},
        "Z": {"to": "X", "positions": [5]}, "J": {"to": "X", "positions": [6]}, "X": {"to": "X", "positions": [7]},
    }  # fmt: skip
    assert mapped.unknown == 4


def test_every_ascii_letter_maps_into_the_model_alphabet_with_the_same_length():
    mapped = map_letters(string.ascii_uppercase)
    assert len(mapped.sequence) == 26 and set(mapped.sequence) <= set(MODEL_LETTERS)


@pytest.mark.parametrize(
    ("seq", "shown", "pos"),
    [("MK*", "'*'", 3), ("MK-V.", "'-' '.'", 3), ("MK1", "'1'", 3), ("ßMK", "'ß'", 1), ("MKı", "'ı'", 3),
     ("Mﬀ", "'ﬀ'", 2), ("mkv", "'k' 'm' 'v'", 1), ("MK V", "' '", 3)],
)  # fmt: skip
def test_non_letters_and_non_ascii_letters_are_refused(seq, shown, pos):
    expected = f"character(s) {shown} are not amino-acid letters (first at position {pos})"
    with pytest.raises(ValueError, match=re.escape(expected)):
        map_letters(seq)
