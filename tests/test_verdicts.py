"""Claims judged by estimation: the verdict of an interval, collapse, and the registry's coverage."""
import math

import nbformat
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mlxbook import paper
from mlxbook.book import verdicts
from mlxbook.errors import ConfigError
from mlxbook.paper.claims import CLAIMS

CLAIM = "two_stage.balanced_vs_no_expl"
SETTING = {"dataset": "triangle", "n_train": 10, "ratio": "1:1", "test_set": "test"}


def _paper_effect():
    rows = paper.numbers("two_stage", table="Table 5", source="Table 5, black numbers", **SETTING).set_index("method")
    return rows.loc["two_stage", "value"] - rows.loc["erm", "value"]


def _z(n):
    """n values with sample mean 0 and sample sd 1 exactly."""
    z = np.arange(n, dtype=float) - (n - 1) / 2
    return z / z.std(ddof=1) if n > 1 else z


def _frame(ours, no_expl, sd=0.02, n=5, collapsed=()):
    rows = []
    for method, mu in (("two_stage", ours), ("erm", no_expl)):
        for s, z in enumerate(_z(n)):
            rows.append({**SETTING, "method": method, "seed": s, "accuracy": mu + sd * z,
                         "collapsed": method in collapsed})
    return pd.DataFrame(rows)


def test_the_paper_effect_comes_from_its_numbers():
    claim = CLAIMS[CLAIM]
    assert math.isclose(claim.paper_effect(pd.DataFrame([SETTING])), _paper_effect())
    assert claim.paper_effect(pd.DataFrame([{**SETTING, "n_train": 7}])) is None  # a setting the paper lacks


def test_an_effect_with_the_paper_inside_its_interval_is_reproduced():
    j = verdicts.judge(CLAIM, _frame(0.6 + _paper_effect(), 0.6))
    assert j.verdict == "reproduced" and j.lo < j.paper_effect < j.hi and j.seeds == "5" and j.collapsed == "none"
    # the interval is Welch's: two samples of sd 0.02, n 5 each
    half = (j.hi - j.lo) / 2
    df = (2 * 0.02**2 / 5) ** 2 / (2 * (0.02**2 / 5) ** 2 / 4)
    assert math.isclose(half, stats.t.ppf(0.975, df) * math.sqrt(2 * 0.02**2 / 5))


def test_other_size_says_stronger_or_weaker():
    strong = verdicts.judge(CLAIM, _frame(0.6 + 3 * _paper_effect(), 0.6))
    weak = verdicts.judge(CLAIM, _frame(0.6 + _paper_effect() / 4, 0.6, sd=0.005))
    assert (strong.verdict, strong.size) == ("other size", "stronger")
    assert (weak.verdict, weak.size) == ("other size", "weaker")


def test_no_effect_with_a_tight_interval_is_not_reproduced_and_a_reversed_one_is_contradicted():
    assert verdicts.judge(CLAIM, _frame(0.6, 0.6, sd=0.01)).verdict == "not reproduced"
    assert verdicts.judge(CLAIM, _frame(0.5, 0.7, sd=0.01)).verdict == "contradicted"


def test_a_claim_of_a_negative_effect_is_judged_on_its_own_side():
    # "Grad Reg rarely outperforms the baseline": the claimed effect (Grad Reg - No expl) is negative
    rows = paper.numbers("two_stage", table="Table 5", source="Table 5, black numbers", **SETTING).set_index("method")
    claimed = rows.loc["rrr", "value"] - rows.loc["erm", "value"]
    assert claimed < 0

    def judged(rrr, erm, sd):
        frame = _frame(rrr, erm, sd=sd).replace({"method": {"two_stage": "rrr"}})
        return verdicts.judge("two_stage.grad_reg_rarely_better", frame)

    assert judged(0.6 + claimed, 0.6, 0.001).verdict == "reproduced"
    assert judged(0.5, 0.6, 0.01).verdict == "other size" and judged(0.5, 0.6, 0.01).size == "stronger"
    assert judged(0.7, 0.6, 0.01).verdict == "contradicted"
    assert judged(0.6, 0.6, 0.2).verdict == "inconclusive"  # covers no effect and the paper's


def test_an_underpowered_effect_is_inconclusive_and_says_how_many_seeds_would_resolve_it():
    j = verdicts.judge(CLAIM, _frame(0.6 + _paper_effect() / 2, 0.6, sd=0.3, n=3))
    assert j.verdict == "inconclusive" and j.lo < 0 < j.paper_effect < j.hi
    need = int(j.note.split("about ")[1].split()[0])
    assert need > 3
    # with that many seeds (same spread) the interval no longer covers both
    more = verdicts.judge(CLAIM, _frame(0.6 + _paper_effect() / 2, 0.6, sd=0.3, n=need + 2))
    assert more.verdict != "inconclusive"


