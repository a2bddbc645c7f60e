"""``write_embeddings``: precompute per-chain embedding files (``protein-rgdm embed``).

For the frozen language-model embedders (ESM-2, UniRep) each chain gets ``<out_dir>/<name>.npz`` with
``node_repr`` (L, D) float32 and ``seqres``, written atomically; existing files for the same sequence are
kept (resume). Learned and precomputed embedders have nothing to compute: only the manifest is written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from protein_rgdm.artifacts.chains import index_chain_files
from protein_rgdm.artifacts.embeddings import embedding_file, read_embedding, save_embedding
from protein_rgdm.artifacts.ledger import Rejection, write_ledger
from protein_rgdm.config.embed import EmbedConfig
from protein_rgdm.errors import InputError, ProteinRGDMError
from protein_rgdm.fileio import atomic_write_text
from protein_rgdm.model.embedders import build_embedder
from protein_rgdm.model.tokens import validate_sequence
from protein_rgdm.structure.record import ChainRecord
from protein_rgdm.train.data import observed_span

__all__ = ["write_embeddings"]


def _existing_ok(path: Path, seq: str, dim: int) -> bool:
    """A kept file must be readable, made for this sequence (``seqres`` present and equal) and of this width."""
    try:
        read_embedding(path, path.stem, seq, dim, None, need_sequence=True)
    except InputError:
        return False
    return True


def write_embeddings(
    cfg: EmbedConfig, chain_dirs: Sequence[str | Path], out_dir: str | Path, names: Sequence[str] | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Embed every chain record in ``chain_dirs`` (or only ``names``); returns counts.

    Chains that fail (bad sequence, unreadable record) are listed in ``failed.tsv`` (a rejection ledger) and the
    rest go on.
    """
    from tqdm.auto import tqdm

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    index = index_chain_files(chain_dirs)
    wanted = list(index) if names is None else list(names)
    rows, failed = [], []
    todo: list[tuple[str, str]] = []
    for name in wanted:
        try:
            if name not in index:
                raise InputError(f"record '{name}': no chain file <name>.npz in the chains folders")
            rec = ChainRecord.load(index[name])
            lo, hi = observed_span(rec, cfg.trim_termini)
            todo.append((name, validate_sequence(name, rec.seqres[lo:hi])))
        except ProteinRGDMError as exc:
            failed.append((name, str(exc)))
    computed = kept = 0
    if cfg.embedder.kind in ("esm", "unirep"):
        import torch

        embedder = build_embedder(cfg.embedder)
        embedder.batch_tokens = cfg.batch_tokens
        device = torch.device(cfg.device)
        pending = []
        for name, seq in todo:
            path = embedding_file(out_dir, name)
            if not cfg.overwrite and path.is_file() and _existing_ok(path, seq, embedder.lm_dim):
                kept += 1
                rows.append((name, len(seq), "kept"))
            else:
                pending.append((name, seq))
        chunk = 64
        for start in tqdm(range(0, len(pending), chunk), disable=not progress, desc="embed"):
            part = pending[start : start + chunk]
            for (name, seq), node in zip(part, embedder.raw_embeddings([s for _, s in part], device)):
                save_embedding(embedding_file(out_dir, name), node, seq)
                rows.append((name, len(seq), "computed"))
                computed += 1
    else:
        rows = [(name, len(seq), f"nothing to precompute ({cfg.embedder.kind} embedder)") for name, seq in todo]
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["name", "length", "status"])
    w.writerows(rows)
    atomic_write_text(out_dir / "manifest.csv", buf.getvalue())
    write_ledger(out_dir / "failed.tsv", [Rejection("embed", n, str(index.get(n, "")), r) for n, r in failed])
    return {"chains": len(wanted), "computed": computed, "kept": kept, "failed": len(failed), "kind": cfg.embedder.kind}
