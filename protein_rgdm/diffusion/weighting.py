"""Where RGDM's shell weight w = √((n + 3)/(n_window + 3)) enters (``diffusion.loss.shell_weighting``).

n is the chain's length and n_window its number of window modes (0 < ᾱ < 1) at the step. One strategy class
per choice, each giving two per-chain factors from w (B,):

* :class:`TargetShellWeighting` (``target``, RGDM): a ``noise`` target is multiplied by w (other
  parametrisations ignore the factor), loss weight 1.
* :class:`LossShellWeighting` (``loss``): plain target, per-chain loss weight w².
* :class:`NoShellWeighting` (``none``): both factors 1.
"""

from __future__ import annotations

import abc

import torch

from protein_rgdm.errors import ConfigError

__all__ = [
    "SHELL_WEIGHTINGS",
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