def test_collapsed_seeds_are_left_out_and_both_sides_collapsed_is_inconclusive():
    # No expl collapsed at chance on every seed: nothing to compare, never reproduced
    j = verdicts.judge(CLAIM, _frame(0.6 + _paper_effect(), 0.5, sd=0.0, collapsed=("erm",)))
    assert j.verdict == "inconclusive" and j.collapsed == "0/5 and 5/5" and "collapsed" in j.note
    both = verdicts.judge(CLAIM, _frame(0.5, 0.5, sd=0.0, collapsed=("erm", "two_stage")))
    assert both.verdict == "inconclusive" and both.estimate is None
    # one collapsed seed out of five is set aside; the rest decide
    frame = _frame(0.6 + _paper_effect(), 0.6)
    frame.loc[(frame.method == "erm") & (frame.seed == 0), ["accuracy", "collapsed"]] = [0.5, True]
    part = verdicts.judge(CLAIM, frame)
    assert part.collapsed == "0/5 and 1/5" and part.seeds == "4-5" and part.verdict in ("reproduced", "other size")


def test_a_one_seed_cell_gives_no_interval():
    j = verdicts.judge(CLAIM, _frame(0.9, 0.6, n=1))
    assert j.verdict == "inconclusive" and "two live seeds" in j.note


def test_no_results_and_settings_outside_the_claim():
    assert verdicts.judge(CLAIM, pd.DataFrame(), missing="needs CUB-200-2011 at data_root").verdict == "needs data"
    assert verdicts.judge(CLAIM, pd.DataFrame()).verdict == "not run"
    outside = _frame(0.9, 0.6).assign(n_train=7)
    assert verdicts.judge(CLAIM, outside).verdict == "not run"
    with pytest.raises(ConfigError, match="claim"):
        verdicts.judge("no.such.claim", _frame(0.9, 0.6))
    with pytest.raises(ConfigError, match="lack"):
        verdicts.judge(CLAIM, _frame(0.9, 0.6).drop(columns="ratio"))


def test_a_ratio_of_spreads_has_an_f_interval():
    rows = []
    for method, sd in (("two_stage", 0.01), ("erm", 0.05)):
        for s, z in enumerate(_z(6)):
            rows.append({**SETTING, "method": method, "seed": s, "accuracy": 0.7 + sd * z})
    j = verdicts.judge("two_stage.smaller_spread", pd.DataFrame(rows))
    assert math.isclose(j.estimate, 5.0) and j.lo < 5.0 < j.hi and j.lo > 1 and j.verdict in ("reproduced", "other size")


def test_one_class_marks_a_model_that_predicts_a_single_class():
    preds = {"test": np.array([[1, 1, 1, 1], [0, 1, 1, 1]])}
    flags = verdicts.one_class(preds, [3, 7])
    assert flags.collapsed.tolist() == [True, False] and flags.majority_share.tolist() == [1.0, 0.75]
    cell = {"predictions": preds, "spec": {"seeds": [3, 7]},
            "scores": pd.DataFrame({"seed": [3, 7], "test_set": ["test", "test"], "accuracy": [0.5, 0.75]})}
    assert verdicts.with_collapse(cell).set_index("seed").loc[3, "collapsed"]


def test_every_claim_is_judged_by_the_chapter_it_names(root):
    sources = {}
    for c in CLAIMS.values():
        path = root / "notebooks" / f"{c.chapter}.ipynb"
        assert path.exists(), f"{c.id}: no chapter {c.chapter}"
        if c.chapter not in sources:
            nb = nbformat.read(path, as_version=4)
            sources[c.chapter] = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "code")
        assert f'"{c.id}"' in sources[c.chapter], f"{c.id} is not judged in notebooks/{c.chapter}.ipynb"
    judged = [cid for src in sources.values() for cid in CLAIMS if f'"{cid}"' in src]
    assert len(judged) == len(set(judged)), "a claim is judged in two chapters"


def test_every_claim_quotes_its_paper_and_selects_published_numbers(root):
    texts = {"two_stage": "mlx-two-stage-paper.txt", "rrr": "rrr-right-for-the-right-reasons.txt",
             "ibp_ex": "robust-learning-from-explanations-ibp-ex.txt"}
    papers = root.parent / "shared" / "papers"
    for c in CLAIMS.values():
        assert c.quantity in ("difference", "ratio", "spread ratio") and c.direction in (1, -1)
        if c.rows:
            assert len(c.paper_rows()), f"{c.id}: its rows select no published number"
            assert c.paper_effect() is not None, f"{c.id}: the paper reports no setting with both sides"
        if papers.exists():
            text = " ".join((papers / texts[c.paper]).read_text().replace("*", "").split())
            for part in c.words.split(" ... "):
                assert " ".join(part.split()) in text, f"{c.id}: {part!r} is not the paper's words"
    assert {c.paper for c in CLAIMS.values() if c.headline} == {"two_stage", "rrr", "ibp_ex"}
