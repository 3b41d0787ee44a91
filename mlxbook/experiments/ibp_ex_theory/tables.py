"""Tables of the chapter ``rrr_theory`` (Sec 4 and Appendix C of IBP-Ex): Fig 1's panels, the sweeps, Proposition 1.

Reporting only: each reads the stored :class:`.demo.NetworkResults`; editing it recomputes nothing.
"""
from __future__ import annotations

import pandas as pd

from ...book.display import readable
from ...data.theory2d import GROUP_X2
from .budget import FULL
from .demo import (
    DELTA,
    FFN_HIDDEN,
    PROP1_DELTAS,
    Budget,
    NetworkResults,
    cover_gap_of_boxes,
    fig1_specs,
)


def fig1_table(res: NetworkResults) -> pd.DataFrame:
    """Fig 1's panels: accuracy, deviation (grid and data), boundary flips and input gradients, mean ± std over seeds."""
    out = []
    for panel, spec in fig1_specs().items():
        t = res.of(spec)
        row = {"panel": panel, "weight decay": f"{spec.weight_decay:g}", "seeds": len(t)}
        for col, name in [("accuracy", "test accuracy"), ("grid_deviation", "grid deviation"),
                          ("flip_rate", "boundary flips"), ("data_deviation", "deviation at test points"),
                          ("grad_x2", "mean |df/dx2| at train"), ("grad_x1", "mean |df/dx1| at train")]:
            row[name] = _pm(t[col])
        out.append(row)
    return pd.DataFrame(out)


def _pm(values: pd.Series, digits: int = 3) -> str:
    values = values.astype(float)
    std = values.std() if len(values) > 1 else 0.0
    return f"{values.mean():.{digits}f} ± {std:.{digits}f}"


def sweep_summary(res: NetworkResults) -> pd.DataFrame:
    """RRR's weight-decay sweep (3-layer net) and IBP-Ex's eps sweep: mean ± std over seeds per setting."""
    t = res.table[res.table.layers == len(FFN_HIDDEN) + 1]
    cols = {"accuracy": "test accuracy", "grid_deviation": "grid deviation", "flip_rate": "boundary flips",
            "data_deviation": "deviation at test points"}
    rows = []
    for w, g in t[t.method == "rrr"].groupby("weight_decay"):
        rows.append({"setting": f"RRR, weight decay {w:g}", **{v: _pm(g[k], 4) for k, v in cols.items()}})
    for e, g in t[t.method == "ibp_ex"].groupby("eps_max"):
        rows.append({"setting": f"IBP-Ex, eps {e:g} (C = {cover_gap_of_boxes(GROUP_X2, e):g})",
                     **{v: _pm(g[k], 4) for k, v in cols.items()}})
    return pd.DataFrame(rows)


def markdown_table(table: pd.DataFrame, digits: int = 3) -> str:
    """``table`` as a Markdown table (no index) in the book's names and precision
    (:func:`mlxbook.book.display.readable`), pipes in cells escaped."""
    def cell(v: str) -> str:
        return v.replace("|", "\\|")
    out = readable(table, digits=digits)
    return out.rename(columns=cell).map(cell).to_markdown(index=False, disable_numparse=True)


def prop1_frame(res: NetworkResults) -> pd.DataFrame:
    """Proposition 1, long format: one row per two-layer network and ||dx||: deviation and the bound terms."""
    t = res.table[res.table.layers == 2]
    rows = []
    for _, r in t.iterrows():
        for d in PROP1_DELTAS:
            rows.append({"weight_decay": r.weight_decay, "seed": r.seed, "accuracy": r.accuracy, "dx": d,
                         "norm_term": r.norm_term, "bound": r.norm_term * d, "lipschitz_bound": r.lipschitz_x2 * d,
                         "mean_deviation": r[f"prop1_mean_{d:g}"], "max_deviation": r[f"prop1_max_{d:g}"],
                         "grad_x2": r.grad_x2, "grad_x1": r.grad_x1})
    return pd.DataFrame(rows)


def prop1_summary(p1: pd.DataFrame, dx: float = DELTA) -> pd.DataFrame:
    """Proposition 1 per weight decay at ||dx|| = ``dx``: accuracy, norm term, gradient, deviation and both bounds."""
    t = p1[p1.dx == dx].groupby("weight_decay")[["accuracy", "norm_term", "grad_x2", "mean_deviation", "max_deviation",
                                                  "lipschitz_bound", "bound"]].mean().reset_index()
    t["weight_decay"] = [f"{w:g}" for w in t.weight_decay]
    return t.rename(columns={"weight_decay": "weight decay", "norm_term": "||beta||^2 + ||W||_F^2",
                             "grad_x2": "mean |df/dx2| at train", "mean_deviation": f"mean deviation (||dx|| = {dx:g})",
                             "max_deviation": "max deviation", "lipschitz_bound": "sum_j |beta_j w_j2| ||dx||",
                             "bound": "(||beta||^2 + ||W||_F^2) ||dx||"})


def declare_scale(ch, budget: Budget) -> None:
    """Record on the page every way ``budget`` runs below the full budget (only the smoke profile does)."""
    for what, used, full in [
        ("epochs (ours; the paper gives none)", budget.epochs, FULL.epochs),
        ("points per cluster (public code: 100)", budget.n_per_group, FULL.n_per_group),
        ("RRR weight decays swept", len(budget.weight_decays), len(FULL.weight_decays)),
        ("two-layer weight decays (Proposition 1)", len(budget.two_layer_weight_decays), len(FULL.two_layer_weight_decays)),
        ("IBP-Ex radii swept", len(budget.ibp_eps), len(FULL.ibp_eps)),
        ("GP quadrature nodes per length scale", budget.gp_nodes, FULL.gp_nodes),
        ("GP length scales", len(budget.gp_thetas), len(FULL.gp_thetas)),
        ("grid points along x1 x x2", budget.grid_n[0] * budget.grid_n[1], FULL.grid_n[0] * FULL.grid_n[1]),
    ]:
        if used < full:
            ch.scale(what, used, full)
