"""Published numbers of "Robust Learning from Explanations" (Heo, Piratla, Wicker and Weller, 2023).

Transcribed by hand from the plain-text extraction (``robust-learning-from-explanations-ibp-ex.txt``).
The paper prints percentages; the literals below are the printed percentages, stored as fractions
(``pct``: 72.5 -> 0.725, std likewise). Every result is a mean over three seeds.

Conventions. Metrics: ``avg_acc`` (macro-averaged over labels; plain average accuracy on
decoy-MNIST), ``wg_acc`` (worst group, averaged over seeds: it need not equal the worst per-group
mean), and ISIC's per-group ``acc_npnc`` (no patch, non-cancerous), ``acc_pnc`` (patch,
non-cancerous), ``acc_c`` (cancerous). ``test_set="test_patch_removed"`` is Table 6's PNC test images
with the patch replaced by its mean colour. ``s1``/``s2`` are the Sec 5.2 gradient statistics, on the
training split. ``dataset="decoy_mnist"`` is this paper's variant (decoy half juxtaposed with the
digit), not Ross et al.'s corner swatches.

Ambiguities (also in the ``note`` column):

* The extraction often prints "+" for "±" (Tables 1, 3, 5, 6); the number after it is read as the
  standard deviation, as the captions of Tables 3 and 5 state. Table 1's caption only says "aggregated
  from three runs".
* Method names are garbled in places ("IRP-Ex+RRR", "ABP-Ex+RRR", "IBP-Fx", "PGD-Fx"); the row order and
  the other tables identify them.
* ISIC's per-group columns are called NPNC/PNC in the tables and NCNP/NCP in the text; Table 5's
  caption calls them "average precision scores", Table 2's "per-group accuracies". They are stored as
  accuracies (Table 6's PNC column, an accuracy, repeats them).
* Table 6's caption mentions "regval loss", but both columns are PNC accuracies (the text's 17% / 37%
  drops are their differences).
* Appendix D's architecture listings look swapped (the one titled decoy-MNIST ends in 2 outputs, the
  one titled ISIC in 10); only the text's statements are kept as facts.

Not transcribed: Table 4 (running time relative to ERM): its body is missing from the extraction;
only the text's "1.4 times faster than PGD-Ex" is kept (fact ``ibp_ex_rrr_speedup_over_pgd_ex``).
Figures 1, 3, 4 and 5 carry no number in the text beyond the hyper-parameters kept as facts.
"""
from __future__ import annotations

from ._table import Fact, facts_frame, frame, pct

PAPER = "ibp_ex"
METHOD_NAMES = {"ERM": "erm", "RRR": "rrr", "CDEP": "cdep", "CoRM": "corm", "PGD-Ex": "pgd_ex",
                "IBP-Ex": "ibp_ex", "IBP-Ex+RRR": "ibp_ex_rrr"}
_PLUS = "'±' extracted as '+'; number after it read as std"
_SEEDS = "mean over three seeds"

# Table 1 (decoy-MNIST) and Table 3 (Plant): (method, Avg Acc (mean, std), Wg Acc (mean, std)), in %.
_TABLE1 = [
    ("ERM", (15.1, 1.3), (10.5, 5.4)),
    ("RRR", (72.5, 1.7), (46.2, 1.1)),
    ("CDEP", (14.5, 1.8), (10.0, 0.7)),
    ("CoRM", (29.5, 0.3), (19.5, 1.4)),
    ("PGD-Ex", (67.6, 1.6), (51.4, 0.3)),
    ("IBP-Ex", (68.1, 2.2), (47.6, 2.0)),
    ("IBP-Ex+RRR", (96.9, 0.2), (95.0, 0.6)),
]
_TABLE3 = [
    ("ERM", (71.3, 2.5), (54.8, 1.3)),
    ("RRR", (72.4, 1.3), (68.2, 1.4)),
    ("CDEP", (67.9, 10.3), (54.2, 24.7)),
    ("CoRM", (76.3, 0.3), (64.5, 0.3)),
    ("PGD-Ex", (79.8, 0.3), (78.5, 0.3)),
    ("IBP-Ex", (76.6, 3.5), (73.8, 1.7)),
    ("IBP-Ex+RRR", (81.7, 0.2), (80.1, 0.3)),
]

