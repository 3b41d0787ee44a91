"""Published numbers of "Machine Learning from Explanations" (the two-stage method).

Transcribed by hand from the plain-text extraction (``mlx-two-stage-paper.txt``); every literal
below is laid out like the printed table, so it can be read against the paper line by line.
All values are fractions as printed (the paper already reports accuracies in [0, 1]).

Conventions. ``dataset`` is the *training* set; ``test_set`` is ``"test"`` (the clean, balanced
test set), ``"pentagon"`` (transfer set of the triangle task) or ``"triangle_vs_circle"`` (transfer
set of fox-vs-cat). ``ratio`` is positive:negative in training (``"1:9"``: positives are 10%).
``condition`` is ``"clean"`` or ``"spurious"`` (Appendix A.4 squares injected, Table 6).
Methods: No expl = ``erm``, Grad / Grad Reg = ``rrr``, Ours = ``two_stage``, Ours(sparse) =
``two_stage_sparse``, No Mapping Layer = ``two_stage_no_mapping``, Joint Opt = ``two_stage_joint``.

Ambiguities (also in the ``note`` column):

* Table 5's three lines per cell lost their colours in extraction. Line 1 is black (clean test;
  equals Table 4 and Table 3 at convergence), line 2 is red (transfer; equals Table 1's 1:1 rows),
  line 3 is therefore blue (balanced test, 1:9 training). Lines 1-2 are cross-checked, line 3 by
  elimination.
* Table 1 prints 0.561 for No expl, Triangle 10 1:1 on Pentagon; Table 5 (red) prints 0.562 for the
  same cell. Both are kept as printed.
* Table 6's two lines per size lost their colours; black (clean test) is taken as the first line
  and red (transfer set) as the second, as in Table 5. Nothing cross-checks this order.
* Table 3, Fox vs Cat 1000: the extraction has a stray "0.004 - 0.100" above the three lines (read
  as a duplicate OCR of "0.664 ± 0.160"); the three lines are kept.
* Table 3, Triangle 10: the extraction holds two readings of the 20-epoch line, "0.682 / 0.681 /
  0.557" and "0.082 / 0.081 / 0.537" (the second turns 6 into 0 elsewhere). The first, math-formatted
  reading is kept for all three (Joint Opt 0.557 ± 0.089, noted in its row).
* Table 3, Bird 60: the size reads "(0)" and an unreadable line ("0 504 1 0 050 ...") precedes the
  block; the three math-formatted lines are kept (their convergence line equals Table 5's Bird 60).
* The class ratio is not printed for Tables 2, 3, 4, 6. Tables 3 and 4 repeat Table 5's black
  (balanced) numbers, so they are recorded as ``"1:1"``; Tables 2 and 6 keep ``ratio=None``.
* Table 5's black numbers are recorded as ``"1:1"``: the caption calls the red numbers (same
  models) "trained with balanced datasets" and the blue ones the 1:9 setting.

Not transcribed: Figures 2-5 and 9 (curves only; the text states no number read from them); the
balancing coefficient of Grad Reg on Bird (Appendix B.2 says it was "computed", no value).
"""
from __future__ import annotations

from ._table import Fact, facts_frame, frame

PAPER = "two_stage"
_TRANSFER = {"fox_cat": "triangle_vs_circle", "triangle": "pentagon"}
_INFERRED_1_1 = "class ratio not printed; 1:1 inferred (values equal Table 5 black numbers)"

# Table 1: test on the transfer set of the training set. (train set, size, ratio, No expl, Grad, Ours, Ours(sparse))
_TABLE1 = [
    ("fox_cat", 50, "1:1", 0.587, 0.616, 0.772, None),
    ("fox_cat", 50, "1:9", 0.561, 0.549, 0.618, 0.580),
    ("fox_cat", 100, "1:1", 0.623, 0.606, 0.813, None),
    ("fox_cat", 100, "1:9", 0.573, 0.574, 0.657, 0.642),
    ("fox_cat", 500, "1:1", 0.764, 0.795, 0.890, None),
    ("fox_cat", 500, "1:9", 0.731, 0.707, 0.811, 0.790),
    ("fox_cat", 1000, "1:1", 0.846, 0.822, 0.916, None),
    ("fox_cat", 1000, "1:9", 0.834, 0.824, 0.825, 0.824),
    ("triangle", 10, "1:1", 0.561, 0.565, 0.710, None),
    ("triangle", 10, "1:9", 0.537, 0.555, 0.721, 0.555),
    ("triangle", 50, "1:1", 0.713, 0.596, 0.833, None),
    ("triangle", 50, "1:9", 0.573, 0.570, 0.799, 0.618),
    ("triangle", 100, "1:1", 0.673, 0.605, 0.855, None),
    ("triangle", 100, "1:9", 0.597, 0.550, 0.712, 0.621),
]

