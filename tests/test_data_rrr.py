"""Properties of the RRR / IBP-Ex datasets: toy colours, Iris-Cancer, the 2-D demo and both decoy MNISTs."""
from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression

from mlxbook.data.decoy import decoy_heo_task, decoy_ross_task
from mlxbook.data.digits import STAND_IN_NAME, load_digits_source
from mlxbook.data.iris_cancer import iris_cancer_task
from mlxbook.data.theory2d import theory2d_task
from mlxbook.data.toy_colours import COLOURS, RULE_PIXELS, rule_mask, toy_colours_task
from mlxbook.errors import ConfigError


def _same(a, b) -> bool:
    parts = lambda t: [t.train] + list(t.tests.values()) + ([t.val] if t.val is not None else [])
    return all(torch.equal(p.x, q.x) and torch.equal(p.y, q.y) and torch.equal(p.mask, q.mask)
               for p, q in zip(parts(a), parts(b)))


@pytest.mark.parametrize("build", [
    lambda s: toy_colours_task(60, n_test=40, seed=s),
    lambda s: iris_cancer_task(seed=s),
    lambda s: theory2d_task(20, n_test_per_group=10, seed=s),
    lambda s: decoy_ross_task(60, n_test=40, seed=s),
    lambda s: decoy_heo_task(60, n_val=20, n_test=40, seed=s),
])
def test_same_seed_same_data_other_seed_other_data(build):
    assert _same(build(3), build(3))
    assert not _same(build(3), build(4))


# --- toy colours -----------------------------------------------------------------------------------

def _colour_indices(x: torch.Tensor) -> np.ndarray:
    """(N, 3, 5, 5) images -> (N, 5, 5) colour indices; fails if a pixel is not one of the four colours."""
    pixels = x.permute(0, 2, 3, 1).numpy()[..., None, :]  # (N, 5, 5, 1, 3)
    hits = np.all(pixels == COLOURS, axis=-1)  # (N, 5, 5, 4)
    assert hits.sum(-1).min() == 1, "a pixel is not one of the four colours"
    return hits.argmax(-1)


