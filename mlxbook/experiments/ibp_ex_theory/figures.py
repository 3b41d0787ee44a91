"""Figures of the chapter ``rrr_theory``: Fig 1 of IBP-Ex, the weight-decay trade-off, Theorems 1-2, Proposition 1.

Reporting only: each draws stored results of :mod:`.demo` and :mod:`.theorems`; editing it recomputes nothing.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ...data import load
from ...data.theory2d import GROUP_X2
from .demo import (
    DELTA,
    FFN_HIDDEN,
    FIG1_WEIGHT_DECAYS,
    IBP_EPS_MAX,
    X1_RANGE,
    X2_RANGE,
    Budget,
    NetworkResults,
    cover_gap_of_boxes,
    domain_grid,
    fig1_specs,
)
from .theorems import GPData, cover_observations


def _boundary_panel(ax, grid: np.ndarray, task_x: np.ndarray, task_y: np.ndarray, grid_n, title: str, all_grids=None):
    g1, g2 = domain_grid(*grid_n)
    im = ax.imshow(grid, origin="lower", extent=(*X1_RANGE, *X2_RANGE), aspect="auto", cmap="RdBu_r", vmin=0, vmax=1)
    for other in (all_grids if all_grids is not None else [grid]):
        ax.contour(g1, g2, other, levels=[0.5], colors="k", linewidths=1.0)
    ax.scatter(task_x[:, 0], task_x[:, 1], c=task_y, cmap="coolwarm", s=4, edgecolors="none", vmin=0, vmax=1)
    ax.set_title(title, fontsize=8)
    ax.set_xticks([-2, 0, 2, 4])
    ax.set_xlabel("$x_1$ (relevant)")
    return im


def plot_fig1(res: NetworkResults):
    """Fig 1 (a-d): the data, then p(y=1|x) of seed 0 with every seed's decision boundary (black), per panel."""
    import matplotlib.pyplot as plt

    task = load("theory2d", n_per_group=res.budget.n_per_group, n_test_per_group=res.budget.n_test_per_group)
    x, y = task.train.x.numpy(), task.train.y.numpy()
    specs = fig1_specs()
    fig, axes = plt.subplots(1, len(specs) + 1, figsize=(11, 3.6), sharey=True)
    axes[0].scatter(x[:, 0], x[:, 1], c=y, cmap="coolwarm", s=4, vmin=0, vmax=1)
    axes[0].set(xlim=X1_RANGE, ylim=X2_RANGE)
    axes[0].set_title("(a) data\n(colour = label)", fontsize=8)
    axes[0].set_xticks([-2, 0, 2, 4])
    axes[0].set_xlabel("$x_1$ (relevant)")
    axes[0].set_ylabel("$x_2$ (nuisance)")
    for ax, (panel, spec) in zip(axes[1:], specs.items()):
        t = res.of(spec)
        grids = res.grids[spec]
        title = f"{panel}\nacc {t.accuracy.mean():.2f}, dev {t.grid_deviation.mean():.4f}"
        im = _boundary_panel(ax, grids[0], x, y, res.budget.grid_n, title, grids)
    fig.colorbar(im, ax=axes, shrink=0.8, label="p(y = 1 | x)")
    return fig


def plot_tradeoff(res: NetworkResults):
    """RRR's weight-decay sweep (3-layer net): deviation and boundary flips, and accuracy; IBP-Ex (eps 40) as a line."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    t = res.table[res.table.layers == len(FFN_HIDDEN) + 1]
    rrr = t[t.method == "rrr"]
    ibp = t[(t.method == "ibp_ex") & (t.eps_max == IBP_EPS_MAX)]
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.2))
    for ax, col, name in zip(axes, ["grid_deviation", "flip_rate", "accuracy"],
                             [f"grid deviation (delta = {DELTA:g})", "boundary flips", "test accuracy"]):
        sns.lineplot(data=rrr, x="weight_decay", y=col, marker="o", errorbar="sd", ax=ax, label="RRR")
        ax.axhline(ibp[col].mean(), color="C2", ls="--", label=f"IBP-Ex (eps {IBP_EPS_MAX:g}, no decay)")
        ax.set(xscale="log", xlabel="weight decay (Adam, coupled L2)", ylabel=name)
        for w in FIG1_WEIGHT_DECAYS:
            ax.axvline(w, color="grey", lw=0.6, ls=":")
    axes[0].legend(fontsize=8)
    for ax in axes[1:]:
        ax.get_legend().remove() if ax.get_legend() else None
    fig.tight_layout()
    return fig


def plot_gp_maps(maps: dict, data: GPData, budget: Budget, title: str = "theta"):
    """GP posterior means over X, one panel per length scale (training points in black)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(maps), figsize=(11, 3.2), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, (theta, m) in zip(axes, maps.items()):
        im = ax.imshow(m, origin="lower", extent=(*X1_RANGE, *X2_RANGE), aspect="auto", cmap="RdBu_r", vmin=-1.2, vmax=1.2)
        ax.scatter(data.x[:, 0], data.x[:, 1], c="k", s=6)
        ax.set(title=f"{title} = {theta:g}", xlabel="$x_1$")
    axes[0].set_ylabel("$x_2$ (nuisance)")
    fig.colorbar(im, ax=axes, shrink=0.8, label="posterior mean")
    return fig


