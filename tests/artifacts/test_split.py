"""Split CSV: written by the split stage, read by bases / embed / train."""

from __future__ import annotations

import pytest

from protein_rgdm.artifacts.split import SPLIT_COLUMNS, SplitRow, load_split, write_split
from protein_rgdm.errors import InputError


def test_round_trip_and_hand_made_split(tmp_path):
    rows = [SplitRow("a_A", "MKV", 3, "a_A", "2020-01-01", "train"), SplitRow("b,B", "GG", 2, "a_A", "", "train")]
    write_split(tmp_path / "train.csv", rows)
    assert (tmp_path / "train.csv").read_text().splitlines()[0] == ",".join(SPLIT_COLUMNS)
    assert load_split(tmp_path / "train.csv") == ["a_A", "b,B"]  # a comma in a name survives (csv quoting)
    (tmp_path / "hand.csv").write_text("cluster,name\nx,c_C\ny,\n")
    assert load_split(tmp_path / "hand.csv") == ["c_C"]


def test_errors_name_the_file(tmp_path):
    with pytest.raises(InputError, match="nope.csv: split file not found"):
        load_split(tmp_path / "nope.csv")
    (tmp_path / "s.csv").write_text("id\nx\n")
    with pytest.raises(InputError, match="s.csv: split CSV needs a 'name' column"):
        load_split(tmp_path / "s.csv")
