"""Prediction set: sample names, summary.csv rows and per-sample JSON round-trip; malformed files are errors."""

from __future__ import annotations

import json
import math

import pytest

from protein_rgdm.artifacts.predictions import (
    SAMPLE_VERSION,
    SUMMARY_COLUMNS,
    SampleRanking,
    SummaryRow,
    load_sample_ranking,
    parse_sample_stem,
    read_summary,
    sample_stem,
    save_sample_json,
    write_summary,
)
from protein_rgdm.errors import InputError

# summary.csv as predict wrote it before the record existed: the first two rows of a benchmark run,
# and the header of summaries from before rank_tied / confidence
OLD_SUMMARY = (
    "id,sample,rank,ranking_score,rank_tied,path,confidence\n"
    "7vrf.A,0,1,0.218459,false,predictions/7vrf.A/7vrf.A_sample_0.pdb,42.54\n"
    "7vrf.A,1,5,0.198645,false,predictions/7vrf.A/7vrf.A_sample_1.pdb,36.02\n"
)
OLDER_SUMMARY = "id,sample,rank,ranking_score,path\nx_A,0,1,,predictions/x_A/x_A_sample_0.pdb\n"


def test_sample_names_round_trip():
    for rid, k in [("7vrf.A", 0), ("a_sample_b", 12), ("x_sample_3", 4)]:
        assert parse_sample_stem(sample_stem(rid, k)) == (rid, k)
    assert parse_sample_stem("model_1") is None and parse_sample_stem("x_sample_") is None


def test_summary_round_trip(tmp_path):
    rows = [SummaryRow("a", 0, 2, 0.5, True, "predictions/a/a_sample_0.pdb", 41.25),
            SummaryRow("a", 1, 1, None, False, "predictions/a/a_sample_1.cif", None)]  # fmt: skip
    write_summary(tmp_path / "summary.csv", rows)
    assert (tmp_path / "summary.csv").read_text().splitlines()[0] == ",".join(SUMMARY_COLUMNS)
    assert read_summary(tmp_path / "summary.csv") == rows
    marker_form = {"id": "a", "sample": 0, "rank": 2, "ranking_score": 0.5, "path": "p"}  # before rank_tied
    assert SummaryRow.from_json(marker_form) == SummaryRow("a", 0, 2, 0.5, False, "p", None)


def test_old_summaries_load(tmp_path):
    (tmp_path / "s.csv").write_text(OLD_SUMMARY)
    rows = read_summary(tmp_path / "s.csv")
    assert rows[1] == SummaryRow("7vrf.A", 1, 5, 0.198645, False, "predictions/7vrf.A/7vrf.A_sample_1.pdb", 36.02)
    write_summary(tmp_path / "again.csv", rows)
    assert (tmp_path / "again.csv").read_text() == OLD_SUMMARY  # byte-identical to what predict wrote
    (tmp_path / "older.csv").write_text(OLDER_SUMMARY)
    assert read_summary(tmp_path / "older.csv") == [
        SummaryRow("x_A", 0, 1, None, False, "predictions/x_A/x_A_sample_0.pdb", None)
    ]


@pytest.mark.parametrize(
    "line, pattern",
    [
        ("a,zero,1,0.5,false,p.pdb,", r"s.csv:3: sample 'zero' is not an integer"),
        ("a,0,1,high,false,p.pdb,", r"s.csv:3: ranking_score 'high' is not a number"),
        (",0,1,0.5,false,p.pdb,", r"s.csv:3: empty id or path"),
        ("a,0,1,0.5,maybe,p.pdb,", r"s.csv:3: rank_tied 'maybe'"),
    ],
)
def test_malformed_summary_rows_name_file_and_line(tmp_path, line, pattern):
    (tmp_path / "s.csv").write_text(",".join(SUMMARY_COLUMNS) + "\na,1,2,0.4,false,q.pdb,\n" + line + "\n")
    with pytest.raises(InputError, match=pattern):
        read_summary(tmp_path / "s.csv")
    (tmp_path / "t.csv").write_text("id,sample\na,0\n")
    with pytest.raises(InputError, match=r"t.csv: summary.csv lacks column\(s\) \['rank', 'ranking_score', 'path'\]"):
        read_summary(tmp_path / "t.csv")


def test_sample_json_round_trip_and_old_files(tmp_path):
    path = tmp_path / "a_sample_3.json"
    save_sample_json(path, {"id": "a", "sample": 3, "rank": 1, "ranking_score": 0.75, "seed": 9})
    data = json.loads(path.read_text())
    assert data["format_version"] == SAMPLE_VERSION and data["seed"] == 9
    assert load_sample_ranking(path) == SampleRanking(3, 1, 0.75)
    with pytest.raises(ValueError, match="lacks"):
        save_sample_json(path, {"id": "a"})
    # written before the format tag: sample from the JSON, or from the file name; null score = NaN
    path.write_text(json.dumps({"ranking_score": None, "rank": 2}))
    got = load_sample_ranking(path)
    assert got.sample == 3 and got.rank == 2 and math.isnan(got.ranking_score)
    path.write_text(json.dumps({"note": "a user's own file"}))
    assert load_sample_ranking(path) is None


@pytest.mark.parametrize(
    "text, pattern",
    [
        ("{cut", "per-sample JSON is unreadable"),
        ('{"sample": "3", "ranking_score": 0.1}', "sample '3' is not an integer"),
        ('{"sample": 3, "ranking_score": "high"}', "ranking_score 'high' is not a number"),
        ('{"sample": 3, "ranking_score": 0.1, "format_version": 7}', "newer than this code"),
    ],
)
def test_malformed_sample_json_names_the_file(tmp_path, text, pattern):
    path = tmp_path / "a_sample_3.json"
    path.write_text(text)
    with pytest.raises(InputError, match=pattern) as info:
        load_sample_ranking(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)
