"""The papers' claims, each written once as a testable statement with the words it comes from.

A claim is an *effect*: a difference between two sides (two methods, or two conditions of one method),
a ratio of their spreads, or a ratio of their means, over a set of the paper's settings, in a stated
direction. ``a`` and ``b`` select each side's rows by column values (the columns of
:mod:`mlxbook.paper`'s tables and of our per-seed results alike); ``on`` names the columns that make a
setting; ``rows`` selects the paper's published numbers the claim rests on, from which
:meth:`Claim.paper_effect` computes the paper's own effect size, over the settings we measured (so
that both effects average the same settings). A claim with no ``rows`` is one the paper states without
numbers: only its direction can be checked.

Chapters judge these claims (:func:`mlxbook.book.verdicts.judge`) and never type one; each names the
chapter that judges it. This module judges nothing and computes nothing stored: it is outside the
code that result keys cover (:data:`mlxbook.provenance.NOT_COMPUTING`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from ..errors import ConfigError, check_choice


def select(frame: pd.DataFrame, side: dict) -> pd.DataFrame:
    """The rows of ``frame`` whose columns hold ``side``'s values (a value, or a list or tuple of allowed ones)."""
    keep = pd.Series(True, index=frame.index)
    for column, wanted in side.items():
        if column not in frame:
            raise ConfigError(f"the results have no column {column!r} for a claim's side {side}; columns: {list(frame.columns)}")
        keep &= frame[column].isin(wanted if isinstance(wanted, (list, tuple)) else [wanted])
    return frame[keep]


