"""Soundness and behaviour of the interval bound propagation in mlxbook.methods.ibp."""
import itertools

import pytest
import torch
from torch import nn

from mlxbook.methods.ibp import (
    certified,
    interval_bounds,
    masked_box,
    worst_case_logits,
)

TOL = 1e-5
N_SAMPLES = 10_000


def mlp(seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Sequential(nn.Linear(16, 16), nn.ReLU()), nn.Linear(16, 3))


def cnn(seed):
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(4, 4, 3, stride=1, padding=1),
        nn.ReLU(),
        nn.AvgPool2d(2),
        nn.AdaptiveAvgPool2d(2),
        nn.Dropout(0.5),
        nn.Identity(),
        nn.Flatten(),
        nn.Linear(4 * 2 * 2, 8),
        nn.ReLU(),
        nn.Linear(8, 3),
    )


def random_box(shape, seed, max_radius=0.5):
    g = torch.Generator().manual_seed(seed)
    centre = torch.randn(shape, generator=g)
    radius = torch.rand(shape, generator=g) * max_radius
    return centre - radius, centre + radius


def uniform_points(lower, upper, n, seed):
    """n points per box, shape (n, B, ...)."""
    g = torch.Generator().manual_seed(seed)
    return lower + (upper - lower) * torch.rand((n, *lower.shape), generator=g)


def assert_inside(net, points, lower, upper):
    b = lower.shape[0]
    with torch.no_grad():
        out = net(points.reshape(-1, *points.shape[2:])).reshape(points.shape[0], b, -1)
    assert (out >= lower - TOL).all()
    assert (out <= upper + TOL).all()


@pytest.mark.parametrize("seed", range(3))
def test_mlp_bounds_contain_samples_and_corners(seed):
    net = mlp(seed)
    lower, upper = random_box((2, 4), seed)
    with torch.no_grad():
        lo, hi = interval_bounds(net, lower, upper)
    assert (lo <= hi).all()
    assert_inside(net, uniform_points(lower, upper, N_SAMPLES, seed), lo, hi)
    # all 2^4 corners of each box
    bits = torch.tensor(list(itertools.product([0.0, 1.0], repeat=4)))  # (16, 4)
    corners = lower[None] + bits[:, None, :] * (upper - lower)[None]
    assert_inside(net, corners, lo, hi)


@pytest.mark.parametrize("seed", range(2))
def test_cnn_bounds_contain_samples(seed):
    net = cnn(seed).train()  # dropout must still be treated as identity by the bounds
    lower, upper = random_box((2, 2, 12, 12), seed, max_radius=0.2)
    with torch.no_grad():
        lo, hi = interval_bounds(net, lower, upper)
    net.eval()
    assert_inside(net, uniform_points(lower, upper, N_SAMPLES, seed), lo, hi)


def test_single_linear_layer_is_exact():
    torch.manual_seed(0)
    layer = nn.Linear(5, 3)
    lower, upper = random_box((4, 5), 0)
    with torch.no_grad():
        lo, hi = interval_bounds(layer, lower, upper)
        w = layer.weight  # (3, 5)
        # for output k, the maximising corner takes upper where W[k] > 0, lower elsewhere
        arg_max = torch.where(w[None] > 0, upper[:, None, :], lower[:, None, :])  # (4, 3, 5)
        arg_min = torch.where(w[None] > 0, lower[:, None, :], upper[:, None, :])
        attained_hi = (arg_max * w[None]).sum(-1) + layer.bias
        attained_lo = (arg_min * w[None]).sum(-1) + layer.bias
    torch.testing.assert_close(hi, attained_hi)
    torch.testing.assert_close(lo, attained_lo)


def test_single_conv_layer_is_exact_at_corners():
    torch.manual_seed(0)
    layer = nn.Conv2d(1, 2, 3, padding=0)
    lower, upper = random_box((1, 1, 3, 3), 1)  # one output pixel per channel
    with torch.no_grad():
        lo, hi = interval_bounds(layer, lower, upper)
        for k in range(2):
            w = layer.weight[k : k + 1]
            corner_hi = torch.where(w > 0, upper, lower)
            corner_lo = torch.where(w > 0, lower, upper)
            torch.testing.assert_close(hi[0, k], layer(corner_hi)[0, k])
            torch.testing.assert_close(lo[0, k], layer(corner_lo)[0, k])


