"""split: clusters never straddle train / val / test; date windows; missing mmseqs is a clear error."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest

from protein_rgdm.artifacts.split import SPLITS
from protein_rgdm.config.data import SplitConfig
from protein_rgdm.data.split import assign_splits, split_manifest
from protein_rgdm.errors import ProteinRGDMError

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"


def _manifest(tmp_path: Path) -> Path:
    """Demo cgdms sequences plus point mutants of a few of them (so real multi-member clusters exist)."""
    with open(DEMO / "cgdms" / "chains.csv", newline="") as handle:
        rows = [{"name": r["name"], "seqres": r["seqres"], "length": r["seqlen"]} for r in csv.DictReader(handle)][:60]
    rng = np.random.default_rng(1)
    for r in list(rows[:12]):
        for k in range(3):
            seq = list(r["seqres"])
            seq[int(rng.integers(len(seq)))] = "A"
            rows.append({"name": f"{r['name']}_m{k}", "seqres": "".join(seq), "length": r["length"]})
    for i, r in enumerate(rows):
        r["release_date"] = f"20{10 + i % 12:02d}-06-01"
    path = tmp_path / "manifest.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _read(out: Path) -> dict[str, list[dict]]:
    result = {}
    for s in SPLITS:
        with open(out / f"{s}.csv", newline="") as handle:
            result[s] = list(csv.DictReader(handle))
    return result


@pytest.mark.skipif(shutil.which("mmseqs") is None, reason="mmseqs (Debian package mmseqs2) not installed")
def test_clusters_never_straddle_splits(tmp_path):
    manifest = _manifest(tmp_path)
    cfg = SplitConfig(
        mode="cluster", fractions={"train": 0.6, "val": 0.2, "test": 0.2}, min_seq_id=0.5, cluster_steps=1, seed=3
    )
    split_manifest(manifest, tmp_path / "splits", cfg)
    result = _read(tmp_path / "splits")
    where: dict[str, set[str]] = {}
    for s, rows in result.items():
        for r in rows:
            where.setdefault(r["cluster"], set()).add(s)
            assert set(r) >= {"name", "seqres", "length", "cluster"}
    assert all(len(v) == 1 for v in where.values())
    sizes = {c: sum(r["cluster"] == c for rows in result.values() for r in rows) for c in where}
    assert max(sizes.values()) >= 4  # each mutant family (parent + 3) clustered together
    n = sum(len(v) for v in result.values())
    assert n == 96 and all(len(result[s]) > 0 for s in SPLITS)
    assert abs(len(result["train"]) / n - 0.6) < 0.1


def test_cluster_assignment_is_seeded_and_whole():
    rows = [{"name": f"c{i}"} for i in range(40)]
    clusters = {f"c{i}": f"c{i - i % 4}" for i in range(40)}
    cfg = SplitConfig(seed=7)
    a1, _ = assign_splits(rows, clusters, cfg)
    a2, _ = assign_splits(rows, clusters, cfg)
    a3, _ = assign_splits(rows, clusters, SplitConfig(seed=8))
    assert a1 == a2 and a1 != a3
    for rep in set(clusters.values()):
        assert len({a1[n] for n, c in clusters.items() if c == rep}) == 1


def test_date_windows_and_date_cluster_drop():
    rows = [{"name": "a", "release_date": "2019-01-01"}, {"name": "b", "release_date": "2021-05-01"},
            {"name": "c", "release_date": "2022-03-01"}, {"name": "d", "release_date": ""},
            {"name": "e", "release_date": "2022-07-01"}]  # fmt: skip
    windows = {
        "train": {"end": "2021-01-01"},
        "val": {"start": "2021-01-01", "end": "2022-01-01"},
        "test": {"start": "2022-01-01"},
    }
    clusters = {"a": "a", "b": "b", "c": "a", "d": "d", "e": "e"}
    assign, dropped = assign_splits(rows, clusters, SplitConfig(mode="date", windows=windows))
    assert assign == {"a": "train", "b": "val", "c": "test", "e": "test"}
    assert [d["name"] for d in dropped] == ["d"]
    assign, dropped = assign_splits(rows, clusters, SplitConfig(mode="date_cluster", windows=windows))
    assert assign == {"a": "train", "b": "val", "e": "test"}  # c shares a's cluster
    assert any(d["name"] == "c" and "cluster" in d["reason"] for d in dropped)


def test_missing_mmseqs_names_the_debian_package(tmp_path):
    manifest = _manifest(tmp_path)
    with pytest.raises(ProteinRGDMError, match="mmseqs2"):
        split_manifest(manifest, tmp_path / "splits", SplitConfig(mmseqs="/nonexistent/mmseqs"))
    assert not (tmp_path / "splits").exists()


def test_bad_manifest(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("name,seqres\na,MK\na,MKV\n")
    with pytest.raises(ProteinRGDMError, match="duplicate"):
        split_manifest(path, tmp_path / "s", SplitConfig(mode="date", windows={"train": {}}))
    path.write_text("name\na\n")
    with pytest.raises(ProteinRGDMError, match="seqres"):
        split_manifest(path, tmp_path / "s", SplitConfig())


def test_fixed_chains_keep_their_split_and_pull_their_clusters():
    rows = [{"name": f"c{i}"} for i in range(40)]
    clusters = {f"c{i}": f"c{i - i % 4}" for i in range(40)}  # clusters of 4: c0..c3, c4..c7, ...
    fixed = {"c1": "test", "c9": "test", "c13": "val", "c14": "test", "c20": "train"}
    cfg = SplitConfig(fractions={"train": 0.75, "val": 0.25}, seed=2)
    assign, dropped = assign_splits(rows, clusters, cfg, fixed)
    # fixed chains keep their split; their cluster-mates follow them
    assert all(assign[f"c{i}"] == "test" for i in (0, 1, 2, 3, 8, 9, 10, 11))
    assert all(assign[f"c{i}"] == "train" for i in (20, 21, 22, 23))
    # c13 (val) shares a cluster with c14 (test): the cluster goes to test and c13 is dropped
    assert [d["name"] for d in dropped] == ["c13"] and "test" in dropped[0]["reason"]
    assert all(assign[f"c{i}"] == "test" for i in (12, 14, 15))
    # the 24 free chains (6 clusters) are dealt by the fractions, never to test
    free = [n for n in assign if clusters[n] not in {"c0", "c8", "c12", "c20"}]
    assert len(free) == 24 and {assign[n] for n in free} == {"train", "val"}
    # fractions of the 24 free chains (18 train): within one cluster of it; over all 40 chains all would be train
    assert abs(sum(assign[n] == "train" for n in free) - 18) <= 2
    for rep in set(clusters.values()):
        assert len({assign[n] for n, c in clusters.items() if c == rep and n in assign}) == 1
    # without fixed chains the same config deals every cluster by the fractions
    plain, _ = assign_splits(rows, clusters, cfg)
    assert set(plain.values()) == {"train", "val"}


def test_fixed_table_read_and_errors(tmp_path):
    from protein_rgdm.config.data import FixedSplit
    from protein_rgdm.data.split import load_fixed
    from protein_rgdm.errors import InputError

    table = tmp_path / "chains.csv"
    table.write_text("\ufeffname,split\na,train\nb,val\nc,val\n")
    assert load_fixed(FixedSplit(table=str(table), splits={"val": "test"})) == {"b": "test", "c": "test"}
    with pytest.raises(InputError, match="lacks column"):
        load_fixed(FixedSplit(table=str(table), column="fold", splits={"val": "test"}))
    with pytest.raises(InputError, match="nowhere.csv"):
        load_fixed(FixedSplit(table=str(tmp_path / "nowhere.csv"), splits={"val": "test"}))
    with pytest.raises(ValueError, match="mode 'cluster' only"):
        SplitConfig(mode="date", windows={"train": {}}, fixed={"table": str(table), "splits": {"val": "test"}})
