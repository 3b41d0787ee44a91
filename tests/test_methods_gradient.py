"""Properties of the gradient-based methods: ERM, focal loss, RRR and the two-stage algorithm with its ablations."""
import pytest
import torch

from mlxbook.data.base import Batch
from mlxbook.errors import ConfigError
from mlxbook.methods.erm import ERM
from mlxbook.methods.focal import Focal
from mlxbook.methods.rrr import RRR
from mlxbook.methods.two_stage import (
    JointFeature,
    TwoStage,
    TwoStageNoMapping,
    feature_loss,
)
from mlxbook.models import MLP, ShapeCNN
from mlxbook.models.stacked import StackedModel

SEEDS = (3, 7)
IMAGE = (1, 16, 16)


def cnn(mapping=True, seeds=SEEDS):
    return StackedModel(lambda: ShapeCNN(image_size=16, widths=(4, 4, 4), mapping=mapping), seeds)


def linear(seeds=SEEDS, d=6, n_classes=3):
    """Multinomial logistic regression: the MLP with no hidden layer."""
    return StackedModel(lambda: MLP(d, hidden=(), n_classes=n_classes), seeds)


def make_batch(shape=IMAGE, s=2, b=5, n_classes=2, seed=0, mask="random", has_mask=None):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand((s, b, *shape), generator=g)
    y = torch.randint(0, n_classes, (s, b), generator=g)
    m = (torch.rand(x.shape, generator=g) < 0.5).float() if mask == "random" else torch.ones_like(x)
    has = torch.ones(s, b, dtype=torch.bool) if has_mask is None else has_mask
    return Batch(x, y, m, has)


def snapshot(model):
    return {k: v.detach().clone() for k, v in model.params.items()}


def changed(model, before, part):
    """Whether any parameter of ``part`` ("f", "m" or "c") differs from ``before``, for every seed."""
    diffs = [(model.params[k] - before[k]).flatten(1).abs().amax(1) for k in before if k.split(".")[0] == part]
    return bool((torch.stack(diffs).amax(0) > 0).all())


def unchanged(model, before, part):
    return all(torch.equal(model.params[k], before[k]) for k in before if k.split(".")[0] == part)


def one_step(method, model, batch):
    return method.step(model, batch, method.optimizers(model), 0.0)


# --- RRR -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["all_relevant", "no_explanation"])
def test_rrr_equals_erm_without_irrelevant_region(kind):
    model = cnn()
    if kind == "all_relevant":
        batch = make_batch(mask="ones")
    else:
        batch = make_batch(has_mask=torch.zeros(2, 5, dtype=torch.bool))
    assert torch.equal(RRR(lam=10.0).loss(model, batch, 0.0), ERM().loss(model, batch, 0.0))
    penalised = RRR(lam=10.0).loss(model, make_batch(), 0.0)
    assert (penalised > ERM().loss(model, make_batch(), 0.0)).all()


def test_rrr_penalty_closed_form_for_logistic_regression():
    # log p_k = z_k - logsumexp(z), z = W x + b  =>  d/dx sum_k log p_k = W^T (1 - C p).
    model, n_classes = linear(), 3
    batch = make_batch(shape=(6,), b=7, n_classes=n_classes)
    w, b = model.params["c.0.weight"].detach(), model.params["c.0.bias"].detach()
    p = torch.softmax(torch.einsum("scd,sbd->sbc", w, batch.x) + b[:, None], -1)
    grad = torch.einsum("scd,sbc->sbd", w, 1.0 - n_classes * p)
    expected = (batch.irrelevant * grad).pow(2).sum(-1).mean(-1)
    penalty = RRR(lam=1.0).loss(model, batch, 0.0) - ERM().loss(model, batch, 0.0)
    torch.testing.assert_close(penalty.detach(), expected, rtol=1e-5, atol=1e-7)


