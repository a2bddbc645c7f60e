"""Per-chain loss weights: where RGDM's shell weight w = √((n + 3)/(n_window + 3)) enters (``diffusion.loss.shell_weighting``).

n is the chain's length and n_window its number of window modes (0 < ᾱ < 1) at the step. One strategy class
per choice, each giving two per-chain factors from w (B,):

* :class:`TargetShellWeighting` (``target``, RGDM): a ``noise`` target is multiplied by w (other
  parametrisations ignore the factor), loss weight 1.
* :class:`LossShellWeighting` (``loss``): plain target, per-chain loss weight w².
* :class:`NoShellWeighting` (``none``): both factors 1.
"""

from __future__ import annotations

import abc
from collections.abc import Callable

import torch

from protein_rgdm.errors import ConfigError

__all__ = [
    "STEP_WEIGHTINGS",
    "NoStepWeighting",
    "PriorErrorStepWeighting",
    "SHELL_WEIGHTINGS",
    "StepWeighting",
    "build_step_weighting",
    "LossShellWeighting",
    "NoShellWeighting",
    "ShellWeighting",
    "TargetShellWeighting",
    "build_shell_weighting",
    "shell_weight",
]


def shell_weight(lengths: torch.Tensor, n_window: torch.Tensor) -> torch.Tensor:
    """RGDM's w = √((n + 3) / (n_window + 3)), (B,) float64, from (B,) integer lengths and window sizes."""
    return torch.sqrt((lengths.to(torch.float64) + 3.0) / (n_window.to(torch.float64) + 3.0))


class ShellWeighting(abc.ABC):
    """Per-chain factors derived from the shell weight w (B,)."""

    #: Config name (``loss.shell_weighting``).
    kind: str

    @abc.abstractmethod
    def target_scale(self, w: torch.Tensor) -> torch.Tensor:
        """(B,) factor on a ``noise`` target (and so on its prior error, squared)."""

    @abc.abstractmethod
    def loss_weight(self, w: torch.Tensor) -> torch.Tensor:
        """(B,) factor on the chain's loss."""

    def describe(self) -> str:
        return self.kind


class TargetShellWeighting(ShellWeighting):
    kind = "target"

    def target_scale(self, w):
        return w

    def loss_weight(self, w):
        return torch.ones_like(w)


class LossShellWeighting(ShellWeighting):
    kind = "loss"

    def target_scale(self, w):
        return torch.ones_like(w)

    def loss_weight(self, w):
        return w**2


class NoShellWeighting(ShellWeighting):
    kind = "none"

    def target_scale(self, w):
        return torch.ones_like(w)

    def loss_weight(self, w):
        return torch.ones_like(w)


#: Shell weighting class of each ``loss.shell_weighting``.
SHELL_WEIGHTINGS: dict[str, type[ShellWeighting]] = {
    c.kind: c for c in (TargetShellWeighting, LossShellWeighting, NoShellWeighting)
}


def build_shell_weighting(kind: str) -> ShellWeighting:
    """The shell weighting named ``kind``; an unknown name raises ``ConfigError`` naming ``loss.shell_weighting``."""
    if kind not in SHELL_WEIGHTINGS:
        raise ConfigError(f"loss.shell_weighting: must be one of {', '.join(SHELL_WEIGHTINGS)}, got {kind!r}")
    return SHELL_WEIGHTINGS[kind]()


class StepWeighting(abc.ABC):
    """How a chain's loss is weighted by the difficulty of its step (``diffusion.loss.step_weighting``)."""

    #: Config name (``loss.step_weighting``).
    kind: str

    def __init__(self, floor: float) -> None:
        #: ``loss.step_weighting_floor`` (units of the loss: Å² for ``x0`` / ``noise``); used by ``prior_error``.
        self.floor = float(floor)

    @abc.abstractmethod
    def apply(self, weight: torch.Tensor, prior_error: Callable[[], torch.Tensor]) -> torch.Tensor:
        """(B,) per-chain weight → (B,) weight; ``prior_error()`` gives the (B,) loss of the prior-only denoiser at
        each chain's step (evaluated only by strategies that need it)."""

    def describe(self) -> str:
        return self.kind


class PriorErrorStepWeighting(StepWeighting):
    """``prior_error``: weight / (E_s + floor), E_s the prior-only denoiser's loss (units of the loss, Å²)."""

    kind = "prior_error"

    def apply(self, weight, prior_error):
        return weight / (prior_error() + self.floor)


class NoStepWeighting(StepWeighting):
    """``none``: the weight unchanged."""

    kind = "none"

    def apply(self, weight, prior_error):
        return weight


#: Step weighting class of each ``loss.step_weighting``.
STEP_WEIGHTINGS: dict[str, type[StepWeighting]] = {c.kind: c for c in (PriorErrorStepWeighting, NoStepWeighting)}


def build_step_weighting(kind: str, floor: float) -> StepWeighting:
    """The step weighting named ``kind`` with its floor; an unknown name or a floor ≤ 0 raises ``ConfigError``
    naming the key."""
    if not floor > 0:
        raise ConfigError(f"loss.step_weighting_floor: must be positive, got {floor}")
    if kind not in STEP_WEIGHTINGS:
        raise ConfigError(f"loss.step_weighting: must be one of {', '.join(STEP_WEIGHTINGS)}, got {kind!r}")
    return STEP_WEIGHTINGS[kind](floor)
