"""One-letter sequences as the model reads them: 20 amino acids, one unknown token, and the other letters' mapping.

The two genetically encoded extra amino acids become the standard residue they derive from
(selenocysteine → cysteine, as in AlphaFold's and HH-suite's tables; pyrrolysine, a lysine
derivative, → lysine); the ambiguity codes and X become one unknown-residue token:

====== ============================ =====================================
letter residue                      model letter
====== ============================ =====================================
U      selenocysteine (SEC)         C (cysteine)
O      pyrrolysine (PYL)            K (lysine)
B      Asp or Asn (ASX)             X (unknown token)
Z      Glu or Gln (GLX)             X
J      Leu or Ile                   X
X      any / unknown (UNK)          X
====== ============================ =====================================

Every embedder handles ``X``: the learned one gives it the mean of the 20 learned residue
embeddings (no extra parameter, so existing checkpoints load unchanged), ESM-2 has its own ``X``
token. Anything that is not an ASCII letter (``*``, ``-``, digits, ``ß``, ...) is refused.
"""

from __future__ import annotations

import dataclasses

from protein_rgdm.constants import AMINO_ACIDS

__all__ = ["MODEL_LETTERS", "SUBSTITUTES", "UNKNOWN", "MappedSequence", "map_letters"]

#: The unknown-residue token.
UNKNOWN: str = "X"
#: Letters the model accepts: the 20 amino acids, then the unknown token (index 20).
MODEL_LETTERS: str = AMINO_ACIDS + UNKNOWN
#: Non-standard upper-case letters → model letter.
SUBSTITUTES: dict[str, str] = {"U": "C", "O": "K", "B": UNKNOWN, "Z": UNKNOWN, "J": UNKNOWN, "X": UNKNOWN}
_ASCII_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_STANDARD = frozenset(AMINO_ACIDS)


@dataclasses.dataclass(frozen=True)
class MappedSequence:
    """A sequence in model letters and what was changed to get it.

    Attributes
    ----------
    sequence
        Model letters (:data:`MODEL_LETTERS`), same length as the input.
    changes
        Input letter → ``{"to": model letter, "positions": [1-based positions]}`` for every letter
        outside the 20 amino acids (``X`` included, mapped to itself); empty for a standard sequence.
    """

    sequence: str
    changes: dict[str, dict]

    @property
    def unknown(self) -> int:
        """Number of positions the model sees as the unknown token."""
        return self.sequence.count(UNKNOWN)


def map_letters(sequence: str) -> MappedSequence:
    """Map an upper-case one-letter sequence to model letters.

    Parameters
    ----------
    sequence
        Upper-case one-letter codes (case folding, if wanted, is the caller's, ASCII only).

    Raises
    ------
    ValueError
        For characters that are not upper-case ASCII letters, naming them and the first position.
    """
    if _STANDARD.issuperset(sequence):
        return MappedSequence(sequence, {})
    bad = sorted({c for c in sequence if c not in _ASCII_UPPER})
    if bad:
        pos = next(i for i, c in enumerate(sequence) if c not in _ASCII_UPPER)
        shown = " ".join(repr(c) for c in bad)
        raise ValueError(
            f"character(s) {shown} are not amino-acid letters (first at position {pos + 1}); "
            f"use one-letter codes A-Z ({AMINO_ACIDS}, U, O, B, Z, J, X)"
        )
    changes: dict[str, dict] = {}
    out = []
    for i, c in enumerate(sequence, 1):
        if c in _STANDARD:
            out.append(c)
            continue
        to = SUBSTITUTES[c]
        out.append(to)
        changes.setdefault(c, {"to": to, "positions": []})["positions"].append(i)
    return MappedSequence("".join(out), changes)
