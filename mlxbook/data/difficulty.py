"""How hard the synthetic shapes are: the free choices of the generators of :mod:`.shapes`.

Appendix A of the two-stage paper fixes only the rule (apex above or below the base; triangular or
round head), the mask's idea and the image size. :class:`Difficulty` holds everything else that makes
the task hard or easy, and :func:`render` draws a split's figures with it; its defaults draw the
as-described data bit for bit. The calibrated setting is searched by
:mod:`mlxbook.experiments.two_stage.calibration`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.ndimage import gaussian_filter

from ..errors import ConfigError, check_float, check_int
from .base import item_rng

BRIGHTNESS = (0.6, 1.0)  # each image's shape value, uniform in this range (as described)
DISTRACTOR_FRACTION = 0.06  # largest distractor half-side as a fraction of the image size: 4 px at 64


KNOBS = {
    "scale": "multiplies the figures' size ranges",
    "skew": "moves a triangle's apex off its base's centre column, uniformly by up to skew times the base's "
            "half-width (A.1: \"the vertex is above the bottom line\"); Triangle only: in Fox vs Cat only foxes "
            "have an apex, so a skew would itself tell the class",
    "outline": "the probability that a figure is drawn as its 1-px outline",
    "brightness": "the range of the figure's value (uniform per image)",
    "background": "the range of the background's value (uniform per image; with brightness, the contrast)",
    "blur": "a Gaussian blur's sigma in px of a 64-px image",
    "noise": "the standard deviation of Gaussian pixel noise (then clipped to [0, 1])",
    "distractors": "up to this many filled discs or rectangles per image, of the figures' value range, off the "
                   "figure's box and the border columns: they carry no label and never touch a mask or a spurious square",
}
"""What each field of :class:`Difficulty` does (the Datasets page lists them with their defaults)."""


@dataclass(frozen=True)
class Difficulty:
    """The generator's free choices (App. A fixes only the rule, the mask's idea and the image size); each
    field is explained in :data:`KNOBS`. The defaults draw today's data ("as described")."""

    scale: float = 1.0
    skew: float = 0.0
    outline: float = 0.0
    brightness: tuple[float, float] = BRIGHTNESS
    background: tuple[float, float] = (0.0, 0.0)
    blur: float = 0.0
    noise: float = 0.0
    distractors: int = 0

    def __post_init__(self):
        check_float("difficulty.scale", self.scale, low=0.4, high=1.0)
        check_float("difficulty.skew", self.skew, low=0.0, high=1.0)
        check_float("difficulty.outline", self.outline, low=0.0, high=1.0)
        check_float("difficulty.blur", self.blur, low=0.0, high=4.0)
        check_float("difficulty.noise", self.noise, low=0.0, high=1.0)
        check_int("difficulty.distractors", self.distractors, low=0, high=8)
        for name in ("brightness", "background"):
            r = getattr(self, name)
            if not (isinstance(r, (tuple, list)) and len(r) == 2 and all(isinstance(v, (int, float)) for v in r)
                    and 0.0 <= r[0] <= r[1] <= 1.0):
                raise ConfigError(f"difficulty.{name}={r!r} must be a range (low, high) with 0 <= low <= high <= 1")
            object.__setattr__(self, name, (float(r[0]), float(r[1])))
        if self.background[1] >= self.brightness[0]:
            raise ConfigError(f"difficulty.background={self.background!r} must stay below difficulty.brightness="
                              f"{self.brightness!r} (the figure is brighter than the background)")

    @classmethod
    def of(cls, value) -> Difficulty:
        """``value`` as a Difficulty: None (the defaults), a Difficulty, or a dict of its fields (as in a RunSpec)."""
        if value is None or isinstance(value, Difficulty):
            return value or cls()
        if not isinstance(value, dict) or not set(value) <= set(cls.__dataclass_fields__):
            raise ConfigError(f"difficulty={value!r} must be None or a dict with keys among "
                              f"{sorted(cls.__dataclass_fields__)}")
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in value.items()})

    def changes(self) -> dict:
        """The fields that differ from the defaults (the "as described" data: {})."""
        default = asdict(Difficulty())
        return {k: v for k, v in asdict(self).items() if v != default[k]}

    @classmethod
    def table(cls) -> list[dict]:
        """Every knob with its default (the as-described data) and what it does (:data:`KNOBS`)."""
        default = asdict(cls())
        return [{"knob": k, "as described": default[k], "what it does": KNOBS[k]} for k in cls.__dataclass_fields__]

    def describe(self) -> str:
        """The settings in words, for ``Task.meta`` and the Datasets page."""
        changed = self.changes()
        if not changed:
            return "as described: no noise, blur, outlines, skew or distractors; sizes as listed"
        return "; ".join(f"{k} {list(v) if isinstance(v, tuple) else v}" for k, v in changed.items())



