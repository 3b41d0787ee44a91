"""The figures of the two-stage paper's chapters: accuracy curves (Figs 2-4), agreement heatmaps (Fig 6),
transfer scatter (Sec 3.2), the cost curves of Table 4 / App. D and the Table 3 ablation curves.

Reporting only: each figure reads tables the section modules build from stored grid cells. Every figure marks
the paper's number for what it shows, in the house style of :mod:`mlxbook.book.plots` (a star in the method's
colour): Table 5 at the end of each learning curve, Tables 1 and 5 in the transfer scatter, Table 2 in each
agreement heatmap's title, Table 6 on the spurious curves.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from ... import paper
from ...book import plots
from ...errors import ConfigError
from .ablation import CONVERGENCE, TABLE4_METHODS, cost_frame
from .settings import (
    DATASET_LABELS,
    DISPLAY_ORDER,
    METHOD_LABELS,
    SYNTHETIC,
    TEST_SET_LABELS,
    TRANSFER,
)

PALETTE = {m: plots.method_colour(m) for m in DISPLAY_ORDER}
"""The house colours (:data:`mlxbook.book.plots.METHOD_COLOURS`), close to the paper's: No expl blue, Grad Reg
orange; its order, :data:`~.settings.DISPLAY_ORDER`, is the legends' order."""


def paper_final(dataset: str, test_set: str) -> pd.DataFrame:
    """The paper's accuracy at the end of clean training for ``dataset`` on ``test_set`` (Table 5's black, red and
    blue numbers); columns n_train, ratio, method, value."""
    rows = paper.numbers("two_stage", table="Table 5", dataset=dataset, test_set=test_set)
    return rows[["n_train", "ratio", "method", "value"]]


def spurious_marks(*, transfer: bool = False) -> pd.DataFrame:
    """Table 6's accuracies (spurious training) on the clean test set or, with ``transfer``, on the transfer sets,
    as :func:`ablation_curve_figure` marks at the end of training."""
    rows = paper.numbers("two_stage", table="Table 6")
    rows = rows[rows.test_set.isin(list(TRANSFER.values()))] if transfer else rows[rows.test_set == "test"]
    return rows.assign(epoch=CONVERGENCE)[["dataset", "n_train", "method", "epoch", "value"]]


def _legend_below(fig, handles, labels, *, star: str | None = None):
    """One legend under the panels; with ``star``, a last entry that says what the stars are."""
    if star:
        handles, labels = [*handles, plots.paper_handle(star)], [*labels, star]
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 6), frameon=False,
               bbox_to_anchor=(0.5, -0.02))


