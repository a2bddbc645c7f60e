"""The model shipped inside the package: the default of ``protein-rgdm predict``.

The bundled model is a slim inference checkpoint (:func:`protein_rgdm.train.export.export_for_inference`)
with a model card beside it (``<name>.json``): its sha256, the config and commit it was trained
with, the training data, the budget and the figures measured on held-out targets. Nothing is read
at import; the files are found through :mod:`importlib.resources`, so they work from a wheel too.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from protein_rgdm.errors import InputError

__all__ = ["BUNDLED_MODEL", "bundled_card", "bundled_checkpoint"]

#: File stem of the bundled model (``<stem>.pt`` and its card ``<stem>.json`` in this package).
BUNDLED_MODEL = "cgdms_cpu_v1"


def _file(name: str) -> Path:
    path = Path(str(resources.files(__name__).joinpath(name)))
    if not path.is_file():
        raise InputError(
            f"{path}: the bundled model file is missing from this installation (reinstall protein-rgdm, or "
            "pass --checkpoint)"
        )
    return path


def bundled_checkpoint() -> Path:
    """Path of the bundled model's checkpoint (a regular, safely loadable protein_rgdm checkpoint)."""
    return _file(f"{BUNDLED_MODEL}.pt")


def bundled_card() -> dict[str, Any]:
    """The bundled model's card: ``name``, ``sha256``, ``bytes``, ``trained`` (config, commit, data, budget),
    ``figures`` (per target set) and ``good_for`` / ``not_good_for`` notes."""
    path = _file(f"{BUNDLED_MODEL}.json")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: the bundled model card is not valid JSON ({exc})") from None