# Table 2 (ISIC, means) and Table 5 (its appendix copy with std), in %: NPNC, PNC, C, Avg, Wg.
_ISIC_COLUMNS = ["acc_npnc", "acc_pnc", "acc_c", "avg_acc", "wg_acc"]
_TABLE2 = [
    ("ERM", 55.9, 96.5, 79.6, 77.3, 55.9),
    ("RRR", 67.1, 99.0, 63.2, 76.4, 60.2),
    ("CDEP", 72.1, 98.9, 62.2, 73.4, 60.9),
    ("CoRM", 62.3, 97.8, 71.0, 77.1, 55.2),
    ("PGD-Ex", 65.4, 99.0, 71.7, 78.7, 64.4),
    ("IBP-Ex", 68.4, 98.5, 67.7, 75.1, 64.2),
    ("IBP-Ex+RRR", 66.6, 99.6, 68.9, 78.4, 65.2),
]
_TABLE5 = [
    ("ERM", (55.9, 2.3), (96.5, 2.4), (79.6, 6.6), (77.3, 2.4), (55.9, 2.3)),
    ("RRR", (67.1, 4.8), (99.0, 1.0), (63.2, 11.3), (76.4, 2.4), (60.2, 7.4)),
    ("CDEP", (72.1, 5.4), (98.9, 0.7), (62.2, 4.7), (73.4, 1.0), (60.9, 3.0)),
    ("CoRM", (62.3, 11.7), (97.8, 0.8), (71.0, 16.7), (77.1, 2.1), (55.2, 6.6)),
    ("PGD-Ex", (65.4, 5.4), (99.0, 0.3), (71.7, 6.7), (78.7, 0.5), (64.4, 4.3)),
    ("IBP-Ex", (68.4, 3.4), (98.5, 1.0), (67.7, 4.8), (75.1, 1.2), (64.2, 1.2)),
    ("IBP-Ex+RRR", (66.6, 3.1), (99.6, 0.2), (68.9, 4.7), (78.4, 0.5), (65.2, 1.8)),
]

# Table 6 (ISIC, PNC group): (method, PNC (mean, std), PNC with the patch removed (mean, std)), in %.
_TABLE6 = [
    ("PGD-Ex", (99.0, 0.3), (62.2, 17.0)),
    ("IBP-Ex", (98.5, 1.0), (81.6, 16.5)),
    ("IBP-Ex+RRR", (99.6, 0.2), (82.5, 9.5)),
]

# Sec 5.2 text: gradient statistics of the best models on decoy-MNIST's training split.
_S1_S2 = [("RRR", 2.3e-3, 0.26), ("IBP-Ex", 6.7, 0.05)]


def _rows() -> list[dict]:
    rows = []
    for table, ds, data, caption in [("Table 1", "decoy_mnist", _TABLE1, "caption: 'aggregated from three runs'"),
                                     ("Table 3", "plant", _TABLE3, _SEEDS)]:
        for name, *cells in data:
            for metric, (v, s) in zip(["avg_acc", "wg_acc"], cells):
                rows.append(dict(table=table, dataset=ds, method=METHOD_NAMES[name], metric=metric,
                                 value=pct(v), std=pct(s), source=table, note=f"{caption}; {_PLUS}"))
    for name, *vals in _TABLE2:
        for metric, v in zip(_ISIC_COLUMNS, vals):
            rows.append(dict(table="Table 2", dataset="isic", method=METHOD_NAMES[name], metric=metric,
                             value=pct(v), source="Table 2", note=f"{_SEEDS}; std in Table 5"))
    for name, *cells in _TABLE5:
        for metric, (v, s) in zip(_ISIC_COLUMNS, cells):
            note = f"{_SEEDS}; caption calls the group columns 'average precision scores'"
            rows.append(dict(table="Table 5", dataset="isic", method=METHOD_NAMES[name], metric=metric,
                             value=pct(v), std=pct(s), source="Table 5 (Appendix)", note=note))
    for name, *cells in _TABLE6:
        for test_set, (v, s) in zip(["test", "test_patch_removed"], cells):
            rows.append(dict(table="Table 6", dataset="isic", test_set=test_set, method=METHOD_NAMES[name],
                             metric="acc_pnc", value=pct(v), std=pct(s), source="Table 6 (Appendix E)",
                             note=f"{_SEEDS}; caption mentions 'regval loss' but values are PNC accuracies"))
    for name, s1, s2 in _S1_S2:
        for metric, v in [("s1", s1), ("s2", s2)]:
            rows.append(dict(table="Sec 5.2 text", dataset="decoy_mnist", test_set="train",
                             method=METHOD_NAMES[name], metric=metric, value=v, source="Sec 5.2",
                             note="best model; formula garbled in extraction, values clear"))
    return rows


