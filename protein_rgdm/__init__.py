"""protein_rgdm: protein backbone generation with renormalization-group (RG) diffusion.

Importing the package does nothing but define names; every stage lives in its own
subpackage (``structure``, ``data``, ``basis``, ``schedules``, ``diffusion``, ``model``,
``train``, ``predict``, ``evaluate``) and is reachable from the ``protein-rgdm`` CLI.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