# Table 2: pairwise prediction agreement of 10 models. (train set, size, No expl, Grad Reg, Ours)
_TABLE2 = [
    ("fox_cat", 50, 0.560, 0.600, 0.927),
    ("fox_cat", 100, 0.589, 0.470, 0.924),
    ("fox_cat", 500, 0.782, 0.707, 0.944),
    ("triangle", 50, 0.711, 0.669, 0.949),
    ("bird", 60, 0.584, 0.753, 0.870),
]

# Table 3: ablations, (mean, std) at 20/40 epochs (Bird: 20/80) and convergence.
# (dataset, size, epoch, Ours, No Mapping Layer, Joint Opt)
_TABLE3 = [
    ("fox_cat", 50, 20, (0.704, 0.051), (0.567, 0.089), (0.632, 0.099)),
    ("fox_cat", 50, 40, (0.751, 0.029), (0.686, 0.076), (0.749, 0.051)),
    ("fox_cat", 50, "convergence", (0.750, 0.029), (0.721, 0.062), (0.749, 0.051)),
    ("fox_cat", 100, 20, (0.699, 0.095), (0.599, 0.101), (0.683, 0.105)),
    ("fox_cat", 100, 40, (0.799, 0.019), (0.691, 0.094), (0.783, 0.071)),
    ("fox_cat", 100, "convergence", (0.799, 0.019), (0.733, 0.078), (0.788, 0.072)),
    ("fox_cat", 500, 20, (0.801, 0.080), (0.780, 0.081), (0.605, 0.155)),
    ("fox_cat", 500, 40, (0.854, 0.030), (0.801, 0.067), (0.760, 0.159)),
    ("fox_cat", 500, "convergence", (0.874, 0.012), (0.803, 0.108), (0.796, 0.135)),
    ("fox_cat", 1000, 20, (0.738, 0.158), (0.698, 0.155), (0.664, 0.160)),
    ("fox_cat", 1000, 40, (0.860, 0.093), (0.797, 0.167), (0.756, 0.167)),
    ("fox_cat", 1000, "convergence", (0.903, 0.017), (0.909, 0.016), (0.834, 0.034)),
    ("triangle", 10, 20, (0.682, 0.110), (0.681, 0.121), (0.557, 0.089)),  # also read "0.537": see the docstring
    ("triangle", 10, 40, (0.732, 0.082), (0.703, 0.124), (0.627, 0.112)),
    ("triangle", 10, "convergence", (0.732, 0.082), (0.703, 0.124), (0.627, 0.112)),
    ("triangle", 50, 20, (0.766, 0.100), (0.552, 0.077), (0.753, 0.111)),
    ("triangle", 50, 40, (0.836, 0.026), (0.774, 0.088), (0.827, 0.060)),
    ("triangle", 50, "convergence", (0.839, 0.028), (0.796, 0.052), (0.848, 0.041)),
    ("triangle", 100, 20, (0.730, 0.115), (0.577, 0.106), (0.731, 0.113)),
    ("triangle", 100, 40, (0.843, 0.043), (0.778, 0.089), (0.843, 0.051)),
    ("triangle", 100, "convergence", (0.874, 0.018), (0.801, 0.076), (0.871, 0.044)),
    ("bird", 30, 20, (0.562, 0.088), (0.495, 0.053), (0.500, 0.007)),
    ("bird", 30, 80, (0.672, 0.101), (0.530, 0.091), (0.515, 0.024)),
    ("bird", 30, "convergence", (0.777, 0.044), (0.522, 0.038), (0.545, 0.057)),
    ("bird", 60, 20, (0.734, 0.058), (0.570, 0.087), (0.515, 0.039)),
    ("bird", 60, 80, (0.797, 0.085), (0.692, 0.069), (0.613, 0.089)),
    ("bird", 60, "convergence", (0.860, 0.079), (0.783, 0.022), (0.772, 0.039)),
]