@pytest.mark.parametrize("make,shape", [(mlp, (3, 4)), (cnn, (3, 2, 12, 12))])
def test_zero_eps_gives_the_logits(make, shape):
    net = make(0).eval()
    x = torch.randn(shape)
    mask = torch.ones(shape)
    with torch.no_grad():
        lo, hi = interval_bounds(net, *masked_box(x, mask, 0.0))
        logits = net(x)
    torch.testing.assert_close(lo, logits, rtol=0, atol=0)
    torch.testing.assert_close(hi, logits, rtol=0, atol=0)


def test_masked_box_keeps_relevant_features_fixed():
    x = torch.randn(2, 1, 4, 4)
    mask = torch.zeros(2, 1, 4, 4, dtype=torch.bool)
    mask[:, :, :, 2:] = True
    lower, upper = masked_box(x, mask, 0.3)
    assert torch.equal(lower[~mask], x[~mask]) and torch.equal(upper[~mask], x[~mask])
    torch.testing.assert_close(lower[mask], x[mask] - 0.3)
    torch.testing.assert_close(upper[mask], x[mask] + 0.3)
    # not clipped to the data range
    assert (masked_box(torch.zeros(1, 3), torch.ones(1, 3), 1.0)[0] == -1).all()


def test_masked_box_per_example_eps_and_bad_input():
    x = torch.zeros(2, 3)
    lower, upper = masked_box(x, torch.ones(3), torch.tensor([[0.5], [2.0]]))
    assert torch.equal(upper, torch.tensor([[0.5] * 3, [2.0] * 3]))
    with pytest.raises(ValueError, match="broadcast"):
        masked_box(x, torch.ones(4), 0.1)
    with pytest.raises(ValueError, match="non-negative"):
        masked_box(x, torch.ones(3), -0.1)


def test_bounds_widen_monotonically_with_eps():
    net = cnn(1).eval()
    x = torch.randn(2, 2, 12, 12)
    mask = torch.rand(2, 2, 12, 12) > 0.5
    widths = []
    with torch.no_grad():
        for eps in [0.0, 0.01, 0.1, 0.5, 1.0]:
            lo, hi = interval_bounds(net, *masked_box(x, mask, eps))
            widths.append((lo, hi))
    for (lo_a, hi_a), (lo_b, hi_b) in zip(widths, widths[1:]):
        assert (lo_b <= lo_a + TOL).all() and (hi_b >= hi_a - TOL).all()


def test_worst_case_logits_and_certified_by_hand():
    lower = torch.tensor([[2.0, -1.0, 0.0], [0.0, 1.0, 0.5], [1.0, 0.0, 0.0]])
    upper = torch.tensor([[3.0, 1.0, 1.5], [2.0, 2.0, 1.0], [2.0, 1.0, 0.5]])
    y = torch.tensor([0, 1, 0])
    expected = torch.tensor([[2.0, 1.0, 1.5], [2.0, 1.0, 1.0], [1.0, 1.0, 0.5]])
    assert torch.equal(worst_case_logits(lower, upper, y), expected)
    # row 0: 2 > max(1, 1.5); row 1: 1 < 2; row 2: tie 1 == 1 is not certified
    assert certified(lower, upper, y).tolist() == [True, False, False]
    with pytest.raises(ValueError):
        worst_case_logits(lower, upper, torch.tensor([0, 1]))


def test_gradients_flow_through_bounds():
    net = cnn(2).eval()
    x = torch.randn(3, 2, 12, 12, requires_grad=True)
    mask = torch.ones_like(x)
    lo, hi = interval_bounds(net, *masked_box(x, mask, 0.1))
    y = torch.tensor([0, 1, 2])
    loss = nn.functional.cross_entropy(worst_case_logits(lo, hi, y), y)
    loss.backward()
    grads = [x.grad] + [p.grad for p in net.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert all(g.abs().sum() > 0 for g in grads)


def test_unsupported_module_raises_type_error():
    net = nn.Sequential(nn.Linear(3, 3), nn.Tanh())
    with pytest.raises(TypeError, match="Tanh") as info:
        interval_bounds(net, torch.zeros(1, 3), torch.ones(1, 3))
    assert "Linear" in str(info.value) and "Conv2d" in str(info.value)
