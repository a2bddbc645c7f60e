"""Run snakemake on the repository's Snakefile in a scratch folder (no .snakemake/ state in the repo)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")


def run_snakemake(workdir: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``snakemake -s REPO/Snakefile -d workdir ARGS`` with the CLI of this environment."""
    env = dict(os.environ, PROTEIN_RGDM=str(Path(sys.executable).with_name("protein-rgdm")))
    cmd = [str(SNAKEMAKE), "-s", str(REPO / "Snakefile"), "-d", str(workdir), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=workdir)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A scratch working directory that sees the repository's configs/ and data/ under the same names."""
    for name in ("configs", "data"):
        (tmp_path / name).symlink_to(REPO / name)
    return tmp_path


@pytest.fixture(scope="session")
def smk():
    """The :func:`run_snakemake` helper."""
    return run_snakemake
