"""The 2-D demo of Sec 4 (Fig 1) of IBP-Ex (Heo et al., 2023): settings, budget, domain, and the trained networks.

* The chapter's settings and :class:`Budget` (also the GP sweeps of :mod:`.theorems`), the input domain X
  and the deviation measures along the nuisance feature x2 that both the networks and the GP use.
* **Fig 1 (b-d)**: a 3 x 50 feed-forward network (:class:`~mlxbook.models.MLP`) on the 2-D demo data
  (:func:`~mlxbook.data.theory2d_task`), trained with RRR under weak and strong weight decay (the
  paper's 1e-4 and 1, ``paper.fact("ibp_ex", "fig1_weight_decay")``), with IBP-Ex without weight decay,
  and with plain ERM for reference; plus a sweep of RRR's weight decay between the two (the trade-off
  Sec 4 describes in words), IBP-Ex's box radius (Theorem 2's network analogue) and the two-layer
  networks of Proposition 1 (Appendix C). :func:`network_results`.

The networks' measurements need the trained functions, not only their predictions, so each network is
a stored cell of :func:`mlxbook.train.run_cells` with the probe :func:`demo_probe` run on its models
inside the cell, in the store family :data:`THEORY`: a rerun of the chapter trains nothing.

Choices where the paper is silent (each also stated in the chapter): Adam, learning rate 0.01, batch
128, RRR lambda = 100 (the middle of the paper's lambda grid and the public code's setting for this
demo), IBP-Ex eps_max = 40 (the public code's setting: the box then spans all x2 values of the demo),
PyTorch's coupled L2 weight decay (as the public code's ``torch.optim.Adam(weight_decay=...)``, relative
to the *mean* loss; Eq. 1 writes beta against a *summed* loss, which would make beta = 1 about N = 900
times weaker), delta = 10 (half the spacing of the three x2 levels), and f = p(y = 1 | x) for the
networks' deviations (a logit scale would reward shrunken weights); Proposition 1 uses the logit
difference, the scalar f of its statement.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ... import paper
from ...book import budget as book_budget
from ...book import store
from ...book.budget import at_least
from ...device import one_thread
from ...errors import check_choice
from ...train import RunSpec, run_cells
from ...train.cell import Trained, name_of, probe

THEORY = store.family("ibp_ex_theory", "ibp_ex_theory", "mlxbook.experiments.ibp_ex_theory.demo",
                      "mlxbook.experiments.ibp_ex_theory.gp", "mlxbook.experiments.ibp_ex_theory.theorems")
"""The store of the networks (:func:`network_results`) and GPs (:func:`.theorems.gp_results`); keys: these modules."""

FIG1_WEIGHT_DECAYS = tuple(paper.fact("ibp_ex", "fig1_weight_decay"))
"""RRR's weak and strong weight decay of Fig 1 (b) and (c)."""
FFN_HIDDEN = (50, 50, 50)
"""The demo's 3-layer feed-forward network (3 x 50, as in the public code)."""
TWO_LAYER_HIDDEN = (50,)
"""Proposition 1's two-layer network f(x) = sum_j beta_j relu(w_j . x + b_j): one hidden layer of F = 50."""
RRR_LAMBDA = float(paper.fact("ibp_ex", "lambda_grid_rrr_cdep")[2])
"""lambda = 100 from the paper's RRR grid (Sec 5.1.3); the public code uses 100 for this demo too."""
IBP_EPS_MAX = 40.0
"""IBP-Ex's box radius on x2 (public code, ``ibp_toy_expt1``): covers x2 in [-60, 60] from every group."""
OPTIMIZER, LR, BATCH_SIZE = "adam", 0.01, 128
X1_RANGE, X2_RANGE = (-3.5, 4.5), (-30.0, 30.0)
"""The input domain X on which deviations are measured (the data's x2 levels are -20, 0, +20)."""
DELTA = 10.0
"""The perturbation of x2: half the spacing of the data's x2 levels."""
PROP1_DELTAS = (1.0, 2.5, 5.0, 10.0, 20.0)
"""||dx|| of Proposition 1's masked-feature perturbations (x2 only)."""
GP_THETAS = (0.3, 1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0, 30.0, 50.0)
GP_ALPHA_OVER_BETA = (1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0)
"""Theorem 1's sweeps (:mod:`.theorems`): shared length scales theta, and alpha/beta of the Gamma prior."""
THEOREM2_GAPS = (5.0, 2.5, 1.25, 0.625)
"""Coverage gaps C of the invariance observations (the data alone leave C = 10)."""


