"""mmCIF and BinaryCIF through biotite: atoms (first model), entity_poly seqres, metadata.

Two rules differ from biotite's ``get_structure`` defaults: the altloc of highest occupancy is
kept per residue (:mod:`.altloc`, as for PDB files), and atoms whose ``Cartn_x/y/z`` are missing
(``?`` or ``.``, which biotite reads as 0.0) are dropped, so a residue without coordinates is
unobserved and a chain without any is rejected.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from protein_rgdm.errors import InputError
from protein_rgdm.structure.altloc import altloc_residue_index, highest_occupancy_altloc
from protein_rgdm.structure.atoms import AtomTable

__all__ = ["parse_pdbx"]


def _column(block, category: str, key: str) -> list[str] | None:
    """String values of ``_category.key`` or None when absent / all missing."""
    if category not in block:
        return None
    cat = block[category]
    if key not in cat:
        return None
    col = cat[key]
    values = [str(v) for v in col.as_array(str)]
    from biotite.structure.io.pdbx import MaskValue

    mask = col.mask.array if getattr(col, "mask", None) is not None else None
    if mask is not None:
        values = [v if m == MaskValue.PRESENT else "" for v, m in zip(values, mask)]
    values = ["" if v in (".", "?") else v for v in values]
    return values if any(values) else None


def _metadata(block) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    ids = _column(block, "entry", "id")
    if ids:
        meta["pdb_id"] = ids[0].lower()
    methods = _column(block, "exptl", "method")
    if methods:
        meta["method"] = methods[0].lower()
    for category, key in (
        ("refine", "ls_d_res_high"),
        ("em_3d_reconstruction", "resolution"),
        ("reflns", "d_resolution_high"),
    ):
        values = _column(block, category, key)
        if values and values[0]:
            try:
                meta["resolution"] = float(values[0])
                break
            except ValueError:
                pass
    dates = _column(block, "pdbx_audit_revision_history", "revision_date")
    if dates:
        meta["release_date"] = min(d for d in dates if d)
    dep = _column(block, "pdbx_database_status", "recvd_initial_deposition_date")
    if dep and dep[0]:
        meta["deposition_date"] = dep[0]
    return meta


def _seqres(block) -> tuple[dict[str, str], dict[str, str]]:
    """Author chain id → canonical one-letter seqres (polypeptides), and → polymer type (all)."""
    strands = _column(block, "entity_poly", "pdbx_strand_id")
    codes = _column(block, "entity_poly", "pdbx_seq_one_letter_code_can")
    types = _column(block, "entity_poly", "type") or []
    seqres: dict[str, str] = {}
    ptypes: dict[str, str] = {}
    if not strands:
        return seqres, ptypes
    codes = codes or [""] * len(strands)
    types = types or [""] * len(strands)
    for strand, code, ptype in zip(strands, codes, types):
        seq = "".join(code.split()).upper()
        for chain in (c.strip() for c in strand.split(",")):
            if not chain:
                continue
            ptypes[chain] = ptype.lower()
            if "polypeptide" in ptype.lower() and seq:
                seqres[chain] = seq
    return seqres, ptypes


def parse_pdbx(pdbx_file, source: str) -> tuple[AtomTable, dict[str, str], dict[str, str], dict[str, Any]]:
    """Read a biotite ``CIFFile`` / ``BinaryCIFFile`` (first block).

    Returns
    -------
    atoms, seqres, polymer_types, metadata
        See :class:`protein_rgdm.structure.atoms.ParsedStructure`.
    """
    from biotite.structure.io import pdbx

    try:
        block = pdbx_file.block
    except Exception as exc:  # noqa: BLE001 - any parser failure is a bad input file, reported by name
        raise InputError(f"{source}: no data block in mmCIF ({exc})") from None
    if "atom_site" not in block:
        raise InputError(f"{source}: mmCIF has no atom_site category (no coordinates)")
    site = block["atom_site"]
    has_alt, has_occ = "label_alt_id" in site, "occupancy" in site
    try:
        missing = _missing_coordinates_to_nan(site)
        arr = pdbx.get_structure(
            pdbx_file, model=1, altloc="all" if has_alt else "first", use_author_fields=True,
            extra_fields=["occupancy"] if has_occ else [],
        )  # fmt: skip
    except Exception as exc:  # noqa: BLE001 - any parser failure is a bad input file, reported by name
        raise InputError(f"{source}: cannot read atom_site ({type(exc).__name__}: {exc})") from None
    keep = np.isfinite(arr.coord).all(axis=1)
    if has_alt:
        occupancy = arr.occupancy if has_occ else np.ones(arr.array_length())
        residues = altloc_residue_index(arr.chain_id, arr.res_id, arr.ins_code)
        keep &= highest_occupancy_altloc(residues, arr.altloc_id, occupancy)
    arr = arr[keep]
    atoms = AtomTable(
        chain_id=np.asarray(arr.chain_id).astype(str),
        res_id=np.asarray(arr.res_id, dtype=np.int32),
        ins_code=np.asarray(arr.ins_code).astype(str),
        res_name=np.asarray(arr.res_name).astype(str),
        atom_name=np.asarray(arr.atom_name).astype(str),
        coord=np.asarray(arr.coord, dtype=np.float32),
        hetero=np.asarray(arr.hetero, dtype=bool),
    )
    seqres, ptypes = _seqres(block)
    meta = _metadata(block)
    if missing:
        meta["atoms_without_coordinates"] = missing
    return atoms, seqres, ptypes, meta


def _missing_coordinates_to_nan(site) -> int:
    """Replace missing (``?`` / ``.``) ``Cartn_x/y/z`` values by NaN in the ``atom_site`` category; returns their rows.

    biotite reads a masked coordinate as 0.0; a NaN marks the atom for removal instead.
    """
    from biotite.structure.io.pdbx import MaskValue

    rows = None
    columns = {}
    for key in ("Cartn_x", "Cartn_y", "Cartn_z"):
        if key not in site:
            continue
        column = site[key]
        mask = getattr(column, "mask", None)
        if mask is None:
            continue
        absent = np.asarray(mask.array) != MaskValue.PRESENT
        if absent.any():
            values = np.array(column.as_array(np.float64), dtype=np.float64)
            values[absent] = np.nan
            columns[key] = values
            rows = absent if rows is None else rows | absent
    for key, values in columns.items():
        site[key] = values
    return 0 if rows is None else int(rows.sum())

