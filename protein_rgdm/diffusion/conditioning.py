"""What the network is given at a step, derived once for training and sampling.

From the state X̃_t in mode space and ᾱ at the chain's step s of T:

* active modes: ᾱ > 0 (not yet at the fixed point); window: 0 < ᾱ < 1 (where the prediction is used);
* x_t: the real-space state with the inactive modes projected out (RG shell projection);
* t = (s + 1) / T, the elapsed fraction of the forward process;
* shell = n_active / (n − 1), the fraction of non-zero modes not at the fixed point.

``Diffusion.training_example`` and ``reverse_sample`` both call :func:`condition`, so a network sees the same
inputs for the same state and step in training and sampling.
"""

from __future__ import annotations

import dataclasses

import torch

from protein_rgdm.basis.base import ModeBasis

__all__ = ["Conditioning", "condition"]


@dataclasses.dataclass(frozen=True)
class Conditioning:
    """The network's inputs at one step, and the mode masks they come from.

    Attributes
    ----------
    x_t
        (B, L, 3) float, Å: the state in real space, inactive modes projected out, centroid 0, padding 0.
    t
        (B,) float in (0, 1]: (step + 1) / num_steps.
    shell
        (B,) float in (0, 1]: fraction of the chain's n − 1 non-zero modes that are active.
    active
        (B, L) bool: valid non-zero modes with ᾱ > 0.
    window
        (B, L) bool: active modes with ᾱ < 1.
    """

    x_t: torch.Tensor
    t: torch.Tensor
    shell: torch.Tensor
    active: torch.Tensor
    window: torch.Tensor


def condition(
    basis: ModeBasis,
    y: torch.Tensor,
    ab: torch.Tensor,
    modes: torch.Tensor,
    mask: torch.Tensor,
    step: torch.Tensor,
    num_steps: torch.Tensor,
    lengths: torch.Tensor,
) -> Conditioning:
    """The network's inputs for state ``y`` at ``step``.

    Parameters
    ----------
    basis
        The mode basis (``from_modes``).
    y
        (B, L, 3) float: the state X̃_t in mode space.
    ab
        (B, L) float: ᾱ of each mode at the step.
    modes
        (B, L) bool: valid non-zero modes (``basis.mode_mask(mask)``).
    mask
        (B, L) bool: residues that exist.
    step, num_steps, lengths
        (B,) long: step index s, the chain's step count T, its residue count n.
    """
    dtype = y.dtype
    active = (ab > 0) & modes
    window = active & (ab < 1)
    return Conditioning(
        x_t=basis.from_modes(y * active.unsqueeze(-1).to(dtype), mask),
        t=(step + 1).to(dtype) / num_steps.to(dtype),
        shell=active.sum(1).to(dtype) / (lengths - 1).to(dtype),
        active=active,
        window=window,
    )