def test_ibp_ex_papers_rrr_is_the_norm_of_the_masked_logit_gradient():
    # z = W x + b  =>  d/dx sum_k z_k = sum_k W_k: the penalty is || A * sum_k W_k ||_2 per example, unsquared
    model = linear()
    has = torch.tensor([[True] * 6 + [False], [False] + [True] * 6])
    batch = make_batch(shape=(6,), b=7, n_classes=3, has_mask=has)
    w = model.params["c.0.weight"].detach()
    expected = (batch.irrelevant * w.sum(1)[:, None, :]).pow(2).sum(-1).sqrt().mean(-1)
    rrr = RRR(lam=1.0, gradient="logits_norm")
    penalty = rrr.loss(model, batch, 0.0) - ERM().loss(model, batch, 0.0)
    torch.testing.assert_close(penalty.detach(), expected, rtol=1e-5, atol=1e-7)
    rrr.loss(model, batch, 0.0).sum().backward()  # examples without explanation: a finite gradient, no NaN
    assert all(torch.isfinite(p.grad).all() for p in model.params.values())
    with pytest.raises(ConfigError, match="gradient"):
        RRR(gradient="squared")


def test_rrr_sum_is_batch_size_times_mean_and_l2_is_added_once():
    model, batch, l2 = cnn(), make_batch(b=6), 0.01
    weights = sum(p.detach().pow(2).flatten(1).sum(1) for p in model.named())
    mean = RRR(lam=0.5, l2=l2).loss(model, batch, 0.0).detach()
    total = RRR(lam=0.5, l2=l2, reduction="sum").loss(model, batch, 0.0).detach()
    torch.testing.assert_close(total - l2 * weights, 6 * (mean - l2 * weights))
    only_l2 = RRR(lam=0.0, l2=l2).loss(model, batch, 0.0) - ERM().loss(model, batch, 0.0)
    torch.testing.assert_close(only_l2.detach(), l2 * weights)


# --- focal loss ------------------------------------------------------------------------------------

def test_focal_is_cross_entropy_at_gamma_zero_and_smaller_above():
    model, batch = cnn(), make_batch()
    ce = ERM().loss(model, batch, 0.0)
    torch.testing.assert_close(Focal(gamma=0.0).loss(model, batch, 0.0), ce)
    torch.testing.assert_close(Focal(gamma=0.0, alpha=0.5).loss(model, batch, 0.0), 0.5 * ce)
    # Confident examples: the labels are the model's own predictions.
    confident = Batch(batch.x, model(batch.x).argmax(-1), batch.mask, batch.has_mask)
    assert (Focal(gamma=2.0).loss(model, confident, 0.0) < ERM().loss(model, confident, 0.0)).all()


# --- two-stage (Algorithm 1) -----------------------------------------------------------------------

def test_stage_one_is_a_cross_entropy_step_on_everything():
    model, reference, batch = cnn(), cnn(), make_batch()
    before = snapshot(model)
    one_step(TwoStage(eta1=0.01, eta2=0.0), model, batch)
    one_step(ERM(lr=0.01), reference, batch)
    assert all(changed(model, before, part) for part in "fmc")
    for k in model.params:
        torch.testing.assert_close(model.params[k], reference.params[k], rtol=0, atol=0)


def test_stage_two_changes_only_m():
    model, batch = cnn(), make_batch()
    before = snapshot(model)
    loss = one_step(TwoStage(eta1=0.0, eta2=0.01), model, batch)
    assert unchanged(model, before, "f") and unchanged(model, before, "c")
    assert changed(model, before, "m")
    assert loss.shape == (2,) and torch.isfinite(loss).all()


def test_feature_loss_is_zero_for_full_explanations_and_identity_m():
    model = cnn()
    assert feature_loss(model, make_batch(mask="ones"), grad_to_f=False).abs().max() < 1e-6
    assert (feature_loss(model, make_batch(), grad_to_f=False) > 0).all()


def test_stage_two_ignores_examples_without_explanation():
    model = cnn()
    none = make_batch(has_mask=torch.zeros(2, 5, dtype=torch.bool))
    before = snapshot(model)
    one_step(TwoStage(eta1=0.0, eta2=0.01), model, none)
    assert all(unchanged(model, before, part) for part in "fmc")
    # The loss averages over the annotated examples only.
    some = make_batch(has_mask=torch.tensor([[True, False, True, False, False]] * 2))
    keep = some.has_mask[0]
    sub = Batch(some.x[:, keep], some.y[:, keep], some.mask[:, keep], some.has_mask[:, keep])
    torch.testing.assert_close(feature_loss(model, some, False), feature_loss(model, sub, False))


def test_no_mapping_ablation_updates_f_in_stage_two():
    model, batch = cnn(mapping=False), make_batch()
    before = snapshot(model)
    one_step(TwoStageNoMapping(eta1=0.0, eta2=0.01), model, batch)
    assert changed(model, before, "f") and unchanged(model, before, "c")
    with pytest.raises(ConfigError, match="mapping"):
        TwoStageNoMapping().optimizers(cnn())
    with pytest.raises(ConfigError, match="mapping"):
        TwoStage().optimizers(cnn(mapping=False))


