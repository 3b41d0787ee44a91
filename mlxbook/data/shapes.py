"""The two synthetic shape datasets of the two-stage MLX paper: Triangle Orientation and Fox vs Cat.

Appendix A.1 (triangles pointing up or down), A.2 (foxes with triangular heads, cats with round
heads, both on rectangular bodies) and A.4 (spurious squares correlated with the label), plus the
transfer test sets of Sec. 3.2 (Pentagon Orientation, Triangle vs Circle). The paper gives no sizes,
positions or mask geometry and no code is public, so every number here is ours; ``Task.meta`` lists
them. Images are size x size (64 by default) grayscale in [0, 1], background 0. Example i of a split is drawn from
``item_rng(seed, split, i)`` alone, so no global random state is touched and train and test differ.

How hard the task is is ours too: :class:`Difficulty` holds the generator's free choices (shape sizes,
an apex off the base's centre, outlines, contrast, noise, blur, label-free distractor shapes). Its
defaults draw the data described above (the "as described" variant); the rule, the mask's meaning,
the transfer sets and the spurious squares hold under every setting. The calibrated variant is chosen
by :mod:`mlxbook.experiments.two_stage.calibration` (the no-explanation baseline against the paper's).
"""
from __future__ import annotations

import numpy as np
import torch

from ..errors import ConfigError, check_choice, check_int
from .base import ExplanationData, Task, item_rng, parse_ratio
from .difficulty import DISTRACTOR_FRACTION, Difficulty, render

EXPLANATIONS = ("all", "minority", "none")
PLACEMENTS = ("text", "figure")
SQUARE_VALUE = 1.0  # value of the spurious square
SQUARE_FRACTION = 3 / 32  # spurious square side as a fraction of the image size: 6 px at 64


def triangle_task(
    n_train: int,
    *,
    n_test: int = 1000,
    seed: int = 0,
    ratio: str = "1:1",
    spurious: bool = False,
    spurious_placement: str = "text",
    explanations: str = "all",
    size: int = 64,
    difficulty: Difficulty | dict | None = None,
) -> Task:
    """Triangle Orientation (Appendix A.1): class 1 points up, class 0 points down.

    The explanation mask is a vertical band over the axis of symmetry from the apex to the base (the
    vertex and a third of the base line). ``ratio`` "a:b" sets positives:negatives of the train split
    ("1:9" for the paper's imbalanced setting); ``explanations`` "minority" keeps masks only on the
    minority class (the sparse setting of Sec. 3.1). ``spurious`` adds a square to the train images
    (Appendix A.4): with ``spurious_placement`` "text" at a random row of the leftmost (class 1) or
    rightmost (class 0) columns as A.4's text says, with "figure" in the bottom-left (up) or top-left
    (down) corner as Fig. 8's caption says. Tests: "test" (balanced, clean) and "pentagon" (Sec. 3.2:
    the middle vertical slice of each test triangle, a pentagon pointing the same way). ``difficulty``
    (a :class:`Difficulty` or a dict of its fields) sets how hard the images are.
    """
    pos, neg = _check_common(n_train, n_test, seed, ratio, spurious, explanations, size)
    check_choice("spurious_placement", spurious_placement, PLACEMENTS)
    d = Difficulty.of(difficulty)
    g = _Geometry(size, d.scale)
    names = ("0: points down", "1: points up")
    train, _ = _triangles(seed, "train", _labels(seed, "train", n_train, pos, neg), g, d)
    squares = _triangle_squares(train, g, spurious_placement) if spurious else None
    render(seed, "train", train, g, d, squares, SQUARE_VALUE)
    test, pentagon = _triangles(seed, "test", _labels(seed, "test", n_test, 1, 1), g, d)
    render(seed, "test", test, g, d)
    render(seed, "test", pentagon, g, d)
    meta = {
        **_settings(n_train, n_test, seed, ratio, spurious, explanations, size),
        "spurious_placement": spurious_placement,
        "source": "synthetic after Appendix A.1 / A.4 of the two-stage MLX paper; no public code, the generator is ours",
        "classes": "1 = apex above the base (points up), 0 = apex below the base (points down)",
        "triangle": (
            f"height h uniform in {_span(g.tri_height)} px, base half-width w uniform in {_span(g.tri_half_width)} px "
            "(base 2w+1 px), drawn independently; the apex "
            + ("on the base centre's column (isosceles)" if d.skew == 0 else
               f"off the base centre's column by u*{d.skew}*w px, u uniform in [-1, 1] (rounded)")
            + "; no anti-aliasing"
        ),
        **_common_choices(g, d),
        "mask": (
            "rectangle from the apex to the base inclusive, columns from min(apex, base centre) - w//3 to "
            "max(apex, base centre) + w//3 within the base (about a third of the base); contains the apex pixel and "
            "the middle of the base line; the same place relative to the shape for both classes"
        ),
        "spurious square": (
            f"{g.square}x{g.square} px of value {SQUARE_VALUE}, train split only; "
            + (
                "text (A.4): class 1 in the leftmost columns, class 0 in the rightmost columns, top row uniform "
                f"in [0, {size - g.square}]"
                if spurious_placement == "text"
                else "figure (Fig. 8 caption): class 1 (up) in the bottom-left corner, class 0 (down) in the top-left corner"
            )
            + f"; shapes stay {g.margin} px from the left and right borders, so the square never touches shape or mask"
        ),
        "pentagon": (
            "each test figure kept on the columns min(apex, base centre) - w//2 to max(apex, base centre) + w//2 (the "
            "middle half of the base) and cut elsewhere: the triangle's tip on a rectangle, a pentagon pointing the "
            "same way, drawn with its test image's background, outline, distractors and noise; same label; mask = "
            "the test mask restricted to the slice (which contains it)"
        ),
    }
    return Task("Triangle", _data(train, explanations, pos, neg, names), {
        "test": _data(test, "all", 1, 1, names),
        "pentagon": _data(pentagon, "all", 1, 1, names),
    }, meta=meta)


