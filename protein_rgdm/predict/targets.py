"""Target selection: the sequences one target set of a benchmark predicts, filtered by length.

A workflow may predict several target sets (held-out chains of the training data, CAMEO 2022
targets of at most 100 residues, ...). Each set's sequences come from a FASTA / CSV file or a
split table; this module reads them with :func:`protein_rgdm.predict.inputs.read_sequences` and
writes the records whose length lies in ``[min_length, max_length]`` as one ``id,sequence`` CSV,
the file ``predict`` then reads. Records outside the range are listed, not predicted.
"""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

from protein_rgdm.errors import InputError
from protein_rgdm.fileio import atomic_open
from protein_rgdm.predict.inputs import SequenceRecord, read_sequences

__all__ = ["TargetSelection", "select_targets"]


@dataclasses.dataclass(frozen=True)
class TargetSelection:
    """What :func:`select_targets` kept and left out.

    Attributes
    ----------
    kept
        Records written, in input order.
    excluded
        ``(record, reason)`` for each record outside the length range.
    """

    kept: tuple[SequenceRecord, ...]
    excluded: tuple[tuple[SequenceRecord, str], ...]


def select_targets(
    source: str | Path,
    out: str | Path,
    *,
    min_length: int | None = None,
    max_length: int | None = None,
) -> TargetSelection:
    """Write the records of ``source`` whose sequence length is within bounds to ``out`` (CSV, atomically).

    Parameters
    ----------
    source
        FASTA, CSV (``id,sequence`` or ``name,seqres``) or a folder of them.
    out
        Output CSV with columns ``id,sequence`` (ids as sanitised by ``read_sequences``, so the
        prediction folders keep the names a reference folder uses).
    min_length, max_length
        Inclusive bounds on the number of residues; ``None`` is unbounded.

    Raises
    ------
    InputError
        Unreadable source, bounds that exclude every length, or no record left.
    """
    if min_length is not None and max_length is not None and min_length > max_length:
        raise InputError(f"{source}: min_length {min_length} > max_length {max_length}")
    records = read_sequences(source)
    kept: list[SequenceRecord] = []
    excluded: list[tuple[SequenceRecord, str]] = []
    for rec in records:
        n = len(rec.sequence)
        if min_length is not None and n < min_length:
            excluded.append((rec, f"length {n} < min_length {min_length}"))
        elif max_length is not None and n > max_length:
            excluded.append((rec, f"length {n} > max_length {max_length}"))
        else:
            kept.append(rec)
    if not kept:
        raise InputError(f"{source}: no record of length within [{min_length}, {max_length}] ({len(records)} read)")
    with atomic_open(out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "sequence"])
        writer.writerows((rec.id, rec.sequence) for rec in kept)
    return TargetSelection(kept=tuple(kept), excluded=tuple(excluded))
