"""Figures of the "Right for the Right Reasons" chapter (Ross et al. 2017, Figs 2-13), drawn from stored results.

Reporting only: no figure is part of a stored result's key, so changing one recomputes nothing.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import MaxNLocator

from ... import paper
from ...book import plots
from ...paper import names
from .gradients import top_mask
from .setup import PAPER

IRIS_COLOUR, CANCER_COLOUR = "#d62728", "#7f7f7f"


def _mark_pixels(ax, sel: np.ndarray, colour: str):
    """Outline the pixels (any channel) selected in a (3, 5, 5) boolean array."""
    for r, c in zip(*np.nonzero(sel.reshape(3, 5, 5).any(0))):
        ax.add_patch(plt.Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, ec=colour, lw=2.2))


def _toy_image(ax, x: np.ndarray, title: str = ""):
    ax.imshow(np.transpose(x, (1, 2, 0)), vmin=0, vmax=1)
    ax.set_xticks([]), ax.set_yticks([])
    ax.set_title(title, fontsize=8)


def fig2(ex: dict, grad_sel: np.ndarray, lime_sel: np.ndarray):
    """Toy colours: M_0.67 of the predicted-probability gradient (top) vs LIME's top features (bottom)."""
    n = len(ex["x"])
    fig, axes = plt.subplots(2, n, figsize=(11, 11 / n * 2.4), squeeze=False)
    for i in range(n):
        pred = int(ex["pred"][i].argmax())
        _toy_image(axes[0, i], ex["x"][i], f"y={int(ex['y'][i])}, pred={pred}")
        _mark_pixels(axes[0, i], grad_sel[i], "black")
        _toy_image(axes[1, i], ex["x"][i])
        _mark_pixels(axes[1, i], lime_sel[i], "white")
    axes[0, 0].set_ylabel("gradients", fontsize=9)
    axes[1, 0].set_ylabel("LIME", fontsize=9)
    fig.tight_layout()
    return fig


def fig3(df: pd.DataFrame):
    """Rule shares (corners / top-middle) against lambda_1 and against the number of annotated examples."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
    for ax, axis, label in zip(axes, ("lambda", "annotated"), ("lambda_1 (paper's 0..255 scale)", "examples with A = corners")):
        d = df[df.axis == axis].groupby("value")[["corners", "top_middle", "accuracy"]].mean().reset_index()
        ax.plot(d["value"], d["corners"], "o-", label="share in corners (rule 1)")
        ax.plot(d["value"], d["top_middle"], "s-", label="share in top-middle (rule 2)")
        ax.plot(d["value"], d["accuracy"], "k:", label="test accuracy")
        ax.set_xscale("log"), ax.set_xlabel(label), ax.set_ylim(-0.03, 1.03)
    axes[0].set_ylabel("share of M_0.67 gradient elements")
    axes[0].legend(fontsize=8, loc="center left")
    fig.tight_layout()
    return fig


def fig4(x: np.ndarray, grads: np.ndarray, acc: pd.DataFrame, lams: list[float], n_show: int = 6):
    """Find-another-explanation on toy colours: per iteration, M_0.67 pixels of test images and accuracies."""
    import torch

    iters = grads.shape[0]
    fig, axes = plt.subplots(iters, n_show, figsize=(11, 11 / n_show * iters * 1.05), squeeze=False)
    a = acc.groupby(["iteration", "test_set"])["accuracy"].mean()
    for i in range(iters):
        sel = top_mask(torch.from_numpy(grads[i, 0, :n_show])).numpy()
        for j in range(n_show):
            _toy_image(axes[i, j], x[j])
            _mark_pixels(axes[i, j], sel[j], "black")
        axes[i, 0].set_ylabel(f"θ{i} (λ1={lams[i]:g})\ntrain {a.loc[(i, 'train')]:.2f}\ntest {a.loc[(i, 'test')]:.2f}",
                              rotation=0, ha="right", va="center", fontsize=9)
    fig.tight_layout()
    return fig


def fig13(curve: pd.DataFrame):
    """Test accuracy against training size for the five annotations of App. A."""
    fig, ax = plt.subplots(figsize=(10, 4))
    sns.lineplot(curve, x="n_train", y="accuracy", hue="label", style="label", markers=True, dashes=False,
                 errorbar=("sd") if curve["seed"].nunique() > 1 else None, ax=ax)
    row = paper.numbers(PAPER, table="Appendix A text").iloc[0]
    ax.plot([row["n_train"]], [row["value"]], "k*", ms=12, label="paper: Pro-Rule 1 at 100 examples")
    ax.set_xscale("log"), ax.set_xlabel("training examples"), ax.set_ylabel("test accuracy")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def fig8(acc: pd.DataFrame, grads: pd.DataFrame, n_iris: int):
    """Iris-Cancer: accuracy with / without the Iris columns per split, and mean |input gradient| per feature."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [1, 1.6]})
    d = acc[acc.test_set != "train"].assign(
        model=lambda t: t["annotation"], test=lambda t: t["test_set"].map({"test": "with Iris", "test_no_iris": "without Iris"}))
    sns.stripplot(d, x="model", y="accuracy", hue="test", dodge=True, alpha=0.6, ax=axes[0])
    sns.pointplot(d, x="model", y="accuracy", hue="test", dodge=0.4, errorbar="sd", markers="D", linestyles="none",
                  ax=axes[0], legend=False, palette="dark")
    p = paper.numbers(PAPER, dataset="iris_cancer", metric="accuracy").set_index("test_set")["value"]
    axes[0].scatter([-0.2, 0.2], [p["test"], p["test_no_iris"]], marker="*", s=150, c="k", zorder=5, label="paper (A = 0)")
    axes[0].legend(fontsize=8), axes[0].set_xlabel("")
    g = grads.groupby("method")[[c for c in grads.columns if c.startswith("x")]].mean()
    width = 0.4
    cols = np.arange(g.shape[1])
    for k, (method, label) in enumerate((("erm", "A = 0"), ("rrr", "full A"))):
        axes[1].bar(cols + (k - 0.5) * width, g.loc[method].to_numpy(), width, label=label,
                    color=["C0", "C1"][k], edgecolor=[IRIS_COLOUR if j < n_iris else "none" for j in cols])
    axes[1].axvspan(-0.5, n_iris - 0.5, color=IRIS_COLOUR, alpha=0.12, label="Iris columns")
    axes[1].set_xlabel("feature"), axes[1].set_ylabel("mean |input gradient| (test rows)"), axes[1].legend(fontsize=8)
    fig.tight_layout()
    return fig


