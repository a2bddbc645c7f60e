"""Per-block random streams for the reverse sampler, so a chain's noise never depends on its batch-mates.

A batch of the sampler may pack several independent jobs (the samples of several sequences) as
consecutive row blocks. :class:`BlockNoise` gives each block its own ``torch.Generator`` and draws a
block's Gaussian noise at the block's own shape (rows, length, 3) and only on the block's own reverse
steps (the sampler aligns the last steps of chains of different step counts, so a block with fewer
steps idles first). A block therefore receives exactly the numbers it would receive if it were
sampled alone with a plain generator of the same seed, whatever else is in the batch.

:class:`SharedNoise` is the plain single-generator behaviour: one draw of the whole padded batch at
every step.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import torch

from protein_rgdm.errors import InputError

__all__ = ["BlockNoise", "NoiseBlock", "SharedNoise", "as_noise"]


@dataclasses.dataclass(frozen=True)
class NoiseBlock:
    """``rows`` consecutive rows of a batch, all of ``length`` residues, drawing from ``generator``."""

    rows: int
    length: int
    generator: torch.Generator | None


class SharedNoise:
    """One generator for the whole padded (B, Lmax, 3) batch, drawn at every step (idle ones included)."""

    def __init__(self, generator: torch.Generator | None) -> None:
        self.generator = generator

    def draw(self, shape: tuple[int, int, int], running: torch.Tensor, dtype: torch.dtype, device) -> torch.Tensor:
        """Standard normal noise of ``shape`` (B, Lmax, 3); ``running`` (B,) bool is ignored."""
        return torch.randn(shape, generator=self.generator, device=device, dtype=dtype)


class BlockNoise:
    """Independent streams for consecutive row blocks of a batch.

    Parameters
    ----------
    blocks
        Row blocks in batch order; their rows must add up to the batch size. All rows of a block
        must have the block's length (and hence the same step count).
    """

    def __init__(self, blocks: Sequence[NoiseBlock]) -> None:
        self.blocks = list(blocks)

    def draw(self, shape: tuple[int, int, int], running: torch.Tensor, dtype: torch.dtype, device) -> torch.Tensor:
        """Noise (B, Lmax, 3): block k's rows get a (rows_k, length_k, 3) draw from its own generator when its
        chains are ``running`` (B,) bool at this step, zeros otherwise; zeros in the padding."""
        B, lmax, dim = shape
        if sum(b.rows for b in self.blocks) != B or any(b.length > lmax for b in self.blocks):
            raise InputError(
                f"noise blocks {[(b.rows, b.length) for b in self.blocks]} do not fit a batch of shape {tuple(shape)}"
            )
        out = torch.zeros(shape, device=device, dtype=dtype)
        flags = running.tolist()  # one device sync per draw, not one per block
        r0 = 0
        for block in self.blocks:
            if flags[r0]:
                out[r0 : r0 + block.rows, : block.length] = torch.randn(
                    (block.rows, block.length, dim), generator=block.generator, device=device, dtype=dtype
                )
            r0 += block.rows
        return out


def as_noise(generator: torch.Generator | BlockNoise | SharedNoise | None) -> BlockNoise | SharedNoise:
    """The sampler's noise source: a :class:`BlockNoise` as given, else one shared generator."""
    return generator if isinstance(generator, (BlockNoise, SharedNoise)) else SharedNoise(generator)
