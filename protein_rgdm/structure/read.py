"""Read PDB, mmCIF and BinaryCIF files, gzipped or not, into a :class:`ParsedStructure`.

The format comes from the file name (``.pdb``/``.ent``, ``.cif``/``.mmcif``, ``.bcif``, each
optionally ``.gz``) and is checked against the content, so an HTML error page saved as ``.cif``
or a truncated gzip fails with one line naming the file.
"""

from __future__ import annotations

import codecs
import io
from pathlib import Path

import numpy as np

from protein_rgdm.errors import InputError
from protein_rgdm.fileread import DEFAULT_MAX_BYTES, read_limited_bytes
from protein_rgdm.structure.altloc import altloc_residue_index, highest_occupancy_altloc
from protein_rgdm.structure.atoms import AtomTable, ParsedStructure
from protein_rgdm.structure.cif import parse_pdbx
from protein_rgdm.structure.formats import structure_format
from protein_rgdm.structure.pdb_text import parse_pdb_header, parse_pdb_text
from protein_rgdm.structure.residues import is_amino_acid, three_to_one

__all__ = ["BACKBONE_ATOMS", "PDB_BACKENDS", "detect_format", "read_bytes", "read_ca_chain", "read_structure"]

PDB_BACKENDS = ("fast", "biotite")
#: Backbone atom names kept by featurize.
BACKBONE_ATOMS = frozenset({"N", "CA", "C", "O"})
#: Control characters other than tab, newline, form feed and carriage return; bytes ≥ 0x80.
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))
_HIGH_BYTES = bytes(range(128, 256))


