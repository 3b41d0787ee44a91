"""What the benchmark compares: its methods, training tasks, columns and each method's configurations.

The tasks are the two-stage paper's shape datasets (Triangle and Fox-vs-Cat at 1:1, 1:9 and with
spurious squares, App. A.4, with the Pentagon and Triangle-vs-Circle transfer sets of Sec. 3.2), the two
decoy-digit datasets (RRR Sec. 3.2, IBP-Ex Sec. 5.2), RRR's toy colours (Sec. 3.1) and Iris-Cancer
(Sec. 3.2). Each method's hyper-parameter list starts at its paper's value and follows the papers'
grids (two-stage App. B.1, IBP-Ex Sec. 5.1.3 and App. E).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ... import methods as registered
from ... import paper
from ...errors import check_choice, check_int
from ...methods import hparams
from ...paper import names

VARIANTS = {"two_stage_sparse": "two_stage"}
"""Benchmark entries that are a registered method on other data: the sparse variant is the two-stage
method on data whose explanations cover the minority class only."""
METHODS = tuple(entry for m, h in hparams.HPARAMS.items() if not h.ablation
                for entry in (m, *(v for v, base in VARIANTS.items() if base == m)))
"""Every registered method but the ablations, each followed by its variants, in registry order."""
LABELS = {m: names.method(m) for m in METHODS}
LABELS_ONLY = tuple(m for m in METHODS if not registered.METHODS[VARIANTS.get(m, m)].uses_explanations)
"""Methods that use no explanation (they pay for labels only)."""

IBP_EPS = (1.0, 0.3, 0.1, 0.03)
"""eps_max points for IBP-Ex, in data units, inside the paper's range 0.01-2 (Sec. 5.1.3 gives no grid);
the package default first, then weaker."""


@dataclass(frozen=True)
class Setting:
    """One training task: a dataset with its options, the model family, and the columns it feeds.

    ``columns`` maps a benchmark column to the test set of this task it is scored on.
    """

    key: str
    dataset: str
    model: str
    data: dict = field(default_factory=dict)
    columns: dict = field(default_factory=dict)
    sparse: bool = False  # does the loader offer explanations on the minority class only?


def _shapes(name: str, label: str, transfer: str, transfer_label: str) -> list[Setting]:
    return [
        Setting(f"{name} 1:1", name, "shape_cnn", {"ratio": "1:1"}, {label: "test", transfer_label: transfer}, True),
        Setting(f"{name} 1:9", name, "shape_cnn", {"ratio": "1:9"}, {f"{label} 1:9": "test"}, True),
        Setting(f"{name} spurious", name, "shape_cnn", {"ratio": "1:1", "spurious": True}, {f"{label} spurious": "test"}, True),
    ]


SETTINGS: tuple[Setting, ...] = (
    *_shapes("triangle", "Triangle", "pentagon", "Pentagon"),
    *_shapes("fox_cat", "Fox vs Cat", "triangle_vs_circle", "Triangle vs Circle"),
    Setting("decoy_ross", "decoy_ross", "mlp", {}, {"Decoy (Ross)": "test"}),
    Setting("decoy_heo", "decoy_heo", "mlp", {"n_val": 0}, {"Decoy (IBP-Ex)": "test"}),
    Setting("toy_colours", "toy_colours", "mlp", {}, {"Toy colours": "test"}),
    Setting("iris_cancer", "iris_cancer", "mlp", {}, {"Iris-Cancer": "test"}),
)
"""The training tasks; ``spurious`` squares are placed as A.4's text says (the loader's default)."""

COLUMNS: tuple[str, ...] = tuple(c for s in SETTINGS for c in s.columns)
"""The benchmark's datasets, in the order of the heatmaps."""
SETTING_LABELS = {s.key: next(iter(s.columns)) if s.key == s.dataset else
                  f"{names.DATASETS[s.dataset]} {s.key.split()[-1]}" for s in SETTINGS}
"""How a page names a training task ("Fox vs Cat 1:9", "Decoy (Ross)")."""


def setting(key: str) -> Setting:
    """The setting named ``key``."""
    known = {s.key: s for s in SETTINGS}
    return known[check_choice("setting", key, known)]


