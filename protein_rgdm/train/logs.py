"""Loss CSV (resumable: rows past the resumed step are dropped) and optional TensorBoard."""

from __future__ import annotations

import csv
import os
import warnings
from pathlib import Path
from typing import Any

from protein_rgdm.fileio import atomic_write_text

__all__ = ["LossLog"]

COLUMNS = ("kind", "step", "epoch", "loss", "lr", "grad_norm", "residues", "seconds")


class LossLog:
    """Appends one row per logged step (``kind=train``) or validation (``kind=val``) to ``path``."""

    def __init__(self, path: str | Path, tensorboard_dir: str | Path | None = None) -> None:
        self.path = Path(path)
        self._tb = None
        if tensorboard_dir is not None:
            try:
                from torch.utils.tensorboard import SummaryWriter  # needs the optional extra [tensorboard]

                self._tb = SummaryWriter(str(tensorboard_dir))
            except ImportError:
                warnings.warn("tensorboard is not installed: logging to the CSV only", stacklevel=2)

    def start(self, resume_step: int) -> None:
        """Create the file, or keep only rows with step ≤ ``resume_step`` (a killed run may have logged more)."""
        rows: list[dict[str, str]] = []
        if resume_step > 0 and self.path.is_file():
            with open(self.path, newline="", encoding="utf-8") as handle:
                rows = [r for r in csv.DictReader(handle) if int(r["step"]) <= resume_step]
        lines = [",".join(COLUMNS)] + [",".join(r.get(c, "") for c in COLUMNS) for r in rows]
        atomic_write_text(self.path, "\n".join(lines) + "\n")

    def write(self, **row: Any) -> None:
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(",".join(_fmt(row.get(c)) for c in COLUMNS) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        if self._tb is not None and row.get("loss") is not None:
            self._tb.add_scalar(f"loss/{row['kind']}", float(row["loss"]), int(row["step"]))
            if row.get("lr") is not None:
                self._tb.add_scalar("lr", float(row["lr"]), int(row["step"]))

    def close(self) -> None:
        if self._tb is not None:
            self._tb.close()


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)
