"""The training engine: one API for every method, deterministic, batched seeds equal the per-seed loop."""
from functools import partial

import numpy as np
import pytest

from mlxbook import data
from mlxbook.errors import ConfigError
from mlxbook.methods import METHODS, build_method
from mlxbook.models import build_model
from mlxbook.train import Evaluation, fit

SMALL_CNN = partial(build_model, "shape_cnn", image_size=32, widths=(4, 8, 8))
#: Hyper-parameters that make every method do real work on the tiny problems below.
HYPER = {"rrr": {"lam": 1.0}, "corm": {"sigma": 0.5}, "pgd_ex": {"eps": 0.5}, "ibp_ex": {"eps_max": 0.5},
         "ibp_ex_rrr": {"eps_max": 0.5}, "cdep": {"lam": 1.0}}


@pytest.fixture(scope="module")
def triangle():
    return data.load("triangle", n_train=24, n_test=40, seed=0, size=32)


@pytest.fixture(scope="module")
def digits():
    return data.load("decoy_heo", n_train=40, n_val=10, n_test=30, seed=0)


@pytest.mark.parametrize("name", sorted(METHODS))
def test_every_method_trains_on_triangle_and_decoy_digits(name, triangle, digits):
    mapping = name != "two_stage_no_mapping"
    for task, build in [(triangle, partial(SMALL_CNN, mapping=mapping)),
                        (digits, partial(build_model, "mlp", in_features=784, hidden=(16,), n_classes=10, mapping=mapping))]:
        result = fit(task, build, build_method(name, **HYPER.get(name, {})), [0, 1], epochs=2, batch_size=16)
        assert set(result.predictions) == set(task.tests)
        assert len(result.curves) == 4 and np.isfinite(result.curves.train_loss).all()
        scores = result.scores(task)
        assert scores.accuracy.between(0, 1).all() and (scores.worst_group_accuracy <= scores.accuracy + 1e-12).all()


def test_same_config_and_seed_give_identical_numbers(triangle):
    runs = [fit(triangle, SMALL_CNN, build_method("rrr", lam=1.0), [3], epochs=3, batch_size=8) for _ in range(2)]
    assert runs[0].curves.equals(runs[1].curves)
    other = fit(triangle, SMALL_CNN, build_method("rrr", lam=1.0), [4], epochs=3, batch_size=8)
    assert not np.allclose(runs[0].curves.train_loss, other.curves.train_loss)


@pytest.mark.parametrize("name", ["erm", "two_stage", "ibp_ex", "corm"])
def test_batched_seeds_equal_the_per_seed_loop(name, triangle):
    method = build_method(name, **HYPER.get(name, {}))
    stacked = fit(triangle, SMALL_CNN, method, [0, 1, 2], epochs=3, batch_size=8, batched=True)
    looped = fit(triangle, SMALL_CNN, method, [0, 1, 2], epochs=3, batch_size=8, batched=False)
    key = ["seed", "epoch"]
    a, b = stacked.curves.sort_values(key).reset_index(drop=True), looped.curves.sort_values(key).reset_index(drop=True)
    np.testing.assert_allclose(a.train_loss, b.train_loss, rtol=1e-4, atol=1e-5)
    for test_set in stacked.predictions:
        assert (stacked.predictions[test_set] != looped.predictions[test_set]).mean() < 0.05


def test_early_stopping_freezes_each_seed_at_its_own_epoch(triangle):
    # a learning rate of 0 never improves the loss: every seed stops after `patience` epochs
    result = fit(triangle, SMALL_CNN, build_method("erm", lr=0.0), [0, 1], epochs=10, patience=2, batch_size=8)
    assert result.stop_epoch == [3, 3] and result.curves.epoch.max() == 3
    free = fit(triangle, SMALL_CNN, build_method("erm", lr=0.01), [0, 1], epochs=4, patience=None, batch_size=8)
    assert free.stop_epoch == [4, 4] and len(free.curves) == 8


def test_bad_arguments_are_clear_errors(triangle):
    with pytest.raises(ConfigError, match="epochs=0"):
        fit(triangle, SMALL_CNN, build_method("erm"), [0], epochs=0)
    with pytest.raises(ConfigError, match="method='magic'.*'erm'"):
        build_method("magic")
    with pytest.raises(ConfigError, match="no hyper-parameter lamda"):
        build_method("rrr", lamda=1.0)


def test_evaluation_policy_changes_the_curves_never_the_final_models(triangle):
    """Curves on a subset every few epochs, the whole test sets at the chosen epochs and at the end."""
    method = build_method("two_stage")
    full = fit(triangle, SMALL_CNN, method, [0, 1], epochs=5, batch_size=8, batched=False)
    cut = fit(triangle, SMALL_CNN, method, [0, 1], epochs=5, batch_size=8, batched=False,
              evaluation=Evaluation(curve_examples=10, curve_every=2, full_epochs=(3,)))
    for name in full.predictions:  # the same training and the same final evaluation
        np.testing.assert_array_equal(full.predictions[name], cut.predictions[name])
    assert full.scores(triangle).equals(cut.scores(triangle))
    assert sorted(cut.curves.epoch.unique()) == [2, 4, 5] and len(full.curves) == 10
    assert set(cut.checkpoints.epoch) == {3, 5} and set(full.checkpoints.epoch) == {5}
    # a checkpoint is the whole test set: it equals the full-evaluation curve at that epoch
    a = full.curves.set_index(["seed", "epoch"])["acc/test"]
    b = cut.checkpoints.set_index(["seed", "epoch"])["acc/test"]
    assert (a.loc[b.index] == b).all()
    # a curve point reads 10 examples: its accuracy is a multiple of 1/10
    tenths = cut.curves["acc/test"].to_numpy() * 10
    assert np.allclose(tenths, np.round(tenths))
    assert len(Evaluation(curve_examples=10).subset(40)) == 10 and Evaluation(curve_examples=50).subset(40) is None


def test_evaluation_policy_rejects_bad_values():
    with pytest.raises(ConfigError, match="curve_examples=0"):
        Evaluation(curve_examples=0)
    with pytest.raises(ConfigError, match="curve_every=0"):
        Evaluation(curve_every=0)
    with pytest.raises(ConfigError, match="full_epochs"):
        Evaluation(full_epochs=(0,))


def test_early_stopped_seed_is_evaluated_in_full_at_its_last_epoch(triangle):
    result = fit(triangle, SMALL_CNN, build_method("erm", lr=0.0), [0, 1], epochs=10, patience=2, batch_size=8,
                 evaluation=Evaluation(curve_examples=10, curve_every=4))
    assert result.stop_epoch == [3, 3] and set(result.checkpoints.epoch) == {3}
    assert sorted(result.curves.epoch.unique()) == [3]  # the last epoch is always a curve point
