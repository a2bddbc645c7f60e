"""Sequence validation and tokenisation: the 20 standard amino acids, and the unknown token ``X`` where allowed.

Other letters are mapped to these by :func:`protein_rgdm.letters.map_letters` before they get here.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from protein_rgdm.constants import AMINO_ACIDS
from protein_rgdm.errors import InputError
from protein_rgdm.letters import MODEL_LETTERS, UNKNOWN

__all__ = ["validate_sequence", "validate_sequences", "tokenize"]

#: Token index of each model letter: the 20 amino acids 0..19, the unknown token ``X`` 20.
_INDEX = {aa: i for i, aa in enumerate(MODEL_LETTERS)}
_STANDARD = frozenset(AMINO_ACIDS)


def validate_sequence(name: str, sequence: str, max_length: int | None = None, *, allow_unknown: bool = False) -> str:
    """Check one sequence and return it unchanged.

    Parameters
    ----------
    allow_unknown
        Accept the unknown token ``X`` too (the network does; training data does not).

    Raises
    ------
    InputError
        Naming the record, for an empty sequence, a letter outside the 20 standard amino acids
        (and ``X`` when ``allow_unknown``) — B, Z, U, O, lower case, gaps, ... — or a chain longer
        than ``max_length``.
    """
    if not isinstance(sequence, str) or len(sequence) == 0:
        raise InputError(f"record '{name}': empty sequence")
    allowed = _INDEX if allow_unknown else _STANDARD
    bad = sorted({c for c in sequence if c not in allowed})
    if bad:
        pos = next(i for i, c in enumerate(sequence) if c not in allowed)
        also = f" or the unknown token {UNKNOWN}" if allow_unknown else ""
        raise InputError(
            f"record '{name}': letter(s) {''.join(bad)!r} outside the 20 standard amino acids{also} "
            f"(first at position {pos + 1}); use upper-case {AMINO_ACIDS}"
        )
    if max_length is not None and len(sequence) > max_length:
        raise InputError(f"record '{name}': length {len(sequence)} exceeds the configured maximum {max_length}")
    return sequence


def validate_sequences(
    sequences: Sequence[str],
    names: Sequence[str] | None = None,
    max_length: int | None = None,
    *,
    allow_unknown: bool = False,
) -> list[str]:
    """Validate a batch; ``names`` default to ``#0, #1, ...``."""
    names = list(names) if names is not None else [f"#{i}" for i in range(len(sequences))]
    if len(names) != len(sequences):
        raise InputError(f"{len(sequences)} sequences but {len(names)} names")
    return [validate_sequence(n, s, max_length, allow_unknown=allow_unknown) for n, s in zip(names, sequences)]


def tokenize(sequences: Sequence[str], device: torch.device | str | None = None) -> torch.Tensor:
    """Concatenate the sequences into one (N,) long tensor of token indices (``MODEL_LETTERS``: X is 20)."""
    flat = [_INDEX[c] for s in sequences for c in s]
    return torch.tensor(flat, dtype=torch.long, device=device)