@dataclass(frozen=True)
class Claim:
    """One testable claim: effect = ``a`` - ``b`` (or ``a`` / ``b``), claimed positive when ``direction`` is 1."""

    id: str
    paper: str
    where: str
    words: str
    statement: str
    chapter: str
    a: dict
    b: dict
    on: tuple = ()
    rows: dict = field(default_factory=dict)
    quantity: str = "difference"
    direction: int = 1
    headline: bool = False
    metric: str = "accuracy"

    @property
    def null(self) -> float:
        """The value of no effect: 0 for a difference, 1 for a ratio."""
        return 0.0 if self.quantity == "difference" else 1.0

    def paper_rows(self) -> pd.DataFrame:
        """The published numbers this claim rests on (empty when the paper gives none)."""
        from . import numbers

        return numbers(self.paper, **self.rows) if self.rows else pd.DataFrame()

    def _key(self, df: pd.DataFrame) -> pd.Series:
        """Each row's setting as a tuple of strings (so that 50 and 50.0-as-Int64 or None and NaN match)."""
        if not self.on:
            return pd.Series([()] * len(df), index=df.index, dtype=object)
        return df[list(self.on)].astype(str).apply(tuple, axis=1)

    def _sides(self) -> dict[str, dict]:
        rows = self.paper_rows()
        side = {}
        for name, sel in (("a", self.a), ("b", self.b)):
            part = select(rows, sel)
            side[name] = dict(zip(self._key(part), zip(part["value"], part["std"])))
        return side

    def paper_settings(self) -> set | None:
        """The settings (tuples of strings over :attr:`on`) where the paper reports both sides; None when the
        claim rests on no published number (then every setting we ran counts)."""
        if not self.rows:
            return None
        side = self._sides()
        return set(side["a"]) & set(side["b"])

    def in_scope(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of ``frame`` (our per-seed results) in the claim's settings (all rows for a claim without numbers)."""
        settings = self.paper_settings()
        if settings is None:
            return frame
        return frame[self._key(frame).isin(settings)] if len(frame) else frame

    def paper_effect(self, settings: pd.DataFrame | None = None) -> float | None:
        """The paper's effect over its settings, or over those of ``settings`` (columns :attr:`on`) that it
        reports; None when the paper gives no number for both sides of any of them."""
        if not self.rows:
            return None
        side = self._sides()
        common = set(side["a"]) & set(side["b"])
        if settings is not None and self.on:
            common &= set(self._key(settings))
        if not common:
            return None
        pairs = [(side["a"][k], side["b"][k]) for k in sorted(common)]
        if self.quantity == "difference":
            return sum(a[0] - b[0] for a, b in pairs) / len(pairs)
        if self.quantity == "ratio":
            return math.exp(sum(math.log(a[0] / b[0]) for a, b in pairs) / len(pairs))
        var_a, var_b = sum(a[1] ** 2 for a, _ in pairs), sum(b[1] ** 2 for _, b in pairs)
        if any(math.isnan(v) for v in (var_a, var_b)) or var_a == 0:
            return None
        return math.sqrt(var_b / var_a)


_T5 = ("dataset", "n_train", "ratio", "test_set")
OURS, NO_EXPL, GRAD_REG = {"method": "two_stage"}, {"method": "erm"}, {"method": "rrr"}

_CLAIMS = [
    # ---------------------------------------------------------------- Machine Learning from Explanations
    Claim("two_stage.balanced_vs_no_expl", "two_stage", "Sec 3.1, Figs 2-4, Table 5 (black)",
          "our training pipeline can accelerate the learning process and make final models generalize better on "
          "unseen data across all datasets when classes are balanced",
          "Ours beats No expl on the clean test set after balanced training", "baselines", OURS, NO_EXPL, _T5,
          {"table": "Table 5", "source": "Table 5, black numbers"}, headline=True),
    Claim("two_stage.balanced_vs_grad_reg", "two_stage", "Sec 3.1, Table 5 (black); Conclusion",
          "our algorithm significantly outperforms the current training pipeline and previous loss-based methods",
          "Ours beats Grad Reg on the clean test set after balanced training", "baselines", OURS, GRAD_REG, _T5,
          {"table": "Table 5", "source": "Table 5, black numbers"}, headline=True),
    Claim("two_stage.imbalanced_vs_no_expl", "two_stage", "Sec 3.1, Figs 2-3, Table 5 (blue); Abstract",
          "Even when there is a severe class imbalance ... our models can reach higher test accuracy on a balanced test set",
          "Ours beats No expl on the clean test set after 1:9 training", "baselines", OURS, NO_EXPL, _T5,
          {"table": "Table 5", "source": "Table 5, blue numbers"}, headline=True),
    Claim("two_stage.imbalanced_vs_grad_reg", "two_stage", "Sec 3.1, Table 5 (blue)",
          "Even when there is a severe class imbalance ... our models can reach higher test accuracy",
          "Ours beats Grad Reg on the clean test set after 1:9 training", "baselines", OURS, GRAD_REG, _T5,
          {"table": "Table 5", "source": "Table 5, blue numbers"}),
    Claim("two_stage.smaller_spread", "two_stage", "Sec 3.1, Table 5; Abstract",
          "our models are more consistent with standard deviations of one magnitude smaller",
          "No expl's spread over seeds is a multiple of Ours' (ratio of standard deviations above 1)", "baselines",
          OURS, NO_EXPL, _T5, {"table": "Table 5", "source": ["Table 5, black numbers", "Table 5, blue numbers"]},
          quantity="spread ratio", headline=True),
    Claim("two_stage.grad_reg_rarely_better", "two_stage", "Sec 3.1, Figs 2-4",
          "the existing algorithm from Ross et al. (2017) rarely outperforms the baseline",
          "Grad Reg is no better than No expl (balanced training)", "baselines", GRAD_REG, NO_EXPL, _T5,
          {"table": "Table 5", "source": "Table 5, black numbers"}, direction=-1),
    Claim("two_stage.transfer_vs_no_expl", "two_stage", "Sec 3.2, Table 1",
          "our models almost always perform the best on these datasets, suggesting our models have learned the most "
          "from the suggested reasons", "Ours beats No expl on the transfer sets (Pentagon, Triangle vs Circle)",
          "transfer", OURS, NO_EXPL, _T5, {"table": "Table 1"}, headline=True),
    Claim("two_stage.transfer_vs_grad_reg", "two_stage", "Sec 3.2, Table 1",
          "our models almost always perform the best on these datasets",
          "Ours beats Grad Reg on the transfer sets", "transfer", OURS, GRAD_REG, _T5, {"table": "Table 1"}),
    Claim("two_stage.transfer_sparse_vs_no_expl", "two_stage", "Sec 3.2, Table 1",
          "our approach outperforms the other training methods even in the sparse explanation setting",
          "Ours (sparse) beats No expl on the transfer sets after 1:9 training", "transfer",
          {"method": "two_stage_sparse"}, NO_EXPL, _T5, {"table": "Table 1"}),
    Claim("two_stage.agreement", "two_stage", "Sec 3.3, Table 2",
          "Our models are always very consistent, implying they most probably use the same reasons for predictions",
          "Models trained with Ours agree with each other more than models trained with No expl", "consistency",
          OURS, NO_EXPL, ("dataset", "n_train"), {"table": "Table 2"}, headline=True, metric="agreement"),
    Claim("two_stage.spurious_vs_no_expl", "two_stage", "Sec 3.4, Fig 5, Table 6",
          "our models are consistently the best-performing ones across all datasets and sample sizes on the clean test set",
          "After training on spurious data, Ours beats No expl on the clean test set", "spurious", OURS, NO_EXPL,
          ("dataset", "n_train", "test_set"), {"table": "Table 6", "source": "Table 6, black numbers"}, headline=True),
    Claim("two_stage.ablation_vs_no_mapping", "two_stage", "App. C, Table 3",
          "the combination of the two new designs yields the best final performance and fastest convergence rate",
          "Ours beats its No Mapping ablation at the last epoch Table 3 reports that we ran", "two_stage",
          OURS, {"method": "two_stage_no_mapping"}, ("dataset", "n_train", "epoch"), {"table": "Table 3"}),
    Claim("two_stage.ablation_vs_joint", "two_stage", "App. C, Table 3",
          "doing joint training is conceptually inferior to our two-stage training",
          "Ours beats its Joint Opt ablation at the last epoch Table 3 reports that we ran", "two_stage",
          OURS, {"method": "two_stage_joint"}, ("dataset", "n_train", "epoch"), {"table": "Table 3"}),
    # ---------------------------------------------------------------- Right for the Right Reasons
    Claim("rrr.decoy_fools_plain_model", "rrr", "Sec 3.2, Fig 9",
          "the same model obtains a higher 99.6% train accuracy but a much lower 55.2% test accuracy, indicating it is "
          "severely though not completely hampered by the decoy rule",
          "An A = 0 model trained on decoy data is less accurate on the test set than one trained without the decoy",
          "rrr", {"condition": "decoy", "method": "erm"}, {"condition": "no_decoy", "method": "erm"}, ("test_set",),
          {"dataset": "decoy_mnist", "test_set": "test"}, direction=-1, headline=True),
    Claim("rrr.decoy_explanations_help", "rrr", "Sec 3.2, Fig 9",
          "By penalizing explanations we know to be incorrect using the loss function defined in Section 2.1, we are "
          "able to recover that baseline test accuracy",
          "On decoy data, training with the annotation (full A) beats A = 0 on the test set", "rrr",
          {"condition": "decoy", "method": "rrr"}, {"condition": "decoy", "method": "erm"}, ("test_set",),
          headline=True),
    Claim("rrr.gradients_cheaper_than_lime", "rrr", "Sec 3.2, Table 1",
          "RRR is consistent with sample-based methods such as LIME, and faster",
          "LIME takes many times longer per explanation than input gradients (ratio of seconds)", "rrr",
          {"metric": "runtime_s_lime"}, {"metric": "runtime_s_gradients"}, ("dataset",), {"table": "Table 1"},
          quantity="ratio", headline=True, metric="seconds"),
    # ---------------------------------------------------------------- Robust Learning from Explanations
    Claim("ibp_ex.combined_vs_ibp_ex", "ibp_ex", "Sec 5.2, Table 1; Abstract",
          "Both RRR and IBP-Ex perform better than ERM, but when combined (IBP-Ex+RRR) they perform far better than "
          "their individual performance", "On decoy-MNIST, IBP-Ex+RRR beats IBP-Ex on worst-group accuracy",
          "ibp_ex", {"method": "ibp_ex_rrr"}, {"method": "ibp_ex"}, ("dataset", "metric"),
          {"table": "Table 1", "metric": "wg_acc"}, headline=True, metric="wg_acc"),
    Claim("ibp_ex.combined_vs_rrr", "ibp_ex", "Sec 5.2, Table 1",
          "when combined (IBP-Ex+RRR) they perform far better than their individual performance",
          "On decoy-MNIST, IBP-Ex+RRR beats RRR on worst-group accuracy", "ibp_ex",
          {"method": "ibp_ex_rrr"}, {"method": "rrr"}, ("dataset", "metric"), {"table": "Table 1", "metric": "wg_acc"},
          headline=True, metric="wg_acc"),
    Claim("ibp_ex.ibp_ex_vs_erm", "ibp_ex", "Sec 5.2, Table 1",
          "Both RRR and IBP-Ex perform better than ERM",
          "On decoy-MNIST, IBP-Ex beats ERM on worst-group accuracy", "ibp_ex", {"method": "ibp_ex"}, {"method": "erm"},
          ("dataset", "metric"), {"table": "Table 1", "metric": "wg_acc"}, metric="wg_acc"),
    Claim("ibp_ex.pgd_ex_vs_erm", "ibp_ex", "Sec 5.2, Table 1; Conclusion",
          "we found that PGD-Ex and IBP-Ex performed better than any previous approach",
          "On decoy-MNIST, PGD-Ex beats ERM on worst-group accuracy", "ibp_ex", {"method": "pgd_ex"}, {"method": "erm"},
          ("dataset", "metric"), {"table": "Table 1", "metric": "wg_acc"}, metric="wg_acc"),
    Claim("ibp_ex.isic_robust_vs_erm", "ibp_ex", "Sec 5.3, Tables 2 and 5",
          "PGD-Ex, IBP-Ex, and IBP-Ex+RRR significantly improved Wg accuracy over other baselines",
          "On ISIC, IBP-Ex+RRR beats ERM on worst-group accuracy", "ibp_ex", {"method": "ibp_ex_rrr"},
          {"method": "erm"}, ("dataset", "metric"), {"table": "Table 5", "metric": "wg_acc"}, headline=True,
          metric="wg_acc"),
    Claim("ibp_ex.plant_robust_vs_erm", "ibp_ex", "Sec 5.4, Table 3",
          "Wg accuracy of our three best method ... Ex, IBP-Ex and IBP-Ex+RRR far exceed any other method by improving "
          "it by 5-12% over the next best baseline and by 19-26% accuracy point over ERM", "On Plant, IBP-Ex+RRR beats ERM on worst-group accuracy",
          "ibp_ex", {"method": "ibp_ex_rrr"}, {"method": "erm"}, ("dataset", "metric"),
          {"table": "Table 3", "metric": "wg_acc"}, headline=True, metric="wg_acc"),
    Claim("ibp_ex.patch_removal_pgd_vs_ibp", "ibp_ex", "App. E, Table 6",
          "the accuracy drops about 17% and 37% in IBP-Ex and PGD-Ex, respectively, showing that IBP-Ex is more robust "
          "to concept perturbations", "On ISIC's PNC images with the patch removed, IBP-Ex beats PGD-Ex", "ibp_ex",
          {"method": "ibp_ex"}, {"method": "pgd_ex"}, ("dataset", "test_set", "metric"),
          {"table": "Table 6", "test_set": "test_patch_removed"}, metric="acc_pnc"),
]

CLAIMS: dict[str, Claim] = {c.id: c for c in _CLAIMS}
"""Every registered claim by id, in the papers' order."""


def get_claim(claim_id: str) -> Claim:
    """The registered claim ``claim_id`` (a ConfigError names the registered ones otherwise)."""
    return CLAIMS[check_choice("claim", claim_id, CLAIMS)]
