"""The ``protein-rgdm`` command line: one sub-command per pipeline stage.

Each stage's commands live in their own module (``cli.data``, ``cli.diffusion``, ...), declared by name in
``cli.app.COMMANDS`` and imported only when one of them is run, so ``--help`` and ``--version`` stay fast.
"""

from protein_rgdm.cli.app import app, main

__all__ = ["app", "main"]
