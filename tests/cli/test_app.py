"""The command registry: every declared command loads, ``--help`` lists them all without importing them,
and a declaration that points nowhere is an error instead of a command that silently disappears."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from protein_rgdm.cli.app import COMMANDS, CommandEntry, CommandLoadError, LazyGroup, app, load_command, main

REPO = Path(__file__).resolve().parents[2]


def loaded_commands() -> dict[str, click.Command]:
    return {name: load_command(name, entry.target) for name, entry in COMMANDS.items()}


def test_every_declared_command_loads_with_its_declared_summary():
    for name, command in loaded_commands().items():
        assert isinstance(command, click.Command) and command.name == name
        # the summary --help shows without importing the command is the command's own first sentence
        assert COMMANDS[name].summary == command.get_short_help_str(limit=10_000), name


@pytest.mark.parametrize("width", [80, 200])
def test_help_lists_every_command_as_click_would(width, capsys):
    """The lazily rendered command list equals click's own rendering of the loaded commands."""
    eager = click.Group(name=app.name, commands=list(loaded_commands().values()), params=app.params, help=app.help,
                        context_settings=app.context_settings)  # fmt: skip
    # both contexts as `protein-rgdm --help` makes them (-h/--help): click caches a command's help option, so a
    # context without the app's settings would depend on whether main() ran earlier in this process
    settings = {"terminal_width": width, **app.context_settings}
    lazy_help = app.get_help(click.Context(app, info_name="protein-rgdm", **settings))
    eager_help = eager.get_help(click.Context(eager, info_name="protein-rgdm", **settings))
    assert lazy_help == eager_help
    listed = [line.split()[0] for line in lazy_help.split("Commands:\n")[1].splitlines() if line.strip()]
    assert listed == sorted(COMMANDS)
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(f"\n  {name} " in out for name in COMMANDS)


@pytest.mark.parametrize(
    "target, reason",
    [
        ("protein_rgdm.cli.no_such_module:ghost", "cannot be imported"),
        ("protein_rgdm.cli.targets:no_such_command", "has no click command 'no_such_command'"),
        ("protein_rgdm.cli.targets:select_targets", "has no click command 'select_targets'"),  # not a command
        ("protein_rgdm.cli.targets", "has no click command ''"),  # no attribute
        ("protein_rgdm.cli.targets:targets", "is called 'targets'"),  # declared under another name
    ],
)
def test_a_declaration_that_points_nowhere_is_an_error(target, reason):
    group = LazyGroup(name="g", declared={"ghost": CommandEntry(target, "Haunts.")})
    assert group.list_commands(click.Context(group)) == ["ghost"]  # still listed: it does not vanish
    with pytest.raises(CommandLoadError, match=f"'ghost' is declared as '{target}', but .*{reason}"):
        group.main(["ghost"], standalone_mode=False)


def test_declared_and_added_commands_live_side_by_side():
    @click.command("added")
    def added() -> None:
        """Added the usual way."""

    group = LazyGroup(name="g", declared={"targets": COMMANDS["targets"]})
    group.add_command(added)
    ctx = click.Context(group, info_name="g", terminal_width=120)
    assert group.list_commands(ctx) == ["added", "targets"]
    assert group.get_command(ctx, "added") is added and group.get_command(ctx, "targets").name == "targets"
    listing = group.get_help(ctx).split("Commands:\n")[1]
    assert "added    Added the usual way." in listing and f"targets  {COMMANDS['targets'].summary}" in listing


def test_unknown_command_suggests_a_declared_one(capsys):
    assert main(["predic"]) == 2
    err = capsys.readouterr().err
    assert "No such command 'predic'" in err
    if hasattr(click.exceptions, "NoSuchCommand"):  # click >= 8.4 suggests close names
        assert "Did you mean 'predict'?" in err


SCRIPT = r"""
import json, sys
from protein_rgdm.cli.app import app, main

def ours(prefix):
    return sorted(m for m in sys.modules if m == prefix or m.startswith(prefix + "."))

seen = {}
for argv in (["--version"], ["--help"]):
    main(argv)
seen["help"] = {"cli": ours("protein_rgdm.cli"), "torch": ours("torch")[:1], "numpy": ours("numpy")[:1]}
import protein_rgdm.cli.evaluate  # its BLAS setting needs numpy not loaded yet
seen["evaluate"] = {"numpy": ours("numpy")[:1]}
app.get_command(None, "targets")  # reads sequences through protein_rgdm.predict, which imports the engine lazily
seen["targets"] = {"torch": ours("torch")[:1]}
app.get_command(None, "predict")
seen["predict"] = {"train": ours("protein_rgdm.train"), "stages": ours("protein_rgdm.stages")}
print(json.dumps(seen))
"""


def test_commands_import_only_what_they_use():
    """``--help``/``--version`` import no command module (nor torch, numpy); cli.evaluate leaves numpy unloaded
    (its BLAS thread setting must come first); ``targets`` no torch; ``predict`` no training code."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen["help"] == {"cli": ["protein_rgdm.cli", "protein_rgdm.cli.app", "protein_rgdm.cli.options"],
                            "torch": [], "numpy": []}  # fmt: skip
    assert seen["evaluate"] == {"numpy": []}
    assert seen["targets"] == {"torch": []}
    assert seen["predict"] == {"train": [], "stages": []}
