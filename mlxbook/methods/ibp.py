"""Interval bound propagation (IBP) for the IBP-Ex loss.

IBP (Gowal et al., 2018, "On the effectiveness of interval bound propagation for training
verifiably robust models", arXiv:1810.12715) pushes a per-element input box [lower, upper]
through a network layer by layer and returns a box that contains the network's output for
every input in the input box. The bounds are ordinary differentiable torch expressions, so a
loss on them can be trained through, as IBP-Ex does (Robust Learning from Explanations,
Sec. 3, Eq. 3).

Supported modules: ``nn.Sequential`` (nested to any depth) built from ``nn.Linear``,
``nn.Conv2d``, ``nn.ReLU``, ``nn.MaxPool2d``, ``nn.AvgPool2d``, ``nn.AdaptiveAvgPool2d``,
``nn.Flatten``, ``nn.Identity`` and ``nn.Dropout`` (treated as in eval mode, i.e. identity).
A custom model whose ``forward`` is not a plain chain of such layers should expose an
``nn.Sequential`` view of itself and pass that view to :func:`interval_bounds`.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

_AFFINE = (nn.Linear, nn.Conv2d)
# Monotone non-decreasing maps: applying them to both ends of the box is sound and exact.
_MONOTONE = (nn.ReLU, nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.Flatten, nn.Identity)
_SUPPORTED = (nn.Sequential, *_AFFINE, *_MONOTONE, nn.Dropout)


def _affine_bounds(module: nn.Linear | nn.Conv2d, lower: Tensor, upper: Tensor) -> tuple[Tensor, Tensor]:
    """Centre/radius form of Gowal et al. (2018): centre' = W mid + b, radius' = |W| rad."""
    mid = (upper + lower) / 2
    rad = (upper - lower) / 2
    centre = module(mid)
    if isinstance(module, nn.Linear):
        radius = F.linear(rad, module.weight.abs())
    else:
        # _conv_forward applies the module's own stride, padding (incl. padding_mode),
        # dilation and groups; padded radius entries are zero or copies, both sound.
        radius = module._conv_forward(rad, module.weight.abs(), None)
    return centre - radius, centre + radius


def interval_bounds(module: nn.Module, lower: Tensor, upper: Tensor) -> tuple[Tensor, Tensor]:
    """Propagate the batched box [lower, upper] (shape (B, ...)) through ``module``.

    Returns (lower', upper') with lower' <= module(x) <= upper' for every x in the box
    (the "l, u = IBP(f, [x - eps*m, x + eps*m])" step of IBP-Ex, Sec. 3). Differentiable
    with respect to the bounds and the module's parameters. Raises TypeError for module
    types outside the supported list (see the module docstring).
    """
    if lower.shape != upper.shape:
        raise ValueError(f"lower and upper must have the same shape; got {tuple(lower.shape)} and {tuple(upper.shape)}")
    if isinstance(module, nn.Sequential):
        for layer in module:
            lower, upper = interval_bounds(layer, lower, upper)
        return lower, upper
    if isinstance(module, _AFFINE):
        return _affine_bounds(module, lower, upper)
    if isinstance(module, _MONOTONE):
        return module(lower), module(upper)
    if isinstance(module, nn.Dropout):
        return lower, upper
    names = ", ".join(cls.__name__ for cls in _SUPPORTED)
    raise TypeError(f"interval_bounds does not support {type(module).__name__}; supported modules: {names}")


def masked_box(x: Tensor, irrelevant: Tensor, eps: float | Tensor) -> tuple[Tensor, Tensor]:
    """The IBP-Ex input box [x - eps*m, x + eps*m] (Sec. 3, above Eq. 3).

    ``irrelevant`` is the mask m (1 or True on features that may be perturbed), broadcastable
    to ``x``; ``eps`` is a non-negative float or a tensor broadcastable to ``x`` (e.g. shape
    (B, 1, 1, 1) for one eps per example). The box is not clipped to the data range, as in the
    paper's code. Relevant features (m = 0) keep lower == upper == x.
    """
    m = torch.as_tensor(irrelevant, device=x.device).to(x.dtype)
    eps = torch.as_tensor(eps, dtype=x.dtype, device=x.device)
    try:
        shape = torch.broadcast_shapes(x.shape, m.shape, eps.shape)
    except RuntimeError:
        shape = None
    if shape != x.shape:
        raise ValueError(
            f"irrelevant (shape {tuple(m.shape)}) and eps (shape {tuple(eps.shape)}) "
            f"must broadcast to x's shape {tuple(x.shape)}"
        )
    if (eps < 0).any():
        raise ValueError(f"eps must be non-negative; got {eps}")
    delta = eps * m
    return x - delta, x + delta


def _check_logit_bounds(logits_lower: Tensor, logits_upper: Tensor, y: Tensor) -> None:
    if logits_lower.shape != logits_upper.shape or logits_lower.dim() != 2:
        raise ValueError(
            "logit bounds must both have shape (B, C); got "
            f"{tuple(logits_lower.shape)} and {tuple(logits_upper.shape)}"
        )
    if y.shape != logits_lower.shape[:1]:
        raise ValueError(f"y must have shape ({logits_lower.shape[0]},); got {tuple(y.shape)}")


def worst_case_logits(logits_lower: Tensor, logits_upper: Tensor, y: Tensor) -> Tensor:
    """IBP-Ex's f~ (Eq. 3): l * onehot(y) + u * (1 - onehot(y)).

    The lower bound for the true class and the upper bound for every other class; the
    cross-entropy of these logits upper-bounds the cross-entropy anywhere in the box.
    """
    _check_logit_bounds(logits_lower, logits_upper, y)
    true_class = F.one_hot(y.long(), logits_lower.shape[1]).bool()
    return torch.where(true_class, logits_lower, logits_upper)


def certified(logits_lower: Tensor, logits_upper: Tensor, y: Tensor) -> Tensor:
    """Bool tensor (B,): the true-class lower bound beats every other class's upper bound,
    so the prediction is y for every input in the box (verified robustness, Gowal et al. 2018)."""
    _check_logit_bounds(logits_lower, logits_upper, y)
    y = y.long()
    true_class = F.one_hot(y, logits_lower.shape[1]).bool()
    best_other = logits_upper.masked_fill(true_class, float("-inf")).amax(dim=1)
    return logits_lower.gather(1, y[:, None]).squeeze(1) > best_other
