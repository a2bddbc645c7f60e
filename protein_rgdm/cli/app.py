"""Root Typer application and the error handling shared by every command."""

from __future__ import annotations

import importlib
import sys

import typer

from protein_rgdm.errors import ProteinRGDMError

__all__ = ["app", "main"]

app = typer.Typer(
    name="protein-rgdm",
    help="Protein backbone generation with renormalization-group diffusion.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: Modules that add commands; each defines ``register(app: typer.Typer) -> None``.
_COMMAND_MODULES = (
    "protein_rgdm.cli.data",
    "protein_rgdm.cli.diffusion",
    "protein_rgdm.cli.train",
    "protein_rgdm.cli.predict",
    "protein_rgdm.cli.evaluate",
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
        app(args=argv, standalone_mode=False)
    except ProteinRGDMError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        print("aborted", file=sys.stderr)
        return 130
    except SystemExit as exc:
        return int(exc.code or 0)
    except Exception as exc:  # click usage errors and the like
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            return exc.exit_code
        raise
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