# Table 4: clean test accuracy against training-set size. (dataset, size, No expl, Ours)
_TABLE4 = [
    ("fox_cat", 50, 0.594, 0.750),
    ("fox_cat", 100, 0.621, 0.799),
    ("fox_cat", 300, 0.707, 0.848),
    ("fox_cat", 500, 0.754, 0.874),
    ("fox_cat", 1000, 0.837, 0.903),
    ("fox_cat", 1500, 0.881, 0.920),
    ("triangle", 10, 0.595, 0.732),
    ("triangle", 50, 0.726, 0.839),
    ("triangle", 100, 0.687, 0.874),
    ("triangle", 200, 0.827, 0.900),
    ("triangle", 500, 0.863, 0.913),
]

# Table 5: final accuracy (mean, std over 30 models). (dataset, size, line, No expl, Grad Reg, Ours)
_TABLE5 = [
    ("fox_cat", 50, "black", (0.594, 0.119), (0.610, 0.110), (0.750, 0.029)),
    ("fox_cat", 50, "red", (0.587, 0.120), (0.616, 0.122), (0.772, 0.037)),
    ("fox_cat", 50, "blue", (0.552, 0.086), (0.548, 0.084), (0.607, 0.065)),
    ("fox_cat", 100, "black", (0.621, 0.119), (0.601, 0.123), (0.799, 0.019)),
    ("fox_cat", 100, "red", (0.623, 0.136), (0.606, 0.133), (0.813, 0.033)),
    ("fox_cat", 100, "blue", (0.559, 0.094), (0.568, 0.110), (0.635, 0.069)),
    ("fox_cat", 500, "black", (0.754, 0.150), (0.785, 0.127), (0.874, 0.012)),
    ("fox_cat", 500, "red", (0.764, 0.163), (0.795, 0.134), (0.890, 0.018)),
    ("fox_cat", 500, "blue", (0.725, 0.142), (0.698, 0.145), (0.806, 0.038)),
    ("fox_cat", 1000, "black", (0.837, 0.116), (0.815, 0.070), (0.903, 0.017)),
    ("fox_cat", 1000, "red", (0.846, 0.122), (0.822, 0.083), (0.916, 0.016)),
    ("fox_cat", 1000, "blue", (0.822, 0.081), (0.819, 0.034), (0.824, 0.034)),
    ("triangle", 10, "black", (0.595, 0.118), (0.576, 0.124), (0.732, 0.082)),
    ("triangle", 10, "red", (0.562, 0.092), (0.565, 0.114), (0.710, 0.104)),
    ("triangle", 10, "blue", (0.550, 0.093), (0.570, 0.120), (0.735, 0.101)),
    ("triangle", 50, "black", (0.726, 0.154), (0.649, 0.134), (0.839, 0.028)),
    ("triangle", 50, "red", (0.713, 0.158), (0.596, 0.122), (0.833, 0.040)),
    ("triangle", 50, "blue", (0.595, 0.137), (0.594, 0.124), (0.803, 0.070)),
    ("triangle", 100, "black", (0.687, 0.175), (0.643, 0.148), (0.874, 0.018)),
    ("triangle", 100, "red", (0.673, 0.176), (0.605, 0.137), (0.855, 0.034)),
    ("triangle", 100, "blue", (0.612, 0.142), (0.567, 0.129), (0.752, 0.101)),
    ("bird", 30, "black", (0.627, 0.128), (0.673, 0.121), (0.777, 0.044)),
    ("bird", 60, "black", (0.684, 0.186), (0.749, 0.177), (0.860, 0.079)),
]

