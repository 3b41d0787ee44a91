"""Hand-computed examples and properties of mlxbook.metrics."""
import numpy as np
import pytest
import torch

from mlxbook.metrics import (
    accuracy,
    group_accuracies,
    macro_accuracy,
    mean_pairwise_agreement,
    pairwise_agreement,
    worst_group_accuracy,
)


def test_accuracy_and_macro_accuracy_by_hand():
    y = torch.tensor([0, 0, 0, 0, 1, 1])
    pred = torch.tensor([0, 0, 0, 1, 1, 0])
    assert accuracy(pred, y) == pytest.approx(4 / 6)
    # recall class 0 = 3/4, class 1 = 1/2
    assert macro_accuracy(pred, y) == pytest.approx((3 / 4 + 1 / 2) / 2)


def test_numpy_and_torch_agree():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 50)
    pred = rng.integers(0, 3, 50)
    assert accuracy(pred, y) == accuracy(torch.from_numpy(pred), torch.from_numpy(y))
    assert macro_accuracy(pred, y) == macro_accuracy(torch.from_numpy(pred), torch.from_numpy(y))


def test_macro_accuracy_special_cases():
    y = torch.tensor([0, 1, 0, 1, 0, 1])
    assert macro_accuracy(y, y) == accuracy(y, y) == 1.0
    constant = torch.zeros(6, dtype=torch.long)
    assert macro_accuracy(constant, y) == 0.5 == accuracy(constant, y)
    # imbalanced: the constant majority predictor has high accuracy but macro accuracy 1/2
    y_imb = torch.tensor([0] * 9 + [1])
    assert accuracy(torch.zeros(10), y_imb) == pytest.approx(0.9)
    assert macro_accuracy(torch.zeros(10), y_imb) == 0.5


def test_group_accuracies_by_hand():
    y = np.array([0, 0, 1, 1, 1, 0])
    pred = np.array([0, 1, 1, 1, 0, 0])
    groups = np.array([2, 2, 0, 0, 0, 5])
    assert group_accuracies(pred, y, groups) == pytest.approx({0: 2 / 3, 2: 1 / 2, 5: 1.0})
    assert worst_group_accuracy(pred, y, groups) == 0.5


@pytest.mark.parametrize("seed", range(5))
def test_worst_group_is_below_every_group_and_overall(seed):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 3, (200,), generator=g)
    pred = torch.randint(0, 3, (200,), generator=g)
    groups = torch.randint(0, 4, (200,), generator=g)
    worst = worst_group_accuracy(pred, y, groups)
    assert all(worst <= acc for acc in group_accuracies(pred, y, groups).values())
    assert worst <= accuracy(pred, y)


def test_pairwise_agreement_by_hand():
    preds = torch.tensor([[0, 1, 1, 0], [0, 1, 0, 0], [1, 0, 0, 1]])
    expected = torch.tensor([[1.0, 0.75, 0.0], [0.75, 1.0, 0.25], [0.0, 0.25, 1.0]], dtype=torch.float64)
    torch.testing.assert_close(pairwise_agreement(preds), expected)
    assert mean_pairwise_agreement(preds) == pytest.approx((0.75 + 0.0 + 0.25) / 3)


@pytest.mark.parametrize("seed", range(3))
def test_agreement_matrix_properties(seed):
    rng = np.random.default_rng(seed)
    preds = rng.integers(0, 4, (6, 100))
    a = pairwise_agreement(preds)
    assert a.shape == (6, 6)
    torch.testing.assert_close(a, a.T)
    assert torch.equal(torch.diagonal(a), torch.ones(6, dtype=a.dtype))
    assert ((a >= 0) & (a <= 1)).all()
    assert mean_pairwise_agreement(np.tile(preds[:1], (5, 1))) == 1.0


def test_validation_errors():
    with pytest.raises(ValueError, match="lengths"):
        accuracy(torch.zeros(3), torch.zeros(4))
    with pytest.raises(ValueError, match="lengths"):
        group_accuracies(torch.zeros(3), torch.zeros(3), torch.zeros(2))
    with pytest.raises(ValueError, match="1-D"):
        accuracy(torch.zeros(3, 2), torch.zeros(3))
    with pytest.raises(ValueError, match="empty"):
        macro_accuracy(torch.zeros(0), torch.zeros(0))
    with pytest.raises(ValueError, match="at least 2 models"):
        pairwise_agreement(torch.zeros(1, 5))
    with pytest.raises(ValueError, match="S models"):
        mean_pairwise_agreement(torch.zeros(5))
