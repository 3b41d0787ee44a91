"""Tables of the "Right for the Right Reasons" chapter (Ross et al. 2017), from the stored results.

Table 1's runtimes (:func:`runtime_rows` for :func:`mlxbook.book.compare.against_paper`, the speed-ups
and the side-by-side seconds), the text experiment's per-seed accuracy, word tables and LIME/gradient
agreement (Figs 5 and 14), and the chapter's closing list of claims.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ... import paper
from ...book.compare import Claims
from .setup import PAPER
from .text import DATASET


# ------------------------------------------------------------------------------------------- Table 1
def runtime_rows(timings: dict[str, dict]) -> pd.DataFrame:
    """Per-call seconds as rows (dataset, metric, seed, seconds) in Table 1's names."""
    rows = []
    for ds, t in timings.items():
        for i, s in enumerate(t["lime"]):
            rows.append({"dataset": ds, "metric": "runtime_s_lime", "seed": i, "seconds": s})
        for i, s in enumerate(t["gradients"]):
            rows.append({"dataset": ds, "metric": "runtime_s_gradients", "seed": i, "seconds": s})
    return pd.DataFrame(rows)


def speedups(rows: pd.DataFrame) -> pd.DataFrame:
    """LIME seconds / gradient seconds per dataset, ours and the paper's (Table 1)."""
    ours = rows.groupby(["dataset", "metric"])["seconds"].mean().unstack()
    p = paper.numbers(PAPER, table="Table 1").pivot(index="dataset", columns="metric", values="value")
    out = pd.DataFrame({"paper": p["runtime_s_lime"] / p["runtime_s_gradients"]})
    out["ours"] = ours["runtime_s_lime"] / ours["runtime_s_gradients"]
    return out.reset_index()


def runtime_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Table 1 side by side in seconds (scientific notation): the paper's and our mean per explanation."""
    ours = rows.groupby(["dataset", "metric"])["seconds"].mean()
    p = paper.numbers(PAPER, table="Table 1").set_index(["dataset", "metric"])["value"]
    out = pd.DataFrame({"paper (s)": p, "ours (s)": ours}).reset_index()
    out["metric"] = out["metric"].map({"runtime_s_lime": "LIME", "runtime_s_gradients": "input gradients"})
    for column in ("paper (s)", "ours (s)"):
        out[column] = out[column].map(lambda v: "–" if pd.isna(v) else f"{v:.2e}")
    return out


# ------------------------------------------------------------------------------------------- 20 Newsgroups
def accuracy_rows(ex: dict | None) -> pd.DataFrame:
    """Per seed, test accuracy of the A = 0 text model in :mod:`mlxbook.paper`'s names (empty without the data)."""
    cols = ["dataset", "method", "seed", "accuracy"]
    if ex is None:
        return pd.DataFrame(columns=cols)
    s = ex["scores"]
    return s[s["test_set"] == "test"].assign(dataset=DATASET, method="erm")[cols].reset_index(drop=True)


def agreement(ex: dict, top: int | None = None) -> pd.DataFrame:
    """Per explained message: on LIME's words, the share whose gradient has LIME's sign, the rank correlation of
    the two weights, and the share of LIME's words among the gradient's ``top`` (default: as many) largest in the
    message; with the number of message words each method marks (gradient: |w| >= 1% of its largest)."""
    from scipy.stats import spearmanr

    rows = []
    for e in ex["examples"]:
        lime, grad = e["lime"], e["gradient_in_message"]
        words = [w for w in lime if w in grad]
        k = top or len(lime)
        by_grad = sorted(grad, key=lambda w: -abs(grad[w]))[:k]
        g, lw = np.array([grad[w] for w in words]), np.array([lime[w] for w in words])
        peak = max((abs(v) for v in grad.values()), default=0.0)
        rho = spearmanr(lw, g).statistic if len(words) > 2 else float("nan")
        rows.append({"message": e["index"], "words in message": len(grad), "LIME words": len(lime),
                     "gradient words (>= 1% of max)": sum(abs(v) >= 0.01 * peak for v in grad.values()) if peak else 0,
                     "same sign": float(np.mean(np.sign(g) == np.sign(lw))) if words else float("nan"),
                     "rank correlation": float(rho),
                     "LIME words in gradient top": len(set(lime) & set(by_grad)) / max(len(lime), 1)})
    return pd.DataFrame(rows)


def words_table(ex: dict, i: int, k: int = 6) -> pd.DataFrame:
    """Fig 5 as a table for explained message ``i``: LIME's words and weights, the gradient's top-k words in the
    message, and the top-k words anywhere in the vocabulary (gradients explain words not in the message too)."""
    e = ex["examples"][i]
    lime = sorted(e["lime"].items(), key=lambda t: -abs(t[1]))
    grad = sorted(e["gradient_in_message"].items(), key=lambda t: -abs(t[1]))[:k]
    order = np.argsort(-np.abs(e["gradient"]))[:k]
    inside = set(e["gradient_in_message"])
    anywhere = [(ex["vocabulary"][j] + ("" if ex["vocabulary"][j] in inside else " (not in message)"),
                 float(e["gradient"][j])) for j in order]
    cols = {"LIME": lime, "gradient (in message)": grad, "gradient (whole vocabulary)": anywhere}
    n = max(len(v) for v in cols.values())
    return pd.DataFrame({name: [f"{w}: {v:+.3g}" for w, v in items] + [""] * (n - len(items))
                         for name, items in cols.items()})


# ------------------------------------------------------------------------------------------- claims
def claims_markdown(claims: Claims) -> str:
    """Every claim of the chapter as one Markdown table, verdicts as words."""
    df = claims.frame()
    lines = ["| where | claim | paper | ours | verdict |", "|---|---|---|---|---|"]
    lines += [f"| {r.where} | {r.claim} | {r.paper_says} | {r.ours} | {r.verdict} |" for r in df.itertuples()]
    return "\n".join(lines)