# Table 6: trained on spurious training sets. (dataset, size, line, No expl, Grad Reg, Ours)
_TABLE6 = [
    ("fox_cat", 50, "black", 0.620, 0.573, 0.729),
    ("fox_cat", 50, "red", 0.620, 0.563, 0.729),
    ("fox_cat", 100, "black", 0.570, 0.601, 0.727),
    ("fox_cat", 100, "red", 0.601, 0.613, 0.751),
    ("fox_cat", 500, "black", 0.611, 0.561, 0.698),
    ("fox_cat", 500, "red", 0.612, 0.571, 0.708),
    ("fox_cat", 1000, "black", 0.601, 0.605, 0.728),
    ("fox_cat", 1000, "red", 0.558, 0.618, 0.693),
    ("triangle", 10, "black", 0.697, 0.677, 0.726),
    ("triangle", 10, "red", 0.698, 0.691, 0.711),
    ("triangle", 50, "black", 0.694, 0.600, 0.796),
    ("triangle", 50, "red", 0.671, 0.574, 0.776),
    ("triangle", 100, "black", 0.606, 0.575, 0.784),
    ("triangle", 100, "red", 0.603, 0.555, 0.780),
    ("bird", 60, "black", 0.698, 0.733, 0.878),
]

_T1_T5_MISMATCH = "Table 1 prints 0.561, Table 5 (red) prints 0.562 for this cell; kept as printed"


def _rows() -> list[dict]:
    rows = []
    for ds, n, ratio, erm, rrr, ours, sparse in _TABLE1:
        for method, v in [("erm", erm), ("rrr", rrr), ("two_stage", ours), ("two_stage_sparse", sparse)]:
            if v is None:  # printed "-": no sparse setting for balanced training
                continue
            note = _T1_T5_MISMATCH if (ds, n, ratio, method) == ("triangle", 10, "1:1", "erm") else ""
            rows.append(dict(table="Table 1", dataset=ds, condition="clean", n_train=n, ratio=ratio,
                             test_set=_TRANSFER[ds], method=method, metric="accuracy", value=v,
                             source="Table 1", note=note))
    for ds, n, *vals in _TABLE2:
        for method, v in zip(["erm", "rrr", "two_stage"], vals):
            rows.append(dict(table="Table 2", dataset=ds, condition="clean", n_train=n, method=method,
                             metric="agreement", value=v, source="Table 2",
                             note="class ratio not printed"))
    for ds, n, epoch, *cells in _TABLE3:
        for method, cell in zip(["two_stage", "two_stage_no_mapping", "two_stage_joint"], cells):
            v, s = cell
            note = _INFERRED_1_1
            if (ds, n) == ("fox_cat", 1000):
                note += "; stray '0.004 - 0.100' in the extraction above this block ignored"
            if (ds, n, epoch) == ("triangle", 10, 20):
                note += "; a second, worse reading of this line gives 0.082 / 0.081 / 0.537 (6 read as 0)"
            if (ds, n) == ("bird", 60):
                note += "; size printed '(0)', an unreadable duplicate line ignored"
            rows.append(dict(table="Table 3", dataset=ds, condition="clean", n_train=n, ratio="1:1",
                             method=method, metric="accuracy", epoch=epoch, value=v, std=s,
                             source=f"Table 3, {epoch}" + (" epochs" if epoch != "convergence" else ""),
                             note=note))
    for ds, n, erm, ours in _TABLE4:
        for method, v in [("erm", erm), ("two_stage", ours)]:
            rows.append(dict(table="Table 4", dataset=ds, condition="clean", n_train=n, ratio="1:1",
                             method=method, metric="accuracy", value=v, source="Table 4", note=_INFERRED_1_1))
    for ds, n, line, *cells in _TABLE5:
        ratio, test_set, note = {
            "black": ("1:1", "test", "ratio 1:1 inferred from the caption"),
            "red": ("1:1", _TRANSFER.get(ds), "red line identified by its match with Table 1"),
            "blue": ("1:9", "test", "blue line identified by elimination (colours lost in extraction)"),
        }[line]
        for method, (v, s) in zip(["erm", "rrr", "two_stage"], cells):
            cell_note = note
            if (ds, n, line, method) == ("triangle", 10, "red", "erm"):
                cell_note += "; " + _T1_T5_MISMATCH
            rows.append(dict(table="Table 5", dataset=ds, condition="clean", n_train=n, ratio=ratio,
                             test_set=test_set, method=method, metric="accuracy", value=v, std=s,
                             source=f"Table 5, {line} numbers", note=cell_note))
    for ds, n, line, *vals in _TABLE6:
        test_set = "test" if line == "black" else _TRANSFER[ds]
        for method, v in zip(["erm", "rrr", "two_stage"], vals):
            rows.append(dict(table="Table 6", dataset=ds, condition="spurious", n_train=n,
                             test_set=test_set, method=method, metric="accuracy", value=v,
                             source=f"Table 6, {line} numbers",
                             note="line order black-then-red assumed (colours lost); class ratio not printed"))
    return rows


