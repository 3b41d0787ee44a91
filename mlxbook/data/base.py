"""The containers every dataset returns: labelled examples with explanation masks, grouped into a task."""
from __future__ import annotations

import math
import os
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..errors import ConfigError


def item_rng(seed: int, stream: str, index: int) -> np.random.Generator:
    """A generator for one example: seeded by (seed, stream, index), so no global state is touched.

    Example ``index`` of stream ``stream`` ("train", "test", ...) is the same whatever else is drawn,
    which keeps datasets of different sizes nested (the first 10 examples of n=100 are those of n=10).
    """
    return np.random.default_rng([int(seed), zlib.crc32(stream.encode()), int(index)])


def parse_ratio(ratio, positives: str = "positives", negatives: str = "negatives") -> tuple[int, int]:
    """A class ratio "a:b" (positives:negatives, e.g. "1:9") as (a, b) in lowest terms, or a ConfigError."""
    match = re.fullmatch(r"\s*(\d+)\s*:\s*(\d+)\s*", ratio) if isinstance(ratio, str) else None
    if match is None or 0 in (int(match[1]), int(match[2])):
        raise ConfigError(
            f"ratio={ratio!r} is not allowed; use 'a:b' with positive integers a ({positives}) and "
            f"b ({negatives}), e.g. '1:1' or '1:9'"
        )
    pos, neg = int(match[1]), int(match[2])
    d = math.gcd(pos, neg)
    return pos // d, neg // d


def dataset_folder(data_root, name: str, subfolders: tuple[str, ...], layout: str) -> Path:
    """``data_root/name`` once its ``subfolders`` exist, else a ConfigError naming what is missing and ``layout``."""
    if data_root is None:
        raise ConfigError(f"data_root=None: the {name} task reads its images from disk; expected layout: {layout}")
    root = Path(data_root)
    if not root.is_dir():
        raise ConfigError(f"data_root={os.fspath(data_root)!r} is not an existing folder; expected layout: {layout}")
    for sub in subfolders:
        if not (root / name / sub).is_dir():
            raise ConfigError(f"{root / name / sub} is missing; expected layout: {layout}")
    return root / name


def irrelevant_region(mask: torch.Tensor, has_mask: torch.Tensor) -> torch.Tensor:
    """RRR's annotation A = 1 - e(x) on annotated examples, 0 on examples without an explanation.

    ``has_mask`` has the leading (example, or seed and example) axes of ``mask``.
    """
    keep = has_mask.reshape(*has_mask.shape, *([1] * (mask.dim() - has_mask.dim()))).to(mask.dtype)
    return (1.0 - mask) * keep


@dataclass
class ExplanationData:
    """Examples ``x`` with labels ``y`` and relevance masks ``mask`` = e(x).

    ``mask`` has the shape of ``x`` and is 1 on the features that explain the label (the paper's
    e(x)); methods that penalise the *irrelevant* region use ``1 - mask``. ``has_mask`` is False for
    examples that carry no explanation (the sparse setting); their ``mask`` is all ones and must not
    be used. ``groups`` holds a group id per example for worst-group accuracy (by default the label).
    """

    x: torch.Tensor
    y: torch.Tensor
    mask: torch.Tensor
    has_mask: torch.Tensor
    groups: torch.Tensor | None = None
    group_names: tuple[str, ...] = ()

    def __post_init__(self):
        n = len(self.y)
        if self.x.shape[0] != n or self.mask.shape != self.x.shape or self.has_mask.shape != (n,):
            raise ValueError(
                f"inconsistent shapes: x {tuple(self.x.shape)}, y {tuple(self.y.shape)}, "
                f"mask {tuple(self.mask.shape)}, has_mask {tuple(self.has_mask.shape)}"
            )
        if self.groups is None:
            self.groups = self.y.clone()

    def __len__(self) -> int:
        return len(self.y)

    @property
    def irrelevant(self) -> torch.Tensor:
        """The annotation A of RRR: 1 where a feature must not matter (zero where no mask is given)."""
        return irrelevant_region(self.mask, self.has_mask)

    def subset(self, index) -> "ExplanationData":
        """The examples at ``index`` (a slice, an index tensor or a boolean tensor)."""
        return ExplanationData(
            self.x[index], self.y[index], self.mask[index], self.has_mask[index],
            self.groups[index], self.group_names,
        )

    def class_counts(self) -> dict[int, int]:
        """Number of examples per label."""
        labels, counts = np.unique(self.y.numpy(), return_counts=True)
        return {int(k): int(v) for k, v in zip(labels, counts)}


@dataclass
class Batch:
    """A minibatch per seed, as the engine hands it to a method: x (S, B, ...), y (S, B), relevance mask
    like x, has_mask (S, B)."""

    x: torch.Tensor
    y: torch.Tensor
    mask: torch.Tensor
    has_mask: torch.Tensor

    @property
    def irrelevant(self) -> torch.Tensor:
        """RRR's annotation A = 1 - e(x) on annotated examples, 0 on examples without an explanation."""
        return irrelevant_region(self.mask, self.has_mask)


@dataclass
class Task:
    """A dataset ready for training: a train split, an optional validation split and named test sets.

    ``tests`` holds the clean test set under "test" first, then transfer or shifted test sets
    (e.g. "pentagon"). ``meta`` records where the data came from and every choice made where the
    papers are silent, so that chapters can print it. ``n_classes`` is the number of classes (labels
    0 .. n_classes - 1, whether or not a small split holds all of them); a model's output width reads it,
    and its input width :attr:`n_features`.
    """

    name: str
    train: ExplanationData
    tests: dict[str, ExplanationData]
    val: ExplanationData | None = None
    meta: dict = field(default_factory=dict)
    n_classes: int = 2

    def __post_init__(self):
        splits = {"train": self.train, **({"val": self.val} if self.val is not None else {}), **self.tests}
        for name, data in splits.items():
            if len(data) and (int(data.y.min()) < 0 or int(data.y.max()) >= self.n_classes):
                raise ConfigError(f"task {self.name!r}: split {name!r} has labels {int(data.y.min())}.."
                                  f"{int(data.y.max())}, outside 0..{self.n_classes - 1} (n_classes={self.n_classes})")

    @property
    def n_features(self) -> int:
        """Input elements per example (the width an MLP's first layer needs)."""
        return self.train.x[0].numel()
