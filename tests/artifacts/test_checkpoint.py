"""Checkpoint file format: the read side works without the training package; a reference is checked and hashed."""

from __future__ import annotations

import hashlib
import os

import pytest
import torch

from protein_rgdm.artifacts.checkpoint import FORMAT, FORMAT_VERSION, checkpoint_ref, read_checkpoint, save_checkpoint
from protein_rgdm.errors import InputError

PAYLOAD = {"config_json": "{}", "model": {"w": torch.ones(2)}, "ema": {}, "step": 3, "metadata": {"git": "x"}}


def test_round_trip_and_reference(tmp_path):
    path = tmp_path / "c.pt"
    save_checkpoint(path, PAYLOAD)
    data = read_checkpoint(path)
    assert data["format"] == FORMAT and data["format_version"] == FORMAT_VERSION and data["step"] == 3
    assert torch.equal(data["model"]["w"], torch.ones(2))
    ref = checkpoint_ref(path)
    assert ref.path == path and ref.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_missing_and_foreign_files_name_the_file(tmp_path):
    fifo = tmp_path / "fifo.pt"
    os.mkfifo(fifo)  # refused before opening: opening a FIFO would wait for a writer
    for bad in (tmp_path / "missing.pt", tmp_path, fifo):
        with pytest.raises(InputError, match="checkpoint not found"):
            read_checkpoint(bad)
        with pytest.raises(InputError, match="checkpoint not found"):
            checkpoint_ref(bad)
    torch.save({"x": 1}, tmp_path / "foreign.pt")
    with pytest.raises(InputError, match="foreign.pt: not a protein_rgdm checkpoint"):
        read_checkpoint(tmp_path / "foreign.pt")
    torch.save({**PAYLOAD, "format": FORMAT, "format_version": FORMAT_VERSION + 1}, tmp_path / "new.pt")
    with pytest.raises(InputError, match="newer than this code"):
        read_checkpoint(tmp_path / "new.pt")