def not_applicable(method: str, s: Setting) -> str:
    """Why ``method`` cannot run on setting ``s`` ('' when it can)."""
    if method == "two_stage_sparse" and not s.sparse:
        return "the loader has no minority-only explanations (every example carries a mask)"
    return ""


# ---------------------------------------------------------------------------------- configurations


def candidates(method: str) -> list[dict]:
    """The method's hyper-parameter settings in the order they are tried (its default first).

    Every list is built the same way: the method's own strength axis at lr 0.01 (the two-stage paper's
    Adam rate without explanations and for Grad Reg, App. B.1), its paper value (the package default)
    first and then the weaker grid points (RRR: the stronger ones, since the two-stage paper's lambda is
    already the weakest); then the same strengths at the other rates of the two-stage paper's grid
    (App. B.1: 0.001, then our 0.003, then 0.1). ERM, which has no strength, tries learning rates instead. So with
    ``k`` configurations every method tunes its ``k`` most plausible settings. A registered method without a
    list here (one added after this benchmark) has its paper's search space
    (:func:`mlxbook.methods.hparams.search_space`) as its strengths, in that order.
    """
    check_choice("method", method, (*hparams.HPARAMS, *VARIANTS))
    lr0 = paper.fact("two_stage", "synthetic_lr_no_expl")
    # 0.01, then the two-stage paper's other rates (0.001, 0.1) with our 0.003 between 0.001 and 0.01
    lrs = [lr0, paper.fact("two_stage", "synthetic_eta1"), 0.003]
    lrs += [v for v in paper.fact("two_stage", "eta_grid") if v not in lrs]
    lam_grid = paper.fact("ibp_ex", "lambda_grid_rrr_cdep")
    sigma_grid = paper.fact("ibp_ex", "corm_sigma_grid")
    eps_grid = paper.fact("ibp_ex", "appendix_e_pgd_epsilons")
    gradreg = paper.fact("two_stage", "gradreg_lambda")
    eta2 = [paper.fact("two_stage", "synthetic_eta2_imbalanced_or_spurious"), paper.fact("two_stage", "synthetic_eta2_balanced")]
    eta2 += [e for e in paper.fact("two_stage", "eta_grid") if e not in eta2]
    strengths = {
        "erm": [{}],
        # Lin et al.'s best gamma first, then the others they tried
        "focal": [{"gamma": g} for g in (2.0, 1.0, 5.0, 0.5)],
        # the two-stage paper's Grad Reg lambda for [0, 1] images, then 10x steps (RRR's own scale: App. of rrr.py)
        "rrr": [{"lam": gradreg * f} for f in (1, 10, 100, 1000)],
        # eta2 for imbalanced / spurious data first, then balanced, then the rest of the grid
        "two_stage": [{"eta2": v} for v in eta2],
        "corm": [{"sigma": float(v)} for v in _weaker_first(sigma_grid, 1)],
        "pgd_ex": [{"eps": float(v)} for v in _weaker_first(eps_grid, 1)],
        "ibp_ex": [{"eps_max": v} for v in IBP_EPS],
        "ibp_ex_rrr": [{"eps_max": v, "lam": float(paper.fact("ibp_ex", "ibp_ex_rrr_lambda"))} for v in IBP_EPS],
        "cdep": [{"lam": float(v)} for v in _weaker_first(lam_grid, 100)],
    }
    strengths["two_stage_sparse"] = strengths["two_stage"]
    if method == "erm":
        return [{"lr": lr} for lr in lrs]
    rate = "eta1" if method in ("two_stage", "two_stage_sparse") else "lr"
    own = strengths[method] if method in strengths else hparams.points(hparams.search_space(method))
    return [{**s, rate: lr} for lr in lrs for s in own]


def _weaker_first(grid, first) -> list:
    """``first`` (the package default), then the smaller grid points downwards, then the larger upwards."""
    below = sorted((v for v in grid if v < first), reverse=True)
    return [first, *below, *sorted(v for v in grid if v > first)]


def configurations(method: str, k: int) -> list[dict]:
    """The first ``k`` of :func:`candidates`: the same tuning budget for every method."""
    check_int("k", k, low=1)
    found = candidates(method)
    if len(found) < k:
        raise ValueError(f"method {method!r} has only {len(found)} candidate configurations; asked for {k}")
    return found[:k]
