"""The tables of Sec. 5 and Appendix E ("Robust Learning from Explanations") from the chosen cells.

Per-seed frames in the layout of :mod:`mlxbook.paper` for Table 1 (:func:`decoy_per_seed`), Tables 2/5,
3 and 6 (:func:`real_per_seed`, :func:`table6_per_seed`; :func:`real_tables` compares the stored cells)
and the s1 / s2 statistics (:func:`grad_stats_per_seed`), compared by :func:`comparison`; Table 4
(:func:`runtime_table`), the Appendix E PGD-Ex sensitivity, the certificate column and the penalty
reduction study as plain tables.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ... import paper
from ...book.compare import against_paper
from ...book.verdicts import with_collapse
from ...data import has_isic, has_plant
from .grids import INPUT_STD, LABELS, PAPER, ROBUST
from .selection import hyper_of, select
from .specs import Budget
from .training import Analysis, real_cells


def decoy_per_seed(chosen: dict[str, dict], dataset: str = "decoy_mnist") -> pd.DataFrame:
    """Table 1 rows per seed: avg_acc (plain test accuracy, as the paper's decoy-MNIST 'Avg Acc') and wg_acc, and
    whether the seed's model predicts one class (``collapsed``)."""
    rows = []
    for method, cell in chosen.items():
        scores = with_collapse(cell)
        test = scores[scores["test_set"] == "test"]
        for _, r in test.iterrows():
            rows.append({"dataset": dataset, "method": method, "metric": "avg_acc", "seed": r["seed"], "value": r["accuracy"],
                         "collapsed": r["collapsed"]})
            rows.append({"dataset": dataset, "method": method, "metric": "wg_acc", "seed": r["seed"],
                         "value": r["worst_group_accuracy"], "collapsed": r["collapsed"]})
    return pd.DataFrame(rows)


def reduction_table(mean_cell: dict, sum_cell: dict) -> pd.DataFrame:
    """IBP-Ex+RRR with the penalty averaged (ours) or summed (public code) over the batch: test accuracies and the
    number of digits never predicted right (9 of 10 = a model that predicts one class), mean over seeds."""
    rows = []
    for name, cell in [("batch mean (ours)", mean_cell), ("batch sum (public code)", sum_cell)]:
        test = cell["scores"][cell["scores"]["test_set"] == "test"]
        groups = test.filter(regex=r"^group_")
        rows.append({"IBP-Ex+RRR penalty": name, "lambda (ours)": cell["spec"]["method_kwargs"]["lam"],
                     "avg acc": test["accuracy"].mean(), "wg acc": test["worst_group_accuracy"].mean(),
                     "classes never right": float((groups == 0).sum(axis=1).mean())})
    return pd.DataFrame(rows)


ISIC_GROUP_METRICS = {0: "acc_npnc", 1: "acc_pnc", 2: "acc_c"}


def real_per_seed(chosen: dict[str, dict], dataset: str) -> pd.DataFrame:
    """Tables 2/5 (ISIC: per-group, macro and worst-group accuracy) or 3 (Plant: macro and worst-group)
    per seed, on the test set."""
    rows = []
    for method, cell in chosen.items():
        scores = with_collapse(cell)
        test = scores[scores["test_set"] == "test"]
        for _, r in test.iterrows():
            values = {"avg_acc": r["macro_accuracy"], "wg_acc": r["worst_group_accuracy"]}
            if dataset == "isic":
                values |= {name: r.get(f"group_{g}", np.nan) for g, name in ISIC_GROUP_METRICS.items()}
            rows += [{"dataset": dataset, "test_set": "test", "method": method, "metric": k, "seed": r["seed"],
                      "value": float(v), "collapsed": r["collapsed"]} for k, v in values.items() if not pd.isna(v)]
    return pd.DataFrame(rows)


def table6_per_seed(chosen: dict[str, dict]) -> pd.DataFrame:
    """Table 6: PNC accuracy on the ISIC test set and on its patch-removed copy, for the robust methods."""
    rows = []
    for method in ROBUST:
        if method not in chosen:
            continue
        scores = with_collapse(chosen[method])
        for test_set in ("test", "test_patch_removed"):
            for _, r in scores[scores["test_set"] == test_set].iterrows():
                if not pd.isna(r.get("group_1", np.nan)):
                    rows.append({"dataset": "isic", "test_set": test_set, "method": method, "metric": "acc_pnc",
                                 "seed": r["seed"], "value": float(r["group_1"]), "collapsed": r["collapsed"]})
    return pd.DataFrame(rows)


def grad_stats_per_seed(chosen: dict[str, dict], methods=("rrr", "ibp_ex", "ibp_ex_rrr")) -> pd.DataFrame:
    """s1 and s2 (Sec. 5.2) per seed on the training split, for the chosen models of ``methods``."""
    rows = []
    for method in methods:
        if method in chosen:
            for _, r in chosen[method]["grad_stats"].iterrows():
                rows += [{"dataset": "decoy_mnist", "test_set": "train", "method": method, "metric": k,
                          "seed": r["seed"], "value": float(r[k])} for k in ("s1", "s2")]
    return pd.DataFrame(rows)


def certificate_table(chosen: dict[str, dict], eps: float) -> pd.DataFrame:
    """Per method: share of test points certified invariant to any change of the masked features within
    ``eps`` (paper units), mean and std over seeds, next to the method's own training radius."""
    rows = []
    for method, cell in chosen.items():
        cert = cell["certified"]
        here = cert[np.isclose(cert["eps"], eps * INPUT_STD)] if len(cert) else cert
        hyper = hyper_of(cell)
        own = hyper.get("eps_max", hyper.get("eps"))
        rows.append({"method": LABELS.get(method, method), "trained with eps": "–" if own is None else f"{own:g}",
                     "certified": float(here["certified"].mean()) if len(here) else np.nan,
                     "std": float(here["certified"].std()) if len(here) > 1 else np.nan})
    return pd.DataFrame(rows)


def runtime_table(chosen: dict[str, dict]) -> pd.DataFrame:
    """Table 4: seconds per seed and epoch of each chosen cell (training plus the per-epoch evaluation)
    and the ratio to ERM's."""
    rows = []
    for method, cell in chosen.items():
        per = cell["seconds"] / max(cell["epochs_run"], 1)
        rows.append({"method": method, "seconds per seed-epoch": per})
    df = pd.DataFrame(rows)
    erm = df.loc[df["method"] == "erm", "seconds per seed-epoch"]
    df["relative to ERM"] = df["seconds per seed-epoch"] / float(erm.iloc[0]) if len(erm) else np.nan
    return df


def speedup(times: pd.DataFrame, slow: str = "pgd_ex", fast: str = "ibp_ex_rrr") -> float:
    """How many times faster ``fast`` trains than ``slow`` (Sec. 5.5 states IBP-Ex+RRR vs PGD-Ex)."""
    t = times.set_index("method")["seconds per seed-epoch"]
    return float(t[slow] / t[fast])


def pgd_sensitivity(cells: list[dict]) -> pd.DataFrame:
    """Appendix E on decoy data: test Avg / Wg accuracy of PGD-Ex per (eps, iterations), mean and std."""
    rows = []
    for cell in cells:
        if cell["spec"]["method"] != "pgd_ex":
            continue
        test = cell["scores"][cell["scores"]["test_set"] == "test"]
        val = cell["scores"][cell["scores"]["test_set"] == "val"]
        rows.append({"eps": hyper_of(cell)["eps"], "iterations": cell["spec"]["method_kwargs"].get("iters", 7),
                     "test avg acc": test["accuracy"].mean(), "test avg std": test["accuracy"].std(),
                     "test wg acc": test["worst_group_accuracy"].mean(), "test wg std": test["worst_group_accuracy"].std(),
                     "val wg acc": val["worst_group_accuracy"].mean(),
                     "seconds per seed-epoch": cell["seconds"] / max(cell["epochs_run"], 1)})
    return pd.DataFrame(rows).drop_duplicates(["eps", "iterations"]).sort_values(["iterations", "eps"]).reset_index(drop=True)


METRIC_NAMES = {"avg_acc": "Avg Acc", "wg_acc": "Wg Acc", "acc_npnc": "NPNC accuracy", "acc_pnc": "PNC accuracy",
                "acc_c": "C accuracy", "s1": "s1", "s2": "s2"}


def compare_by_metric(ch, table: pd.DataFrame, *, label: str, caption: str, claim: str = "") -> None:
    """``ch.compare`` once per metric of ``table`` (the comparison table names no metric column), each
    titled with its metric and labelled ``<label>-<metric>``."""
    for metric, rows in table.groupby("metric", sort=False):
        name = METRIC_NAMES.get(metric, metric)
        ch.compare(rows.reset_index(drop=True), label=f"{label}-{metric.replace('_', '-')}",
                   caption=f"{caption} ({name})", claim=claim)


def comparison(per_seed: pd.DataFrame, on: list[str], missing="not run", profile: str = "", **filters) -> pd.DataFrame:
    """:func:`mlxbook.book.compare.against_paper` against the paper rows selected by ``filters``."""
    return against_paper(paper.numbers(PAPER, **filters), per_seed, on=on, value="value", missing=missing, profile=profile)


def real_data(dataset: str, data_root) -> bool:
    """Whether ``data_root`` holds ``dataset`` ("isic" or "plant")."""
    return {"isic": has_isic, "plant": has_plant}[dataset](data_root)


REAL_TABLES = {
    "isic": [("Table 2", ["dataset", "method", "metric"]), ("Table 5", ["dataset", "method", "metric"]),
             ("Table 6", ["dataset", "test_set", "method", "metric"])],
    "plant": [("Table 3", ["dataset", "method", "metric"])],
}
NEEDS = {"isic": "needs ISIC at data_root", "plant": "needs Plant at data_root"}


def real_tables(dataset: str, data_root, b: Budget, *, device: str = "cpu", profile: str = "",
                analysis: Analysis = Analysis(), **kw) -> tuple[dict[str, pd.DataFrame], dict[str, dict]]:
    """Tables 2, 5, 6 (ISIC) or 3 (Plant): trained and compared when ``data_root`` holds the data, else the
    paper's rows with "needs ISIC / Plant at data_root". Returns ({table: comparison}, chosen cells)."""
    chosen: dict[str, dict] = {}
    if real_data(dataset, data_root):
        chosen = select(real_cells(dataset, data_root, b, device, analysis, **kw))
    tables = {}
    for table, on in REAL_TABLES[dataset]:
        if not chosen:
            ours = pd.DataFrame(columns=on + ["seed", "value"])
        elif table == "Table 6":
            ours = table6_per_seed(chosen)
        else:
            ours = real_per_seed(chosen, dataset)
        tables[table] = comparison(ours, on, missing={dataset: NEEDS[dataset]}, profile=profile, table=table)
    return tables, chosen
