"""A claim judged at several budgets: does its verdict hold, or move with the budget?

An experiment reruns the cells that decide a claim at budgets that each change one thing (more epochs,
smaller batches, more seeds, more data) and labels each per-seed row with its ``budget`` (:data:`BASE`
for the page's own). :func:`summary` judges every claim at every budget with
:func:`mlxbook.book.verdicts.judge` and :func:`reading` says in words what the sweep shows; the reading
goes beside the claim's verdict (``ch.judge(..., sweep=...)``).
"""
from __future__ import annotations

import math
import textwrap

import pandas as pd

from ..paper.claims import CLAIMS
from . import plots, verdicts

BASE = "as the page"
"""The label of the page's own budget in a sweep."""
CLOSER = 0.9
"""A budget moves an effect closer to the paper's when it cuts the page's distance to it by a tenth or more."""


def new_seeds(seeds, factor: float) -> tuple[int, ...]:
    """The seeds a "more seeds" budget adds to ``seeds``: ``factor`` times as many in all, numbered after them."""
    return tuple(range(max(seeds) + 1, max(seeds) + 1 + int(len(seeds) * (factor - 1))))


def judge_by_budget(claim_id: str, by_budget: pd.DataFrame, *, value: str = "accuracy") -> pd.DataFrame:
    """The claim judged at every budget on the sweep's settings: budget, estimate, lo, hi, paper_effect, verdict."""
    rows = []
    for label, part in by_budget.groupby("budget", sort=False):
        j = verdicts.judge(claim_id, part, value=value)
        rows.append({"budget": label, "estimate": j.estimate, "lo": j.lo, "hi": j.hi, "paper_effect": j.paper_effect,
                     "verdict": j.verdict, "seeds": j.seeds, "collapsed": j.collapsed})
    return pd.DataFrame(rows)


def reading(table: pd.DataFrame) -> str:
    """In words: does the verdict hold at every budget tried, or move (toward or away from the paper's effect)?"""
    done = table.dropna(subset=["estimate"])
    if done.empty:
        return "no budget tried gave an estimate"
    base = done[done.budget == BASE]
    words = sorted(set(done.verdict))
    if len(words) == 1:
        return f"{words[0]} at every budget tried ({', '.join(done.budget)})"
    if base.empty:
        return "changes with the budget: " + ", ".join(f"{r.budget}: {r.verdict}" for r in done.itertuples())
    here = base.verdict.iloc[0]
    moved = ", ".join(f"{r.budget}: {r.verdict}" for r in done.itertuples() if r.verdict != here)
    text = f"changes with the budget: {here} as the page; {moved}"
    if base.paper_effect.isna().all():
        return text
    gap = (done.estimate - done.paper_effect).abs()
    closer = done[gap < CLOSER * float((base.estimate - base.paper_effect).abs().iloc[0])].budget.tolist()
    return text + (f"; closer to the paper's effect at {', '.join(closer)}" if closer else "; never closer to the paper's effect")


def summary(claims: list[str], by_budget: pd.DataFrame, *, value: str = "accuracy",
            where: str = "") -> tuple[pd.DataFrame, dict[str, str]]:
    """Every claim judged at every budget (one frame, a ``claim`` column) and each claim's :func:`reading`,
    prefixed by ``where`` (the settings the sweep reran: its verdicts are about those settings only)."""
    tables = {c: judge_by_budget(c, by_budget, value=value) for c in claims}
    frame = pd.concat([t.assign(claim=c) for c, t in tables.items()], ignore_index=True)
    prefix = f"on {where}: " if where else ""
    return frame, {c: prefix + reading(t) for c, t in tables.items()}


def fmt(table: pd.DataFrame) -> pd.DataFrame:
    """A sweep's table for the page: claim statement, budget, effect [interval], the paper's effect, verdict."""
    out = table.copy()
    out["claim"] = out["claim"].map(lambda c: CLAIMS[c].statement)
    quantity = [CLAIMS[c].quantity for c in table["claim"]]
    out["our effect [95% interval]"] = [verdicts.format_effect(q, e, lo, hi) for q, e, lo, hi in
                                        zip(quantity, table["estimate"], table["lo"], table["hi"])]
    out["paper's effect"] = [verdicts.format_effect(q, p) for q, p in zip(quantity, table["paper_effect"])]
    return out[["claim", "budget", "our effect [95% interval]", "paper's effect", "seeds", "collapsed", "verdict"]]


def figure(table: pd.DataFrame, *, width: float = 11.0):
    """Each claim's effect (point, 95% interval) at every budget of the sweep, against the paper's effect over
    the same settings (dashed) and no effect (dotted); one panel per claim (a table of :func:`summary`), each
    budget's verdict under its name."""
    import matplotlib.pyplot as plt
    import numpy as np

    claims = list(dict.fromkeys(table["claim"]))
    cols = min(3, len(claims))
    rows = math.ceil(len(claims) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width, 2.8 * rows + 0.3), squeeze=False)
    for ax, claim in zip(axes.flat, claims):
        c = CLAIMS[claim]
        t = table[table["claim"] == claim].reset_index(drop=True)
        x = np.arange(len(t))
        est = t["estimate"].astype(float)
        lo, hi = t["lo"].astype(float), t["hi"].astype(float)
        ax.errorbar(x, est, yerr=[est - lo, hi - est], fmt="o", color=plots.OURS_COLOUR, capsize=3)
        paper_effect = t["paper_effect"].dropna()
        if len(paper_effect):
            ax.axhline(float(paper_effect.iloc[0]), label="paper's effect", **plots.PAPER_LINE)
        ax.axhline(c.null, color="grey", ls=":", lw=1, label="no effect")
        if c.quantity != "difference":
            ax.set_yscale("log")
        ax.set_xticks(x, [f"{b}\n{v}" for b, v in zip(t["budget"], t["verdict"])], rotation=30, ha="right", fontsize=8)
        ax.set_title(textwrap.fill(c.statement, 48), fontsize=9)
        ax.set_ylabel("effect" if c.quantity == "difference" else "ratio")
    for ax in axes.flat[len(claims):]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False, bbox_to_anchor=(0.5, -0.01))
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig
