"""Structures: the chain record artifact and reading / writing PDB and mmCIF through biotite."""

from protein_rgdm.structure.record import ChainRecord

__all__ = ["ChainRecord"]