# -------------------------------------------------------------------------------------- figures
def curve_figure(curves: pd.DataFrame, dataset: str, *, test_set: str = "test", ratios=("1:1", "1:9"),
                 width: float = 11.0):
    """Figs 2-4: test accuracy per epoch (mean line, band = mean ± std over seeds), one panel per size,
    one row per training ratio (balanced on top, 1:9 below, as in the paper); a star at the last epoch marks the
    paper's final accuracy (Table 5) in the method's colour."""

    c = curves[(curves.dataset == dataset) & (curves.test_set == test_set) & curves.ratio.isin(ratios)]
    if c.empty:
        raise ConfigError(f"no curves for dataset={dataset!r}, test_set={test_set!r}")
    sizes = sorted(c.n_train.unique())
    rows = [r for r in ratios if (c.ratio == r).any()]
    marks = paper_final(dataset, test_set)
    fig, axes = plt.subplots(len(rows), len(sizes), figsize=(width, 2.9 * len(rows) + 0.4), squeeze=False,
                             sharex=True, sharey=True)
    for i, ratio in enumerate(rows):
        for j, n in enumerate(sizes):
            ax = axes[i, j]
            raw = c[(c.ratio == ratio) & (c.n_train == n)]
            d = raw.assign(method=raw.method.map(METHOD_LABELS))
            order = [METHOD_LABELS[m] for m in PALETTE if METHOD_LABELS[m] in set(d.method)]
            sns.lineplot(d, x="epoch", y="accuracy", hue="method", hue_order=order, errorbar="sd", ax=ax,
                         palette={METHOD_LABELS[m]: col for m, col in PALETTE.items()}, legend=(i, j) == (len(rows) - 1, 0))
            ax.axhline(0.5, color="grey", lw=0.8, ls=":")
            theirs = marks[(marks.n_train == n) & (marks.ratio == ratio) & marks.method.isin(set(raw.method))]
            for _, r in theirs.iterrows():
                plots.mark_paper(ax, [c.epoch.max()], [r.value], r.method)
            ax.set_title(f"{DATASET_LABELS[dataset]}, n = {n}, train {ratio}")
            ax.set_ylabel(f"{TEST_SET_LABELS[test_set]} accuracy" if j == 0 else "")
            ax.set_ylim(0.4, 1.0)
    leg = axes[-1, 0].get_legend()
    if leg is not None:
        handles, labels = axes[-1, 0].get_legend_handles_labels()
        leg.remove()
        _legend_below(fig, handles, labels, star="paper, end of training (Table 5)" if len(marks) else None)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def agreement_figure(matrices: dict[tuple, np.ndarray], settings: list[tuple], *,
                     methods=("erm", "rrr", "two_stage"), width: float = 11.0):
    """Heatmaps of the agreement matrices: one row per (dataset, n_train) setting, one column per method; each
    title gives our mean pairwise agreement beside the paper's (Table 2)."""

    theirs = paper.numbers("two_stage", table="Table 2").set_index(["dataset", "n_train", "method"])["value"]
    settings = [s for s in settings if any((s[0], s[1], "1:1", m) in matrices for m in methods)]
    if not settings:
        raise ConfigError("no agreement matrix for the requested settings")
    fig, axes = plt.subplots(len(settings), len(methods), figsize=(width, 2.9 * len(settings)), squeeze=False)
    for i, (ds, n) in enumerate(settings):
        for j, m in enumerate(methods):
            ax = axes[i, j]
            a = matrices.get((ds, n, "1:1", m))
            if a is None:
                ax.axis("off")
                continue
            off = a[np.triu_indices(len(a), 1)].mean()
            sns.heatmap(a, ax=ax, vmin=0.5, vmax=1.0, cmap="viridis", square=True, annot=len(a) <= 6,
                        fmt=".2f", annot_kws={"fontsize": 10}, cbar=j == len(methods) - 1,
                        xticklabels=False, yticklabels=False)
            theirs_here = theirs.get((ds, n, m))
            versus = f", paper {theirs_here:.3f}" if theirs_here is not None else ""
            ax.set_title(f"{DATASET_LABELS[ds]} {n}: {METHOD_LABELS[m]}\nmean pairwise {off:.3f}{versus}")
            if j == 0:
                ax.set_ylabel("model (seed)")
    fig.tight_layout()
    return fig