def read_bytes(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The (decompressed) bytes of a structure file, a leading UTF-8 byte-order mark removed.

    Raises
    ------
    InputError
        Not a regular file (folder, FIFO, device, dangling symlink, symlink loop), more than
        ``max_bytes`` (after gzip decompression), truncated or corrupt gzip, or empty.
    """
    path = Path(path)
    raw = read_limited_bytes(path, max_bytes)
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    if not raw.strip():
        raise InputError(f"{path}: empty file")
    return raw


def _looks_text(head: bytes) -> bool:
    """Text in UTF-8 or any 8-bit encoding (a Latin-1 byte in a REMARK is text), not BinaryCIF / msgpack.

    Text: no NUL byte, at most 5 % control characters, and either valid UTF-8 or at most 10 %
    bytes ≥ 0x80 (msgpack's type markers are such bytes).
    """
    if b"\x00" in head:
        return False
    n = max(len(head), 1)
    if n - len(head.translate(None, _CONTROL_BYTES)) > 0.05 * n:
        return False
    if n - len(head.translate(None, _HIGH_BYTES)) <= 0.1 * n:
        return True
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return True
    except UnicodeDecodeError:
        return False


def detect_format(path: str | Path, data: bytes, name_hint: str | None = None) -> str:
    """``"pdb"``, ``"cif"`` or ``"bcif"`` from the name (or ``name_hint``), checked against the first bytes of ``data``."""
    path = Path(path)
    fmt = structure_format(name_hint or path.name)
    head = data[:1024].lstrip()
    if head[:1] == b"<" or b"<html" in head.lower() or b"<!doctype" in head.lower():
        raise InputError(f"{path}: is an HTML/XML page, not a structure file (a failed download?)")
    looks_cif = head.startswith(b"data_") or (head.startswith(b"#") and b"data_" in head)
    is_text = _looks_text(data[:4096])
    if fmt is None:
        fmt = "cif" if looks_cif else "pdb" if is_text else "bcif"
    if fmt == "cif" and not looks_cif:
        raise InputError(f"{path}: not mmCIF (no data_ block at the start)")
    if fmt == "pdb" and not is_text:
        raise InputError(f"{path}: not a PDB text file (binary content)")
    if fmt == "bcif" and is_text:
        raise InputError(f"{path}: not BinaryCIF (text content)")
    return fmt


def read_structure(
    path: str | Path,
    *,
    pdb_backend: str = "fast",
    atom_names: frozenset[str] | None = None,
    name_hint: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ParsedStructure:
    """Parse one structure file (first model, highest-occupancy altloc per residue: :mod:`.altloc`).

    Atoms whose coordinates are missing (mmCIF ``?`` / ``.``) are dropped, never read as 0.

    Parameters
    ----------
    path
        ``.pdb``, ``.ent``, ``.cif``, ``.mmcif`` or ``.bcif``, each optionally gzipped.
    pdb_backend
        ``"fast"`` (vectorised column reader, default) or ``"biotite"`` (``PDBFile.get_structure``)
        for PDB-format files. mmCIF / BinaryCIF always go through biotite.
    atom_names
        Keep only atoms with these names (e.g. ``BACKBONE_ATOMS``); None keeps every atom.
    name_hint
        File name that decides the format instead of ``path``'s (for temporary files).
    max_bytes
        Largest file read, after gzip decompression (:mod:`protein_rgdm.fileread`).

    Raises
    ------
    InputError
        Empty, too large, truncated, HTML, binary-where-text-expected, not a regular file, or
        otherwise unreadable files.
    """
    if pdb_backend not in PDB_BACKENDS:
        raise InputError(f"pdb_backend must be one of {PDB_BACKENDS}, got {pdb_backend!r}")
    path = Path(path)
    data = read_bytes(path, max_bytes)
    fmt = detect_format(path, data, name_hint)
    if fmt == "pdb":
        parsed = _read_pdb(path, data.decode("latin-1"), pdb_backend, atom_names)
    else:
        parsed = _read_pdbx(path, data, fmt)
    if atom_names is not None:
        keep = np.isin(parsed.atoms.atom_name, sorted(atom_names))
        if not keep.all():
            parsed = ParsedStructure(
                parsed.path, parsed.atoms.select(keep), parsed.seqres, parsed.polymer_types, parsed.metadata
            )
    return parsed


def _read_pdbx(path: Path, data: bytes, fmt: str) -> ParsedStructure:
    from biotite.structure.io import pdbx

    try:
        handle = (
            pdbx.CIFFile.read(io.StringIO(data.decode("utf-8", "replace")))
            if fmt == "cif"
            else pdbx.BinaryCIFFile.read(io.BytesIO(data))
        )
    except Exception as exc:  # noqa: BLE001 - any parser failure is a bad input file, reported by name
        raise InputError(f"{path}: cannot parse {fmt} ({type(exc).__name__}: {exc})") from None
    atoms, seqres, ptypes, meta = parse_pdbx(handle, str(path))
    meta["format"] = fmt
    return ParsedStructure(str(path), atoms, seqres, ptypes, meta)


def _read_pdb(path: Path, text: str, backend: str, atom_names: frozenset[str] | None) -> ParsedStructure:
    atoms, header = parse_pdb_text(text, str(path), atom_names if backend == "fast" else None)
    if backend == "biotite":
        atoms = _biotite_pdb_atoms(path, text)
    seqres, meta = parse_pdb_header(header)
    ptypes = {c: "polydeoxyribonucleotide/polyribonucleotide" for c in meta.pop("nucleic_chains", [])}
    meta["format"] = "pdb"
    return ParsedStructure(str(path), atoms, seqres, ptypes, meta)


def _biotite_pdb_atoms(path: Path, text: str) -> AtomTable:
    from biotite.structure.io import pdb

    try:
        arr = pdb.PDBFile.read(io.StringIO(text)).get_structure(model=1, altloc="all", extra_fields=["occupancy"])
    except Exception as exc:  # noqa: BLE001 - any parser failure is a bad input file, reported by name
        raise InputError(f"{path}: biotite cannot read PDB ({type(exc).__name__}: {exc})") from None
    residues = altloc_residue_index(arr.chain_id, arr.res_id, arr.ins_code)
    arr = arr[highest_occupancy_altloc(residues, arr.altloc_id, arr.occupancy)]
    return AtomTable(
        chain_id=np.asarray(arr.chain_id).astype(str),
        res_id=np.asarray(arr.res_id, dtype=np.int32),
        ins_code=np.asarray(arr.ins_code).astype(str),
        res_name=np.asarray(arr.res_name).astype(str),
        atom_name=np.asarray(arr.atom_name).astype(str),
        coord=np.asarray(arr.coord, dtype=np.float32),
        hetero=np.asarray(arr.hetero, dtype=bool),
    )


def read_ca_chain(path: str | Path, chain: str | None = None) -> tuple[np.ndarray, str, np.ndarray]:
    """Cα trace of one protein chain as observed in a file (no seqres alignment).

    Parameters
    ----------
    path
        Structure file (any format :func:`read_structure` reads).
    chain
        Author chain id; None takes the first chain that has amino-acid Cα atoms.

    Returns
    -------
    ca
        (N, 3) float32 Cα coordinates in Å, N observed amino-acid residues in file order.
    sequence
        One-letter codes, length N (modified residues → parent, unknown → ``X``).
    res_ids
        (N,) int32 author residue numbers.
    """
    parsed = read_structure(path, atom_names=frozenset({"CA"}))
    atoms = parsed.atoms
    aa = np.fromiter((is_amino_acid(r) for r in atoms.res_name), dtype=bool, count=len(atoms))
    ca_mask = (atoms.atom_name == "CA") & aa
    if chain is None:
        chains = [c for c in parsed.chain_ids if (ca_mask & (atoms.chain_id == c)).any()]
        if not chains:
            raise InputError(f"{path}: no protein chain with Cα atoms")
        chain = chains[0]
    sel = ca_mask & (atoms.chain_id == chain)
    if not sel.any():
        raise InputError(f"{path}: chain {chain!r} has no amino-acid Cα atoms (chains: {parsed.chain_ids})")
    picked = atoms.select(sel)
    return picked.coord.copy(), three_to_one(picked.res_name), picked.res_id.copy()