def test_joint_ablation_one_step_changes_everything_and_feature_loss_reaches_m_only():
    model, batch = cnn(), make_batch()
    before = snapshot(model)
    one_step(JointFeature(), model, batch)
    assert all(changed(model, before, part) for part in "fmc")

    def grads(method):
        model = cnn()
        method.loss(model, batch, 0.0).sum().backward()
        return {k: v.grad for k, v in model.params.items()}

    joint, ce, joint_f = grads(JointFeature()), grads(ERM()), grads(JointFeature(feature_to_f=True))
    assert all(torch.equal(joint[k], ce[k]) for k in joint if not k.startswith("m."))
    assert not torch.allclose(joint["m.weight"], ce["m.weight"])
    assert not torch.allclose(joint_f["f.0.weight"], ce["f.0.weight"])


# --- all methods -----------------------------------------------------------------------------------

METHODS = {
    "erm": (ERM(), True),
    "focal": (Focal(alpha=0.25), True),
    "rrr": (RRR(lam=0.1, l2=1e-3), True),
    "two_stage": (TwoStage(eta2=0.01), True),
    "two_stage_no_mapping": (TwoStageNoMapping(eta2=0.01), False),
    "two_stage_joint": (JointFeature(), True),
}


@pytest.mark.parametrize("key", METHODS)
def test_seeds_are_independent(key):
    method, mapping = METHODS[key]
    assert method.name == key
    # Step 1: a seed without any explanation next to one with some (the sparse setting).
    has = [torch.tensor([[True, False, True, True], [False] * 4]), None, torch.tensor([[False] * 4, [True, False] * 2])]
    batches = [make_batch(b=4, seed=i, has_mask=has[i]) for i in range(3)]
    stacked = cnn(mapping)
    optimizers = method.optimizers(stacked)
    losses = [method.step(stacked, batch, optimizers, i / 3) for i, batch in enumerate(batches)]
    for s, seed in enumerate(SEEDS):
        alone = cnn(mapping, seeds=(seed,))
        optimizers = method.optimizers(alone)
        for i, batch in enumerate(batches):
            part = Batch(*(t[s:s + 1] for t in (batch.x, batch.y, batch.mask, batch.has_mask)))
            loss = method.step(alone, part, optimizers, i / 3)
            torch.testing.assert_close(loss, losses[i][s:s + 1], rtol=1e-5, atol=1e-5)
        for k, v in alone.params.items():
            torch.testing.assert_close(v[0], stacked.params[k][s], rtol=1e-5, atol=1e-5)
    assert all(torch.isfinite(loss).all() for loss in losses)
    assert all(torch.isfinite(v).all() for v in stacked.params.values())


@pytest.mark.parametrize("make, name", [
    (lambda: ERM(lr=-0.1), "lr"),
    (lambda: ERM(optimizer="rmsprop"), "optimizer"),
    (lambda: Focal(gamma=-1.0), "gamma"),
    (lambda: Focal(alpha=1.5), "alpha"),
    (lambda: RRR(lam=-1.0), "lam"),
    (lambda: RRR(l2=-1e-4), "l2"),
    (lambda: RRR(reduction="max"), "reduction"),
    (lambda: TwoStage(eta1=-0.001), "eta1"),
    (lambda: TwoStage(eta2=-0.01), "eta2"),
    (lambda: TwoStage(optimizer="lbfgs"), "optimizer"),
    (lambda: TwoStageNoMapping(eta2=-1.0), "eta2"),
    (lambda: JointFeature(lam_feat=-1.0), "lam_feat"),
    (lambda: JointFeature(feature_to_f="yes"), "feature_to_f"),
])
def test_bad_hyper_parameters_raise_config_error(make, name):
    with pytest.raises(ConfigError, match=name):
        make()


def test_configs_name_the_method_and_its_parameters():
    config = TwoStage(eta1=0.01, eta2=0.1).config()
    assert config["method"] == "two_stage" and config["eta1"] == config["lr"] == 0.01 and config["eta2"] == 0.1
    assert not ERM.uses_explanations and not Focal.uses_explanations
    assert RRR.uses_explanations and TwoStage.uses_explanations and JointFeature.uses_explanations
