"""The benchmark's figures: method x dataset heatmaps and the annotation-cost view (two-stage paper, App. D)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ...book import plots
from .settings import LABELS, LABELS_ONLY, METHODS


def heatmap(means: pd.DataFrame, *, title: str, width: float = 11.0):
    """Method x dataset heatmap of accuracies (in %), with 'n/a' on grey where a method cannot run."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    data = 100 * means.rename(index=LABELS)
    fig, ax = plt.subplots(figsize=(width, 0.45 * len(data) + 2.2))
    ax.set_facecolor("#d9d9d9")
    sns.heatmap(data, ax=ax, annot=True, fmt=".0f", cmap="viridis", vmin=0, vmax=100, mask=data.isna(),
                cbar_kws={"label": "accuracy (%)"}, linewidths=0.5, linecolor="white")
    for i, j in zip(*np.nonzero(data.isna().to_numpy())):
        ax.text(j + 0.5, i + 0.5, "n/a", ha="center", va="center", fontsize=8, color="#555555")
    ax.set_xlabel("dataset (test set)")
    ax.set_ylabel("")
    ax.set_title(title)
    plt.setp(ax.get_xticklabels(), rotation=35, ha="right")
    fig.tight_layout()
    return fig


def cost_figure(summary: pd.DataFrame, width: float = 11.0):
    """(a) Mean accuracy against mean annotation cost per method; (b) accuracy points per cent."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, (left, right) = plt.subplots(1, 2, figsize=(width, 4.2), gridspec_kw={"width_ratios": [1.2, 1]})
    palette = {m: plots.method_colour(m) for m in METHODS}
    for m, row in summary.iterrows():
        marker = "s" if m in LABELS_ONLY else "o"
        left.scatter(row["cost_cents"], 100 * row["accuracy"], color=palette[m], marker=marker, s=60,
                     label=LABELS[m], alpha=0.9, edgecolor="#333333", linewidth=0.5)
    left.legend(fontsize=8, loc="best", frameon=False)
    left.set_xlabel("annotation cost of the training set (cents, mean over datasets)")
    left.set_ylabel("mean test accuracy (%)")
    left.set_title("(a) accuracy against annotation cost (squares: labels only)")
    order = summary.sort_values("points_per_cent")
    right.barh([LABELS[m] for m in order.index], order["points_per_cent"], color=[palette[m] for m in order.index])
    right.set_xlabel("accuracy points (%) per cent of annotation")
    right.set_title("(b) accuracy per cent of annotation cost")
    sns.despine(fig)
    fig.tight_layout()
    return fig
