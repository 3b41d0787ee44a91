"""Handwritten digits for the decoy datasets: real MNIST when it is on disk, else scikit-learn's digits.

Both decoy datasets (RRR Sec. "Real-world datasets", IBP-Ex Sec. 5.2) are built on MNIST. The book
never downloads: with a ``data_root`` holding torchvision's MNIST layout the real digits are used;
without one, scikit-learn's bundled 8x8 digits, enlarged to 28x28, stand in, and every task built
from them says so in its name.
"""
from __future__ import annotations

import functools
import gzip
import os
import shutil

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import ConfigError, check_choice

SPLITS = ("train", "test")
MNIST_NAME = "MNIST"
STAND_IN_NAME = "Decoy-Digits (MNIST stand-in)"
MNIST_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
STAND_IN_TEST = 500  # the last 500 of scikit-learn's 1797 digits are the test split, the first 1297 train


def load_digits_source(data_root: str | os.PathLike | None, split: str) -> tuple[np.ndarray, np.ndarray, str]:
    """Digit images (N, 28, 28) float32 in [0, 1], labels int64 and the source name, for ``split``.

    ``data_root`` with a ``MNIST`` folder: torchvision's ``MNIST(root=data_root, download=False)``
    reads ``MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte``; files present only as ``.gz``
    are unpacked next to the archive first (what torchvision's own download step does). A missing or
    malformed file raises a ConfigError naming it. ``data_root`` None, or an existing folder without
    ``MNIST``: scikit-learn's ``load_digits`` (values 0..16, scaled to [0, 1], bilinear resize 8x8 ->
    20x20 and a 4-pixel empty border, as MNIST digits sit in a 20x20 box, so the Ross corner swatch
    does not cover strokes), split deterministically into the first 1297 (train) and the last 500
    (test) digits, so the default decoy tasks (1000 train + 200 validation, 500 test) fit.
    The returned arrays are cached and read-only: index them (which copies) before changing them.
    """
    check_choice("split", split, SPLITS)
    if data_root is None:
        return _stand_in(split)
    root = os.fspath(data_root)
    if not os.path.isdir(root):
        raise ConfigError(f"data_root={root!r} is not an existing folder; pass None to use the {STAND_IN_NAME}")
    if not os.path.isdir(os.path.join(root, "MNIST")):
        return _stand_in(split)
    return _mnist(os.path.abspath(root), split)


@functools.lru_cache(maxsize=None)
def _stand_in(split: str) -> tuple[np.ndarray, np.ndarray, str]:
    from sklearn.datasets import load_digits

    digits = load_digits()
    small = torch.from_numpy(digits.images.astype(np.float32) / 16.0).unsqueeze(1)
    box = F.interpolate(small, size=(20, 20), mode="bilinear", align_corners=False)
    images = F.pad(box, (4, 4, 4, 4)).squeeze(1).numpy()
    labels = digits.target.astype(np.int64)
    part = slice(None, -STAND_IN_TEST) if split == "train" else slice(-STAND_IN_TEST, None)
    return _frozen(images[part]), _frozen(labels[part]), STAND_IN_NAME


@functools.lru_cache(maxsize=None)
def _mnist(root: str, split: str) -> tuple[np.ndarray, np.ndarray, str]:
    from torchvision.datasets import MNIST

    raw = os.path.join(root, "MNIST", "raw")
    _unpack_gz(root, raw)
    missing = [name for name in MNIST_FILES if not os.path.isfile(os.path.join(raw, name))]
    if missing:
        raise ConfigError(
            f"data_root={root!r} has an MNIST folder, but {raw} lacks {', '.join(missing)} "
            f"(plain or .gz); the book needs all of {', '.join(MNIST_FILES)} there, or no MNIST folder "
            f"at all to use the {STAND_IN_NAME}"
        )
    try:
        dataset = MNIST(root=root, train=split == "train", download=False)
        images = dataset.data.numpy().astype(np.float32) / 255.0
        labels = dataset.targets.numpy().astype(np.int64)
    except Exception as err:  # torchvision raises assorted types for a bad idx file
        raise ConfigError(f"data_root={root!r}: cannot read the MNIST {split} files in {raw}: {err}") from None
    shape_ok = images.ndim == 3 and images.shape[1:] == (28, 28) and len(labels) == len(images)
    if not shape_ok or labels.min() < 0 or labels.max() > 9:
        raise ConfigError(
            f"data_root={root!r}: the MNIST {split} files in {raw} hold images {images.shape} and "
            f"{len(labels)} labels; expected (N, 28, 28) images with N labels in 0..9"
        )
    return _frozen(images), _frozen(labels), MNIST_NAME


def _unpack_gz(root: str, raw: str) -> None:
    """Unpack ``<name>.gz`` to ``<name>`` where only the archive is there (torchvision reads plain files)."""
    for name in MNIST_FILES:
        plain, packed = os.path.join(raw, name), os.path.join(raw, name + ".gz")
        if os.path.isfile(plain) or not os.path.isfile(packed):
            continue
        try:
            with gzip.open(packed, "rb") as src, open(plain, "wb") as dst:
                shutil.copyfileobj(src, dst)
        except (OSError, EOFError) as err:
            if os.path.exists(plain):
                os.remove(plain)
            raise ConfigError(f"data_root={root!r}: cannot unpack {packed}: {err}") from None


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(array)
    array.setflags(write=False)
    return array
