"""spectrum.json: round trip, and files written before the record was versioned still load."""

from __future__ import annotations

import json

import numpy as np
import pytest

from protein_rgdm.artifacts.spectrum import SPECTRUM_VERSION, Spectrum, load_spectrum, save_spectrum
from protein_rgdm.basis.path import PathBasis
from protein_rgdm.errors import InputError
from protein_rgdm.schedules.colour import load_fitted_colour

# the shape the bases stage wrote before the record existed (no format tag), cut to three bins
OLD = {
    "fit": {"c": 8.026865304755631, "m": 0.023443005594078702, "form": "c / (k^2 + m^2)",
            "units": {"c": "A^2", "m": "1/residue"}},
    "defaults": {"c": 6.221188229718668, "m": 0.031415926535897934},
    "power_units": "A^2 per coordinate (|X_k|^2 / 3)",
    "basis": {"kind": "path", "spring": 1.0},
    "pooling": "pooled",
    "spectrum": "continuum",
    "n_chains": 1834,
    "n_skipped": 0,
    "pooled": {"k": [0.0333, 0.0373, 0.0418], "power": [210.5, 180.2, 150.9], "count": [12, 40, 51]},
}  # fmt: skip


def test_round_trip(tmp_path):
    rec = Spectrum(5.5, 0.04, {"kind": "path", "spring": 1.0}, "per_length", "lattice", 10, 2,
                   (0.1, 0.2), (3.0, 2.0), (4, 5))  # fmt: skip
    payload = save_spectrum(tmp_path / "s.json", rec)
    assert payload["format_version"] == SPECTRUM_VERSION and payload["fit"]["c"] == 5.5
    assert load_spectrum(tmp_path / "s.json") == rec


def test_old_file_loads_and_keeps_its_keys(tmp_path):
    path = tmp_path / "spectrum.json"
    path.write_text(json.dumps(OLD, indent=2))
    rec = load_spectrum(path)
    assert (rec.c, rec.m, rec.n_chains, rec.pooling, rec.pooled_count) == (OLD["fit"]["c"], OLD["fit"]["m"], 1834,
                                                                           "pooled", (12, 40, 51))  # fmt: skip
    # a new file holds every key of the old one with the same values (readers by key keep working)
    new = save_spectrum(tmp_path / "new.json", rec)
    assert {k: new[k] for k in OLD} == OLD
    # the fitted colour reads it: S_j = c / (k_j² + m²) on the path basis
    colour = load_fitted_colour(path)
    k = PathBasis().wavenumbers(6)[1:]
    assert np.allclose(colour.power(PathBasis(), 6)[1:], OLD["fit"]["c"] / (k**2 + OLD["fit"]["m"] ** 2))
    # a minimal hand-written file is a spectrum too
    (tmp_path / "min.json").write_text('{"fit": {"c": 5.0, "m": 0.1}}')
    assert load_spectrum(tmp_path / "min.json") == Spectrum(5.0, 0.1)


@pytest.mark.parametrize(
    "text, pattern",
    [
        ("{not json", "not a spectrum.json"),
        ('{"fit": {"c": 5.0}}', "fit.c and fit.m"),
        ('{"fit": {"c": "x", "m": 0.1}}', "fit.c and fit.m"),
        ('{"fit": {"c": 5.0, "m": 0.1}, "format_version": 99}', "newer than this code"),
        ('{"fit": {"c": 5.0, "m": 0.1}, "format": "other"}', "is not 'protein_rgdm.spectrum'"),
        ('{"fit": {"c": 5.0, "m": 0.1}, "pooled": {"k": [1], "power": [], "count": []}}', "differ in length"),
        ("[1, 2]", "top level is not an object"),
    ],
)
def test_bad_files_name_the_file(tmp_path, text, pattern):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(InputError, match=pattern) as info:
        load_spectrum(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(InputError, match="spectrum_path not found"):
        load_spectrum(tmp_path / "missing.json")
