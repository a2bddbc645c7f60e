"""The ``protein-rgdm`` command line: one sub-command per pipeline stage.

Each stage's commands live in their own module (``cli.data``, ``cli.diffusion``, ...) that
exposes ``register(group)``; heavy imports happen inside the commands, so ``--help`` is fast.
"""

from protein_rgdm.cli.app import app, main

__all__ = ["app", "main"]
