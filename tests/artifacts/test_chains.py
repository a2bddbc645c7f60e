"""Chain index: one finder for folders, featurize outputs and manifests."""

from __future__ import annotations

import pytest

from protein_rgdm.artifacts.chains import (
    chain_path,
    find_chain_files,
    index_chain_files,
    named_chain_files,
    output_chain_folder,
    record_file,
)
from protein_rgdm.errors import InputError


def _featurize_output(root, names):
    (root / "chains").mkdir(parents=True)
    for n in names:
        (root / "chains" / f"{n}.npz").write_bytes(b"x")
    (root / "manifest.csv").write_text("name,seqres\n" + "".join(f"{n},AAA\n" for n in names))
    return root


def test_folder_featurize_output_and_manifests_give_the_same_files(tmp_path):
    out = _featurize_output(tmp_path / "f", ["b_A", "a_A", "c_A"])
    by_folder = find_chain_files(out)
    assert [p.name for p in by_folder] == ["a_A.npz", "b_A.npz", "c_A.npz"]  # sorted by name
    assert find_chain_files(out / "chains") == by_folder
    # featurize manifest: the listed order, resolved to <manifest folder>/chains/<name>.npz
    assert [p.name for p in find_chain_files(out / "manifest.csv")] == ["b_A.npz", "a_A.npz", "c_A.npz"]
    paths = tmp_path / "paths.csv"
    paths.write_text(f"path\nf/chains/a_A.npz\n{out / 'chains' / 'c_A.npz'}\n")
    assert find_chain_files(paths) == [out / "chains" / "a_A.npz", out / "chains" / "c_A.npz"]
    listing = tmp_path / "list.txt"
    listing.write_text("# chains\nf/chains/b_A.npz\n\n")
    assert find_chain_files(listing) == [out / "chains" / "b_A.npz"]
    assert chain_path(out, "a_A") == chain_path(out / "chains", "a_A") == out / "chains" / "a_A.npz"
    assert record_file(output_chain_folder(out), "a_A") == chain_path(out, "a_A")  # what featurize writes


def test_index_searches_folders_recursively_first_wins(tmp_path):
    _featurize_output(tmp_path / "one", ["a_A", "b_A"])
    _featurize_output(tmp_path / "two", ["b_A", "c_A"])
    index = index_chain_files([tmp_path / "one", tmp_path / "two"])
    assert sorted(index) == ["a_A", "b_A", "c_A"]
    assert index["b_A"] == tmp_path / "one" / "chains" / "b_A.npz"


def test_named_files_in_order_and_errors_name_the_problem(tmp_path):
    out = _featurize_output(tmp_path / "f", ["a_A", "b_A"])
    assert [p.stem for p in named_chain_files(out, ["b_A", "a_A"])] == ["b_A", "a_A"]
    assert [p.stem for p in named_chain_files(out)] == ["a_A", "b_A"]
    with pytest.raises(InputError, match="not found"):
        named_chain_files(tmp_path / "none")
    with pytest.raises(InputError, match="no record.*x.npz"):
        named_chain_files(out, names=["a_A", "x"])
    with pytest.raises(InputError, match="neither a folder nor a manifest"):
        find_chain_files(tmp_path / "none")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no chain records"):
        find_chain_files(tmp_path / "empty")
    bad = tmp_path / "bad.csv"
    bad.write_text("chain\nx\n")
    with pytest.raises(InputError, match="'path' or 'name' column"):
        find_chain_files(bad)
    with pytest.raises(InputError, match="chains folder not found"):
        index_chain_files([tmp_path / "none"])
