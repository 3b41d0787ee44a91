"""Theorems 1 and 2 of IBP-Ex (Heo et al., 2023; Sec 4, Appendices A-B) computed with the GP of :mod:`.gp`.

* **Theorem 1** (Eq. 5, Appendix A): GP regression with derivative observations df/dx2 = 0 at the
  training points: deviation along x2 against the length scale, against alpha/beta of the Gamma prior,
  and against delta. :func:`theorem1_lengthscale`, :func:`theorem1_gamma`, :func:`theorem1_delta`.
* **Theorem 2** (Eq. 6, Appendix B): invariance observations over a covering of x2 with gap C; deviation
  against C, beside the bound 2 C delta_max f_max / theta^2 of the proof. :func:`theorem2_cover`.

:func:`gp_results` stores them all in the family :data:`.demo.THEORY`, like the networks.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from ...data import load
from . import gp
from .demo import (
    DELTA,
    THEORY,
    X2_RANGE,
    Budget,
    deviation,
    grid_points,
    grid_shift_deviation,
    shifted,
)

GP_NOISE, GP_DERIV_NOISE = 1e-2, 1e-6
"""Variances added to the GP's value (targets +-1) and derivative observations."""
GP_ALPHAS = (1.0, 4.0)
GP_DELTAS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
GP_MAP_THETAS = (1.0, 5.0, 20.0)
THEOREM2_THETA = 1.0
"""Theorem 2's fixed length scale: the best fit of the length-scale sweep (an expressive function)."""


@dataclass
class GPData:
    """The GP's training set (a few demo points per cluster, targets +1 for label 1 and -1 for label 0) and test points."""

    x: np.ndarray
    y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray

    @property
    def levels(self) -> np.ndarray:
        return np.unique(self.x[:, 1])


def gp_data(budget: Budget) -> GPData:
    task = load("theory2d", n_per_group=budget.gp_per_cluster, n_test_per_group=20)
    sign = lambda y: np.where(y.numpy() == 1, 1.0, -1.0)  # noqa: E731
    return GPData(task.train.x.double().numpy(), sign(task.train.y), task.tests["test"].x.double().numpy(),
                  sign(task.tests["test"].y))


def _gp(data: GPData, theta: float, extra_x=None, extra_y=None, derivatives: bool = True) -> gp.DerivativeGP:
    """The posterior given the data, optional extra value observations, and df/dx2 = 0 at the data (RRR)."""
    x, y = data.x, data.y
    if extra_x is not None and len(extra_x):
        x, y = np.vstack([x, extra_x]), np.concatenate([y, extra_y])
    return gp.DerivativeGP(x, y, data.x if derivatives else None, None, (theta, theta), noise=GP_NOISE,
                           deriv_noise=GP_DERIV_NOISE)


def _gp_row(data: GPData, f, budget: Budget, delta: float = DELTA) -> dict:
    """Deviation at the test points and on the grid (mean and max), accuracy of sign(f), RMSE and max |f| on X."""
    n1, n2 = budget.grid_n
    m = f(np.vstack([data.test_x, shifted(data.test_x, delta), grid_points(n1, n2)]))
    n = len(data.test_x)
    grid = m[2 * n:].reshape(n2, n1)
    mean_dev, max_dev = grid_shift_deviation(grid, delta)
    return {"data_deviation": float(np.abs(m[n:2 * n] - m[:n]).mean()), "grid_deviation": mean_dev,
            "max_grid_deviation": max_dev, "accuracy": float(((m[:n] > 0) == (data.test_y > 0)).mean()),
            "rmse": float(np.sqrt(((m[:n] - data.test_y) ** 2).mean())), "f_max": float(np.abs(grid).max())}


def theorem1_lengthscale(budget: Budget, data: GPData | None = None) -> pd.DataFrame:
    """Posterior mean with df/dx2 = 0 at the data, one shared length scale theta = theta_1 = theta_2.

    Columns: deviation at the test points and on the grid (delta = 10), accuracy of sign(m), RMSE, and
    max |dm/dx2| at the training points (the RRR constraint; ~0 when it holds).
    """
    data = data or gp_data(budget)
    rows = []
    for theta in budget.gp_thetas:
        g = _gp(data, theta)
        rows.append({"theta": theta, **_gp_row(data, g.mean, budget), "max_grad_x2_at_data": float(np.abs(g.mean_dx2(data.x)).max())})
    return pd.DataFrame(rows)


def theorem1_gamma(budget: Budget, data: GPData | None = None) -> pd.DataFrame:
    """Theorem 1's f(x) = E_theta[m_x] under theta_i^-2 ~ Gamma(alpha, beta), for several alpha and alpha/beta."""
    data = data or gp_data(budget)
    rows = []
    for alpha in GP_ALPHAS:
        for ratio in budget.gp_alpha_over_beta:
            f = partial(gp.marginal_mean, data.x, data.y, data.x, None, alpha=alpha, beta=alpha / ratio,
                        n_nodes=budget.gp_nodes, noise=GP_NOISE, deriv_noise=GP_DERIV_NOISE)
            rows.append({"alpha": alpha, "alpha_over_beta": ratio, **_gp_row(data, f, budget)})
    return pd.DataFrame(rows)