NUMBERS = frame(PAPER, _rows())
"""One row per published number; see the module docstring for conventions."""

FACTS = {
    "n_seeds": Fact(3, "seeds", "Sec 5.1.3; table captions"),
    "isic_split": Fact((0.75, 0.1, 0.15), "train, validation, test fractions", "Sec 5.1.3"),
    "plant_split": Fact((0.65, 0.1, 0.25), "train, validation, test fractions", "Sec 5.1.3"),
    "lambda_grid_rrr_cdep": Fact((1, 10, 100, 1000), "lambda", "Sec 5.1.3"),
    "weight_decay_grid_rrr": Fact((1e-4, 1e-2, 1, 10), "beta (weight decay)", "Sec 5.1.3"),
    "corm_sigma_grid": Fact((0.03, 0.3, 1, 1.5, 2), "Gaussian noise std", "Sec 5.1.3"),
    "pgd_ex_iterations": Fact(7, "PGD steps", "Sec 5.1.3", "no gain seen beyond 7 (Appendix E)"),
    "pgd_ex_epsilon_range": Fact((0.03, 5), "l_inf radius (min, max)", "Sec 5.1.3",
                                 "best epsilon picked in this range"),
    "ibp_ex_alpha_schedule": Fact((1.0, 0.5), "alpha (start, end)", "Sec 5.1.3",
                                  "linearly dampened, after Gowal et al."),
    "ibp_ex_epsilon_start": Fact(0, "radius", "Sec 5.1.3", "linearly increased to epsilon_max"),
    "ibp_ex_epsilon_max_range": Fact((0.01, 2), "radius (min, max)", "Sec 5.1.3",
                                     "usually the largest value that converges"),
    "ibp_ex_rrr_lambda": Fact(1, "lambda", "Sec 5.1.3", "all experiments"),
    "appendix_e_pgd_epsilons": Fact((0.03, 0.3, 1, 3, 5), "l_inf radius", "Appendix E", "ISIC and Plant, Figure 4"),
    "appendix_e_pgd_iterations": Fact((7, 25), "PGD steps", "Appendix E",
                                      "25 steps gave unstable worst-group accuracy on ISIC"),
    "fig1_weight_decay": Fact((1e-4, 1), "weight regularisation", "Sec 4, Figure 1 (b), (c)",
                              "RRR on the 2-D demo; 3-layer feed-forward network"),
    "fig3_smoothgrad_threshold": Fact(0.6, "normalised importance", "Figure 3 caption"),
    "decoy_mnist_hidden": Fact(512, "units", "Appendix D", "three fully connected layers"),
    "decoy_mnist_groups": Fact(10, "groups", "Sec 5.1.2"),
    "plant_groups": Fact(2, "groups", "Sec 5.1.2"),
    "isic_groups": Fact(3, "groups", "Sec 5.1.2"),
    "mnist_images": Fact(70000, "images", "Appendix D", "28 x 28"),
    "isic_cancerous": Fact(2282, "images", "Appendix D", "299 x 299"),
    "isic_non_cancerous": Fact(19372, "images", "Appendix D", "half carry a patch"),
    "plant_unhealthy": Fact(1906, "images", "Sec 5.4", "213 x 213"),
    "plant_healthy": Fact(504, "images", "Sec 5.4"),
    "ibp_ex_rrr_speedup_over_pgd_ex": Fact(1.4, "times faster", "Sec 5.5 (Table 4 not extracted)"),
    "patch_removal_drop_ibp_ex": Fact(0.17, "accuracy drop (fraction)", "Appendix E", "'about 17%'; Table 6"),
    "patch_removal_drop_pgd_ex": Fact(0.37, "accuracy drop (fraction)", "Appendix E", "'about 37%'; Table 6"),
    "plant_wg_gain_over_next_best": Fact((0.05, 0.12), "accuracy points (fraction)", "Sec 5.4",
                                         "PGD-Ex, IBP-Ex, IBP-Ex+RRR vs the next best baseline"),
    "plant_wg_gain_over_erm": Fact((0.19, 0.26), "accuracy points (fraction)", "Sec 5.4"),
    "wg_gain_robust_over_interpretation": Fact((0.03, 0.10), "accuracy points (fraction)", "Sec 5.5",
                                               "ISIC and Plant"),
}
"""Stated scalars (hyper-parameter grids, dataset sizes, stated gains) with their source."""

FACTS_FRAME = facts_frame(PAPER, FACTS)