@dataclass(frozen=True)
class Budget(book_budget.Budget):
    """How much the chapter runs: seeds, epochs, data size, sweeps and quadrature nodes."""

    seeds: tuple[int, ...]
    epochs: int = at_least(1)
    n_per_group: int = at_least(1, 100)
    n_test_per_group: int = 100
    weight_decays: tuple[float, ...] = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)
    two_layer_weight_decays: tuple[float, ...] = (1e-4, 1e-3, 1e-2, 3e-2, 1e-1)
    ibp_eps: tuple[float, ...] = (2.5, 5.0, 10.0, IBP_EPS_MAX)
    grid_n: tuple[int, int] = (81, 61)
    gp_per_cluster: int = at_least(1, 3)
    gp_nodes: int = at_least(1, 8)
    gp_thetas: tuple[float, ...] = GP_THETAS
    gp_alpha_over_beta: tuple[float, ...] = GP_ALPHA_OVER_BETA
    gp_gaps: tuple[float, ...] = THEOREM2_GAPS
    device: str = "cpu"

    def __post_init__(self):
        super().__post_init__()
        missing = [w for w in FIG1_WEIGHT_DECAYS if w not in self.weight_decays]
        if missing:
            raise ValueError(f"weight_decays must contain Fig 1's values {FIG1_WEIGHT_DECAYS}; missing {missing}")
        if IBP_EPS_MAX not in self.ibp_eps:
            raise ValueError(f"ibp_eps must contain Fig 1 (d)'s eps_max = {IBP_EPS_MAX}")


# ---------------------------------------------------------------------------------------------------
# The domain grid and deviation measures


def domain_grid(n1: int, n2: int) -> tuple[np.ndarray, np.ndarray]:
    """Grid axes over X: x1 (n1,) and x2 (n2,)."""
    return np.linspace(*X1_RANGE, n1), np.linspace(*X2_RANGE, n2)


def grid_points(n1: int, n2: int, delta: float = 0.0) -> np.ndarray:
    """Grid points (P, 2) of X whose x2 + delta stays in X (all points when delta = 0), row-major in x2."""
    g1, g2 = domain_grid(n1, n2)
    g2 = g2[g2 + delta <= X2_RANGE[1] + 1e-9]
    a, b = np.meshgrid(g1, g2)
    return np.stack([a.ravel(), b.ravel()], 1)


def shifted(points: np.ndarray, delta: float) -> np.ndarray:
    """points + [0, delta]: the masked-feature (x2) perturbation."""
    return points + np.array([0.0, delta])


def deviation(f, points: np.ndarray, delta: float) -> float:
    """mean |f(x1, x2 + delta) - f(x1, x2)| over ``points`` (f maps (P, 2) arrays to (P,))."""
    return float(np.abs(f(shifted(points, delta)) - f(points)).mean())


def grid_shift_deviation(values: np.ndarray, delta: float) -> tuple[float, float]:
    """Mean and max |f(x1, x2 + delta) - f(x1, x2)| from f on the full domain grid (n2, n1).

    ``delta`` must be a whole number of grid steps along x2.
    """
    n2 = values.shape[0]
    step = (X2_RANGE[1] - X2_RANGE[0]) / (n2 - 1)
    k = delta / step
    if abs(k - round(k)) > 1e-9 or round(k) < 1 or round(k) >= n2:
        raise ValueError(f"delta = {delta} is not a whole number of x2 grid steps ({step:g}) inside the grid")
    diff = np.abs(values[round(k):] - values[:-round(k)])
    return float(diff.mean()), float(diff.max())


def cover_gap_of_boxes(levels, eps: float, low: float = X2_RANGE[0], high: float = X2_RANGE[1]) -> float:
    """C of Theorem 2 for boxes [l - eps, l + eps] around the x2 levels: max distance of [low, high] to their union."""
    grid = np.linspace(low, high, 6001)
    dist = np.clip(np.abs(grid[:, None] - np.asarray(levels, dtype=float)[None, :]) - eps, 0.0, None)
    return float(dist.min(axis=1).max())


