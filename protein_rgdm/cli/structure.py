"""``protein-rgdm backbone``: N, C and O for any Cα trace file (PDB / mmCIF / BinaryCIF, gz or not)."""

from __future__ import annotations

from pathlib import Path

import click

from protein_rgdm.structure.backbone import rebuild_backbone
from protein_rgdm.structure.formats import structure_format
from protein_rgdm.structure.read import read_ca_chain
from protein_rgdm.structure.write import write_ca_structure

__all__ = ["backbone"]


@click.command("backbone")
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("--out", "-o", "out_path", required=True, type=click.Path(path_type=Path),
              help="output file; .cif / .mmcif writes mmCIF, anything else PDB")  # fmt: skip
@click.option("--chain", help="author chain id [first protein chain]")
def backbone(input_path: Path, out_path: Path, chain: str | None) -> None:
    """Rebuild N, C and O of every residue of a Cα trace; the Cα are written unchanged.

    Reads one protein chain's Cα atoms from INPUT (other atoms are ignored) and writes N, CA,
    C, O per residue with the input's residue names and numbers as chain A. Consecutive Cα
    farther apart than 4.2 Å are treated as a chain break. Method and accuracy: README,
    "Full backbone and confidence".

    \b
    Example:
      protein-rgdm backbone model_ca.pdb -o model_full.pdb
    """
    ca, sequence, numbers = read_ca_chain(input_path, chain)
    atoms = rebuild_backbone(ca)
    fmt = "cif" if structure_format(out_path.name) == "cif" else "pdb"
    write_ca_structure(out_path, ca, sequence, fmt, backbone=atoms.as_dict(), residue_numbers=numbers)
    click.echo(f"backbone: {len(ca)} residues, N/CA/C/O -> {out_path}")
