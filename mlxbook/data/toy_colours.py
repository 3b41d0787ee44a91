"""RRR's toy colour dataset (Ross et al. 2017, Sec. "Toy Color Dataset", Figs. 2-4, Fig. 13).

5x5 RGB images whose pixels take one of four colours. Two independent rules separate the classes:
the four corners share one colour ("corners"), and the three top-middle pixels are all different
("top_middle"). Class 0 satisfies both, class 1 neither, so a model can learn either rule; the
relevance mask says which one the explanation should use.
"""
from __future__ import annotations

import itertools

import numpy as np
import torch

from ..errors import check_choice, check_int
from .base import ExplanationData, Task, item_rng

# The four colours dtak/rrr's toy_colors.py samples from (its 'r', 'g', 'b', 'v'), as RGB / 255.
COLOURS = np.array([[255, 0, 0], [0, 255, 0], [0, 128, 255], [128, 0, 255]], dtype=np.float32) / 255.0
COLOUR_NAMES = ("red (255,0,0)", "green (0,255,0)", "blue (0,128,255)", "violet (128,0,255)")
RULES = ("corners", "top_middle")
RULE_PIXELS = {
    "corners": ((0, 0), (0, 4), (4, 0), (4, 4)),
    "top_middle": ((0, 1), (0, 2), (0, 3)),
}

_TUPLES4 = np.array(list(itertools.product(range(4), repeat=4)))
_TUPLES3 = np.array(list(itertools.product(range(4), repeat=3)))
_SAME4 = np.array([len(set(t)) == 1 for t in _TUPLES4])
_DISTINCT3 = np.array([len(set(t)) == 3 for t in _TUPLES3])
# Per label: the corner colours and top-middle colours allowed (class 0: both rules; class 1: neither).
_CORNERS = (_TUPLES4[_SAME4], _TUPLES4[~_SAME4])
_TOP_MIDDLE = (_TUPLES3[_DISTINCT3], _TUPLES3[~_DISTINCT3])


def rule_mask(rule: str) -> torch.Tensor:
    """The (3, 5, 5) mask that is 1 on the pixels (all channels) of ``rule`` ("corners" or "top_middle")."""
    check_choice("rule", rule, RULES)
    mask = torch.zeros(3, 5, 5)
    for r, c in RULE_PIXELS[rule]:
        mask[:, r, c] = 1.0
    return mask


def toy_colours_task(
    n_train: int = 20000, *, n_test: int = 20000, seed: int = 0, relevant: str = "corners",
) -> Task:
    """RRR's toy colours: x (N, 3, 5, 5) in [0, 1], labels 0/1 alternating, mask = pixels of ``relevant``.

    Example i has label i % 2 (balanced); its pixels are drawn uniformly from the four colours, then
    the corners and the top-middle pixels are drawn uniformly among the colourings that obey
    (label 0) or break (label 1) the two rules. 20,000 train and test examples as in the paper.
    """
    check_int("n_train", n_train, low=1)
    check_int("n_test", n_test, low=1)
    check_int("seed", seed)
    check_choice("relevant", relevant, RULES)
    mask = rule_mask(relevant)
    train, test = (_split(seed, stream, n, mask) for stream, n in (("train", n_train), ("test", n_test)))
    meta = {
        "source": "synthetic, after Ross et al. (2017), Sec. 'Toy Color Dataset'",
        "colours": "each pixel is one of " + ", ".join(COLOUR_NAMES) + " (the four dtak/rrr samples from)",
        "scale": "RGB / 255, so x is in [0, 1]; dtak/rrr feeds raw 0..255 values (its lambda = 1000 assumes that)",
        "class 0": "all four corners one colour AND the three top-middle pixels all different",
        "class 1": "the corners not all one colour AND the top-middle pixels with a repeat",
        "labels": "example i has label i % 2 (balanced); dtak/rrr draws each label with probability 1/2",
        "sampling": (
            "other pixels uniform over the four colours; corner and top-middle colourings uniform over those "
            "that obey (class 0) or break (class 1) each rule; dtak/rrr instead repaints pixels until the rule "
            "holds, making one diagonal corner pair differ in class 1"
        ),
        "relevant": f"mask = the {relevant} pixels (all 3 channels); rule_mask('corners' | 'top_middle') gives either",
        "rules are independent": (
            "the corners and the top-middle pixels do not overlap; each rule alone predicts the label"
        ),
    }
    return Task("Toy colours", train, {"test": test}, meta=meta)


def _split(seed: int, stream: str, n: int, mask: torch.Tensor) -> ExplanationData:
    colour_index = np.empty((n, 5, 5), dtype=np.int64)
    labels = np.arange(n) % 2
    for i, label in enumerate(labels):
        rng = item_rng(seed, stream, i)
        grid = rng.integers(0, 4, size=(5, 5))
        corners = _CORNERS[label][rng.integers(len(_CORNERS[label]))]
        top_middle = _TOP_MIDDLE[label][rng.integers(len(_TOP_MIDDLE[label]))]
        for (r, c), colour in zip(RULE_PIXELS["corners"], corners):
            grid[r, c] = colour
        for (r, c), colour in zip(RULE_PIXELS["top_middle"], top_middle):
            grid[r, c] = colour
        colour_index[i] = grid
    x = torch.from_numpy(COLOURS[colour_index]).permute(0, 3, 1, 2).contiguous()
    y = torch.from_numpy(labels)
    return ExplanationData(
        x, y, mask.expand_as(x).clone(), torch.ones(n, dtype=torch.bool),
        y.clone(), ("0: both rules", "1: neither rule"),
    )