# ---------------------------------------------------------------------------------------------------
# Networks (Fig 1, the weight-decay trade-off, IBP-Ex coverage, Proposition 1)


@dataclass(frozen=True)
class NetSpec:
    """One trained configuration: method (erm, rrr, ibp_ex), hidden widths, weight decay, eps_max."""

    method: str
    hidden: tuple[int, ...]
    weight_decay: float = 0.0
    eps_max: float = 0.0

    def method_kwargs(self) -> dict:
        check_choice("method", self.method, ("erm", "rrr", "ibp_ex"))
        kw = {"optimizer": OPTIMIZER, "lr": LR, "weight_decay": self.weight_decay}
        if self.method == "rrr":
            kw["lam"] = RRR_LAMBDA
        if self.method == "ibp_ex":
            kw["eps_max"] = self.eps_max
        return kw


def fig1_specs() -> dict[str, NetSpec]:
    """Fig 1's panels (plus ERM for reference), by panel name."""
    weak, strong = FIG1_WEIGHT_DECAYS
    return {
        "ERM (reference)": NetSpec("erm", FFN_HIDDEN),
        f"(b) RRR, decay {weak:g}": NetSpec("rrr", FFN_HIDDEN, weak),
        f"(c) RRR, decay {strong:g}": NetSpec("rrr", FFN_HIDDEN, strong),
        "(d) IBP-Ex, no decay": NetSpec("ibp_ex", FFN_HIDDEN, 0.0, IBP_EPS_MAX),
    }


def all_specs(budget: Budget) -> list[NetSpec]:
    """Every network configuration of the chapter (Fig 1, the sweeps, Proposition 1), without repeats."""
    specs = list(fig1_specs().values())
    specs += [NetSpec("rrr", FFN_HIDDEN, w) for w in budget.weight_decays]
    specs += [NetSpec("ibp_ex", FFN_HIDDEN, 0.0, e) for e in budget.ibp_eps]
    specs += [NetSpec("rrr", TWO_LAYER_HIDDEN, w) for w in budget.two_layer_weight_decays]
    return list(dict.fromkeys(specs))