def theorem1_delta(budget: Budget, data: GPData | None = None, thetas=(2.0, 5.0)) -> pd.DataFrame:
    """Deviation against delta at the test points (where df/dx2 = 0) and on the grid (arbitrary x)."""
    data = data or gp_data(budget)
    n1, n2 = budget.grid_n
    rows = []
    for theta in thetas:
        g = _gp(data, theta)
        for d in GP_DELTAS:
            rows.append({"theta": theta, "delta": d, "data_deviation": deviation(g.mean, data.test_x, d),
                         "grid_deviation": deviation(g.mean, grid_points(n1, n2, d), d)})
    return pd.DataFrame(rows)


def gp_maps(budget: Budget, data: GPData | None = None, thetas=GP_MAP_THETAS, gap: float | None = None) -> dict:
    """Posterior means on the domain grid (n2, n1) per theta; with ``gap``, plus invariance observations covering x2."""
    data = data or gp_data(budget)
    n1, n2 = budget.grid_n
    pts = grid_points(n1, n2)
    out = {}
    for theta in thetas:
        extra = cover_observations(data, gap) if gap else (None, None)
        out[theta] = _gp(data, theta, *extra).mean(pts).reshape(n2, n1)
    return out


def cover_observations(data: GPData, gap: float) -> tuple[np.ndarray, np.ndarray]:
    """Invariance observations of Theorem 2: f(x1^(n), c) = y^(n) for every c of a covering of x2 with gap ``gap``."""
    cover = gp.covering(*X2_RANGE, gap)
    xs = np.concatenate([np.stack([np.full(len(cover), x1), cover], 1) for x1 in data.x[:, 0]])
    return xs, np.repeat(data.y, len(cover))


def theorem2_cover(budget: Budget, data: GPData | None = None, theta: float = THEOREM2_THETA) -> pd.DataFrame:
    """Deviation against the coverage gap C at a fixed, expressive length scale, beside the proof's bound.

    Row C = 10 is the data alone (x2 levels -20, 0, 20 in [-30, 30]). ``bound`` is 2 C delta_max f_max /
    theta^2 (Appendix B before marginalising), with delta_max = max |x2 - x2^(n)| over X and the data and
    f_max = max |m| on the grid; ``max_grid_deviation`` is the largest |m(x + [0, delta]) - m(x)| on the grid.
    """
    data = data or gp_data(budget)
    delta_max = float(max(abs(X2_RANGE[1] - data.levels.min()), abs(X2_RANGE[0] - data.levels.max())))
    rows = []
    for gap in (None, *budget.gp_gaps):
        extra = cover_observations(data, gap) if gap else (None, None)
        g = _gp(data, theta, *extra)
        covered = data.levels if gap is None else np.union1d(data.levels, gp.covering(*X2_RANGE, gap))
        c = gp.coverage_gap(covered, *X2_RANGE)
        row = _gp_row(data, g.mean, budget)
        rows.append({"C": c, "n_observations": g.n_observations, **row, "theta": theta,
                     "bound": 2 * c * delta_max * row["f_max"] / theta ** 2})
    return pd.DataFrame(rows)


@dataclass
class GPResults:
    """Everything the chapter shows about Theorems 1 and 2."""

    data: GPData
    lengthscale: pd.DataFrame
    gamma: pd.DataFrame
    delta: pd.DataFrame
    cover: pd.DataFrame
    maps: dict
    cover_map: np.ndarray
    cover_map_gap: float


def _gp_results(budget: dict, code: str) -> GPResults:
    b = Budget(**{k: tuple(v) if isinstance(v, list) else v for k, v in budget.items()})
    with threadpool_limits(1):  # small matrices: one BLAS thread is faster than two on a busy machine
        data = gp_data(b)
        gap = b.gp_gaps[len(b.gp_gaps) // 2]
        return GPResults(data, theorem1_lengthscale(b, data), theorem1_gamma(b, data), theorem1_delta(b, data),
                         theorem2_cover(b, data), gp_maps(b, data),
                         gp_maps(b, data, thetas=(THEOREM2_THETA,), gap=gap)[THEOREM2_THETA], gap)


def gp_results(budget: Budget, *, cache: bool = True, location: Path | None = None) -> GPResults:
    """Theorems 1 and 2 with the GP (stored on disk like the networks, so a rerun computes nothing)."""
    return THEORY.cached(_gp_results, location=location, cache=cache)(asdict(budget), THEORY.key())
