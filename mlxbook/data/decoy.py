"""The two decoy-MNIST datasets: a label-coded shade the model should not use, next to the digit.

* Ross et al. (2017), RRR Sec. "Real-world Datasets", Fig. 9: a 4x4 swatch in a random corner.
* Heo, Piratla et al. (IBP-Ex), Sec. 5.2 and App. D: the digit squeezed into one half, the other half a
  constant shade ("decoy half"), the halves swapped at random.

Both build on :func:`load_digits_source`: real MNIST when ``data_root`` holds it, else the
scikit-learn digits stand-in, which the task name then says.
"""
from __future__ import annotations

import os

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import ConfigError, check_choice, check_int
from .base import ExplanationData, Task, item_rng
from .digits import MNIST_NAME, load_digits_source

DIGIT_NAMES = tuple(str(d) for d in range(10))
SWATCH = 4
HALVES = ("top_bottom", "left_right")


def decoy_ross_task(
    n_train: int = 1000, *, n_test: int = 500, seed: int = 0, data_root: str | os.PathLike | None = None,
) -> Task:
    """Decoy MNIST after RRR: x (N, 1, 28, 28) in [0, 1] with a 4x4 swatch in a random corner.

    Train swatch shade (255 - 25 y) / 255; test shade (255 - 25 d) / 255 for d uniform over 0..9,
    independent of the label (it equals the label's shade one time in ten). Mask = 1 everywhere but
    the swatch. Groups = label. Digits are drawn without replacement (seeded) from the source's
    train and test splits.
    """
    check_int("n_train", n_train, low=1)
    check_int("n_test", n_test, low=1)
    check_int("seed", seed)
    _check_available(data_root, "train", "n_train", n_train)
    _check_available(data_root, "test", "n_test", n_test)
    parts = {}
    for split, n in (("train", n_train), ("test", n_test)):
        images, labels, source = _draw(data_root, split, n, seed, f"ross-{split}")
        x = torch.from_numpy(images).unsqueeze(1)
        mask = torch.ones_like(x)
        for i, label in enumerate(labels):
            rng = item_rng(seed, f"ross-{split}", i)
            rows, cols = (_corner_slice(int(side)) for side in rng.integers(0, 2, size=2))
            shade_digit = int(label) if split == "train" else int(rng.integers(0, 10))
            x[i, 0, rows, cols] = (255 - 25 * shade_digit) / 255
            mask[i, 0, rows, cols] = 0.0
        parts[split] = _data(x, labels, mask)
    name = "Decoy-MNIST (Ross)" if source == MNIST_NAME else f"{source}, Ross version"
    meta = {
        "source": _source_text(source),
        "swatch": "4x4 square in one of the four corners, each corner with probability 1/4 (as dtak/rrr)",
        "train shade": "(255 - 25 y) / 255 for label y: 1.0 for 0 down to 30/255 for 9",
        "test shade": (
            "(255 - 25 d) / 255 with d uniform over 0..9, drawn independently of the label (as dtak/rrr's "
            "np.random.choice(all_digits)); d equals the label for about 1 test image in 10"
        ),
        "scale": "pixels in [0, 1] (MNIST / 255); dtak/rrr uses raw 0..255 values, which its lambda = 1000 assumes",
        "mask": "relevance mask = 1 everywhere except the swatch (A = 1 - mask = the swatch, per example)",
        "sampling": (
            f"{n_train} train and {n_test} test digits without replacement, seeded; "
            "dtak/rrr uses all 60,000 / 10,000"
        ),
        "groups": "one group per label",
    }
    return Task(name, parts["train"], {"test": parts["test"]}, meta=meta, n_classes=10)


