"""Properties of mlxbook.models: shapes, the h = c(m(f(x))) split, IBP and vmap compatibility, errors."""
import copy

import pytest
import torch
from torch import nn
from torch.func import functional_call, stack_module_state, vmap

from mlxbook.errors import ConfigError
from mlxbook.methods.ibp import interval_bounds
from mlxbook.models import DEFAULTS_CHOSEN, MODELS, ComposedModel, build_model

# Small configurations (fast on CPU): model name, keyword arguments, input shape; m on and off.
SMALL = {
    "shape_cnn": ("shape_cnn", {"image_size": 16, "widths": (4, 6, 8)}, (1, 16, 16)),
    "shape_cnn_nomap": ("shape_cnn", {"image_size": 16, "widths": (4, 6, 8), "mapping": False}, (1, 16, 16)),
    "bird_cnn": ("bird_cnn", {"image_size": 16, "widths": (4, 8)}, (3, 16, 16)),
    "mlp": ("mlp", {"in_features": 25, "hidden": (8, 6)}, (5, 5)),
    "mlp_map": ("mlp", {"in_features": 12, "hidden": (8, 6), "mapping": True, "n_classes": 3}, (3, 2, 2)),
    "heo_cnn": ("heo_cnn", {"image_size": 8, "widths": (4, 4, 8, 8), "hidden": (16, 16)}, (1, 8, 8)),
    "heo_mlp": ("heo_mlp", {"in_features": 64, "hidden": (16, 16, 16), "mapping": True}, (1, 8, 8)),
}
# Default configurations: input shape, N, number of classes.
DEFAULT = {
    "shape_cnn": ({}, (1, 64, 64), 2048, 2),
    "bird_cnn": ({}, (3, 64, 64), 512, 2),  # pooling by 4: N = 32 * 4 * 4
    "mlp": ({"in_features": 2, "hidden": (50, 50, 50)}, (2,), 50, 2),
    "heo_cnn": ({}, (1, 28, 28), 3136, 10),
    "heo_mlp": ({}, (1, 28, 28), 512, 10),
}


def small(key, seed=0):
    torch.manual_seed(seed)
    name, kwargs, shape = SMALL[key]
    return build_model(name, **kwargs), shape