def plot_theorem1(t1: pd.DataFrame, t1g: pd.DataFrame, t1d: pd.DataFrame):
    """Deviation and accuracy against theta, against alpha/beta (Gamma prior), and deviation against delta."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4))
    ax = axes[0]
    ax.plot(t1.theta, t1.data_deviation, "o-", label="deviation at test points")
    ax.plot(t1.theta, t1.accuracy, "s--", label="accuracy of sign(m)")
    ax.set(xscale="log", xlabel="length scale theta (shared)", title="fixed length scale")
    ax.legend(fontsize=8)
    ax = axes[1]
    for i, (alpha, g) in enumerate(t1g.groupby("alpha")):
        ax.plot(g.alpha_over_beta, g.data_deviation, "o-", color=f"C{i}", label=f"deviation, alpha = {alpha:g}")
        ax.plot(g.alpha_over_beta, g.accuracy, "s--", color=f"C{i}", alpha=0.6, label=f"accuracy, alpha = {alpha:g}")
    ax.set(xscale="log", xlabel="alpha / beta = E[theta^-2]", title="marginalised over the Gamma prior")
    ax.legend(fontsize=7)
    ax = axes[2]
    for i, (theta, g) in enumerate(t1d.groupby("theta")):
        ax.plot(g.delta, g.grid_deviation, "o-", color=f"C{i}", label=f"grid, theta = {theta:g}")
        ax.plot(g.delta, g.data_deviation, "s--", color=f"C{i}", label=f"test points, theta = {theta:g}")
    d = np.array(sorted(t1d.delta.unique()))
    ref = t1d[t1d.delta == d[0]].grid_deviation.mean()
    ax.plot(d, ref * d / d[0], color="grey", lw=0.8, ls=":", label="slope 1")
    ax.set(xscale="log", yscale="log", xlabel="delta", ylabel="deviation", title="deviation against delta")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def plot_theorem2(t2: pd.DataFrame, res: NetworkResults, cover_map: np.ndarray, data: GPData, budget: Budget,
                  gap: float):
    """(a) GP mean with invariance observations at gap C; (b) deviation vs C with the bound; (c) IBP-Ex vs C(eps)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4))
    ax = axes[0]
    ax.imshow(cover_map, origin="lower", extent=(*X1_RANGE, *X2_RANGE), aspect="auto", cmap="RdBu_r", vmin=-1.2, vmax=1.2)
    xs, _ = cover_observations(data, gap)
    ax.scatter(xs[:, 0], xs[:, 1], c="grey", s=1)
    ax.scatter(data.x[:, 0], data.x[:, 1], c="k", s=6)
    ax.set(title=f"GP mean, theta = {t2.theta.iloc[0]:g}, cover C = {gap:g}", xlabel="$x_1$", ylabel="$x_2$")
    ax = axes[1]
    t = t2.sort_values("C")
    ax.plot(t.C, t.data_deviation, "o-", label="mean deviation, test points")
    ax.plot(t.C, t.max_grid_deviation, "s-", label="max deviation, grid")
    ax.plot(t.C, t.bound, "k:", label="bound 2 C delta_max f_max / theta^2")
    ax.set(xscale="log", yscale="log", xlabel="coverage gap C", title="GP with invariance observations")
    ax.legend(fontsize=7)
    ax = axes[2]
    ibp = res.table[res.table.method == "ibp_ex"].copy()
    ibp["C"] = [cover_gap_of_boxes(GROUP_X2, e) for e in ibp.eps_max]
    g = ibp.groupby("eps_max").agg(C=("C", "first"), dev=("grid_deviation", "mean"), sd=("grid_deviation", "std"),
                                   acc=("accuracy", "mean")).reset_index()
    pos = np.arange(len(g))
    ax.errorbar(pos, g.dev, yerr=g.sd.fillna(0), marker="o", capsize=3)
    ax.set_xticks(pos, [f"eps {r.eps_max:g}\nC = {r.C:g}\nacc {r.acc:.2f}" for r in g.itertuples()], fontsize=8)
    ax.set(ylabel=f"grid deviation (delta = {DELTA:g})", title="IBP-Ex networks (3 x 50)")
    fig.tight_layout()
    return fig


def plot_prop1(p1: pd.DataFrame):
    """Deviation against (||beta||^2 + ||W||_F^2) ||dx||, and deviation at ||dx|| = delta against the norm term."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    data = p1.assign(**{"weight decay": p1.weight_decay.map(lambda w: f"{w:g}")})
    sns.scatterplot(data=data, x="bound", y="mean_deviation", hue="weight decay", style="dx", ax=axes[0], s=30)
    lo, hi = data.bound.min(), data.bound.max()
    axes[0].plot([lo, hi], [lo, hi], "k:", lw=1, label="y = x")
    axes[0].set(xscale="log", yscale="log", xlabel="(||beta||^2 + ||W||_F^2) ||dx||",
                ylabel="mean |f(x + dx) - f(x)| over training points", title="Proposition 1")
    axes[0].legend(fontsize=7, ncol=2)
    at = data[data.dx == DELTA]
    sns.scatterplot(data=at, x="norm_term", y="mean_deviation", hue="weight decay", ax=axes[1], s=40, legend=False)
    axes[1].set(xscale="log", yscale="log", xlabel="||beta||^2 + ||W||_F^2",
                ylabel=f"mean deviation at ||dx|| = {DELTA:g}", title="deviation against the norm term")
    fig.tight_layout()
    return fig