def _numpy_f(net, which: str):
    """f on (P, 2) arrays: p(y = 1 | x) (``which="prob"``) or the logit difference l1 - l0 (``"logit"``)."""
    def f(points: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            logits = net(torch.as_tensor(points, dtype=torch.float32))
        out = torch.softmax(logits, -1)[:, 1] if which == "prob" else logits[:, 1] - logits[:, 0]
        return out.double().numpy()
    return f


def input_gradients(net, points: np.ndarray) -> np.ndarray:
    """d(l1 - l0)/dx at ``points``: (P, 2)."""
    x = torch.as_tensor(points, dtype=torch.float32).requires_grad_(True)
    logits = net(x)
    (grad,) = torch.autograd.grad((logits[:, 1] - logits[:, 0]).sum(), x)
    return grad.double().numpy()


def two_layer_parts(net) -> dict[str, np.ndarray]:
    """W (F, D), b (F,) and beta (F,) of a one-hidden-layer MLP, with f = l1 - l0 = beta . relu(W x + b) + const."""
    linears = [m for m in net.modules() if isinstance(m, torch.nn.Linear)]
    if len(linears) != 2:
        raise ValueError(f"Proposition 1 needs a two-layer network; this one has {len(linears)} linear layers")
    first, last = linears
    w = last.weight.detach().double().numpy()
    return {"W": first.weight.detach().double().numpy(), "b": first.bias.detach().double().numpy(), "beta": w[1] - w[0]}


def measure(net, task, hidden: tuple[int, ...], grid_n: tuple[int, int], delta: float = DELTA) -> tuple[dict, np.ndarray]:
    """The measurements of one trained network and its p(y = 1 | x) on the domain grid (n2, n1)."""
    n1, n2 = grid_n
    prob, logit = _numpy_f(net, "prob"), _numpy_f(net, "logit")
    train_x = task.train.x.double().numpy()
    test_x = task.tests["test"].x.double().numpy()
    pts = grid_points(n1, n2, delta)
    grads = np.abs(input_gradients(net, train_x))
    row = {
        "grid_deviation": deviation(prob, pts, delta),
        "flip_rate": float(((prob(pts) > 0.5) != (prob(shifted(pts, delta)) > 0.5)).mean()),
        "data_deviation": deviation(prob, test_x, delta),
        "grad_x1": float(grads[:, 0].mean()),
        "grad_x2": float(grads[:, 1].mean()),
    }
    if len(hidden) == 1:
        parts = two_layer_parts(net)
        row["norm_term"] = float((parts["beta"] ** 2).sum() + (parts["W"] ** 2).sum())
        row["lipschitz_x2"] = float(np.abs(parts["beta"] * parts["W"][:, 1]).sum())
        for d in PROP1_DELTAS:
            diff = np.abs(logit(shifted(train_x, d)) - logit(train_x))
            row[f"prop1_mean_{d:g}"] = float(diff.mean())
            row[f"prop1_max_{d:g}"] = float(diff.max())
    grid = prob(grid_points(n1, n2)).reshape(n2, n1).astype(np.float32)
    return row, grid


@probe
def demo_probe(cell: Trained, grid_n: tuple[int, int]) -> dict:
    """:func:`measure` on every seed's network: one row per seed and the stacked grids (S, n2, n1)."""
    hidden = tuple(cell.spec.model_kwargs["hidden"])
    measured = [measure(net, cell.task, hidden, tuple(grid_n)) for net in cell.models]
    return {"rows": [r for r, _ in measured], "grids": np.stack([g for _, g in measured])}


def run_spec(spec: NetSpec, budget: Budget) -> RunSpec:
    """The stored cell of ``spec``: every seed stacked into one model (as the chapter has always trained
    them), probed by :func:`demo_probe`."""
    data = {"n_per_group": budget.n_per_group, "n_test_per_group": budget.n_test_per_group}
    return RunSpec("theory2d", spec.method, "mlp", tuple(budget.seeds), budget.epochs, data=data,
                   model_kwargs={"hidden": tuple(spec.hidden)}, method_kwargs=spec.method_kwargs(),
                   batch_size=BATCH_SIZE, device=budget.device, stack_seeds=True,
                   probes=((name_of(demo_probe), {"grid_n": tuple(budget.grid_n)}),))


@dataclass
class NetworkResults:
    """Per-seed measurements (one row per spec and seed) and p(y = 1 | x) grids (by spec: (S, n2, n1))."""

    table: pd.DataFrame
    grids: dict[NetSpec, np.ndarray]
    budget: Budget
    computed: int = 0
    seconds: float = 0.0
    specs: list[NetSpec] = field(default_factory=list)

    def of(self, spec: NetSpec) -> pd.DataFrame:
        t = self.table
        return t[(t.method == spec.method) & (t.hidden == str(spec.hidden)) & (t.weight_decay == spec.weight_decay)
                 & (t.eps_max == spec.eps_max)]


def network_results(budget: Budget, *, cache: bool = True, location: Path | None = None) -> NetworkResults:
    """Train (or read from the store's :data:`THEORY` family) every network of the chapter and probe it."""
    specs = all_specs(budget)
    cells = one_thread(run_cells)([run_spec(s, budget) for s in specs], THEORY, cache=cache, location=location,
                                  desc="networks")
    rows, grids = [], {}
    for spec, cell in zip(specs, cells):
        out = cell["probes"][name_of(demo_probe)]
        accuracy = cell["scores"].set_index("seed")["accuracy"]
        for seed, r in zip(budget.seeds, out["rows"]):
            rows.append({"method": spec.method, "hidden": str(spec.hidden), "layers": len(spec.hidden) + 1,
                         "weight_decay": spec.weight_decay, "eps_max": spec.eps_max,
                         "seed": seed, "accuracy": float(accuracy.loc[seed]), **r})
        grids[spec] = out["grids"]
    return NetworkResults(pd.DataFrame(rows), grids, budget, sum(c["computed"] for c in cells),
                          sum(c["seconds"] for c in cells), specs)
