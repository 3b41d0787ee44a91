"""Properties of the robustness-based methods of the IBP-Ex paper: CoRM, PGD-Ex, IBP-Ex, IBP-Ex+RRR."""
import pytest
import torch
import torch.nn.functional as F

from mlxbook.data.base import Batch
from mlxbook.errors import ConfigError
from mlxbook.methods.base import per_seed_cross_entropy
from mlxbook.methods.corm import CoRM
from mlxbook.methods.ibp_ex import IBPEx, IBPExRRR, certified_fraction
from mlxbook.methods.pgd_ex import PGDEx
from mlxbook.models import MLP, build_model
from mlxbook.models.stacked import StackedModel

SEEDS = [0, 1]
B = 6
TOL = 1e-5
BUILDERS = {
    "mlp": (lambda: MLP(6, hidden=(8, 8), n_classes=3), (6,), 3),
    "cnn": (lambda: build_model("shape_cnn", image_size=16, widths=(4, 4, 4)), (1, 16, 16), 2),
}


def make_batch(shape, n_classes, s=len(SEEDS)):
    """Random inputs and labels; a random relevance mask; example 0 has no explanation."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(s, B, *shape, generator=g)
    y = torch.randint(0, n_classes, (s, B), generator=g)
    mask = (torch.rand(s, B, *shape, generator=g) > 0.5).float()
    has_mask = torch.ones(s, B, dtype=torch.bool)
    has_mask[:, 0] = False
    return Batch(x, y, mask, has_mask)


@pytest.fixture(scope="module", params=sorted(BUILDERS))
def arch(request):
    return request.param


@pytest.fixture(scope="module")
def setup(arch):
    build, shape, n_classes = BUILDERS[arch]
    return StackedModel(build, SEEDS), make_batch(shape, n_classes)


def clean_ce(model, batch):
    return per_seed_cross_entropy(model(batch.x), batch.y)


# PGD-Ex

def test_pgd_stays_in_masked_box_and_ascends(setup):
    model, batch = setup
    method = PGDEx(eps=0.3)
    x_adv = method.attack(model, batch)
    m = batch.irrelevant
    assert ((x_adv - batch.x).abs() <= method.eps * m + 1e-6).all()
    assert torch.equal(x_adv[m == 0], batch.x[m == 0])
    assert (x_adv != batch.x).any()
    assert (per_seed_cross_entropy(model(x_adv), batch.y) >= clean_ce(model, batch)).all()
    assert all(p.grad is None for p in model.named())  # the attack leaves parameter gradients alone


def test_pgd_eps_zero_is_twice_ce(setup):
    model, batch = setup
    method = PGDEx(eps=0.0)
    assert torch.equal(method.attack(model, batch), batch.x)
    torch.testing.assert_close(method.loss(model, batch, 0.5), 2 * clean_ce(model, batch))


# CoRM

def test_corm_sigma_zero_is_twice_ce(setup):
    model, batch = setup
    torch.testing.assert_close(CoRM(sigma=0.0, n_samples=2).loss(model, batch, 0.5), 2 * clean_ce(model, batch))


def test_corm_noise_only_on_masked_features(setup):
    model, batch = setup
    moved = CoRM(sigma=1.0).perturb(model, batch) != batch.x
    assert torch.equal(moved, batch.irrelevant.bool())  # unannotated example 0 included: never moved


def test_corm_noise_is_per_seed():
    """A seed draws the same noise stacked with others as alone (so CoRM is seed-independent)."""
    x = torch.zeros(2, 3, 4)
    stacked = StackedModel(lambda: torch.nn.Linear(4, 2), [5, 7]).randn_like(x)
    alone = StackedModel(lambda: torch.nn.Linear(4, 2), [7]).randn_like(x[1:])
    torch.testing.assert_close(stacked[1:], alone)
    assert not torch.equal(stacked[0], stacked[1])


# IBP-Ex

def test_ibp_eps_zero_worst_case_is_clean(setup):
    model, batch = setup
    torch.testing.assert_close(IBPEx().worst_case(model, batch, 0.0), model(batch.x), atol=TOL, rtol=0)
    for progress in (0.0, 1.0):
        torch.testing.assert_close(IBPEx(eps_max=0.0).loss(model, batch, progress), clean_ce(model, batch))
    torch.testing.assert_close(IBPEx(eps_max=2.0).loss(model, batch, 0.0), clean_ce(model, batch))


def test_ibp_worst_case_bounds_sampled_losses(setup):
    model, batch = setup
    eps, n = 0.5, 200
    worst = IBPEx().worst_case(model, batch, eps)
    worst_ce = F.cross_entropy(worst.flatten(0, 1), batch.y.flatten(), reduction="none").view(batch.y.shape)
    g = torch.Generator().manual_seed(1)
    u = torch.rand((n, *batch.x.shape), generator=g) * 2 - 1
    u[: n // 2] = u[: n // 2].sign()  # half of the samples are corners of the box
    points = (batch.x + eps * batch.irrelevant * u).transpose(0, 1)  # (S, n, B, ...)
    s = points.shape[0]
    with torch.no_grad():
        logits = model(points.reshape(s, n * B, *points.shape[3:])).view(s, n, B, -1)
    ce = F.cross_entropy(logits.flatten(0, 2), batch.y[:, None].expand(s, n, B).flatten(), reduction="none")
    assert (ce.view(s, n, B) <= worst_ce[:, None] + TOL).all()


def test_ibp_loss_grows_with_eps(setup):
    model, batch = setup
    with torch.no_grad():
        losses = torch.stack([IBPEx(eps_max=e).loss(model, batch, 1.0) for e in (0.0, 0.1, 0.5, 1.0, 2.0)])
    assert (losses.diff(dim=0) >= -TOL).all()
    assert (losses[-1] > losses[0]).all()


def test_ibp_schedules():
    method = IBPEx(eps_max=2.0, alpha_end=0.3)
    assert (method.alpha(0.0), method.alpha(1.0), method.eps(0.0), method.eps(1.0)) == (1.0, 0.3, 0.0, 2.0)
    assert method.eps(0.5) == pytest.approx(1.0) and method.alpha(0.5) == pytest.approx(0.65)
    warm = IBPEx(eps_max=2.0, alpha_end=0.3, warmup=0.5)
    assert warm.eps(0.25) == pytest.approx(1.0) and (warm.eps(0.75), warm.alpha(0.75)) == (2.0, 0.3)


# IBP-Ex+RRR

def test_ibp_rrr_lam_zero_is_ibp(setup):
    model, batch = setup
    torch.testing.assert_close(IBPExRRR(lam=0.0).loss(model, batch, 0.5), IBPEx().loss(model, batch, 0.5))


def test_ibp_rrr_penalty_only_on_irrelevant_features(setup):
    model, batch = setup
    ibp, rrr = IBPEx().loss(model, batch, 0.5), IBPExRRR(lam=1.0).loss(model, batch, 0.5)
    assert (rrr > ibp).all()
    all_relevant = Batch(batch.x, batch.y, torch.ones_like(batch.x), batch.has_mask)
    torch.testing.assert_close(IBPExRRR(lam=1.0).loss(model, all_relevant, 0.5), IBPEx().loss(model, all_relevant, 0.5))


def test_ibp_rrr_penalty_is_a_batch_mean_like_the_cross_entropy(setup):
    """Doubling the batch (each example twice) leaves the loss unchanged: penalty and CE are both means."""
    model, batch = setup
    twice = Batch(*(torch.cat([t, t], dim=1) for t in (batch.x, batch.y, batch.mask, batch.has_mask)))
    method = IBPExRRR(lam=1.0)
    torch.testing.assert_close(method.loss(model, twice, 0.5), method.loss(model, batch, 0.5))


# certificates

def test_certified_fraction_shrinks_with_eps(setup):
    model, batch = setup
    x, m = batch.x[0], batch.irrelevant[0]
    with torch.no_grad():
        predictions = model(x.expand(len(SEEDS), *x.shape)).argmax(-1)
    y = predictions[0]  # seed 0 classifies every point correctly
    fractions = torch.stack([certified_fraction(model, x, m, y, e, batch_size=4) for e in (0.0, 0.1, 1.0, 100.0)])
    torch.testing.assert_close(fractions[0], (predictions == y).float().mean(1))
    assert fractions[0, 0] == 1.0
    assert (fractions.diff(dim=0) <= 0).all()
    assert fractions[-1, 0] == pytest.approx(1 / B)  # only example 0, which has no explanation, stays certified


# all methods

METHODS = [CoRM(sigma=0.0), PGDEx(eps=0.3), IBPEx(eps_max=0.5), IBPExRRR(eps_max=0.5)]


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.name)
def test_seeds_are_independent(arch, setup, method):
    model, batch = setup
    build = BUILDERS[arch][0]
    loss = method.loss(model, batch, 0.6)
    grads = torch.autograd.grad(loss.sum(), model.named())
    assert all(g.isfinite().all() for g in grads)
    for s, seed in enumerate(SEEDS):
        single = StackedModel(build, [seed])
        part = Batch(*(t[s:s + 1] for t in (batch.x, batch.y, batch.mask, batch.has_mask)))
        loss_s = method.loss(single, part, 0.6)
        grads_s = torch.autograd.grad(loss_s.sum(), single.named())
        torch.testing.assert_close(loss_s[0], loss[s], atol=TOL, rtol=TOL)
        for g, g_s in zip(grads, grads_s):
            torch.testing.assert_close(g_s[0], g[s], atol=TOL, rtol=TOL)


@pytest.mark.parametrize("cls, kwargs, name", [
    (PGDEx, {"eps": -0.1}, "eps"),
    (PGDEx, {"iters": 0}, "iters"),
    (PGDEx, {"step_size": -1.0}, "step_size"),
    (CoRM, {"sigma": -1.0}, "sigma"),
    (CoRM, {"n_samples": 0}, "n_samples"),
    (IBPEx, {"eps_max": -1.0}, "eps_max"),
    (IBPEx, {"alpha_end": 1.5}, "alpha_end"),
    (IBPEx, {"alpha_end": -0.1}, "alpha_end"),
    (IBPEx, {"warmup": 0.0}, "warmup"),
    (IBPExRRR, {"lam": -1.0}, "lam"),
    (IBPExRRR, {"alpha_end": 2.0}, "alpha_end"),
])
def test_bad_hyperparameters(cls, kwargs, name):
    with pytest.raises(ConfigError, match=name):
        cls(**kwargs)
