"""Properties of contextual decomposition (mlxbook.methods.cd) and of the CDEP method built on it."""
import pytest
import torch
from torch import nn

from mlxbook.data.base import Batch
from mlxbook.errors import ConfigError
from mlxbook.methods.base import per_seed_cross_entropy
from mlxbook.methods.cd import cd
from mlxbook.methods.cdep import CDEP
from mlxbook.models import build_model
from mlxbook.models.stacked import StackedModel

TOL = 1e-5
# key: (build, example shape)
MODELS = {
    "mlp": (lambda: build_model("mlp", in_features=6, hidden=(8, 5), n_classes=3), (6,)),
    "cnn": (lambda: build_model("shape_cnn", image_size=16, widths=(4, 4, 4)), (1, 16, 16)),
}


def net(key, seed=0):
    torch.manual_seed(seed)
    return MODELS[key][0]()


def inputs(shape, n=8, seed=1):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn((n, *shape), generator=g)
    region = (torch.rand((n, *shape), generator=g) < 0.5).float()
    return x, region


@pytest.mark.parametrize("key", MODELS)
@pytest.mark.parametrize("seed", range(3))
def test_parts_sum_to_output(key, seed):
    model = net(key, seed)
    x, region = inputs(MODELS[key][1], seed=seed)
    rel, irrel = cd(model.sequential(), x, region)
    with torch.no_grad():
        assert torch.allclose(rel + irrel, model(x), atol=TOL)


def test_every_supported_layer_keeps_the_sum():
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1, bias=False), nn.ReLU(), nn.MaxPool2d(3, stride=2, padding=1),
        nn.Sequential(nn.Conv2d(4, 4, 3, padding=1, padding_mode="reflect"), nn.ReLU()), nn.AvgPool2d(2),
        nn.AdaptiveAvgPool2d(2), nn.Dropout(0.5), nn.Identity(), nn.Flatten(), nn.Linear(16, 3),
    ).eval()
    x, region = inputs((2, 8, 8))
    rel, irrel = cd(model, x, region)
    with torch.no_grad():
        assert torch.allclose(rel + irrel, model(x), atol=TOL)


@pytest.mark.parametrize("key", MODELS)
def test_empty_region_has_no_part_and_full_region_takes_all(key):
    model = net(key)
    x, _ = inputs(MODELS[key][1])
    with torch.no_grad():
        out = model(x)
        rel, irrel = cd(model.sequential(), x, torch.zeros_like(x))
        assert (rel == 0).all() and torch.allclose(irrel, out, atol=TOL)
        # Exact here; only a unit whose weighted input is exactly 0 would give irrel its bias.
        rel, irrel = cd(model.sequential(), x, torch.ones_like(x))
        assert (irrel == 0).all() and torch.allclose(rel, out, atol=TOL)


def test_linear_model_is_exact():
    torch.manual_seed(0)
    model = build_model("mlp", in_features=6, hidden=(), n_classes=3)
    x, region = inputs((6,))
    layer = model.c[0]
    w, b = layer.weight.detach(), layer.bias.detach()
    part, rest = (x * region) @ w.T, (x * (1 - region)) @ w.T
    share = part.abs() / (part.abs() + rest.abs())
    rel, irrel = cd(model.sequential(), x, region)
    assert torch.allclose(rel, part + share * b, atol=TOL)
    assert torch.allclose(irrel, rest + (1 - share) * b, atol=TOL)


def test_max_pool_takes_both_parts_at_the_winner():
    pool = nn.MaxPool2d(2)
    x = torch.tensor([[[[1.0, 5.0], [2.0, 3.0]]]])
    region = torch.tensor([[[[1.0, 0.0], [1.0, 1.0]]]])
    rel, irrel = cd(pool, x, region)
    assert rel.item() == 0.0 and irrel.item() == 5.0


def test_unsupported_layer_and_bad_region():
    with pytest.raises(TypeError, match="BatchNorm1d"):
        cd(nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3)), torch.randn(2, 3), torch.ones(2, 3))
    with pytest.raises(ValueError, match="region"):
        cd(nn.Linear(3, 3), torch.randn(2, 3), torch.ones(2, 4))


def make_batch(key, seeds, has_mask=None, seed=2):
    shape = MODELS[key][1]
    x, relevance = inputs(shape, n=6, seed=seed)
    y = torch.randint(0, 2, (6,), generator=torch.Generator().manual_seed(seed))
    has_mask = torch.ones(6, dtype=torch.bool) if has_mask is None else has_mask
    s = len(seeds)
    expand = lambda t: t.unsqueeze(0).expand(s, *t.shape).clone()
    return Batch(expand(x), expand(y), expand(relevance), expand(has_mask))


def stacked(key, seeds):
    return StackedModel(MODELS[key][0], seeds)


@pytest.mark.parametrize("key", MODELS)
def test_lam_zero_and_no_masks_give_cross_entropy(key):
    model, batch = stacked(key, [0, 1]), make_batch(key, [0, 1])
    ce = per_seed_cross_entropy(model(batch.x), batch.y)
    assert torch.allclose(CDEP(lam=0.0).loss(model, batch, 0.0), ce, atol=TOL)
    unannotated = make_batch(key, [0, 1], has_mask=torch.zeros(6, dtype=torch.bool))
    assert torch.allclose(CDEP(lam=100.0).loss(model, unannotated, 0.0), ce, atol=TOL)
    assert (CDEP(lam=100.0).loss(model, batch, 0.0) > ce).all()


def test_penalty_is_the_rel_share_over_annotated_examples():
    model = stacked("mlp", [0])
    has_mask = torch.tensor([True, False, True, True, False, True])
    batch = make_batch("mlp", [0], has_mask)
    single = model.unstack(MODELS["mlp"][0])[0]
    rel, irrel = cd(single.sequential(), batch.x[0], batch.irrelevant[0])
    expected = (torch.sigmoid(rel - irrel).mean(1) * has_mask).sum() / 6
    ce = per_seed_cross_entropy(model(batch.x), batch.y)
    assert torch.allclose(CDEP(lam=10.0).loss(model, batch, 0.0), ce + 10.0 * expected, atol=TOL)


@pytest.mark.parametrize("key", MODELS)
def test_stacked_seeds_match_single_seeds_and_gradients_are_finite(key):
    method = CDEP(lam=100.0)
    both = stacked(key, [3, 4])
    loss = method.loss(both, make_batch(key, [3, 4]), 0.0)
    singles = torch.cat([method.loss(stacked(key, [s]), make_batch(key, [s]), 0.0) for s in (3, 4)])
    assert loss.shape == (2,)
    assert torch.allclose(loss, singles, atol=TOL)
    loss.sum().backward()
    grads = [p.grad for p in both.named()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert any(g.abs().sum() > 0 for g in grads)


@pytest.mark.parametrize("kwargs, name", [
    ({"lam": -1.0}, "lam"), ({"lam": "1"}, "lam"), ({"lam": float("inf")}, "lam"), ({"lam": float("nan")}, "lam"),
    ({"lr": -0.1}, "lr"), ({"optimizer": "rmsprop"}, "optimizer"),
])
def test_bad_hyper_parameters(kwargs, name):
    with pytest.raises(ConfigError, match=name):
        CDEP(**kwargs)


def test_config_names_the_method():
    assert CDEP().config()["method"] == "cdep" and CDEP().config()["lam"] == 100.0
