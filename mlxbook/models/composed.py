"""The composition h = c ∘ m ∘ f of the two-stage paper (Machine Learning from Explanations, Sec. 3, Alg. 1).

f is the feature extractor (all convolutional layers, or all hidden layers of an MLP), m the mapping
layer "that maps features extracted by f back to the same feature space" and c the classifier (the
fully connected layers). Every model of the book has this shape so that a training method can address
the parts by name; models without a mapping layer have ``m = nn.Identity()``.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from ..errors import ConfigError, check_int


class ComposedModel(nn.Module):
    """h(x) = c(m(f(x))) with the three parts as children ``f``, ``m`` and ``c``.

    ``f`` and ``c`` are ``nn.Sequential``; ``m`` is an ``nn.Linear(N, N)`` or ``nn.Identity()``, where
    N = :attr:`n_features` is the size of f's (flattened) output and the input size of c's first
    ``nn.Linear``. Parameter names therefore start with ``f.``, ``m.`` or ``c.``. The forward pass
    is a plain chain with no buffers, in-place ops or data-dependent control flow, so it can run under
    ``torch.func.functional_call`` and ``torch.func.vmap``, and :meth:`sequential` can be given to
    :func:`mlxbook.methods.ibp.interval_bounds`.
    """

    def __init__(self, f: nn.Sequential, m: nn.Linear | nn.Identity, c: nn.Sequential):
        super().__init__()
        if not isinstance(m, (nn.Linear, nn.Identity)):
            raise ConfigError(f"m must be nn.Linear or nn.Identity; got {type(m).__name__}")
        linears = [layer for layer in c.modules() if isinstance(layer, nn.Linear)]
        if not linears:
            raise ConfigError("c must contain an nn.Linear (the classifier's first layer fixes N)")
        n = linears[0].in_features
        if isinstance(m, nn.Linear) and (m.in_features, m.out_features) != (n, n):
            raise ConfigError(f"m must be nn.Linear({n}, {n}) to map the {n} features onto themselves; got {m}")
        self.f = f
        self.m = m
        self.c = c
        self.n_features = n

    def forward(self, x: Tensor) -> Tensor:
        """Logits h(x) = c(m(f(x)))."""
        return self.c(self.m(self.f(x)))

    def features(self, x: Tensor) -> Tensor:
        """f(x), shape (B, N): the features the paper's stage 2 compares (x'_feat = softmax(f(x * e)))."""
        return self.f(x)

    def mapped(self, x: Tensor) -> Tensor:
        """m(f(x)), shape (B, N): the mapped features (x_feat = softmax(m(f(x))) in stage 2)."""
        return self.m(self.f(x))

    def sequential(self) -> nn.Sequential:
        """``nn.Sequential(f, m, c)``: the same modules (parameters shared), as a chain for interval bounds."""
        return nn.Sequential(self.f, self.m, self.c)


def mapping_layer(n_features: int, mapping: bool) -> nn.Linear | nn.Identity:
    """The mapping layer m: ``nn.Linear(N, N)`` initialised to the identity, or ``nn.Identity()``.

    The paper does not say how m is initialised. Stage 1 trains the whole model, m included, and
    stage 2 compares softmax(m(f(x))) with softmax(f(x * e)) coordinate by coordinate, so m must map
    f's feature space onto itself; a random m would start by scrambling f's features on the way to c
    and to the feature loss. At the identity (weight = I, bias = 0), h starts as the same function as
    the network without m. The layer is built with ``skip_init`` and draws no random numbers, so for
    one seed ``mapping=True`` and ``mapping=False`` give identical f and c (the "No Mapping Layer"
    ablation of Table 3 then starts from the same weights).
    """
    if not isinstance(mapping, bool):
        raise ConfigError(f"mapping={mapping!r} must be True or False")
    if not mapping:
        return nn.Identity()
    layer = nn.utils.skip_init(nn.Linear, n_features, n_features)
    with torch.no_grad():
        nn.init.eye_(layer.weight)
        nn.init.zeros_(layer.bias)
    return layer


def check_widths(name: str, value, *, allow_empty: bool = False) -> tuple[int, ...]:
    """Return ``value`` as a tuple of positive ints (layer widths), else raise a ConfigError naming ``name``."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ConfigError(f"{name}={value!r} must be a sequence of positive integers")
    if not value and not allow_empty:
        raise ConfigError(f"{name}={value!r} must hold at least one width")
    for width in value:
        if isinstance(width, bool) or not isinstance(width, int) or width < 1:
            raise ConfigError(f"{name}={value!r} must hold positive integers; got {width!r}")
    return tuple(value)


def check_image(in_channels, image_size, factor: int, why: str) -> None:
    """Check ``in_channels`` >= 1 and ``image_size`` >= 1 and divisible by ``factor`` (``why`` says why)."""
    check_int("in_channels", in_channels, low=1)
    check_int("image_size", image_size, low=1)
    if image_size % factor:
        raise ConfigError(f"image_size={image_size!r} must be divisible by {factor} ({why})")