def test_toy_colours_rules_hold_exactly_per_label():
    task = toy_colours_task(400, n_test=200, seed=1)
    for data in (task.train, task.tests["test"]):
        assert data.x.shape[1:] == (3, 5, 5) and data.x.min() >= 0 and data.x.max() <= 1
        assert data.class_counts() == {0: len(data) // 2, 1: len(data) // 2}
        grid = _colour_indices(data.x)
        corners = np.stack([grid[:, r, c] for r, c in RULE_PIXELS["corners"]], 1)
        top_middle = np.stack([grid[:, r, c] for r, c in RULE_PIXELS["top_middle"]], 1)
        corners_equal = np.all(corners == corners[:, :1], axis=1)
        top_distinct = np.array([len(set(row)) == 3 for row in top_middle])
        y = data.y.numpy()
        assert np.all(corners_equal == (y == 0)) and np.all(top_distinct == (y == 0))
    assert len(np.unique(_colour_indices(task.train.x))) == 4


@pytest.mark.parametrize("rule", ["corners", "top_middle"])
def test_toy_colours_mask_marks_the_rule_pixels(rule):
    mask = rule_mask(rule)
    assert mask.shape == (3, 5, 5) and mask.sum() == 3 * len(RULE_PIXELS[rule])
    for r, c in RULE_PIXELS[rule]:
        assert torch.all(mask[:, r, c] == 1)
    task = toy_colours_task(10, n_test=10, relevant=rule)
    assert torch.equal(task.train.mask, mask.expand(10, 3, 5, 5))
    assert task.name == "Toy colours"


def test_toy_colours_rejects_unknown_rule():
    with pytest.raises(ConfigError, match="relevant"):
        toy_colours_task(10, relevant="edges")


# --- Iris-Cancer -------------------------------------------------------------------------------------

def test_iris_cancer_shapes_zeroed_iris_and_mask():
    task = iris_cancer_task(seed=0)
    test, with_iris = task.tests["test"], task.tests["test_with_iris"]
    assert len(task.train) + len(test) == 100 and len(test) == 33 and task.train.x.shape[1] == 34
    assert torch.all(test.x[:, :4] == 0) and torch.equal(test.x[:, 4:], with_iris.x[:, 4:])
    assert not torch.all(with_iris.x[:, :4] == 0)
    assert torch.all(task.train.mask[:, :4] == 0) and torch.all(task.train.mask[:, 4:] == 1)
    assert torch.allclose(task.train.x.mean(0), torch.zeros(34), atol=1e-5)
    assert task.name == "Iris-Cancer" and "Iris" in task.meta["confound"]


@pytest.mark.parametrize("columns", [slice(0, 4), slice(4, 34)])
def test_iris_cancer_both_parts_predict_the_label(columns):
    task = iris_cancer_task(seed=2)
    train, test = task.train, task.tests["test_with_iris"]
    model = LogisticRegression(max_iter=1000).fit(train.x[:, columns].numpy(), train.y.numpy())
    assert model.score(test.x[:, columns].numpy(), test.y.numpy()) > 0.8


# --- 2-D theory demo ---------------------------------------------------------------------------------

def test_theory2d_groups_clusters_and_mask():
    task = theory2d_task(200, n_test_per_group=50, seed=0)
    data = task.train
    assert data.x.shape == (3 * 3 * 200, 2) and task.tests["test"].x.shape == (450, 2)
    assert torch.all(data.mask == torch.tensor([1.0, 0.0]))
    assert data.group_names == ("x2=-20", "x2=0", "x2=+20")
    for g, (x2, shift) in enumerate([(-20, 0.0), (0, 1.2), (20, 0.0)]):
        in_group = data.groups == g
        assert torch.all(data.x[in_group, 1] == x2)
        for label, centres in [(1, [0.0]), (0, [-2.0, 2.0])]:
            x1 = data.x[in_group & (data.y == label), 0]
            assert len(x1) == 200 * len(centres)
            assert abs(x1.mean() - (np.mean(centres) + shift)) < 0.05
            assert x1.std() < (0.25 if label == 1 else 2.1)


# --- decoy MNIST, Ross version -------------------------------------------------------------------------

CORNERS = [(rows, cols) for rows in (slice(0, 4), slice(24, 28)) for cols in (slice(0, 4), slice(24, 28))]


def _swatches(data):
    """Per example: the corner index of the swatch (from the mask) and its shade."""
    corners, shades = [], []
    for x, mask in zip(data.x[:, 0], data.mask[:, 0]):
        assert mask.sum() == 28 * 28 - 16, "the mask must exclude exactly 16 pixels"
        (k,) = [k for k, (r, c) in enumerate(CORNERS) if torch.all(mask[r, c] == 0)]
        values = x[CORNERS[k]]
        assert torch.all(values == values[0, 0])
        corners.append(k)
        shades.append(float(values[0, 0]))
    return np.array(corners), np.array(shades)


def test_decoy_ross_swatch_shades_and_mask():
    task = decoy_ross_task(300, n_test=300, seed=0)
    assert task.train.x.shape == (300, 1, 28, 28) and 0 <= task.train.x.min() and task.train.x.max() <= 1
    corners, shades = _swatches(task.train)
    y = task.train.y.numpy()
    assert set(corners) == {0, 1, 2, 3}
    assert np.allclose(shades, (255 - 25 * y) / 255, atol=1e-6)
    _, test_shades = _swatches(task.tests["test"])
    test_y = task.tests["test"].y.numpy()
    shade_digits = np.rint((255 - 255 * test_shades) / 25).astype(int)
    assert np.allclose(test_shades, (255 - 25 * shade_digits) / 255, atol=1e-6)
    assert set(shade_digits) == set(range(10))
    assert np.mean(shade_digits == test_y) < 0.25  # about 1 in 10 by chance
    assert torch.equal(task.train.groups, task.train.y) and task.train.group_names == tuple("0123456789")
    assert "0..255" in task.meta["scale"]


# --- decoy MNIST, IBP-Ex version -----------------------------------------------------------------------

def _decoy_halves(data):
    """Per example: whether the digit is in the second half, and the constant shade of the decoy half."""
    second, shades = [], []
    for x, mask in zip(data.x[:, 0], data.mask[:, 0]):
        assert set(mask.unique().tolist()) == {0.0, 1.0} and mask.sum() == 28 * 14
        decoy = x[mask == 0]
        assert torch.all(decoy == decoy[0])
        second.append(bool(mask[27, 27] == 1))
        shades.append(float(decoy[0]))
    return np.array(second), np.array(shades)


@pytest.mark.parametrize("halves", ["top_bottom", "left_right"])
def test_decoy_heo_halves_shades_and_mask(halves):
    task = decoy_heo_task(200, n_val=50, n_test=200, seed=0, halves=halves)
    half_mask = torch.zeros(28, 28)
    if halves == "top_bottom":
        half_mask[:14] = 1
    else:
        half_mask[:, :14] = 1
    for name, data in [("train", task.train), ("val", task.val), ("test", task.tests["test"])]:
        assert data.x.shape[1:] == (1, 28, 28) and 0 <= data.x.min() and data.x.max() <= 1
        for mask in data.mask[:, 0]:
            assert torch.equal(mask, half_mask) or torch.equal(mask, 1 - half_mask)
        second, shades = _decoy_halves(data)
        assert second.any() and not second.all()
        label_shades = 25 * data.y.numpy() / 255
        if name == "train":
            assert np.allclose(shades, label_shades, atol=1e-6)
        else:
            assert np.all(np.abs(shades - label_shades) > 1e-3)
            assert len(np.unique(np.round(shades * 255 / 25))) > 5
    assert task.train.group_names == tuple("0123456789")


def test_decoy_heo_val_and_train_digits_are_disjoint():
    images, _, _ = load_digits_source(None, "train")
    task = decoy_heo_task(600, n_val=600, n_test=10, seed=5)
    assert len(task.train) + len(task.val) <= len(images)
    # identical digits would give identical digit halves with equal placement; none should match
    train_halves = {tuple(x[m.bool()].tolist()) for x, m in zip(task.train.x, task.train.mask)}
    assert not any(tuple(x[m.bool()].tolist()) in train_halves for x, m in zip(task.val.x, task.val.mask))


# --- the digit source ------------------------------------------------------------------------------------

def test_stand_in_is_named_in_every_decoy_task(tmp_path):
    for data_root in (None, tmp_path):  # tmp_path exists but has no MNIST folder
        for task in (decoy_ross_task(20, n_test=20, data_root=data_root),
                     decoy_heo_task(20, n_val=5, n_test=20, data_root=data_root)):
            assert STAND_IN_NAME in task.name and STAND_IN_NAME in task.meta["source"]
    images, labels, name = load_digits_source(None, "test")
    assert images.shape == (500, 28, 28) and images.dtype == np.float32 and labels.dtype == np.int64
    assert 0 <= images.min() and images.max() <= 1 and name == STAND_IN_NAME


def test_too_many_digits_is_a_config_error():
    with pytest.raises(ConfigError, match="n_train = 5000.*holds only 1297"):
        decoy_ross_task(5000)
    with pytest.raises(ConfigError, match="n_train \\+ n_val"):
        decoy_heo_task(1200, n_val=200)
    with pytest.raises(ConfigError, match="n_test"):
        decoy_heo_task(10, n_test=501)


def test_missing_data_root_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="not an existing folder"):
        load_digits_source(tmp_path / "nowhere", "train")


