"""Value types passed between the diffusion core, the training loop and the samplers."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import torch

__all__ = ["ForwardSample", "SampleResult", "ScoreFn", "TrainingExample"]

#: score_fn(x_t (B,L,3) Å, t (B,) in [0,1], shell (B,) in [0,1], mask (B,L) bool) -> (B,L,3) prediction
ScoreFn = Callable[[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


@dataclasses.dataclass(frozen=True)
class ForwardSample:
    """One draw of the forward marginal in mode space (``Diffusion.q_sample``), no projection.

    Attributes
    ----------
    y0
        (B, L, 3) float, Å: the clean chain's modes (centred; 0 for mode 0 and the padding).
    y_t
        (B, L, 3) float, Å: √ᾱ y0 + √((1 − ᾱ) S) eps.
    eps
        (B, L, 3) float: the whitened noise ε ~ N(0, 1) (0 outside ``modes``).
    ab, ab_prev
        (B, L) float: ᾱ at the step and at the step before (1 for step 0; 0 for mode 0).
    power
        (B, L) float, Å²: the colour S.
    step, lengths
        (B,) long: the step index s and the chain's residue count n.
    modes
        (B, L) bool: valid non-zero modes.
    """

    y0: torch.Tensor
    y_t: torch.Tensor
    eps: torch.Tensor
    ab: torch.Tensor
    ab_prev: torch.Tensor
    power: torch.Tensor
    step: torch.Tensor
    lengths: torch.Tensor
    modes: torch.Tensor


@dataclasses.dataclass
class TrainingExample:
    """One noised batch.

    Attributes
    ----------
    x_t
        (B, L, 3) float, Å: the network input — noisy coordinates, centroid removed, modes already
        at the fixed point projected out (RG shell projection), padding 0.
    t
        (B,) float in (0, 1]: elapsed fraction of the forward process, (step + 1) / num_steps.
    shell
        (B,) float in (0, 1]: fraction of non-zero modes not yet at the fixed point (1 without erasure).
    target
        (B, L, 3) float: what the network must output, in real space (see ``Diffusion`` for the
        parametrisations ``noise`` / ``eps`` / ``x0``).
    weight
        (B,) float: per-chain loss weight.
    step
        (B,) long: forward step index s in [0, num_steps).
    num_steps
        (B,) long: the chain's total step count T.
    """

    x_t: torch.Tensor
    t: torch.Tensor
    shell: torch.Tensor
    target: torch.Tensor
    weight: torch.Tensor
    step: torch.Tensor
    num_steps: torch.Tensor


@dataclasses.dataclass
class SampleResult:
    """Output of the reverse process.

    Attributes
    ----------
    x
        (B, L, 3) float, Å: samples, centred, padding 0.
    nfe
        Number of ``score_fn`` evaluations.
    trajectory
        When requested, the (B, L, 3) state after every reverse step (on the CPU), first = the
        fixed-point draw, last = ``x``; otherwise None.
    num_steps
        Reverse steps taken (= nfe: the longest chain's T, or the evaluation budget of a few-step sampler).
    """

    x: torch.Tensor
    nfe: int
    trajectory: list[torch.Tensor] | None
    num_steps: int
