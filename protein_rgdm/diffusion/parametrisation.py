"""What the network outputs (``diffusion.prediction``): one strategy class per parametrisation.

All work in mode space on one chain's modes, per batch row; shapes: ``y_t``, ``noise``, ``pred`` (B, L, 3) (the
modes X̃_j of :mod:`protein_rgdm.basis`), ``ab`` = ᾱ and ``power`` = S (B, L) (S in Å²), ``window`` (B, L) bool
(0 < ᾱ < 1: the modes where the prediction is used), ``scale`` (B,) the shell weighting's factor on a ``noise``
target (:mod:`protein_rgdm.diffusion.weighting`; 1 without it). With N = √((1 − ᾱ) S) ε the colored noise in
X̃_t = √ᾱ X̃₀ + N:

* :class:`X0Prediction` (``x0``): the clean modes X̃₀; N̂ = X̃_t − √ᾱ x̂₀.
* :class:`NoisePrediction` (``noise``, RGDM): scale · N on the window; N̂ = pred / scale.
* :class:`EpsPrediction` (``eps``): the whitened noise ε on the window; N̂ = √((1 − ᾱ) S) ε̂.

Each also gives E_s per mode, the error of the prior-only Gaussian denoiser (colour S as the data's power) in
its units (``Diffusion.prior_error`` sums it over the window).
"""

from __future__ import annotations

import abc

import torch

from protein_rgdm.errors import ConfigError

__all__ = [
    "PARAMETRISATIONS",
    "EpsPrediction",
    "NoisePrediction",
    "Parametrisation",
    "X0Prediction",
    "build_parametrisation",
]


def _safe_divide(num: torch.Tensor, den: torch.Tensor) -> torch.Tensor:
    """num / den where den > 0, else 0 (no NaN in the gradient either)."""
    return torch.where(den > 0, num / torch.where(den > 0, den, torch.ones_like(den)), torch.zeros_like(num))


class Parametrisation(abc.ABC):
    """The network's output as a function of the forward draw, and the colored-noise estimate it implies."""

    #: Config name (``diffusion.prediction``).
    kind: str

    @abc.abstractmethod
    def target(
        self, y0: torch.Tensor, noise: torch.Tensor, eps: torch.Tensor, window3: torch.Tensor, scale: torch.Tensor
    ) -> torch.Tensor:
        """Training target (B, L, 3) in mode space from the clean modes ``y0``, the colored noise ``noise`` = N and
        the whitened ``eps`` = ε of one forward draw; ``window3`` (B, L, 1) float 0/1."""

    @abc.abstractmethod
    def noise_from_prediction(self, pred, y_t, ab, power, window, scale) -> torch.Tensor:
        """N̂ (B, L, 3), window modes only (0 elsewhere), from the network's prediction ``pred``."""

    @abc.abstractmethod
    def prediction_from_noise(self, noise, y_t, ab, power, window, scale) -> torch.Tensor:
        """Inverse of :meth:`noise_from_prediction`: what a perfect network outputs given the true N (window only)."""

    @abc.abstractmethod
    def prior_error(self, ab: torch.Tensor, power: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
        """(B, L) per-coordinate error variance of the prior-only denoiser, per mode, in this target's units."""

    def describe(self) -> str:
        return self.kind


class X0Prediction(Parametrisation):
    """The clean (centred) chain's modes X̃₀ (the default; its loss is in Å²)."""

    kind = "x0"

    def target(self, y0, noise, eps, window3, scale):
        return y0

    def noise_from_prediction(self, pred, y_t, ab, power, window, scale):
        return (y_t - ab.sqrt().unsqueeze(-1) * pred) * window.unsqueeze(-1).to(y_t.dtype)

    def prediction_from_noise(self, noise, y_t, ab, power, window, scale):
        return _safe_divide(y_t - noise, ab.sqrt().unsqueeze(-1)) * window.unsqueeze(-1).to(y_t.dtype)

    def prior_error(self, ab, power, scale):
        return (1.0 - ab) * power


class NoisePrediction(Parametrisation):
    """RGDM's colored noise N actually added, times the shell weighting's ``scale`` (Å)."""

    kind = "noise"

    def target(self, y0, noise, eps, window3, scale):
        return noise * window3 * scale[:, None, None]

    def noise_from_prediction(self, pred, y_t, ab, power, window, scale):
        return pred / scale.to(y_t.dtype)[:, None, None] * window.unsqueeze(-1).to(y_t.dtype)

    def prediction_from_noise(self, noise, y_t, ab, power, window, scale):
        return noise * window.unsqueeze(-1).to(y_t.dtype) * scale.to(y_t.dtype)[:, None, None]

    def prior_error(self, ab, power, scale):
        return ab * (1.0 - ab) * power * (scale**2).to(ab.dtype)[:, None]


class EpsPrediction(Parametrisation):
    """The whitened noise ε (unit variance per active mode, dimensionless)."""

    kind = "eps"

    def target(self, y0, noise, eps, window3, scale):
        return eps * window3

    def noise_from_prediction(self, pred, y_t, ab, power, window, scale):
        return ((1.0 - ab) * power).sqrt().unsqueeze(-1) * pred * window.unsqueeze(-1).to(y_t.dtype)

    def prediction_from_noise(self, noise, y_t, ab, power, window, scale):
        sd = ((1.0 - ab) * power).sqrt().unsqueeze(-1)
        return _safe_divide(noise, sd) * window.unsqueeze(-1).to(y_t.dtype)

    def prior_error(self, ab, power, scale):
        return ab


#: Parametrisation class of each ``diffusion.prediction``.
PARAMETRISATIONS: dict[str, type[Parametrisation]] = {c.kind: c for c in (NoisePrediction, EpsPrediction, X0Prediction)}


def build_parametrisation(kind: str) -> Parametrisation:
    """The parametrisation named ``kind``; an unknown name raises ``ConfigError`` naming ``prediction``."""
    if kind not in PARAMETRISATIONS:
        raise ConfigError(f"prediction: must be one of {', '.join(PARAMETRISATIONS)}, got {kind!r}")
    return PARAMETRISATIONS[kind]()