def _write_idx(path, array: np.ndarray, compress: bool) -> None:
    magic = 0x0803 if array.ndim == 3 else 0x0801
    payload = struct.pack(f">I{array.ndim}I", magic, *array.shape) + array.astype(np.uint8).tobytes()
    if compress:
        with gzip.open(str(path) + ".gz", "wb") as f:
            f.write(payload)
    else:
        path.write_bytes(payload)


def _mnist_tree(root, *, compress=False, n_train=30, n_test=20):
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    arrays = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = np.arange(n, dtype=np.uint8) % 10
        _write_idx(raw / f"{prefix}-images-idx3-ubyte", images, compress)
        _write_idx(raw / f"{prefix}-labels-idx1-ubyte", labels, compress)
        arrays[prefix] = (images, labels)
    return raw, arrays


@pytest.mark.parametrize("compress", [False, True])
def test_mnist_tree_loads_through_torchvision(tmp_path, compress):
    _, arrays = _mnist_tree(tmp_path, compress=compress)
    images, labels, name = load_digits_source(tmp_path, "test")
    assert name == "MNIST"
    assert np.allclose(images, arrays["t10k"][0] / 255.0) and np.array_equal(labels, arrays["t10k"][1])
    ross = decoy_ross_task(30, n_test=20, data_root=str(tmp_path))
    heo = decoy_heo_task(20, n_val=10, n_test=20, data_root=tmp_path)
    assert ross.name == "Decoy-MNIST (Ross)" and heo.name == "Decoy-MNIST (IBP-Ex)"
    assert sorted(ross.train.y.tolist()) == sorted((np.arange(30) % 10).tolist())
    with pytest.raises(ConfigError, match="holds only 30"):
        decoy_ross_task(31, n_test=20, data_root=tmp_path)


def test_mnist_folder_missing_a_file_is_a_config_error(tmp_path):
    raw, _ = _mnist_tree(tmp_path)
    (raw / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(ConfigError, match="t10k-labels-idx1-ubyte") as info:
        load_digits_source(tmp_path, "train")
    assert str(tmp_path) in str(info.value)


def test_malformed_mnist_file_is_a_config_error(tmp_path):
    raw, _ = _mnist_tree(tmp_path)
    (raw / "train-images-idx3-ubyte").write_bytes(b"not an idx file")
    with pytest.raises(ConfigError, match="cannot read the MNIST train files"):
        load_digits_source(tmp_path, "train")