def transfer_figure(scores: pd.DataFrame, width: float = 11.0):
    """Sec 3.2: per model (seed), clean-test accuracy against transfer-set accuracy, one panel per dataset; stars
    mark the paper's (clean: Table 5, transfer: Table 1) for the settings we trained."""

    keys = ["dataset", "n_train", "ratio", "method", "seed"]
    clean = scores[scores.test_set == "test"].set_index(keys).accuracy.rename("clean")
    moved = scores[scores.test_set.isin(TRANSFER.values())].set_index(keys).accuracy.rename("transfer")
    both = pd.concat([clean, moved], axis=1, join="inner").reset_index()
    datasets = [d for d in SYNTHETIC if (both.dataset == d).any()]
    if not datasets:
        raise ConfigError("no transfer-set scores")
    fig, axes = plt.subplots(1, len(datasets), figsize=(width, width / 2.2), squeeze=False)
    for ax, ds in zip(axes[0], datasets):
        d = both[both.dataset == ds].copy()
        d["method"] = d.method.map(METHOD_LABELS)
        order = [METHOD_LABELS[m] for m in PALETTE if METHOD_LABELS[m] in set(d.method)]
        sns.scatterplot(d, x="clean", y="transfer", hue="method", hue_order=order, style="ratio", ax=ax, s=40,
                        palette={METHOD_LABELS[m]: c for m, c in PALETTE.items()}, alpha=0.8, legend=ax is axes[0, -1])
        ax.plot([0.3, 1], [0.3, 1], color="grey", lw=0.8, ls=":")
        clean_p = paper_final(ds, "test").set_index(["n_train", "ratio", "method"]).value
        moved_p = paper.numbers("two_stage", table="Table 1", dataset=ds).set_index(["n_train", "ratio", "method"]).value
        raw = both[both.dataset == ds]
        ours = set(zip(raw.n_train, raw.ratio, raw.method))
        for key in sorted(set(clean_p.index) & set(moved_p.index) & ours):
            plots.mark_paper(ax, [clean_p[key]], [moved_p[key]], key[2])
        ax.set(xlim=(0.3, 1.02), ylim=(0.3, 1.02), xlabel="clean-test accuracy",
               ylabel=f"{TEST_SET_LABELS[TRANSFER[ds]]} accuracy", title=f"trained on {DATASET_LABELS[ds]}")
    last = axes[0, -1]
    if last.get_legend() is not None:
        handles, labels = last.get_legend_handles_labels()
        last.legend([*handles, plots.paper_handle()], [*labels, "paper (Tables 1, 5)"], loc="upper left",
                    bbox_to_anchor=(1.02, 1), frameon=False)
    fig.tight_layout()
    return fig


