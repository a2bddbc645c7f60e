"""Root click group and the error handling shared by every command."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click

from protein_rgdm import __version__
from protein_rgdm.errors import ProteinRGDMError

__all__ = ["app", "config_option", "main"]


@click.group(name="protein-rgdm", context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="protein-rgdm")
def app() -> None:
    """Protein backbone generation with renormalization-group (RG) diffusion."""


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


#: Modules that add commands; each defines ``register(group: click.Group) -> None``.
_COMMAND_MODULES = (
    "protein_rgdm.cli.data",
    "protein_rgdm.cli.diffusion",
    "protein_rgdm.cli.train",
    "protein_rgdm.cli.predict",
    "protein_rgdm.cli.targets",
    "protein_rgdm.cli.compare",
    "protein_rgdm.cli.evaluate",
    "protein_rgdm.cli.structure",
)

_registered = False


def _register_all() -> None:
    global _registered
    if _registered:
        return
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # stage not built in this checkout
                continue
            raise
        module.register(app)
    _registered = True


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI; package errors become one line on stderr and exit code 2."""
    _register_all()
    try:
        app.main(args=argv, prog_name="protein-rgdm", standalone_mode=False)
    except ProteinRGDMError as exc:
        click.echo(f"error: {exc}", err=True)
        return 2
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
