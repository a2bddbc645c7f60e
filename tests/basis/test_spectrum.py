"""bases stage: spectrum measurement and the c/(k²+m²) fit, on synthetic free-theory chains and real cgdms chains."""

from __future__ import annotations

import csv
import gzip
import json

import numpy as np
import pytest

from protein_rgdm.basis import PathBasis
from protein_rgdm.basis.spectrum import fit_free_theory, measure_spectrum
from protein_rgdm.cli.app import main
from protein_rgdm.errors import InputError
from protein_rgdm.structure import ChainRecord


def _free_chain(name, n, c, m, rng, holes=0):
    k = np.pi * np.arange(n) / n
    sd = np.sqrt(c / (k**2 + m**2))
    sd[0] = 0
    i = np.arange(n)[:, None]
    U = np.cos(np.pi * np.arange(n)[None, :] * (2 * i + 1) / (2 * n)) * np.sqrt(2 / n)
    U[:, 0] = np.sqrt(1 / n)
    ca = U @ (sd[:, None] * rng.standard_normal((n, 3))) + 20.0
    L = n + holes
    full = np.full((L, 3), np.nan, np.float32)
    obs = np.zeros(L, bool)
    keep = np.sort(rng.choice(L, n, replace=False)) if holes else np.arange(n)
    full[keep] = ca
    obs[keep] = True
    return ChainRecord(name, "A" * L, full, obs, np.where(obs, np.arange(L) + 1, -1))


def test_fit_recovers_parameters_exactly():
    k = np.geomspace(0.03, 3.0, 30)
    c, m = fit_free_theory(k, 5.0 / (k**2 + 0.07**2))
    assert c == pytest.approx(5.0, rel=1e-4) and m == pytest.approx(0.07, rel=1e-3)
    with pytest.raises(InputError, match="fewer than 3"):
        fit_free_theory(k[:2], k[:2])


def test_fit_is_unbiased_for_single_noisy_values():
    """One χ²₃/3-distributed power per k (one chain): E[ln p] = ln P − 0.37, so a log-space least-squares fit would
    give c 31 % low; the likelihood fit recovers c and m."""
    rng = np.random.default_rng(3)
    k = np.geomspace(0.01, 3.0, 20000)
    p = 5.0 / (k**2 + 0.1**2) * rng.chisquare(3, k.size) / 3
    c, m = fit_free_theory(k, p, 1 / k)
    assert c == pytest.approx(5.0, rel=0.03) and m == pytest.approx(0.1, rel=0.03)


@pytest.fixture(scope="module")
def few_per_length():
    """600 chains drawn from c/(k²+m²) = 6/(k²+0.2²) Å² in the DCT-II modes, three per length 100…299."""
    rng = np.random.default_rng(7)
    return [_free_chain(f"c{n}_{r}", n, 6.0, 0.2, rng) for n in range(100, 300) for r in range(3)]


@pytest.mark.parametrize("pooling", ["pooled", "per_length"])
def test_known_parameters_recovered_with_few_chains_per_length(few_per_length, pooling):
    """Within 3 % with either pooling (over 10 seeds: c within 0.9 %, m within 1.7 %, sd 0.5 % / 1 %); the former
    per-length fit of the logs of three-chain means gave c 11 % low."""
    res = measure_spectrum(few_per_length, PathBasis(), pooling=pooling)
    assert res.n_chains == 600
    assert res.c == pytest.approx(6.0, rel=0.03)
    assert res.m == pytest.approx(0.2, rel=0.03)


@pytest.mark.parametrize("pooling", ["pooled", "per_length"])
def test_measure_spectrum_on_free_theory_chains(pooling):
    rng = np.random.default_rng(0)
    recs = [_free_chain(f"c{i}", n, 6.0, 0.05, rng, holes=2 * (i % 2)) for i, n in enumerate([60, 80, 100] * 40)]
    recs.append(_free_chain("short", 10, 6.0, 0.05, rng))
    recs.append(("broken", "not a chain record"))
    res = measure_spectrum(recs, PathBasis(), pooling=pooling, min_observed_fraction=0.9)
    assert res.n_chains == 120 and {s[0] for s in res.skipped} == {"short", "broken"}
    assert res.c == pytest.approx(6.0, rel=0.1)
    assert res.m == pytest.approx(0.05, rel=0.35)
    assert set(res.per_length) == {60, 80, 100}


