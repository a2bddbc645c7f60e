"""Every module of the package imports on its own, whichever module a program imports first.

An import cycle (``a`` needs ``b`` at module level while ``b`` needs ``a``) only shows when the cycle is entered
from one side, so each module is imported as the first package module of the interpreter: one subprocess
imports them in turn, forgetting the package's modules in between (torch, numpy, ... stay loaded, which keeps
it to seconds). Also: a module imported that way leaves torch's global state untouched (nothing happens at
import beyond the imports themselves).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "protein_rgdm"

# __main__ runs the CLI when imported: that is its job, so it is left out.
SKIP = {"protein_rgdm.__main__"}

SCRIPT = r"""
import importlib, json, sys, traceback
import torch

def forget():
    for name in [m for m in sys.modules if m == "protein_rgdm" or m.startswith("protein_rgdm.")]:
        del sys.modules[name]

state = (torch.get_num_threads(), torch.get_default_dtype(), torch.initial_seed())
failures = {}
for name in json.loads(sys.argv[1]):
    forget()
    try:
        importlib.import_module(name)
    except BaseException:
        failures[name] = traceback.format_exc(limit=-4)
    if (torch.get_num_threads(), torch.get_default_dtype(), torch.initial_seed()) != state:
        failures[name] = "changed torch's global state at import"
print(json.dumps(failures))
"""


def module_names(root: Path = PACKAGE) -> list[str]:
    """Dotted names of every module and package below ``root`` (``protein_rgdm``, ``protein_rgdm.cli.app``, ...)."""
    names = []
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return [n for n in names if n not in SKIP]


def import_each_first(names: list[str], root: Path) -> dict[str, str]:
    """Module name → traceback of each module that fails to import as the first package module."""
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(names)], cwd=root.parent, capture_output=True, text=True,
        timeout=600, env={**os.environ, "PYTHONPATH": str(root.parent), "OMP_NUM_THREADS": "1"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_every_module_imports_first():
    names = module_names()
    assert len(names) > 100 and "protein_rgdm.cli.app" in names
    failures = import_each_first(names, PACKAGE)
    assert not failures, "\n".join(f"{name}:\n{tb}" for name, tb in failures.items())


def test_the_check_catches_a_cycle(tmp_path):
    """The checker itself: cycles fail from the side that breaks, and so does a module that seeds torch."""
    root = tmp_path / "protein_rgdm"
    root.mkdir()
    (root / "__init__.py").touch()
    (root / "a.py").write_text("from protein_rgdm.b import B\n\nA = 1\n")
    (root / "b.py").write_text("from protein_rgdm.a import A\n\nB = 2\n")  # a cycle: fails whichever is first
    (root / "c.py").write_text("C = 3\n")
    (root / "d.py").write_text("from protein_rgdm import e\n\nD = 4\n")  # d → e → d: fails when d is first
    (root / "e.py").write_text("from protein_rgdm.d import D\n")  # (e first: d finds e half-made and is done)
    (root / "f.py").write_text("import torch\n\ntorch.manual_seed(0)\n")  # work at import: seeds torch
    failures = import_each_first(module_names(root), root)
    assert sorted(failures) == ["protein_rgdm.a", "protein_rgdm.b", "protein_rgdm.d", "protein_rgdm.f"]
    assert "global state" in failures["protein_rgdm.f"]
