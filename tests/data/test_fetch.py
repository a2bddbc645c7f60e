"""fetch against a real HTTP server on 127.0.0.1 (404, 500-then-200, truncated gzip, stall, HTML)."""

from __future__ import annotations

import csv
import gzip
import http.server
import threading
import time
from pathlib import Path

import pytest

from protein_rgdm.config.data import FetchConfig
from protein_rgdm.data.fetch import fetch_ids
from protein_rgdm.data.ids import entry_id, read_id_list

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo" / "cameo2022" / "structures"


def _cif_gz(pdb_gz: Path) -> bytes:
    """A real mmCIF (gzipped) made from a demo PDB chain."""
    import io

    from biotite.structure.io import pdb, pdbx

    atoms = pdb.PDBFile.read(io.StringIO(gzip.decompress(pdb_gz.read_bytes()).decode())).get_structure(model=1)
    cif = pdbx.CIFFile()
    pdbx.set_structure(cif, atoms)
    buf = io.StringIO()
    cif.write(buf)
    return gzip.compress(buf.getvalue().encode())


class _Handler(http.server.BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}
    hits: dict[str, int] = {}

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):
        name = self.path.rsplit("/", 1)[-1]
        key = name.split(".")[0].lower()
        self.hits[key] = self.hits.get(key, 0) + 1
        body = self.files.get("1ok1")
        if key == "9nf9":
            self.send_error(404, "Not Found")
            return
        if key == "5ee5" and self.hits[key] == 1:
            self.send_error(500, "Internal Server Error")
            return
        if key == "7tr7":
            body = body[: len(body) // 2]  # truncated gzip, every time
        if key == "8ht8":
            body = b"<html><body>maintenance</body></html>"
        if key == "6st6":
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[:100])
            self.wfile.flush()
            time.sleep(3)  # stall well past the client timeout
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server():
    _Handler.files = {"1ok1": _cif_gz(DEMO / "7vrf.A.pdb.gz")}
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/download/{{ID}}.cif.gz"
    httpd.shutdown()
    httpd.server_close()


def _cfg(url: str, **kw) -> FetchConfig:
    return FetchConfig(url_template=url, timeout_s=0.5, deadline_s=2.0, retries=2, backoff_s=0.0, workers=4, **kw)


def _manifest(out: Path) -> dict[str, dict]:
    with open(out / "fetch_manifest.csv", newline="") as handle:
        return {row["id"]: row for row in csv.DictReader(handle)}


def test_fetch_statuses_and_nothing_half_written(server, tmp_path):
    _Handler.hits.clear()
    ids = ["1ok1", "9nf9", "5ee5", "7tr7", "8ht8", "6st6", "../x", "1OK1_A", "1ok1"]
    rows = fetch_ids(ids, tmp_path, _cfg(server), sleep=lambda s: None)
    man = _manifest(tmp_path)
    assert (
        man["1ok1"]["status"] == "downloaded" and int(man["1ok1"]["bytes"]) > 1000 and len(man["1ok1"]["sha256"]) == 64
    )
    assert man["9nf9"]["status"] == "failed" and "404" in man["9nf9"]["error"] and man["9nf9"]["attempts"] == "1"
    assert man["5ee5"]["status"] == "downloaded" and man["5ee5"]["attempts"] == "2"
    assert man["7tr7"]["status"] == "failed" and "gzip" in man["7tr7"]["error"] and man["7tr7"]["attempts"] == "3"
    assert man["8ht8"]["status"] == "failed" and "HTML" in man["8ht8"]["error"]
    assert man["6st6"]["status"] == "failed" and (
        "timed out" in man["6st6"]["error"] or "deadline" in man["6st6"]["error"]
    )
    assert man["../x"]["status"] == "invalid"
    assert len(rows) == 7  # duplicates (1ok1, 1OK1_A) fetched once
    assert _Handler.hits["1ok1"] == 1
    on_disk = sorted(p.name for p in tmp_path.iterdir())
    assert on_disk == ["1ok1.cif.gz", "5ee5.cif.gz", "fetch_manifest.csv"]  # no temp files, no broken files
    assert not (tmp_path.parent / "x.cif.gz").exists()


def test_resume_keeps_good_files_and_replaces_broken_ones(server, tmp_path):
    fetch_ids(["1ok1"], tmp_path, _cfg(server))
    before = (tmp_path / "1ok1.cif.gz").stat().st_mtime_ns
    (tmp_path / "5ee5.cif.gz").write_bytes(b"<html>old error page</html>")
    _Handler.hits.clear()
    fetch_ids(["1ok1", "5ee5"], tmp_path, _cfg(server), sleep=lambda s: None)
    man = _manifest(tmp_path)
    assert man["1ok1"]["status"] == "exists" and (tmp_path / "1ok1.cif.gz").stat().st_mtime_ns == before
    assert "1ok1" not in _Handler.hits
    assert man["5ee5"]["status"] == "downloaded"
    assert gzip.decompress((tmp_path / "5ee5.cif.gz").read_bytes()).startswith(b"data_")


def test_failed_refetch_keeps_the_existing_file(server, tmp_path):
    (tmp_path / "9nf9.cif.gz").write_bytes(b"partial")
    fetch_ids(["9nf9"], tmp_path, _cfg(server, overwrite=True))
    assert (tmp_path / "9nf9.cif.gz").read_bytes() == b"partial"


def test_local_mirror(tmp_path):
    cfg = FetchConfig(
        source="local", local_dir=str(DEMO), local_pattern="{id}.pdb.gz", out_name="{id}.pdb.gz", entry_ids=False
    )
    rows = fetch_ids(["7vrf.A", "nope.A", "7vrf.A"], tmp_path / "raw", cfg)
    assert [r.status for r in rows] == ["copied", "failed"]
    assert (tmp_path / "raw" / "7vrf.A.pdb.gz").read_bytes() == (DEMO / "7vrf.A.pdb.gz").read_bytes()


def test_id_inputs(tmp_path):
    (tmp_path / "ids.txt").write_text("1abc, 2xyz # comment\n\n3def\n")
    (tmp_path / "ids.fasta").write_text(">1abc_A desc\nMKV\n>2xyz_B\nGG\n")
    (tmp_path / "ids.csv").write_text("name,seqres\n7skh.B.pdb,MK\n")
    assert read_id_list(tmp_path / "ids.txt") == ["1abc", "2xyz", "3def"]
    assert read_id_list(tmp_path / "ids.fasta") == ["1abc_A", "2xyz_B"]
    assert [entry_id(i) for i in read_id_list(tmp_path / "ids.csv")] == ["7skh"]
    for bad in ("../x", "/etc/passwd", "a/b", ".hidden", "x" * 80):
        with pytest.raises(Exception, match="invalid id"):
            entry_id(bad)
