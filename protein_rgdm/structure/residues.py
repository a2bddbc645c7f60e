"""Residue names → one-letter codes, using the Chemical Component Dictionary bundled with biotite.

Modified residues map to their parent amino acid through the CCD's ``one_letter_code`` field
(MSE → M, SEP → S, TPO → T, HYP → P, PCA → Q, ...). Names the CCD does not know, and peptide
components without a parent, become ``X``.
"""

from __future__ import annotations

import functools

__all__ = ["is_amino_acid", "is_nucleotide", "one_letter", "three_to_one"]

_STANDARD = {
    "ALA": "A", "ARG": "R", "ASN": "N", "ASP": "D", "CYS": "C", "GLN": "Q", "GLU": "E", "GLY": "G",
    "HIS": "H", "ILE": "I", "LEU": "L", "LYS": "K", "MET": "M", "PHE": "F", "PRO": "P", "SER": "S",
    "THR": "T", "TRP": "W", "TYR": "Y", "VAL": "V",
}  # fmt: skip


@functools.lru_cache(maxsize=4096)
def _ccd(res_name: str) -> tuple[str | None, str | None]:
    """(one-letter code, link type) of a CCD component; (None, None) when unknown."""
    from biotite.structure import info

    try:
        code = info.one_letter_code(res_name)
        link = info.link_type(res_name)
    except Exception:  # noqa: BLE001 - biotite raises KeyError or its own error for unknown names
        return None, None
    return code, link


def is_amino_acid(res_name: str) -> bool:
    """True for residues that link as peptides (standard, modified, D-, and ``UNK``)."""
    name = res_name.strip().upper()
    if name in _STANDARD or name == "UNK":
        return True
    link = _ccd(name)[1]
    return link is not None and "PEPTIDE" in link.upper()


def is_nucleotide(res_name: str) -> bool:
    """True for DNA / RNA linking residues (used to report DNA-only entries clearly)."""
    link = _ccd(res_name.strip().upper())[1]
    return link is not None and ("DNA" in link.upper() or "RNA" in link.upper())


def one_letter(res_name: str) -> str:
    """One-letter code of an amino-acid residue name; modified residues give their parent, else ``X``.

    Parameters
    ----------
    res_name
        Three-letter (or longer) CCD component id, e.g. ``"ALA"``, ``"MSE"``.
    """
    name = res_name.strip().upper()
    if name in _STANDARD:
        return _STANDARD[name]
    code, link = _ccd(name)
    if code is None or link is None or "PEPTIDE" not in link.upper() or len(code) != 1 or code == "?":
        return "X"
    return code.upper()


def three_to_one(res_names) -> str:
    """Concatenated one-letter codes of a sequence of residue names."""
    return "".join(one_letter(r) for r in res_names)
