"""From a parsed structure to a :class:`ChainRecord`: select a chain, keep its amino acids, map to seqres."""

from __future__ import annotations

from typing import Any

import numpy as np

from protein_rgdm.errors import InputError
from protein_rgdm.structure.atoms import ParsedStructure, residue_starts
from protein_rgdm.structure.record import ChainRecord
from protein_rgdm.structure.residues import is_amino_acid, is_nucleotide, one_letter
from protein_rgdm.structure.seqres_map import map_to_seqres

__all__ = ["MAX_ABS_COORD", "build_chain_record", "protein_chain_ids"]

#: Coordinates beyond this (Å) are absurd: the PDB format cannot even write them.
MAX_ABS_COORD = 9999.0


def protein_chain_ids(parsed: ParsedStructure) -> list[str]:
    """Author chain ids holding at least one amino-acid residue with a Cα, in file order."""
    atoms = parsed.atoms
    ca = atoms.atom_name == "CA"
    out = []
    for chain in parsed.chain_ids:
        names = np.unique(atoms.res_name[ca & (atoms.chain_id == chain)])
        if any(is_amino_acid(r) for r in names):
            out.append(chain)
    return out


def build_chain_record(
    parsed: ParsedStructure,
    chain_id: str,
    name: str,
    *,
    seqres: str | None = None,
    seqres_source: str = "supplied",
    metadata: dict[str, Any] | None = None,
    min_identity: float = 0.9,
) -> ChainRecord:
    """One chain of ``parsed`` as a record indexed along its seqres.

    Parameters
    ----------
    parsed
        The file as read (first model, first altloc).
    chain_id
        Author chain id.
    name
        Record name (file-safe).
    seqres
        Full sequence to index against; None takes the file's (``entity_poly`` / ``SEQRES``),
        and when the file has none, the observed sequence.
    seqres_source
        Label stored in ``metadata["seqres_source"]`` when ``seqres`` is given.
    metadata
        Extra facts merged over the file's (resolution, method, dates) — e.g. from a split CSV.
    min_identity
        Reject the chain when fewer than this fraction of observed residues map to an identical
        seqres letter (wrong seqres, wrong chain).

    Raises
    ------
    InputError
        Chain absent, no amino acids (e.g. DNA), no Cα, non-finite or absurd coordinates,
        seqres that does not match the observed residues.
    """
    atoms = parsed.atoms
    in_chain = atoms.chain_id == chain_id
    if not in_chain.any():
        raise InputError(
            f"{parsed.path}: chain {chain_id!r} not found (chains: {', '.join(parsed.chain_ids) or 'none'})"
        )
    chain = atoms.select(in_chain)
    starts = np.flatnonzero(residue_starts(chain.chain_id, chain.res_id, chain.ins_code, chain.res_name))
    res_names = chain.res_name[starts]
    aa_res = np.array([is_amino_acid(r) for r in res_names], dtype=bool)
    if not aa_res.any():
        kind = (
            "DNA/RNA"
            if any(is_nucleotide(r) for r in res_names)
            or parsed.polymer_types.get(chain_id, "").find("nucleotide") >= 0
            else "non-protein"
        )
        raise InputError(f"{parsed.path}: chain {chain_id!r} is {kind}, no amino-acid residues")
    res_index = np.cumsum(residue_starts(chain.chain_id, chain.res_id, chain.ins_code, chain.res_name)) - 1
    n_res = len(starts)
    backbone: dict[str, np.ndarray] = {}
    present: dict[str, np.ndarray] = {}
    for atom in ("N", "CA", "C", "O"):
        arr = np.full((n_res, 3), np.nan, dtype=np.float32)
        has = np.zeros(n_res, dtype=bool)
        sel = np.flatnonzero(chain.atom_name == atom)
        if sel.size:
            # first occurrence per residue wins (duplicated atom records)
            r, first = np.unique(res_index[sel], return_index=True)
            arr[r] = chain.coord[sel[first]]
            has[r] = True
        backbone[atom], present[atom] = arr, has
    has_ca = present["CA"]
    keep = aa_res & has_ca
    if not keep.any():
        raise InputError(f"{parsed.path}: chain {chain_id!r} has no Cα atoms")
    for atom, arr in backbone.items():
        vals = arr[keep & present[atom]]
        if not np.isfinite(vals).all() or (np.abs(vals) > MAX_ABS_COORD).any():
            raise InputError(f"{parsed.path}: chain {chain_id!r} has non-finite or absurd {atom} coordinates")
    observed_seq = "".join(one_letter(r) for r in res_names[keep])
    numbers = chain.res_id[starts][keep]
    has_icode = bool((chain.ins_code[starts][keep] != "").any())

    meta: dict[str, Any] = {k: v for k, v in parsed.metadata.items() if v is not None}
    if seqres is not None:
        source = seqres_source
    elif parsed.seqres.get(chain_id):
        seqres = parsed.seqres[chain_id]
        source = "entity_poly" if parsed.metadata.get("format") in ("cif", "bcif") else "SEQRES"
    else:
        seqres, source = observed_seq, "observed"
    seqres = "".join(seqres.split()).upper()
    if not seqres.isalpha():
        raise InputError(f"{name}: seqres contains non-letter characters")
    mapping = map_to_seqres(observed_seq, seqres, numbers, has_insertion_codes=has_icode)
    if mapping.identity < min_identity:
        raise InputError(
            f"{parsed.path}: chain {chain_id!r} observed residues match seqres at identity {mapping.identity:.2f} "
            f"< {min_identity} (wrong seqres?)"
        )
    mapped = mapping.index >= 0
    L = len(seqres)
    out = {atom: np.full((L, 3), np.nan, dtype=np.float32) for atom in backbone}
    idx = mapping.index[mapped]
    for atom, arr in backbone.items():
        out[atom][idx] = arr[keep][mapped]
    observed = np.zeros(L, dtype=bool)
    observed[idx] = True
    residue_numbers = np.full(L, -1, dtype=np.int32)
    residue_numbers[idx] = numbers[mapped]
    meta.update(
        source_file=str(parsed.path),
        chain_id=chain_id,
        seqres_source=source,
        mapping=mapping.method,
        seqres_identity=round(mapping.identity, 4),
        unmapped_observed=int((~mapped).sum()),
        residues_without_ca=int((aa_res & ~has_ca).sum()),
    )
    meta.update(metadata or {})
    opt = {atom.lower(): (out[atom] if not np.isnan(out[atom]).all() else None) for atom in ("N", "C", "O")}
    return ChainRecord(
        name=name, seqres=seqres, ca=out["CA"], observed=observed, residue_numbers=residue_numbers, metadata=meta, **opt
    )