def decoy_heo_task(
    n_train: int = 1000, *, n_val: int = 200, n_test: int = 500, seed: int = 0,
    data_root: str | os.PathLike | None = None, halves: str = "top_bottom",
) -> Task:
    """Decoy MNIST after IBP-Ex: x (N, 1, 28, 28) in [0, 1], the digit squeezed into one half, the other a shade.

    The digit is resized to half the image (bilinear, antialiased) and placed in the first or second
    half at random; the other half is the constant 25 y / 255 in training. Validation and test use
    the shade of a label drawn uniformly from the nine other labels (IBP-Ex Sec. 5.2: "We then validate
    and test on images where decoy part is set to correspond with random other label"). Mask = the
    digit half. Groups = label. ``halves`` "top_bottom" follows the public code (PIL resize to 28 wide
    x 14 high); "left_right" puts the halves side by side, as the project's reference sheet reads it.
    """
    check_int("n_train", n_train, low=1)
    check_int("n_val", n_val, low=0)
    check_int("n_test", n_test, low=1)
    check_int("seed", seed)
    check_choice("halves", halves, HALVES)
    _check_available(data_root, "train", "n_train + n_val", n_train + n_val)
    _check_available(data_root, "test", "n_test", n_test)
    train_images, train_labels, source = _draw(data_root, "train", n_train, seed, "heo-train")
    parts = {"train": _heo_split(train_images, train_labels, seed, "heo-train", halves, shift=False)}
    if n_val:
        val_images, val_labels, _ = _draw(data_root, "train", n_val, seed, "heo-train", from_end=True)
        parts["val"] = _heo_split(val_images, val_labels, seed, "heo-val", halves, shift=True)
    test_images, test_labels, _ = _draw(data_root, "test", n_test, seed, "heo-test")
    parts["test"] = _heo_split(test_images, test_labels, seed, "heo-test", halves, shift=True)
    name = "Decoy-MNIST (IBP-Ex)" if source == MNIST_NAME else f"{source}, IBP-Ex version"
    meta = {
        "source": _source_text(source),
        "layout": (
            f"halves={halves!r}: the 28x28 digit resized to "
            + ("14 rows x 28 columns, in the top or bottom half" if halves == "top_bottom"
               else "28 rows x 14 columns, in the left or right half")
            + ", each with probability 1/2 (bilinear with antialiasing; the public code uses PIL's resize to "
            "28 wide x 14 high, i.e. top / bottom)"
        ),
        "train shade": "decoy half constant 25 y / 255 for label y (0 for 0 up to 225/255 for 9)",
        "val and test shade": (
            "25 d / 255 with d uniform over the nine labels other than y (paper Sec. 5.2); the public code draws "
            "d uniformly over all ten labels, the true one included"
        ),
        "validation": (
            "follows the test distribution (shifted shade), as the paper says and the public code does; model "
            f"selection on it therefore sees the shift. {n_val} digits from the end of the same shuffled train "
            "split, disjoint from the training digits (public code: a random 10% of MNIST train)"
        ),
        "scale": "pixels in [0, 1] (MNIST / 255); the public code uses 0..255 and stacks 3 identical channels",
        "mask": "relevance mask = the digit half (the public code's mask, the decoy half, is 1 - mask)",
        "groups": "one group per label; worst-group accuracy = worst class accuracy",
        "sampling": f"{n_train} train and {n_test} test digits without replacement, seeded",
    }
    return Task(name, parts["train"], {"test": parts["test"]}, val=parts.get("val"), meta=meta, n_classes=10)


def _check_available(data_root, split: str, what: str, asked: int) -> None:
    """Raise a ConfigError if the source's ``split`` holds fewer than ``asked`` digits."""
    _, labels, source = load_digits_source(data_root, split)
    if asked > len(labels):
        raise ConfigError(
            f"{what} = {asked} digits asked for, but the {source} {split} split holds only {len(labels)}; "
            f"allowed: {what} <= {len(labels)}"
        )


def _draw(data_root, split: str, n: int, seed: int, stream: str, *, from_end: bool = False):
    """``n`` digits of ``split`` without replacement: a prefix of a seeded shuffle (its suffix if ``from_end``)."""
    images, labels, source = load_digits_source(data_root, split)
    order = item_rng(seed, f"{stream}-order", 0).permutation(len(labels))
    pick = order[::-1][:n] if from_end else order[:n]
    return images[pick], labels[pick], source


def _heo_split(
    images: np.ndarray, labels: np.ndarray, seed: int, stream: str, halves: str, *, shift: bool,
) -> ExplanationData:
    """Squeeze the digits into one half; the other half gets the label's shade, or another label's if ``shift``."""
    n = len(labels)
    size = (14, 28) if halves == "top_bottom" else (28, 14)
    squeezed = F.interpolate(torch.from_numpy(images).unsqueeze(1), size=size, mode="bilinear",
                             align_corners=False, antialias=True)
    x = torch.empty(n, 1, 28, 28)
    mask = torch.zeros_like(x)
    for i, label in enumerate(labels):
        rng = item_rng(seed, stream, i)
        digit_second = bool(rng.integers(0, 2))
        shade_digit = (int(label) + int(rng.integers(1, 10))) % 10 if shift else int(label)
        digit_half, decoy_half = _halves(halves, digit_second)
        x[i, 0][decoy_half] = 25 * shade_digit / 255
        x[i, 0][digit_half] = squeezed[i, 0]
        mask[i, 0][digit_half] = 1.0
    return _data(x, labels, mask)


def _halves(halves: str, digit_second: bool):
    first, second = slice(0, 14), slice(14, 28)
    digit, decoy = (second, first) if digit_second else (first, second)
    if halves == "top_bottom":
        return (digit, slice(None)), (decoy, slice(None))
    return (slice(None), digit), (slice(None), decoy)


def _corner_slice(side: int) -> slice:
    return slice(0, SWATCH) if side == 0 else slice(28 - SWATCH, 28)


def _data(x: torch.Tensor, labels: np.ndarray, mask: torch.Tensor) -> ExplanationData:
    y = torch.from_numpy(labels.astype(np.int64))
    return ExplanationData(x, y, mask, torch.ones(len(y), dtype=torch.bool), y.clone(), DIGIT_NAMES)


def _source_text(source: str) -> str:
    if source == MNIST_NAME:
        return "MNIST read from data_root with torchvision (no download)"
    return (
        f"{source}: scikit-learn's 1797 bundled 8x8 digits resized to 20x20 inside a 4-pixel empty border like "
        "MNIST's (first 1297 train, last 500 test), "
        "used because no data_root with an MNIST folder was given; numbers will differ from the papers'"
    )
