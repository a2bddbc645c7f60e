"""The package's rooms import only downwards: every import (module level or inside a function) is checked
against one explicit layer table, by parsing each module with ``ast``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "protein_rgdm"

# room -> layer; a module may import its own room or a room of a strictly lower layer.
LAYERS = {
    "core": 0,  # protein_rgdm/__init__, errors, constants, fileio, fileread, letters
    "config": 1,
    "artifacts": 2,
    "pretrained": 2,  # bundled model files (imports only core)
    "structure": 3,
    "basis": 4,
    "schedules": 5,
    "diffusion": 6,
    "model": 7,
    "data": 8,
    "evaluate": 8,
    "train": 9,
    "predict": 9,
    "stages": 10,
    "cli": 11,
    "__main__": 12,
}


def room_of(module: str) -> str:
    """Room of a dotted module name below ``protein_rgdm`` (``protein_rgdm.basis.base`` → ``basis``)."""
    parts = module.split(".")
    assert parts[0] == "protein_rgdm", module
    if len(parts) == 1:
        return "core"
    if parts[1] in LAYERS:
        return parts[1]
    if (PACKAGE / f"{parts[1]}.py").is_file():
        return "core"
    raise KeyError(f"{module}: room {parts[1]!r} is not in the layer table")


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every ``protein_rgdm`` import in the file, at any depth."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "protein_rgdm":  # ``from protein_rgdm import x``: x may be a room
                out += [(node.lineno, f"protein_rgdm.{a.name}" if a.name in LAYERS else target) for a in node.names]
            else:
                out.append((node.lineno, target))
    return [(line, mod) for line, mod in out if mod == "protein_rgdm" or mod.startswith("protein_rgdm.")]


def upward_imports(root: Path) -> list[str]:
    """``file:line: room → room`` for every import of a room that is not below (or equal to) the importer's."""
    bad = []
    for path in sorted(root.rglob("*.py")):
        own = room_of(module_name(path))
        for line, mod in imported_modules(path):
            other = room_of(mod)
            if other != own and LAYERS[other] >= LAYERS[own]:
                bad.append(f"{path.relative_to(root.parent)}:{line}: {own} imports {mod} ({other})")
    return bad


def test_every_room_is_in_the_table():
    rooms = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    assert rooms <= set(LAYERS), sorted(rooms - set(LAYERS))


def test_no_upward_import():
    bad = upward_imports(PACKAGE)
    assert not bad, "upward imports:\n" + "\n".join(bad)


@pytest.mark.parametrize(
    "source, importer",
    [
        ("from protein_rgdm.train.data import observed_span\n", "model/x.py"),
        ("def f():\n    from protein_rgdm.data.split import load_split\n", "basis/x.py"),
        ("import protein_rgdm.cli.app\n", "artifacts/x.py"),
        ("from ...predict import engine\n", "evaluate/sub/x.py"),
        ("from protein_rgdm import stages\n", "config/x.py"),
        ("from protein_rgdm.evaluate.io import read\n", "data/x.py"),  # same layer, other room
    ],
)
def test_the_check_catches_upward_imports(tmp_path, source, importer):
    """The checker itself: module-level, in-function, plain, relative and sibling-room imports are caught."""
    root = tmp_path / "protein_rgdm"
    path = root / importer
    path.parent.mkdir(parents=True)
    for folder in [root, *path.parents]:
        if folder == tmp_path or not str(folder).startswith(str(root)):
            continue
        (folder / "__init__.py").touch()
    path.write_text(source)
    global PACKAGE
    saved, PACKAGE = PACKAGE, root
    try:
        assert len(upward_imports(root)) == 1
    finally:
        PACKAGE = saved