def _records_from_cgdms(src, out, limit):
    from biotite.structure.io import pdb

    with open(src / "chains.csv") as handle:
        rows = list(csv.DictReader(handle))[:limit]
    (out / "chains").mkdir(parents=True)
    for r in rows:
        with gzip.open(src / r["file"], "rt") as handle:
            atoms = pdb.PDBFile.read(handle).get_structure(model=1)
        atoms = atoms[atoms.atom_name == "CA"]
        L = len(r["seqres"])
        ca = np.full((L, 3), np.nan, np.float32)
        obs = np.zeros(L, bool)
        idx = atoms.res_id - 1
        ok = (idx >= 0) & (idx < L)
        ca[idx[ok]], obs[idx[ok]] = atoms.coord[ok], True
        ChainRecord(r["name"], r["seqres"], ca, obs, np.where(obs, np.arange(L) + 1, -1)).save(
            out / "chains" / f"{r['name']}.npz"
        )
    with open(out / "manifest.csv", "w") as handle:
        handle.write("name\n" + "".join(r["name"] + "\n" for r in rows))
    return rows


def test_bases_cli_on_real_chains(demo_dir, tmp_path, capsys):
    rows = _records_from_cgdms(demo_dir / "cgdms", tmp_path / "data", limit=60)
    (tmp_path / "data" / "chains" / "zz_bad.npz").write_bytes(b"not a zip")
    out = tmp_path / "bases"
    assert main(["bases", "--chains", str(tmp_path / "data"), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "fitted c" in text and "default 6.2212" in text
    spec = json.loads((out / "spectrum.json").read_text())
    assert spec["n_chains"] == len(rows) and spec["n_skipped"] == 1
    # a real protein spectrum: same order as the RGDM defaults
    assert 2.0 < spec["fit"]["c"] < 15.0 and spec["fit"]["m"] < 0.2
    with np.load(out / "spectrum.npz") as z:
        assert z["bin_power"].shape == z["bin_k"].shape and np.all(np.diff(z["bin_k"]) > 0)
    assert (out / "skipped.csv").read_text().count("\n") == 2 and (out / "config.yaml").exists()
    # via the featurize-style manifest, per-length pooling
    assert (
        main(
            [
                "bases",
                "--chains",
                str(tmp_path / "data" / "manifest.csv"),
                "--out",
                str(tmp_path / "b2"),
                "--pooling",
                "per_length",
            ]
        )
        == 0
    )
    assert json.loads((tmp_path / "b2" / "spectrum.json").read_text())["n_skipped"] == 0
    # finished output is not redone without --overwrite
    before = (out / "spectrum.json").stat().st_mtime_ns
    assert main(["bases", "--chains", str(tmp_path / "data"), "--out", str(out)]) == 0
    assert (out / "spectrum.json").stat().st_mtime_ns == before


def test_bases_cli_bad_input(tmp_path, capsys):
    assert main(["bases", "--chains", str(tmp_path / "nothing"), "--out", str(tmp_path / "o")]) == 2
    assert "neither a folder nor a manifest" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["bases", "--chains", str(tmp_path / "empty"), "--out", str(tmp_path / "o")]) == 2
    assert "no chain records" in capsys.readouterr().err


def test_bases_only_restricts_the_chains(demo_dir, tmp_path, capsys):
    """--only keeps the chains named in a CSV (the workflow passes the train split); the fit changes with them."""
    rows = _records_from_cgdms(demo_dir / "cgdms", tmp_path / "data", limit=40)
    keep = [r["name"] for r in rows[:15]]
    (tmp_path / "train.csv").write_text("name,cluster\n" + "".join(f"{n},x\n" for n in keep) + "not_featurized_A,y\n")
    argv = ["bases", "--chains", str(tmp_path / "data" / "manifest.csv")]
    assert main(argv + ["--only", str(tmp_path / "train.csv"), "--out", str(tmp_path / "some")]) == 0
    assert main(argv + ["--out", str(tmp_path / "all")]) == 0
    some = json.loads((tmp_path / "some" / "spectrum.json").read_text())
    everything = json.loads((tmp_path / "all" / "spectrum.json").read_text())
    assert some["n_chains"] == len(keep) and everything["n_chains"] == len(rows)
    assert some["fit"]["c"] != everything["fit"]["c"]
    capsys.readouterr()
    (tmp_path / "other.csv").write_text("name\nnone_of_them_A\n")
    assert main(argv + ["--only", str(tmp_path / "other.csv"), "--out", str(tmp_path / "o")]) == 2
    assert "none of its names" in capsys.readouterr().err
    (tmp_path / "noname.csv").write_text("id\nx\n")
    assert main(argv + ["--only", str(tmp_path / "noname.csv"), "--out", str(tmp_path / "o")]) == 2
    assert "'name' column" in capsys.readouterr().err