def fox_cat_task(
    n_train: int,
    *,
    n_test: int = 1000,
    seed: int = 0,
    ratio: str = "1:1",
    spurious: bool = False,
    explanations: str = "all",
    size: int = 64,
    difficulty: Difficulty | dict | None = None,
) -> Task:
    """Fox vs Cat (Appendix A.2): a fox (class 1) has a triangular head, a cat (class 0) a round one.

    Both heads sit on a rectangular body; the mask is a square on the head's top: the vertex (fox) or
    the arc (cat). ``ratio`` and ``explanations`` as in :func:`triangle_task`. ``spurious`` adds a
    square to the train images (Appendix A.4): top-left corner for foxes, top-right for cats. Tests:
    "test" (balanced, clean) and "triangle_vs_circle" (Sec. 3.2: the test images without bodies).
    ``difficulty`` as in :func:`triangle_task` (its ``skew`` is for triangles only).
    """
    pos, neg = _check_common(n_train, n_test, seed, ratio, spurious, explanations, size)
    d = Difficulty.of(difficulty)
    g = _Geometry(size, d.scale)
    names = ("0: cat", "1: fox")
    train, _ = _animals(seed, "train", _labels(seed, "train", n_train, pos, neg), g, d)
    squares = g.box(np.zeros_like(train["y"]), np.full_like(train["y"], g.square - 1),
                    np.where(train["y"] == 1, 0, size - g.square), np.where(train["y"] == 1, g.square - 1, size - 1))
    render(seed, "train", train, g, d, squares if spurious else None, SQUARE_VALUE)
    test, heads = _animals(seed, "test", _labels(seed, "test", n_test, 1, 1), g, d)
    render(seed, "test", test, g, d)
    render(seed, "test", heads, g, d)
    meta = {
        **_settings(n_train, n_test, seed, ratio, spurious, explanations, size),
        "source": "synthetic after Appendix A.2 / A.4 of the two-stage MLX paper; no public code, the generator is ours",
        "classes": "1 = fox (triangular head), 0 = cat (round head)",
        "head": (
            f"radius r uniform in {_span(g.head_radius)} px; fox: isosceles triangle pointing up, height 2r, base half-width r; "
            "cat: disc of pixels within r + 0.5 of the centre; both fill the same (2r+1)-px box"
        ),
        "body": (
            "rectangle directly below the head and centred under it: half-width uniform in [round(1.2 r), 2r] px, "
            f"height uniform in {_span(g.body_height)} px; same value as the head"
        ),
        **_common_choices(g, d),
        "mask": (
            "square of side 2*(r//2)+1 px at the top centre of the head's box: on the apex (fox) or the top arc (cat); "
            "the same place for both classes, so the mask's position says nothing about the label"
        ),
        "spurious square": (
            f"{g.square}x{g.square} px of value {SQUARE_VALUE}, train split only; fox in the top-left corner, cat in the "
            f"top-right corner (A.4 and Fig. 8 agree); figures stay {g.margin} px from the left and right borders, "
            "so the square never touches figure or mask"
        ),
        "triangle_vs_circle": ("the test figures without the body, drawn with their test image's background, "
                               "outline, distractors and noise; same label and mask"),
    }
    return Task("Fox vs Cat", _data(train, explanations, pos, neg, names), {
        "test": _data(test, "all", 1, 1, names),
        "triangle_vs_circle": _data(heads, "all", 1, 1, names),
    }, meta=meta)