def fig7(ex: dict, n_iris: int):
    """Iris-Cancer: gradient vs LIME weights for a few test rows (Iris features in red)."""
    n = len(ex["x"])
    fig, axes = plt.subplots(2, n, figsize=(11, 4.6), squeeze=False, sharex=True)
    colours = [IRIS_COLOUR] * n_iris + [CANCER_COLOUR] * (ex["x"].shape[1] - n_iris)
    for i in range(n):
        label = int(ex["pred"][i].argmax())
        for r, (w, name) in enumerate(((ex["saliency"][i], "gradient"), (ex["lime"][i], "LIME"))):
            ax = axes[r, i]
            ax.bar(np.arange(len(w)), w, color=colours)
            ax.axhline(0, color="k", lw=0.5)
            ax.set_title(f"{name}, row {int(ex['index'][i])}, ŷ = {label}", fontsize=8)
    axes[1, 0].set_xlabel("feature (Iris in red)")
    fig.tight_layout()
    return fig


def fig11(grads: np.ndarray, acc: pd.DataFrame, n_iris: int):
    """Iris-Cancer find-another-explanation: mean |gradient| per feature and iteration, and accuracies."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), gridspec_kw={"width_ratios": [1.7, 1]})
    mean = grads.mean(1)
    mean = mean / mean.max(1, keepdims=True)
    sns.heatmap(mean, ax=axes[0], cmap="viridis", cbar_kws={"label": "mean |gradient| / row max"},
                yticklabels=[f"θ{i}" for i in range(len(mean))], xticklabels=5)
    axes[0].axvline(n_iris, color=IRIS_COLOUR, lw=2)
    axes[0].set_xlabel("feature (left of the red line: Iris)")
    d = acc[acc.test_set.isin(["train", "test"])].assign(**{"accuracy on": lambda t: t.test_set.map(names.TEST_SETS)})
    sns.pointplot(d, x="iteration", y="accuracy", hue="accuracy on", errorbar="sd", ax=axes[1], dodge=0.2)
    axes[1].set_ylim(0.4, 1.02)
    fig.tight_layout()
    return fig


def fig9(acc: pd.DataFrame):
    """Decoy MNIST: train / test accuracy for A = 0 and full A on decoy data and A = 0 without decoy."""
    d = acc.assign(setting=lambda t: t["condition"].map({"decoy": "decoy, ", "no_decoy": "no decoy (baseline), "}) + t["annotation"])
    fig, ax = plt.subplots(figsize=(10, 3.8))
    sns.barplot(d, x="setting", y="accuracy", hue="test_set", errorbar="sd", ax=ax, alpha=0.85)
    p = paper.numbers(PAPER, dataset="decoy_mnist", metric="accuracy")
    order = [t.get_text() for t in ax.get_xticklabels()]
    for r in p.itertuples():
        x = order.index(("decoy, " if r.condition == "decoy" else "no decoy (baseline), ") + "A = 0")
        plots.mark_paper(ax, [x + (-0.2 if r.test_set == "test" else 0.2)], [r.value])
    handles, labels = ax.get_legend_handles_labels()
    ax.legend([*handles, plots.paper_handle()], [*map(names.TEST_SETS.get, labels), "paper (Sec 3.2)"], fontsize=8,
              loc="lower right")
    ax.set_xlabel(""), ax.set_ylim(0, 1.05)
    fig.tight_layout()
    return fig


def fig6(ex: dict, i: int, shade_digit: int):
    """Decoy MNIST: a decoy-fooled prediction, its input gradient (captum Saliency) and LIME's segments."""
    from skimage.segmentation import mark_boundaries

    fig, axes = plt.subplots(1, 3, figsize=(9, 3.3))
    x = ex["x"][i, 0]
    pred = int(ex["pred"][i].argmax())
    axes[0].imshow(x, cmap="gray", vmin=0, vmax=1)
    axes[0].set_title(f"label {int(ex['y'][i])}, predicted {pred}\n(swatch shade of digit {shade_digit})", fontsize=9)
    g = ex["saliency"][i, 0]
    lim = np.abs(g).max()
    im = axes[1].imshow(g, cmap="RdBu_r", vmin=-lim, vmax=lim)
    axes[1].set_title("input gradient of p(predicted)", fontsize=9)
    fig.colorbar(im, ax=axes[1], fraction=0.046)
    rgb = np.stack([x] * 3, -1)
    shown = mark_boundaries(rgb, ex["lime_mask"][i].astype(int), color=(1, 0.5, 0))
    axes[2].imshow(shown)
    axes[2].set_title("LIME: top 5 segments (orange)", fontsize=9)
    for ax in axes:
        ax.set_xticks([]), ax.set_yticks([])
    fig.tight_layout()
    return fig


