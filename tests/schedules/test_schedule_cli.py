"""protein-rgdm schedule show: JSON table equals the library's, plot is written, bad input exits 2."""

from __future__ import annotations

import json

import numpy as np

from protein_rgdm.basis import PathBasis
from protein_rgdm.cli.app import main
from protein_rgdm.schedules import RGSchedule


def test_schedule_show_json_matches_library(capsys):
    assert main(["schedule", "show", "--kind", "rg", "--length", "256", "--t32", "80", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["num_steps"] == 101
    np.testing.assert_allclose(np.array(d["alpha_bar"]), RGSchedule().alpha_bar(PathBasis(), 256)[:, 1:])


def test_schedule_show_other_kinds_text_and_plot(tmp_path, capsys):
    png = tmp_path / "soft.png"
    assert main(["schedule", "show", "--kind", "soft", "--length", "40", "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "num_steps = 81" in out and png.stat().st_size > 10_000
    assert main(["schedule", "show", "--kind", "ddpm", "--steps", "30", "--length", "40", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["num_steps"] == 30


def test_schedule_show_bad_input(capsys):
    assert main(["schedule", "show", "--kind", "rg", "--length", "1"]) == 2
    assert "--length" in capsys.readouterr().err
    assert main(["schedule", "show", "--kind", "rg", "--steps", "40", "--length", "10"]) == 2
    assert "steps not used" in capsys.readouterr().err