def batch(shape, n=4, seed=1):
    return torch.randn((n, *shape), generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("name", DEFAULT)
def test_default_shapes(name):
    kwargs, shape, n_features, n_classes = DEFAULT[name]
    model = build_model(name, **kwargs)
    x = batch(shape, n=2)
    assert model.n_features == n_features
    assert model.features(x).shape == model.mapped(x).shape == (2, n_features)
    assert model(x).shape == (2, n_classes)
    assert name in DEFAULTS_CHOSEN


def test_registry_and_parts():
    assert set(MODELS) == set(DEFAULTS_CHOSEN)
    model, _ = small("heo_cnn")
    assert isinstance(model, ComposedModel)
    assert [name for name, _ in model.named_children()] == ["f", "m", "c"]
    assert isinstance(model.f, nn.Sequential) and isinstance(model.c, nn.Sequential)
    assert isinstance(model.f[-1], nn.Flatten)


@pytest.mark.parametrize("key", SMALL)
def test_composition(key):
    model, shape = small(key)
    x = batch(shape)
    logits = model(x)
    torch.testing.assert_close(logits, model.c(model.m(model.f(x))), rtol=0, atol=0)
    torch.testing.assert_close(logits, model.sequential()(x), rtol=0, atol=0)
    assert {p for p, _ in model.sequential().named_parameters()} == {
        p.replace("f.", "0.", 1).replace("m.", "1.", 1).replace("c.", "2.", 1) for p, _ in model.named_parameters()
    }
    assert all(p.split(".")[0] in ("f", "m", "c") for p, _ in model.named_parameters())
    assert all(t.data_ptr() == u.data_ptr() for t, u in zip(model.parameters(), model.sequential().parameters()))
    assert not list(model.buffers())
    assert not any(isinstance(layer, (nn.Dropout, nn.BatchNorm2d, nn.BatchNorm1d)) for layer in model.modules())


@pytest.mark.parametrize("key", SMALL)
def test_mapping_layer(key):
    model, shape = small(key)
    x = batch(shape)
    if isinstance(model.m, nn.Identity):
        assert not any(p.startswith("m.") for p, _ in model.named_parameters())
        return
    n = model.n_features
    assert isinstance(model.m, nn.Linear) and (model.m.in_features, model.m.out_features) == (n, n)
    assert {p for p, _ in model.named_parameters() if p.startswith("m.")} == {"m.weight", "m.bias"}
    assert torch.equal(model.m.weight, torch.eye(n)) and torch.equal(model.m.bias, torch.zeros(n))
    torch.testing.assert_close(model.mapped(x), model.features(x), rtol=0, atol=0)


def test_mapping_draws_no_random_numbers():
    """For one seed, the models with and without m have identical f and c (Table 3's ablation)."""
    with_m, _ = small("shape_cnn", seed=3)
    without_m, _ = small("shape_cnn_nomap", seed=3)
    assert isinstance(without_m.m, nn.Identity)
    plain = dict(without_m.named_parameters())
    for name, p in with_m.named_parameters():
        if not name.startswith("m."):
            assert torch.equal(p, plain[name]), name


@pytest.mark.parametrize("key", SMALL)
def test_interval_bounds_of_a_point_are_the_logits(key):
    model, shape = small(key)
    x = batch(shape)
    lower, upper = interval_bounds(model.sequential(), x, x)
    torch.testing.assert_close(lower, model(x))
    torch.testing.assert_close(upper, model(x))


@pytest.mark.parametrize("key", SMALL)
def test_vmap_over_stacked_parameters(key):
    models = [small(key, seed=s)[0] for s in range(3)]
    shape = SMALL[key][2]
    x = batch(shape)
    params, buffers = stack_module_state(models)
    base = copy.deepcopy(models[0]).to("meta")

    def call(p, b, inputs):
        return functional_call(base, (p, b), (inputs,))

    stacked = vmap(call, in_dims=(0, 0, None))(params, buffers, x)
    for i, model in enumerate(models):
        torch.testing.assert_close(stacked[i], model(x), rtol=1e-5, atol=1e-6)
    assert not torch.allclose(stacked[0], stacked[1])


@pytest.mark.parametrize("key", SMALL)
def test_same_seed_same_init(key):
    a, b = small(key, seed=7)[0], small(key, seed=7)[0]
    c = small(key, seed=8)[0]
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not all(torch.equal(p, q) for p, q in zip(a.parameters(), c.parameters()))


@pytest.mark.parametrize(
    "name, kwargs, parameter",
    [
        ("resnet", {}, "name"),
        ("shape_cnn", {"image_size": 60}, "image_size"),
        ("shape_cnn", {"image_size": 0}, "image_size"),
        ("shape_cnn", {"widths": ()}, "widths"),
        ("shape_cnn", {"widths": (16, 0, 32)}, "widths"),
        ("shape_cnn", {"widths": 16}, "widths"),
        ("shape_cnn", {"mapping": 1}, "mapping"),
        ("bird_cnn", {"image_size": 30}, "image_size"),
        ("bird_cnn", {"in_channels": 0}, "in_channels"),
        ("bird_cnn", {"n_classes": 1}, "n_classes"),
        ("bird_cnn", {"image_size": 40}, "image_size"),  # pooling by 4 twice: divisible by 16
        ("bird_cnn", {"pool": 1}, "pool"),
        ("mlp", {"in_features": 0}, "in_features"),
        ("mlp", {"in_features": 4, "hidden": (50, -1)}, "hidden"),
        ("mlp", {"in_features": 4, "hidden": "50"}, "hidden"),
        ("heo_cnn", {"image_size": 30}, "image_size"),
        ("heo_cnn", {"hidden": (0,)}, "hidden"),
        ("heo_mlp", {"n_classes": 2.5}, "n_classes"),
        ("heo_mlp", {"width": 3}, "width"),
        ("mlp", {}, "in_features"),
    ],
)
def test_bad_configuration_names_the_parameter(name, kwargs, parameter):
    with pytest.raises(ConfigError, match=parameter):
        build_model(name, **kwargs)


def test_mlp_accepts_any_input_shape():
    model, _ = small("mlp")
    x = batch((25,))
    torch.testing.assert_close(model(x.view(4, 5, 5)), model(x), rtol=0, atol=0)


@pytest.mark.parametrize("key", ["shape_cnn", "mlp_map", "heo_cnn"])
def test_vmapped_parameter_gradients_match_backward(key):
    models = [small(key, seed=s)[0] for s in range(3)]
    x = batch(SMALL[key][2])
    y = torch.arange(4) % 2
    params, buffers = stack_module_state(models)
    base = copy.deepcopy(models[0]).to("meta")

    def loss(p, b):
        return nn.functional.cross_entropy(functional_call(base, (p, b), (x,)), y)

    grads = vmap(torch.func.grad(loss))(params, buffers)
    for i, model in enumerate(models):
        nn.functional.cross_entropy(model(x), y).backward()
        for name, p in model.named_parameters():
            torch.testing.assert_close(grads[name][i], p.grad, rtol=1e-4, atol=1e-6)