def fig12(x: np.ndarray, grads_by_lam: dict, acc: pd.DataFrame):
    """Decoy MNIST find-another-explanation: gradients of the first test image per iteration, and accuracies."""
    lams = list(grads_by_lam)
    iters = next(iter(grads_by_lam.values())).shape[0]
    fig = plt.figure(figsize=(11, 2.0 * len(lams) + 3))
    grid = fig.add_gridspec(len(lams) + 1, iters + 1, height_ratios=[1] * len(lams) + [1.4])
    for r, lam in enumerate(lams):
        ax = fig.add_subplot(grid[r, 0])
        ax.imshow(x[0, 0], cmap="gray"), ax.set_xticks([]), ax.set_yticks([])
        ax.set_ylabel(f"λ1 = {lam:g}", fontsize=9)
        for i in range(iters):
            g = grads_by_lam[lam][i, 0, 0, 0]
            ax = fig.add_subplot(grid[r, i + 1])
            lim = np.abs(g).max() or 1
            ax.imshow(g, cmap="RdBu_r", vmin=-lim, vmax=lim), ax.set_xticks([]), ax.set_yticks([])
            ax.set_title(f"θ{i}", fontsize=9)
    ax = fig.add_subplot(grid[-1, :])
    d = acc[acc.test_set.isin(["train", "test"])].assign(
        **{"λ1": lambda t: t["lam_run"].map("{:g}".format), "accuracy on": lambda t: t.test_set.map(names.TEST_SETS)})
    sns.lineplot(d, x="iteration", y="accuracy", hue="λ1", style="accuracy on", markers=True, ax=ax)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, 1.02), ax.legend(fontsize=8, ncol=2, loc="lower right")
    fig.tight_layout()
    return fig


def fig5(ex: dict, k: int = 6):
    """20 Newsgroups: per explained message, LIME's word weights beside the input gradient's on the same words
    (LIME's k and the gradient's top k in the message), each scaled by its largest |weight|; green supports
    the predicted group, red opposes it (the paper's colours)."""
    examples = ex["examples"]
    fig, axes = plt.subplots(1, len(examples), figsize=(4.2 * len(examples), 3.6), squeeze=False)
    for ax, e in zip(axes[0], examples):
        grad = e["gradient_in_message"]
        words = list(dict.fromkeys([*sorted(e["lime"], key=lambda w: -abs(e["lime"][w])),
                                    *sorted(grad, key=lambda w: -abs(grad[w]))[:k]]))
        lime_max = max(abs(v) for v in e["lime"].values()) or 1.0
        grad_max = max(abs(v) for v in grad.values()) or 1.0
        rows = pd.DataFrame({"word": words * 2,
                             "weight": [e["lime"].get(w, 0.0) / lime_max for w in words]
                             + [grad.get(w, 0.0) / grad_max for w in words],
                             "method": ["LIME"] * len(words) + ["input gradient"] * len(words)})
        sns.barplot(rows, y="word", x="weight", hue="method", ax=ax, palette=["#4c72b0", "#dd8452"])
        for bar in ax.patches:
            bar.set_edgecolor("#2ca02c" if bar.get_width() > 0 else "#d62728")
            bar.set_linewidth(1.5)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_title(f"message {e['index']} ({e['length']} words), y={e['y']}, pred={e['pred']}", fontsize=8)
        ax.set_xlabel("weight / largest |weight|"), ax.set_ylabel("")
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def fig10(acc: pd.DataFrame):
    """Find-another-explanation on 20 Newsgroups: train and test accuracy per iteration (mean and spread over seeds)."""
    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    sns.lineplot(acc, x="iteration", y="accuracy", hue="test_set", marker="o", errorbar="sd", ax=ax)
    ax.set_xticks(sorted(acc["iteration"].unique()))
    ax.set_ylim(0.4, 1.02), ax.set_xlabel("iteration (model θ_i)")
    fig.tight_layout()
    return fig
