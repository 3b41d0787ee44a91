"""mlxbook's interval bounds against an independent library's: ``bound-propagation`` (PyPI, pure Python).

The library bounds ``nn.Sequential`` chains of ``nn.Linear``, ``nn.ReLU`` and ``nn.Identity`` (and smooth
activations we do not use); it has no convolution or pooling. A convolution and an average pooling are affine
maps, so each is handed to the library as the ``nn.Linear`` with the same matrix (read off the layer by
applying it to the basis images, and checked to reproduce it): the library's IBP of that dense layer is the
interval arithmetic of the map itself, so ours must agree with it to float precision. ``nn.MaxPool2d`` has
no such form and is not covered here (its bound is the layer applied to both ends, exact for a monotone map).
"""
import math

import bound_propagation as bp
import pytest
import torch
from torch import nn

from mlxbook.methods.ibp import interval_bounds, masked_box
from mlxbook.models.heo import HeoCNN, HeoMLP


def _dense(layer: nn.Module, shape: tuple[int, ...]) -> tuple[nn.Linear, tuple[int, ...]]:
    """The affine ``layer`` on inputs of ``shape`` as an ``nn.Linear`` over flattened inputs, and its output shape."""
    n = math.prod(shape)
    with torch.no_grad():
        zero = layer(torch.zeros(1, *shape, dtype=torch.float64))
        columns = layer(torch.eye(n, dtype=torch.float64).reshape(n, *shape)).flatten(1) - zero.flatten(1)
    dense = nn.Linear(n, columns.shape[1], dtype=torch.float64)
    dense.weight.data, dense.bias.data = columns.T.contiguous(), zero.flatten()
    x = torch.randn(4, *shape, dtype=torch.float64)
    assert torch.allclose(dense(x.flatten(1)), layer(x).flatten(1), atol=1e-10)  # the same map
    return dense, tuple(zero.shape[1:])


def _as_library(net: nn.Sequential, shape: tuple[int, ...]) -> nn.Sequential:
    """``net`` (Conv2d, AvgPool2d, Flatten, Linear, ReLU, Identity, nested Sequential) as the library's layer types."""
    out = []
    for layer in net.modules():
        if isinstance(layer, nn.Sequential):
            continue
        if isinstance(layer, (nn.Conv2d, nn.AvgPool2d)):
            dense, shape = _dense(layer, shape)
            out.append(dense)
        elif isinstance(layer, nn.Linear):
            out.append(layer)
            shape = (layer.out_features,)
        elif isinstance(layer, nn.ReLU):
            out.append(nn.ReLU())
        elif isinstance(layer, nn.Flatten):
            shape = (math.prod(shape),)
        elif isinstance(layer, nn.Identity):  # a model without a mapping layer
            out.append(nn.Identity())
        else:
            raise TypeError(f"no library form for {type(layer).__name__}")
    return nn.Sequential(*out)


def _library_bounds(net: nn.Sequential, lower: torch.Tensor, upper: torch.Tensor):
    bounds = bp.BoundModelFactory().build(_as_library(net, tuple(lower.shape[1:]))).ibp(
        bp.HyperRectangle(lower.flatten(1), upper.flatten(1)))
    return bounds.lower, bounds.upper


NETWORKS = {
    "IBP-Ex CNN (App. D), 16x16": lambda: HeoCNN(1, 16, widths=(4, 4, 8, 8), hidden=(32, 32), n_classes=3).sequential(),
    "IBP-Ex FFN (App. D)": lambda: HeoMLP(64, hidden=(32, 32, 32), n_classes=4).sequential(),
    "conv stride 2, avg pool, linear": lambda: nn.Sequential(
        nn.Conv2d(2, 3, 3, stride=2, padding=1), nn.ReLU(), nn.AvgPool2d(2), nn.Flatten(), nn.Linear(12, 5), nn.ReLU(),
        nn.Sequential(nn.Linear(5, 2))),
}
INPUTS = {"IBP-Ex CNN (App. D), 16x16": (1, 16, 16), "IBP-Ex FFN (App. D)": (1, 8, 8),
          "conv stride 2, avg pool, linear": (2, 8, 8)}


@pytest.mark.parametrize("name", NETWORKS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_our_interval_bounds_equal_the_librarys_on_random_networks(name, seed):
    torch.manual_seed(seed)
    net = NETWORKS[name]().double()
    x = torch.rand(5, *INPUTS[name], dtype=torch.float64)
    irrelevant = (torch.rand_like(x) < 0.5).double()
    lower, upper = masked_box(x, irrelevant, 0.1 * (seed + 1))  # the IBP-Ex box: eps on the irrelevant pixels
    ours = interval_bounds(net, lower, upper)
    theirs = _library_bounds(net, lower, upper)
    assert (ours[1] - ours[0]).max() > 1e-3  # a box wide enough for the comparison to mean something
    for a, b in zip(ours, theirs):
        assert torch.allclose(a.flatten(1), b, rtol=1e-9, atol=1e-9), (a.flatten(1) - b).abs().max()


def test_a_layer_the_library_cannot_express_is_refused_not_skipped():
    with pytest.raises(TypeError, match="MaxPool2d"):
        _as_library(nn.Sequential(nn.MaxPool2d(2)), (1, 4, 4))
