"""Contextual decomposition (CD) of a network's output, as penalised by CDEP.

CD (Murdoch et al., 2018, "Beyond word importance", arXiv:1801.05453; extended to CNNs by Singh et
al., 2019, ACD) splits every activation into a part due to a feature set ("rel") and the rest
("irrel") and carries both parts through the network, so the logits split as h(x) = rel + irrel.
CDEP (Rieger et al., 2020, "Interpretations are useful", arXiv:1909.13584) takes the feature set
to be the region that must not matter and penalises its part. Rules, layer by layer:

- input: rel = x * region, irrel = x * (1 - region);
- Linear / Conv2d: the weights act on each part; the bias b is split in proportion to the parts'
  magnitudes, rel' = W rel + s b, irrel' = W irrel + (1 - s) b with s = |W rel| / (|W rel| + |W irrel|)
  (the rule of the CDEP code); where both parts are 0 the whole bias goes to irrel (s = 0), as
  Murdoch et al. give biases to the irrelevant part (the CDEP code adds 1e-19 to the denominator
  instead, which splits such a bias in halves and makes an empty region's rel non-zero);
- ReLU: the rule of the CDEP code, rel' = relu(rel), irrel' = relu(rel + irrel) - relu(rel)
  (not CD's averaged "linearising" rule);
- MaxPool2d: pool rel + irrel and take both parts at the winning positions;
- AvgPool2d, AdaptiveAvgPool2d, Flatten: linear, applied to each part; Identity and Dropout
  (as in eval mode): pass both parts through.

Every rule keeps rel' + irrel' equal to the layer's output, so rel + irrel = h(x) up to float
error. With these rules an empty region gives rel = 0 exactly; a full region gives irrel = 0
except at a unit whose weighted input W rel is exactly 0 (its bias then goes to irrel).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

_LINEAR = (nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.Flatten)
_PASS = (nn.Identity, nn.Dropout)
_SUPPORTED = (nn.Sequential, nn.Linear, nn.Conv2d, nn.ReLU, nn.MaxPool2d, *_LINEAR, *_PASS)


def cd(module: nn.Module, x: Tensor, region: Tensor) -> tuple[Tensor, Tensor]:
    """Split ``module(x)`` into (rel, irrel): the part due to the features where ``region`` is 1, and the rest.

    ``x`` has shape (B, ...); ``region`` is a {0, 1} mask broadcastable to ``x`` (values are not
    checked). ``module`` is an ``nn.Sequential`` (nested to any depth) of the supported layers (see
    the module docstring); any other layer raises TypeError. Differentiable in ``x`` and in the
    module's parameters, and usable under ``torch.func.vmap``.
    """
    try:
        shape = torch.broadcast_shapes(x.shape, region.shape)
    except RuntimeError:
        shape = None
    if shape != x.shape:
        raise ValueError(f"region (shape {tuple(region.shape)}) must broadcast to x's shape {tuple(x.shape)}")
    region = region.to(x.dtype)
    return _propagate(module, x * region, x * (1 - region))


def _propagate(module: nn.Module, rel: Tensor, irrel: Tensor) -> tuple[Tensor, Tensor]:
    if isinstance(module, nn.Sequential):
        for layer in module:
            rel, irrel = _propagate(layer, rel, irrel)
        return rel, irrel
    if isinstance(module, (nn.Linear, nn.Conv2d)):
        return _affine(module, rel, irrel)
    if isinstance(module, nn.ReLU):
        rel_out = F.relu(rel)
        return rel_out, F.relu(rel + irrel) - rel_out
    if isinstance(module, nn.MaxPool2d):
        return _max_pool(module, rel, irrel)
    if isinstance(module, _LINEAR):
        return module(rel), module(irrel)
    if isinstance(module, _PASS):
        return rel, irrel
    names = ", ".join(cls.__name__ for cls in _SUPPORTED)
    raise TypeError(f"cd does not support {type(module).__name__}; supported modules: {names}")


def _affine(module: nn.Linear | nn.Conv2d, rel: Tensor, irrel: Tensor) -> tuple[Tensor, Tensor]:
    """Weights on both parts; the bias split by the share s = |W rel| / (|W rel| + |W irrel|) (0 when both are 0)."""
    if isinstance(module, nn.Linear):
        rel, irrel = F.linear(rel, module.weight), F.linear(irrel, module.weight)
        bias = module.bias
    else:
        # _conv_forward keeps the module's stride, padding (and padding_mode), dilation and groups.
        rel, irrel = module._conv_forward(rel, module.weight, None), module._conv_forward(irrel, module.weight, None)
        bias = None if module.bias is None else module.bias.view(-1, 1, 1)
    if bias is None:
        return rel, irrel
    size_rel, size_irrel = rel.abs(), irrel.abs()
    share = size_rel / (size_rel + size_irrel).clamp_min(torch.finfo(rel.dtype).tiny)
    return rel + share * bias, irrel + (1 - share) * bias


def _max_pool(module: nn.MaxPool2d, rel: Tensor, irrel: Tensor) -> tuple[Tensor, Tensor]:
    """Pick, in every window, the position where rel + irrel is largest, for both parts."""
    _, index = F.max_pool2d(
        rel + irrel, module.kernel_size, module.stride, module.padding, module.dilation,
        ceil_mode=module.ceil_mode, return_indices=True,
    )
    flat = index.flatten(-2)  # indices count positions within each (H, W) plane

    def pick(part: Tensor) -> Tensor:
        return part.flatten(-2).gather(-1, flat).view_as(index)

    return pick(rel), pick(irrel)