def render(seed: int, stream: str, split: dict, g, d: Difficulty, squares=None, square_value: float = 1.0) -> None:
    """The images ``split["x"]`` of its figures (``split["figure"]``, ``split["value"]``, ``split["box"]``) on
    the geometry ``g`` of :mod:`.shapes`, in place: figure value on the background, then (per image,
    from ``item_rng(seed, stream + " render", i)``) outline, distractors, blur, the spurious ``squares``
    and noise. A transfer set drawn with its test set's ``stream`` gets the same background, outline,
    distractors and noise as its test images."""
    figure, value = split["figure"], split["value"].astype(np.float32)[:, None, None]
    plain = {k: v for k, v in d.changes().items() if k not in ("scale", "skew", "brightness")}
    if not plain:  # the as-described data: no per-image drawing
        x = figure * value
        split["x"] = x if squares is None else np.where(squares, square_value, x)
        return
    x = np.empty(figure.shape, dtype=np.float32)
    noise = np.zeros_like(x)
    for i in range(len(x)):
        rng = item_rng(seed, f"{stream} render", i)
        canvas = np.full(figure.shape[1:], rng.uniform(*d.background), dtype=np.float32)
        shape = figure[i] & ~_interior(figure[i]) if rng.random() < d.outline else figure[i]
        canvas[shape] = value[i, 0, 0]
        for _ in range(rng.integers(0, d.distractors + 1)):
            spot = _distractor(rng, g, split["box"][i])
            if spot is not None:
                canvas[spot] = rng.uniform(*d.brightness)
        x[i] = gaussian_filter(canvas, sigma=d.blur * g.size / 64) if d.blur else canvas
        if d.noise:
            noise[i] = rng.normal(0.0, d.noise, canvas.shape)
    if squares is not None:
        x = np.where(squares, square_value, x)
    split["x"] = np.clip(x + noise, 0.0, 1.0).astype(np.float32)


def _interior(shape: np.ndarray) -> np.ndarray:
    """The pixels of a (size, size) boolean shape whose four neighbours are all in it (the shape less its outline)."""
    p = np.pad(shape, 1)
    return p[1:-1, 1:-1] & p[:-2, 1:-1] & p[2:, 1:-1] & p[1:-1, :-2] & p[1:-1, 2:]


def _distractor(rng: np.random.Generator, g, box: np.ndarray) -> np.ndarray | None:
    """A label-free disc or rectangle (half-side up to DISTRACTOR_FRACTION of the image) that stays 1 px off the
    figure's ``box`` (top, bottom, left, right) and off the spurious squares' columns; None after 20 misses."""
    top, bottom, left, right = (int(v) for v in box)
    rows, cols = np.arange(g.size)[:, None], np.arange(g.size)[None, :]
    for _ in range(20):
        rho = int(rng.integers(1, max(1, round(DISTRACTOR_FRACTION * g.size)) + 1))
        r = int(rng.integers(rho, g.size - rho))
        c = int(rng.integers(g.margin + rho, g.size - g.margin - rho))
        disc, wide = rng.random() < 0.5, int(rng.integers(1, rho + 1))
        if r + rho < top - 1 or r - rho > bottom + 1 or c + rho < left - 1 or c - rho > right + 1:
            if disc:
                return (rows - r) ** 2 + (cols - c) ** 2 <= (rho + 0.5) ** 2
            return (np.abs(rows - r) <= rho) & (np.abs(cols - c) <= wide)
    return None
