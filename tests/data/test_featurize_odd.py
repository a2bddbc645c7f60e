"""featurize on hostile inputs: gzip bombs, special files in a folder or a table, a crashing file; none hangs."""

from __future__ import annotations

import csv
import gzip
import os
import shutil
from pathlib import Path

from protein_rgdm.config.data import FeaturizeFilters
from protein_rgdm.data.featurize import ChainJob, featurize_files
from tests.helpers import run_cli

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
GOOD = DEMO / "cameo2022" / "structures" / "7vrf.A.pdb.gz"


def _rejected(out: Path) -> dict[str, str]:
    with open(out / "rejected.csv", newline="") as handle:
        return {Path(r["file"]).name: r["reason"] for r in csv.DictReader(handle)}


def _odd_folder(root: Path) -> Path:
    src = root / "structures"
    src.mkdir()
    shutil.copyfile(GOOD, src / "7vrf.A.pdb.gz")
    # ~3 kB that inflate to 3 MB (a real bomb inflates 18 MB to 4 GB): over the 1 MB limit of the test
    (src / "bomb.cif.gz").write_bytes(gzip.compress(b"data_bomb\n" + b" " * 3_000_000, compresslevel=9))
    os.mkfifo(src / "pipe.pdb")
    (src / "dangling.pdb").symlink_to(src / "nowhere.pdb")
    (src / "loop1.pdb").symlink_to(src / "loop2.pdb")
    (src / "loop2.pdb").symlink_to(src / "loop1.pdb")
    (src / "folder.cif").mkdir()
    (src / "README.md").write_text("not a structure: ignored")
    return src


def test_odd_folder_entries_are_rejected_with_a_row_and_the_valid_file_is_written(tmp_path):
    src = _odd_folder(tmp_path)
    out = tmp_path / "out"
    proc = run_cli("featurize", "--structures", src, "--out", out, "--max-file-bytes", "1000000", timeout=120)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert (out / "chains" / "7vrf.A.npz").is_file()
    reasons = _rejected(out)
    assert set(reasons) == {"bomb.cif.gz", "pipe.pdb", "dangling.pdb", "loop1.pdb", "loop2.pdb", "folder.cif"}
    assert "decompresses to more than 1,000,000 bytes" in reasons["bomb.cif.gz"]
    assert "FIFO" in reasons["pipe.pdb"] and "folder" in reasons["folder.cif"]
    assert "dangling symlink" in reasons["dangling.pdb"] and "symlink loop" in reasons["loop1.pdb"]


def test_table_listing_devices_and_fifos_does_not_hang(tmp_path):
    os.mkfifo(tmp_path / "pipe.pdb")
    shutil.copyfile(GOOD, tmp_path / "7vrf.A.pdb.gz")
    seqres = "A" * 200_000  # a field over the csv module's default limit: read, then the chain is refused
    rows = ["name,file,chain,seqres", "zero,/dev/zero,A,", "pipe,pipe.pdb,A,", "7vrf.A,7vrf.A.pdb.gz,A,",
            f"long,7vrf.A.pdb.gz,A,{seqres}"]  # fmt: skip
    (tmp_path / "table.csv").write_bytes(b"\xef\xbb\xbf" + "\n".join(rows).encode() + b"\n")  # with a BOM
    out = tmp_path / "out"
    proc = run_cli("featurize", "--table", tmp_path / "table.csv", "--out", out, timeout=120)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    with open(out / "rejected.csv", newline="") as handle:
        reasons = {r["item"]: r["reason"] for r in csv.DictReader(handle)}
    assert "FIFO" in reasons["pipe"] and "long" in reasons
    if Path("/dev/zero").exists():
        assert "character device" in reasons["zero"]
    assert (out / "chains" / "7vrf.A.npz").is_file()


def test_a_crash_inside_one_file_is_a_rejection_not_the_end_of_the_batch(tmp_path, monkeypatch):
    import protein_rgdm.data.featurize as featurize  # patched where featurize looks it up

    real = featurize.read_structure

    def exploding(path, **kw):
        if Path(path).name == "boom.pdb.gz":
            raise MemoryError("simulated")
        return real(path, **kw)

    monkeypatch.setattr(featurize, "read_structure", exploding)
    shutil.copyfile(GOOD, tmp_path / "boom.pdb.gz")
    jobs = [ChainJob(str(tmp_path / "boom.pdb.gz")), ChainJob(str(GOOD))]
    result = featurize_files(jobs, tmp_path / "out", FeaturizeFilters(max_missing_fraction=1.0))
    assert [r.name for r in result.records] == ["7vrf.A"]
    assert "MemoryError: simulated" in _rejected(tmp_path / "out")["boom.pdb.gz"]


def test_id_list_with_a_byte_order_mark(tmp_path):
    from protein_rgdm.data.ids import read_id_list

    (tmp_path / "ids.csv").write_bytes(b"\xef\xbb\xbfname\n1abc\n")
    (tmp_path / "ids.txt").write_bytes(b"\xef\xbb\xbf1abc 2xyz\n")
    assert read_id_list(tmp_path / "ids.csv") == ["1abc"] and read_id_list(tmp_path / "ids.txt") == ["1abc", "2xyz"]
