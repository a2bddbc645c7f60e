"""Root click group: every command declared in one table, its module imported only when the command is used.

:data:`COMMANDS` maps each command name to where it lives (``"module:attribute"``) and its one-line summary.
``protein-rgdm --help`` and ``--version`` read only this table, so they import no command module (and no
torch); running a command imports its own module alone, so ``predict`` never loads the training code. An
entry whose module or attribute is missing is an error (:class:`CommandLoadError`), never a command that
silently vanishes; tests/cli/test_app.py checks every entry against the command it names.
"""

from __future__ import annotations

import dataclasses
import importlib
import sys
from collections.abc import Mapping

import click

from protein_rgdm import __version__
from protein_rgdm.cli.options import config_option
from protein_rgdm.errors import ProteinRGDMError

__all__ = ["COMMANDS", "CommandEntry", "CommandLoadError", "LazyGroup", "app", "config_option", "main"]


@dataclasses.dataclass(frozen=True)
class CommandEntry:
    """One declared command.

    Attributes
    ----------
    target
        ``"package.module:attribute"``: the module defining the command and the ``click.Command`` in it.
    summary
        What ``--help`` lists for the command: the first sentence of its docstring (a test keeps them equal).
    """

    target: str
    summary: str


class CommandLoadError(RuntimeError):
    """A declared command cannot be loaded: its module does not import, or has no such click command."""


#: Every command of ``protein-rgdm``: name -> where it lives and its ``--help`` line.
COMMANDS: dict[str, CommandEntry] = {
    "backbone": CommandEntry(
        "protein_rgdm.cli.structure:backbone",
        "Rebuild N, C and O of every residue of a Cα trace; the Cα are written unchanged.",
    ),
    "bases": CommandEntry(
        "protein_rgdm.cli.diffusion:bases",
        "Measure the chains' power per mode <|X_k|^2> and fit c/(k^2 + m^2) (writes spectrum.json/npz).",
    ),
    "compare": CommandEntry(
        "protein_rgdm.cli.compare:compare",
        "Table and plot of TM / lDDT / geometry against network evaluations, one line per variant.",
    ),
    "embed": CommandEntry(
        "protein_rgdm.cli.train:embed_command",
        "Precompute sequence embeddings (ESM-2 from a local checkpoint, UniRep) of chain records, atomically.",
    ),
    "evaluate": CommandEntry(
        "protein_rgdm.cli.evaluate:evaluate",
        "Score every model file against its reference: RMSD, TM-score, GDT-TS/HA, Cα-lDDT, geometry.",
    ),
    "export-model": CommandEntry(
        "protein_rgdm.cli.train:export_model_command",
        "Write the EMA weights and config of CHECKPOINT to OUT: a slim checkpoint for predict (no optimizer state; "
        "cannot be resumed from), typically 4x smaller.",
    ),
    "featurize": CommandEntry(
        "protein_rgdm.cli.data:featurize",
        "Parse structures into chain records with manifest.csv and rejected.csv.",
    ),
    "fetch": CommandEntry(
        "protein_rgdm.cli.data:fetch",
        "Download structure files by PDB id (RCSB or a mirror) or copy them from a local tree.",
    ),
    "model-card": CommandEntry(
        "protein_rgdm.cli.model_card:model_card",
        "Describe the model bundled with the package (the default of predict): what it was trained on, with which "
        "budget, its measured figures, and what it is and is not good for.",
    ),
    "predict": CommandEntry(
        "protein_rgdm.cli.predict:predict",
        "Sample backbone structures for every sequence in INPUT.",
    ),
    "report": CommandEntry(
        "protein_rgdm.cli.evaluate:report",
        "Markdown + HTML report of METRICS_CSV: aggregate table, per-target table, PNG plots.",
    ),
    "schedule": CommandEntry("protein_rgdm.cli.diffusion:schedule", "Inspect noise schedules."),
    "split": CommandEntry(
        "protein_rgdm.cli.data:split",
        "Split chains into train / val / test by sequence-identity clusters and release dates.",
    ),
    "targets": CommandEntry(
        "protein_rgdm.cli.targets:targets",
        "Select the records of SOURCE (FASTA, CSV or folder) within a length range and write them to --out.",
    ),
    "train": CommandEntry(
        "protein_rgdm.cli.train:train_command",
        "Train the score network on chain records in CHAINS folders (resumable; torchrun for DDP).",
    ),
}


def load_command(name: str, target: str) -> click.Command:
    """Import ``target`` (``"module:attribute"``) → the click command declared as ``name``.

    Raises :class:`CommandLoadError` naming the command and target when the module cannot be imported, has no
    such attribute, or the attribute is not a click command called ``name``.
    """
    module_name, _, attribute = target.partition(":")
    where = f"command {name!r} is declared as {target!r}"
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise CommandLoadError(f"{where}, but its module cannot be imported: {exc}") from exc
    command = getattr(module, attribute, None) if attribute else None
    if not isinstance(command, click.Command):
        raise CommandLoadError(f"{where}, but {module_name} has no click command {attribute!r}")
    if command.name != name:
        raise CommandLoadError(f"{where}, but that command is called {command.name!r}")
    return command


class LazyGroup(click.Group):
    """A click group whose commands are declared as ``name -> CommandEntry`` and imported on first use.

    Parameters
    ----------
    declared
        Command name → :class:`CommandEntry`. Commands added with ``add_command`` work as in ``click.Group``.
    """

    def __init__(self, *args, declared: Mapping[str, CommandEntry], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.declared = dict(declared)
        self._loaded: dict[str, click.Command] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.declared, *super().list_commands(ctx)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.declared:
            return super().get_command(ctx, cmd_name)
        if cmd_name not in self._loaded:
            self._loaded[cmd_name] = load_command(cmd_name, self.declared[cmd_name].target)
        return self._loaded[cmd_name]

    def resolve_command(self, ctx: click.Context, args: list[str]):
        """Click's lookup; its "Did you mean ...?" hint (click >= 8.4) also offers the declared commands."""
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            name = getattr(exc, "command_name", None)  # a click >= 8.4 NoSuchCommand
            if name is None or exc.possibilities:
                raise
            raise type(exc)(name, possibilities=self.list_commands(ctx), ctx=ctx) from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The ``--help`` command list, from the declared summaries: no command module is imported."""
        listing = click.Group()
        for name in self.list_commands(ctx):
            if name in self.declared:
                listing.add_command(click.Command(name, help=self.declared[name].summary))
            else:
                listing.add_command(super().get_command(ctx, name), name)
        listing.format_commands(ctx, formatter)


@click.group(
    name="protein-rgdm", cls=LazyGroup, declared=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(__version__, prog_name="protein-rgdm")
def app() -> None:
    """Protein backbone generation with renormalization-group (RG) diffusion."""


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI; package errors become one line on stderr and exit code 2."""
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
