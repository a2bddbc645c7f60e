"""Fixtures of the evaluation tests: the TM-score fixture (40 model/reference pairs)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tmscore_fixture(shared_data: Path) -> Path:
    """../shared/data/tmscore_fixture: samples/, references/, expected.csv from ``TMscore -seq``."""
    path = shared_data / "tmscore_fixture"
    if not (path / "expected.csv").is_file():
        pytest.skip("tmscore_fixture not present")
    return path
