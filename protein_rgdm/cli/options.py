"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["config_option"]


def config_option(section: str):
    """The ``--config FILE`` option every stage command shares, passed to the command as ``config_path``.

    The file's top-level ``section`` mapping is used when present, otherwise the whole file
    (see :func:`protein_rgdm.config.load_config`).
    """
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help=f"YAML config: its top-level '{section}' section, or the whole file.",
    )