NUMBERS = frame(PAPER, _rows())
"""One row per published number; see the module docstring for conventions."""

FACTS = {
    "n_models": Fact(30, "models", "Sec 3.1; Table 1 and Table 5 captions", "each trained with early stopping"),
    "n_models_agreement": Fact(10, "models", "Table 2 caption"),
    "minority_fraction": Fact(0.1, "fraction of the training set", "Sec 3.1; Fig 2 and 3 captions",
                              "positives are the minority; written 1:9 (Tables 1, 5) and 9:1 (Sec 3.1)"),
    "sparse_explanations_at_n50": Fact(5, "explained images", "Sec 3.1",
                                       "sparse setting: explanations on the minority class only"),
    "image_size": Fact(64, "pixels (square, grayscale)", "Appendix A.1, A.2", "synthetic datasets"),
    "synthetic_conv_layers": Fact(3, "layers", "Appendix B.1", "plus 1 FC layer"),
    "synthetic_fc_layers": Fact(1, "layers", "Appendix B.1"),
    "bird_conv_layers": Fact(2, "layers", "Appendix B.2", "plus 1 FC layer"),
    "bird_fc_layers": Fact(1, "layers", "Appendix B.2"),
    "synthetic_optimizer": Fact("Adam", "", "Appendix B.1"),
    "synthetic_lr_no_expl": Fact(0.01, "learning rate", "Appendix B.1", "also used for Grad Reg's joint loss"),
    "gradreg_lambda": Fact(0.001, "coefficient", "Appendix B.1", "synthetic datasets; Bird's is 'computed', not given"),
    "eta_grid": Fact((0.1, 0.01, 0.001), "learning rates", "Appendix B.1", "searched for both eta_1 and eta_2"),
    "synthetic_eta1": Fact(0.001, "learning rate", "Appendix B.1",
                           "stated for the balanced, non-spurious case; only eta_2 is said to change otherwise"),
    "synthetic_eta2_balanced": Fact(0.001, "learning rate", "Appendix B.1", "balanced classes, no spurious features"),
    "synthetic_eta2_imbalanced_or_spurious": Fact(0.01, "learning rate", "Appendix B.1"),
    "bird_optimizer": Fact("SGD", "", "Appendix B.2"),
    "bird_lr_no_expl": Fact(0.01, "learning rate", "Appendix B.2"),
    "bird_eta1": Fact(0.001, "learning rate", "Appendix B.2", "across all settings"),
    "bird_eta2_balanced": Fact(0.001, "learning rate", "Appendix B.2"),
    "bird_eta2_imbalanced_or_spurious": Fact(0.01, "learning rate", "Appendix B.2"),
    "ablation_epochs_synthetic": Fact((20, 40), "epochs", "Table 3 caption", "plus convergence"),
    "ablation_epochs_bird": Fact((20, 80), "epochs", "Table 3 caption", "plus convergence"),
    "label_cost_cents": Fact(1.2, "US cents per image", "Appendix D", "Amazon Turk labelling price"),
    "explanation_cost_cents": Fact(3.6, "US cents per image", "Appendix D",
                                   "bounding-box price, taken as the explanation cost"),
    "explanation_to_label_cost": Fact(3, "ratio", "Appendix D", "'three times the cost of labels'"),
    "sample_size_reduction": Fact((3, 10), "fold", "Appendix D",
                                  "at least 3x; up to 10x when the sample size is very small"),
}
"""Stated scalars (hyper-parameters, costs) with their source."""

FACTS_FRAME = facts_frame(PAPER, FACTS)