def cost_figure(ours: pd.DataFrame, theirs: pd.DataFrame):
    """Accuracy against annotation cost (App. D), one panel per dataset: paper (open, dashed) and ours (filled).

    ``ours``: dataset, method, n_train, accuracy (per seed); ``theirs``: :func:`.ablation.paper_table4`.
    """
    datasets = [d for d in DATASET_LABELS if d in set(theirs.dataset) | set(ours.dataset)]
    fig, axes = plt.subplots(1, len(datasets), figsize=(11, 4.2), squeeze=False)
    mean = ours.groupby(["dataset", "method", "n_train"], as_index=False)["accuracy"].agg(["mean", "std"])
    mean = cost_frame(mean.rename(columns={"mean": "accuracy"}))
    theirs = cost_frame(theirs)
    for ax, d in zip(axes[0], datasets):
        for m in TABLE4_METHODS:
            t = theirs[(theirs.dataset == d) & (theirs.method == m)].sort_values("n_train")
            ax.plot(t.cost_usd, t.accuracy, "--o", mfc="white", color=PALETTE[m], label=f"{METHOD_LABELS[m]}, paper")
            o = mean[(mean.dataset == d) & (mean.method == m)].sort_values("n_train")
            if len(o):
                ax.errorbar(o.cost_usd, o.accuracy, yerr=o["std"].fillna(0), fmt="-o", color=PALETTE[m],
                            capsize=3, label=f"{METHOD_LABELS[m]}, ours")
            for _, r in t.iterrows():
                ax.annotate(str(int(r.n_train)), (r.cost_usd, r.accuracy), textcoords="offset points",
                            xytext=(0, -12 if m == "erm" else 6), ha="center", fontsize=7, color=PALETTE[m])
        ax.set_xscale("log")
        ax.set_xlabel("annotation cost (US dollars, log scale)")
        ax.set_title(DATASET_LABELS[d])
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("clean test accuracy")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, frameon=False, bbox_to_anchor=(0.5, -0.06))
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def ablation_curve_figure(curves: pd.DataFrame, test_set: str = "test", marks: pd.DataFrame | None = None,
                          methods=None, ylabel: str = "test accuracy", star: str = "paper"):
    """Accuracy per epoch (mean and ±1 std band over seeds), one panel per (dataset, n_train), lines per method.

    ``curves``: tidy curves (:func:`~mlxbook.experiments.two_stage.settings.tidy`); ``marks``: optional paper points
    (dataset, n_train, method, epoch, value) drawn as open markers at their epoch.
    """
    c = curves[curves.test_set == test_set]
    methods = [m for m in (methods or PALETTE) if m in set(c.method)]
    panels = c[["dataset", "n_train"]].drop_duplicates()
    panels = panels.assign(_o=panels.dataset.map(list(DATASET_LABELS).index)).sort_values(["_o", "n_train"])
    k = len(panels)
    cols = min(k, 4)
    rows = -(-k // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(11, 3.4 * rows), squeeze=False, sharey=True)
    for ax, (_, pnl) in zip(axes.flat, panels.iterrows()):
        sub = c[(c.dataset == pnl.dataset) & (c.n_train == pnl.n_train)]
        for m in methods:
            g = sub[sub.method == m].groupby("epoch")["accuracy"].agg(["mean", "std"]).reset_index()
            if g.empty:
                continue
            ax.plot(g.epoch, g["mean"], color=PALETTE[m], label=METHOD_LABELS[m])
            ax.fill_between(g.epoch, g["mean"] - g["std"].fillna(0), g["mean"] + g["std"].fillna(0),
                            color=PALETTE[m], alpha=0.15, lw=0)
            if marks is not None:
                mk = marks[(marks.dataset == pnl.dataset) & (marks.n_train == pnl.n_train) & (marks.method == m)]
                for _, r in mk.iterrows():
                    plots.mark_paper(ax, [g.epoch.max() if r.epoch == CONVERGENCE else r.epoch], [r.value], m)
        ax.set_title(f"{DATASET_LABELS[pnl.dataset]}, n = {int(pnl.n_train)}")
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    for ax in axes.flat[k:]:
        ax.axis("off")
    for ax in axes[:, 0]:
        ax.set_ylabel(ylabel)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    _legend_below(fig, handles, labels, star=star if marks is not None and len(marks) else None)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig



def calibration_figure(fit: pd.DataFrame, width: float = 11.0):
    """The calibration's fit (:meth:`.calibration.Calibration.fit`): No expl clean-test accuracy against the
    training size, one panel per dataset, ours on the data as described and as calibrated (mean, bars: one std
    over the calibration seeds) and the paper's Table 4 (stars, bars: Table 5's std)."""
    datasets = [d for d in SYNTHETIC if (fit.dataset == d).any()]
    if not datasets:
        raise ConfigError("the calibration's fit has no rows")
    fig, axes = plt.subplots(1, len(datasets), figsize=(width, width / 2.6), squeeze=False)
    styles = {"as described": {"color": "#999999", "marker": "o"}, "calibrated": {"color": PALETTE["erm"], "marker": "s"}}
    for ax, ds in zip(axes[0], datasets):
        d = fit[fit.dataset == ds]
        for i, (variant, style) in enumerate(styles.items()):
            v = d[d.data == variant].sort_values("n_train")
            x = v.n_train * (0.96 if i == 0 else 1.04)  # side by side, so the bars do not hide each other
            ax.errorbar(x, v.ours, yerr=v.ours_std.fillna(0), capsize=3, lw=1.5, label=f"ours, {variant}", **style)
        p = d[d.data == "calibrated"].sort_values("n_train")
        ax.errorbar(p.n_train, p.paper, yerr=p.paper_std, fmt="none", ecolor=plots.PAPER_COLOUR, capsize=3, lw=0.8)
        plots.mark_paper(ax, p.n_train, p.paper, "erm")
        ax.set(xscale="log", ylim=(0.35, 1.02), xlabel="training images (log scale)", ylabel="No expl clean-test accuracy",
               title=DATASET_LABELS[ds])
        ax.set_xticks(sorted(d.n_train.unique()), [str(n) for n in sorted(d.n_train.unique())])
        ax.minorticks_off()
    handles, labels = axes[0, 0].get_legend_handles_labels()
    _legend_below(fig, handles, labels, star="paper (Table 4; bars: Table 5's std)")
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig
