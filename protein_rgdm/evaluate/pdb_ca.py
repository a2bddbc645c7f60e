"""A Cα-only fast path for reading PDB-format files in evaluation.

:func:`protein_rgdm.structure.read.read_ca_chain` parses every atom of the first model (a Python
loop over all lines, ~5 ms for a 2,000-atom chain) and then keeps the Cα atoms. Evaluation only
needs those, so this reader finds the line starts with numpy, keeps the first-model Cα records by
their fixed columns and converts just those with the same numpy column rules as
:func:`protein_rgdm.structure.pdb_text.parse_pdb_text`.

It handles the common, unambiguous files only and answers None for everything else, so that the
caller falls back to the full reader, which then gives the same answer (or error) as before:

* non-PDB formats, or content that :func:`~protein_rgdm.structure.read.detect_format` would refuse;
* line separators other than ``\\n`` (``\\r``, form feeds, ``\\x85``, ...) or tabs, where
  ``str.splitlines``/``strip`` rules would matter;
* alternate locations anywhere in the first model (the highest-occupancy rule looks at all
  atoms of a residue, not just the Cα);
* Cα records whose numbers do not parse.

``tests/evaluate/test_pdb_ca.py`` checks it against the full reader on every shared structure file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from protein_rgdm.errors import InputError
from protein_rgdm.structure.formats import structure_format
from protein_rgdm.structure.read import detect_format
from protein_rgdm.structure.residues import is_amino_acid, one_letter

__all__ = ["read_ca_chain_fast"]

#: Bytes that ``str.splitlines``/``strip`` treat specially (line breaks other than ``\n``, tabs).
_ODD_BYTES = (b"\r", b"\t", b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e", b"\x85")
_WIDTH = 80


class _Lines:
    """The lines of a text as start offsets and lengths, with column slicing that pads like ``ljust``."""

    def __init__(self, data: bytes) -> None:
        text = np.frombuffer(data, dtype=np.uint8)
        breaks = np.flatnonzero(text == 10)
        starts = np.concatenate([[0], breaks + 1])
        ends = np.concatenate([breaks, [len(text)]])
        keep = starts < len(text)  # no empty line after a final newline
        self.starts, self.lengths = starts[keep], (ends - starts)[keep]
        self.padded = np.concatenate([text, np.full(_WIDTH, 32, dtype=np.uint8)])

    def block(self, rows: np.ndarray | slice, stop: int = _WIDTH) -> np.ndarray:
        """Columns [0, stop) of the selected lines as an (R, stop) uint8 block, short lines space-padded."""
        cols = np.arange(stop)
        block = self.padded[self.starts[rows][:, None] + cols]
        block[cols[None, :] >= self.lengths[rows][:, None]] = 32
        return block


def _columns(block: np.ndarray, start: int, stop: int) -> np.ndarray:
    """Columns [start, stop) of an (N, 80) uint8 block as an (N,) bytes array (``S`` dtype)."""
    return np.ascontiguousarray(block[:, start:stop]).view(f"S{stop - start}").ravel()


def read_ca_chain_fast(
    path: str | Path, data: bytes, chain: str | None = None
) -> tuple[np.ndarray, str, np.ndarray] | None:
    """Cα trace of one protein chain of a PDB-format file, or None when the full reader is needed.

    Parameters
    ----------
    path
        The file (its name decides whether it is PDB format: ``.pdb``/``.ent``, optionally ``.gz``).
    data
        The decompressed file content.
    chain
        Author chain id; None takes the first chain (in order of appearance) with amino-acid Cα.

    Returns
    -------
    (ca, sequence, res_ids) like :func:`protein_rgdm.structure.read.read_ca_chain`: (N, 3) float32 Å,
    one-letter string of length N, (N,) int32 author residue numbers; or None.
    """
    if structure_format(Path(path).name) != "pdb" or any(b in data for b in _ODD_BYTES):
        return None
    try:
        if detect_format(path, data) != "pdb":
            return None
    except InputError:
        return None
    lines = _Lines(data)
    head = lines.block(slice(None), 17)  # record name, atom name and altloc columns of every line
    record = _columns(head, 0, 6)
    atom = np.flatnonzero((record == b"ATOM  ") | (record == b"HETATM"))
    if not len(atom):
        return None
    endmdl = np.flatnonzero(record[atom[0] :] == b"ENDMDL")
    if len(endmdl):  # first model only: atom lines before the first ENDMDL that follows an atom
        atom = atom[atom < atom[0] + endmdl[0]]
    alt = head[atom, 16]
    keep = (alt == 32) | (alt == ord(".")) | (alt == ord("?")) | (alt == 0)
    if not keep.all():  # alternate locations: the full reader picks by occupancy
        return None
    keep &= np.char.strip(_columns(head[atom], 12, 16)) == b"CA"
    if not keep.any():
        return None
    block = lines.block(atom[keep])
    try:  # every kept Cα record is parsed, as the full reader does (it fails on any bad one)
        coord = np.stack([_columns(block, a, a + 8).astype(np.float64) for a in (30, 38, 46)], axis=1)
        res_id = _columns(block, 22, 26).astype(np.int64).astype(np.int32)
    except ValueError:
        return None
    res_names = np.char.strip(_columns(block, 17, 20)).astype("U3")
    chains = np.char.strip(_columns(block, 21, 22)).astype("U1")
    amino = {r: is_amino_acid(r) for r in set(res_names.tolist())}
    protein = np.array([amino[r] for r in res_names.tolist()], dtype=bool)
    if not protein.any():
        return None
    if chain is None:
        # The full reader orders chains by first appearance among all kept Cα-named atoms
        # (calcium ions included) and takes the first one holding an amino-acid Cα.
        order = dict.fromkeys(chains.tolist())
        chain = next(c for c in order if protein[chains == c].any())
    keep = protein & (chains == chain)
    if not keep.any():
        return None
    sequence = "".join(one_letter(r) for r in res_names[keep].tolist())
    return coord[keep].astype(np.float32), sequence, res_id[keep]
