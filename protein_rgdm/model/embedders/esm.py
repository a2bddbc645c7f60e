"""ESM-2 embeddings (fair-esm) from a local checkpoint file; the language model stays frozen.

The checkpoint is read with ``torch.load(weights_only=True)``: the FAIR ``.pt`` layout
(``{"model": state_dict, "cfg": {...}}``, keys prefixed ``encoder.sentence_encoder.``) or a bare
state dict. Nothing is ever downloaded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from protein_rgdm.config.model import EsmEmbedderConfig
from protein_rgdm.errors import ConfigError, InputError
from protein_rgdm.model.embedders.frozen import FrozenLMEmbedder, length_chunks

__all__ = ["EsmEmbedder", "load_esm2_local"]

#: Attention heads of the published ESM-2 models by embedding width.
_HEADS_BY_DIM = {320: 20, 480: 20, 640: 20, 1280: 20, 2560: 40, 5120: 40}


def load_esm2_local(path: str | Path, heads: int | None = None) -> tuple[nn.Module, object]:
    """Build an ``esm.model.esm2.ESM2`` from a local checkpoint → (model in eval mode, alphabet)."""
    import esm  # the optional extra protein-rgdm[esm] (fair-esm): needed only by this embedder

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"key 'embedder.checkpoint': ESM-2 checkpoint {path} not found (never downloaded)")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise InputError(
            f"{path}: cannot be read safely with weights_only=True ({type(exc).__name__}: {str(exc)[:200]}); "
            "re-save it as {'model': state_dict, 'cfg': {'model': {...}}} with plain types"
        ) from None
    state = data.get("model", data) if isinstance(data, dict) else None
    if not isinstance(state, dict) or "embed_tokens.weight" not in {re.sub(r"^(encoder\.sentence_encoder\.|encoder\.)", "", k) for k in state}:
        raise InputError(f"{path}: not an ESM-2 checkpoint (no embed_tokens.weight)")
    state = {re.sub(r"^(encoder\.sentence_encoder\.|encoder\.)", "", k): v for k, v in state.items()}
    cfg = data.get("cfg", {}).get("model", {}) if isinstance(data.get("cfg"), dict) else {}
    embed_dim = int(state["embed_tokens.weight"].shape[1])
    num_layers = 1 + max(int(m.group(1)) for k in state if (m := re.match(r"layers\.(\d+)\.", k)))
    heads = heads or (cfg.get("encoder_attention_heads") if isinstance(cfg, dict) else None) or _HEADS_BY_DIM.get(embed_dim)
    if heads is None:
        raise ConfigError(f"key 'embedder.heads': cannot infer attention heads of {path} (width {embed_dim}); set it")
    alphabet = esm.data.Alphabet.from_architecture("ESM-1b")
    token_dropout = bool(cfg.get("token_dropout", True)) if isinstance(cfg, dict) else True
    model = esm.model.esm2.ESM2(num_layers, embed_dim, int(heads), alphabet=alphabet, token_dropout=token_dropout)
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.startswith("contact_head.regression")]
    if missing or unexpected:
        raise InputError(f"{path}: ESM-2 weights do not fit (missing {missing[:3]}, unexpected {unexpected[:3]})")
    return model.eval().requires_grad_(False), alphabet


class EsmEmbedder(FrozenLMEmbedder):
    """Frozen ESM-2 per-residue representations projected to ``dim`` (no pair features).

    The unknown token ``X`` is ESM's own ``X`` token.
    """

    def __init__(self, cfg: EsmEmbedderConfig, batch_tokens: int = 4096) -> None:
        esm_model, alphabet = load_esm2_local(cfg.checkpoint, cfg.heads)
        super().__init__(cfg, lm_dim=esm_model.embed_dim, batch_tokens=batch_tokens)
        object.__setattr__(self, "_esm", esm_model)  # not a submodule: not trained, not in the state dict
        self._alphabet = alphabet
        self.layer = esm_model.num_layers if cfg.layer is None else cfg.layer
        if not 0 <= self.layer <= esm_model.num_layers:
            raise ConfigError(f"key 'embedder.layer': {cfg.layer} outside 0..{esm_model.num_layers}")

    @torch.no_grad()
    def raw_embeddings(self, sequences: Sequence[str], device: torch.device | str = "cpu") -> list[np.ndarray]:
        """(L_b, lm_dim) float32 representations of ``self.layer`` for each sequence."""
        model = self._esm.to(device)
        convert = self._alphabet.get_batch_converter()
        result: dict[int, np.ndarray] = {}
        for chunk in length_chunks([len(s) + 2 for s in sequences], self.batch_tokens):
            _, _, toks = convert([(str(i), sequences[i]) for i in chunk])
            rep = model(toks.to(device), repr_layers=[self.layer])["representations"][self.layer]
            for row, i in enumerate(chunk):
                result[i] = rep[row, 1 : 1 + len(sequences[i])].float().cpu().numpy()
        return [result[i] for i in range(len(sequences))]