class _Geometry:
    """Size ranges (inclusive, in px) and margins for an image of side ``size``; the numbers are for 64 at
    ``scale`` 1 (every range is multiplied by ``scale``, with floors that keep masks and the rule drawable)."""

    def __init__(self, size: int, scale: float = 1.0):
        self.size = size
        self.square = round(size * SQUARE_FRACTION)  # 6
        self.margin = self.square + 1  # free columns at the left and right: 7

        def span(low, high, floor):
            return max(floor, round(low * size * scale)), max(floor, round(high * size * scale))

        self.tri_height = span(0.25, 0.55, 2)  # 16..35
        self.tri_half_width = span(0.12, 0.30, 3)  # 8..19 (w // 3 >= 1: a mask wider than the apex)
        self.head_radius = span(0.08, 0.14, 2)  # 5..9
        self.body_height = span(0.15, 0.30, 2)  # 10..19
        self.rows = np.arange(size)[None, :]  # (1, size)
        self.cols = np.arange(size)[None, None, :]  # (1, 1, size)

    def rows_between(self, top, bottom):
        """(N, size) boolean: the rows top..bottom (inclusive) of each example."""
        return (self.rows >= top[:, None]) & (self.rows <= bottom[:, None])

    def between(self, left, right):
        """(N, size, size) boolean: in row r, the columns ``left[:, r]`` to ``right[:, r]`` (inclusive)."""
        return (self.cols >= left[:, :, None]) & (self.cols <= right[:, :, None])

    def box(self, top, bottom, left, right):
        """(N, size, size) boolean: the rectangles of rows top..bottom and columns left..right (inclusive)."""
        cols = self.cols[0]
        in_cols = (cols >= left[:, None]) & (cols <= right[:, None])
        return self.rows_between(top, bottom)[:, :, None] & in_cols[:, None, :]


def _triangles(seed: int, stream: str, y: np.ndarray, g: _Geometry, d: Difficulty) -> tuple[dict, dict]:
    """Triangle figures with masks, and their pentagon slices (Appendix A.1, Sec. 3.2); drawn by :func:`~.difficulty.render`."""
    size = g.size

    def sample(rng):
        h = rng.integers(g.tri_height[0], g.tri_height[1] + 1)
        w = rng.integers(g.tri_half_width[0], g.tri_half_width[1] + 1)
        top = rng.integers(1, size - 1 - h)  # rows top..top+h, 1 px from the top and bottom borders
        centre = rng.integers(g.margin + w, size - g.margin - w)  # columns centre-w..centre+w
        square_row = rng.integers(0, size - g.square + 1)  # drawn always, so shapes do not depend on `spurious`
        return h, w, top, centre, square_row, rng.uniform(*d.brightness), rng.uniform(-1, 1)

    p = _draw(seed, stream, len(y), sample)
    h, w, top, centre, square_row = (p[k].astype(np.int64) for k in range(5))
    tip = centre + np.round(p[6] * d.skew * w).astype(np.int64)  # the apex's column
    up = y == 1
    apex = np.where(up, top, top + h)
    depth = (g.rows - apex[:, None]) * np.where(up, 1, -1)[:, None]  # rows below (up) / above (down) the apex
    inside = (depth >= 0) & (depth <= h[:, None])
    left = np.where(inside, tip[:, None] - (tip - centre + w)[:, None] * depth // h[:, None], size)
    right = np.where(inside, tip[:, None] + (centre + w - tip)[:, None] * depth // h[:, None], -1)
    figure = g.between(left, right)
    lo, hi = np.minimum(tip, centre), np.maximum(tip, centre)
    mask = g.box(top, top + h, np.maximum(lo - w // 3, centre - w), np.minimum(hi + w // 3, centre + w))
    middle = g.box(np.zeros_like(top), np.full_like(top, size - 1), lo - w // 2, hi + w // 2)
    box = np.stack([top, top + h, centre - w, centre + w], axis=1)
    triangles = {"figure": figure, "value": p[5], "box": box, "y": y, "mask": mask, "square_row": square_row}
    return triangles, {"figure": figure & middle, "value": p[5], "box": box, "y": y, "mask": mask & middle}


def _animals(seed: int, stream: str, y: np.ndarray, g: _Geometry, d: Difficulty) -> tuple[dict, dict]:
    """Fox and cat figures with masks, and the same without bodies (Appendix A.2, Sec. 3.2); drawn by :func:`~.difficulty.render`."""
    size = g.size

    def sample(rng):
        r = rng.integers(g.head_radius[0], g.head_radius[1] + 1)
        body_w = rng.integers(round(1.2 * r), 2 * r + 1)
        body_h = rng.integers(g.body_height[0], g.body_height[1] + 1)
        top = rng.integers(1, size - 1 - 2 * r - body_h)  # rows top..top+2r+body_h, 1 px from the borders
        centre = rng.integers(g.margin + body_w, size - g.margin - body_w)
        return r, body_w, body_h, top, centre, rng.uniform(*d.brightness)

    p = _draw(seed, stream, len(y), sample)
    r, body_w, body_h, top, centre = (p[k].astype(np.int64) for k in range(5))
    depth = g.rows - top[:, None]  # (N, size): rows below the top of the head
    in_head = (depth >= 0) & (depth <= 2 * r[:, None])
    fox = depth // 2  # triangle of height 2r and base half-width r
    cat = np.floor(np.sqrt(np.maximum((r[:, None] + 0.5) ** 2 - (depth - r[:, None]) ** 2, 0)))  # disc, radius r + 0.5
    half = np.where(in_head, np.where(y[:, None] == 1, fox, cat), -1)  # per row; -1: no head
    head = g.between(centre[:, None] - half, centre[:, None] + half)
    body = g.box(top + 2 * r + 1, top + 2 * r + body_h, centre - body_w, centre + body_w)
    mask = g.box(top, top + 2 * (r // 2), centre - r // 2, centre + r // 2)
    box = np.stack([top, top + 2 * r + body_h, centre - body_w, centre + body_w], axis=1)
    common = {"value": p[5], "box": box, "y": y, "mask": mask}
    return {"figure": head | body, **common}, {"figure": head, **common}


def _triangle_squares(split: dict, g: _Geometry, placement: str) -> np.ndarray:
    """(N, size, size) boolean: the spurious squares for triangles (Appendix A.4 text, or the Fig. 8 caption)."""
    up = split["y"] == 1
    if placement == "text":
        top, left = split["square_row"], np.where(up, 0, g.size - g.square)
    else:
        top, left = np.where(up, g.size - g.square, 0), np.zeros_like(split["y"])
    return g.box(top, top + g.square - 1, left, left + g.square - 1)


def _draw(seed: int, stream: str, n: int, sample) -> np.ndarray:
    """Per-example parameters, one row per field: column i is ``sample(item_rng(seed, stream, i))``."""
    return np.array([sample(item_rng(seed, stream, i)) for i in range(n)], dtype=np.float64).T


def _labels(seed: int, stream: str, n: int, pos: int, neg: int) -> np.ndarray:
    """Exactly round(n * pos / (pos + neg)) ones (halves up), shuffled within blocks of pos + neg.

    Each full block of ``pos + neg`` consecutive examples holds ``pos`` positives in a random order, so
    a dataset's first k examples equal those of n_train = k whenever k is a multiple of the block.
    """
    block = pos + neg
    y = np.empty(n, dtype=np.int64)
    for start in range(0, n, block):
        m = min(block, n - start)
        ones = (2 * m * pos + block) // (2 * block)
        y[start:start + m] = item_rng(seed, f"{stream} labels", start // block).permutation(
            np.r_[np.ones(ones, dtype=np.int64), np.zeros(m - ones, dtype=np.int64)]
        )
    return y


def _data(split: dict, explanations: str, pos: int, neg: int, names: tuple[str, ...]) -> ExplanationData:
    """Tensors of a split; masks kept for all, the minority class, or none (``explanations``)."""
    y = split["y"]
    if explanations == "all":
        has = np.ones(len(y), dtype=bool)
    elif explanations == "minority":
        has = y == (1 if pos <= neg else 0)
    else:
        has = np.zeros(len(y), dtype=bool)
    mask = np.where(has[:, None, None], split["mask"], True)
    return ExplanationData(
        torch.from_numpy(split["x"]).unsqueeze(1),
        torch.from_numpy(y),
        torch.from_numpy(mask.astype(np.float32)).unsqueeze(1),
        torch.from_numpy(has),
        group_names=names,
    )


def _check_common(n_train, n_test, seed, ratio, spurious, explanations, size) -> tuple[int, int]:
    """Validate the options both tasks share; return the ratio as (positives, negatives) in lowest terms."""
    check_int("n_train", n_train, low=1)
    check_int("n_test", n_test, low=2)
    check_int("seed", seed, low=0)
    check_int("size", size, low=32)
    if not isinstance(spurious, bool):
        raise ConfigError(f"spurious={spurious!r} must be True or False")
    check_choice("explanations", explanations, EXPLANATIONS)
    return parse_ratio(ratio)


def _settings(n_train, n_test, seed, ratio, spurious, explanations, size) -> dict:
    """The call's settings, as readable strings."""
    return {
        "n_train": str(n_train),
        "n_test": f"{n_test} per test set",
        "seed": str(seed),
        "ratio": f"{ratio} (positives:negatives of the train split; test sets are balanced)",
        "spurious": str(spurious),
        "explanations": explanations,
        "size": f"{size}x{size}",
    }


def _span(bounds: tuple[int, int]) -> str:
    """An inclusive integer range, as text."""
    return f"[{bounds[0]}, {bounds[1]}]"


def _common_choices(g: _Geometry, d: Difficulty) -> dict:
    """The choices both shape datasets share, for ``Task.meta``."""
    return {
        "difficulty": d.describe(),
        "image": (f"{g.size}x{g.size} grayscale, float32 in [0, 1], one figure; background uniform in "
                  f"{list(d.background)} per image; "
                  + (f"Gaussian pixel noise of standard deviation {d.noise}, clipped to [0, 1]" if d.noise else "no noise")
                  + (f"; Gaussian blur of sigma {d.blur * g.size / 64:g} px before the noise" if d.blur else "")),
        "brightness": f"one value uniform in {list(d.brightness)} per image fills the figure",
        "outline": (f"with probability {d.outline} per image the figure is drawn as its 1-px outline (4-neighbourhood)"
                    if d.outline else "figures are filled"),
        "distractors": (
            f"0 to {d.distractors} per image (uniform): filled discs or rectangles of half-side 1 to "
            f"{max(1, round(DISTRACTOR_FRACTION * g.size))} px and of the figures' value range, placed 1 px off the "
            f"figure's box and {g.margin} px off the left and right borders (never on a mask or a spurious square), "
            "the same for both classes" if d.distractors else "none"),
        "position": (
            "uniform over the positions that keep the figure 1 px from the top and bottom borders and "
            f"{g.margin} px from the left and right borders (room for the spurious squares)"
        ),
        "train labels": (
            "exactly round(n_train * a / (a + b)) positives (halves up) for ratio a:b, shuffled within consecutive "
            "blocks of a + b examples (ratio in lowest terms), each holding a positives: datasets of the same seed "
            "are nested at multiples of a + b"
        ),
        "test sets": "balanced by the same rule (odd n_test: one more positive), never spurious, always with masks",
        "explanation settings": (
            "all: every train example has a mask; minority: only the minority class (class 1, as in the paper, "
            "unless the ratio makes positives the majority); none: no train masks; examples without a mask have "
            "has_mask False and an all-ones mask"
        ),
        "randomness": "example i of split s is drawn from item_rng(seed, s, i) with s = 'train' or 'test'",
    }
