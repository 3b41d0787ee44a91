"""The difficulty knobs of the shape generators: the rule, the masks, the transfer sets and the spurious
squares hold under every knob; the defaults are the as-described data; the calibration trains No expl only."""
import numpy as np
import pandas as pd
import pytest
import torch

from mlxbook.data import fox_cat_task, triangle_task
from mlxbook.data.difficulty import Difficulty
from mlxbook.errors import ConfigError
from mlxbook.experiments.two_stage import calibration
from mlxbook.experiments.two_stage.settings import Budget, spec, table5_specs

HARD = {"scale": 0.6, "skew": 1.0, "outline": 0.5, "brightness": (0.45, 1.0), "background": (0.0, 0.25),
        "blur": 1.0, "noise": 0.3, "distractors": 4}
EXACT = {k: v for k, v in HARD.items() if k not in ("background", "blur", "noise")}  # pixels stay figure or 0
TASKS = {"triangle": triangle_task, "fox_cat": fox_cat_task}


def _rows(data):
    """Per example: lit pixels in the first and in the last row of its mask."""
    x, m = data.x[:, 0].numpy(), data.mask[:, 0].numpy() > 0
    rows = np.where(m.any(axis=2))
    first = np.array([((x[i] > 0) & m[i])[rows[1][rows[0] == i].min()].sum() for i in range(len(x))])
    last = np.array([((x[i] > 0) & m[i])[rows[1][rows[0] == i].max()].sum() for i in range(len(x))])
    return first, last


@pytest.mark.parametrize("knobs", [None, EXACT, {"skew": 1.0}, {"outline": 1.0}, {"scale": 0.4, "distractors": 8}])
def test_triangle_rule_holds_in_the_mask_under_every_exact_knob(knobs):
    t = triangle_task(80, n_test=40, seed=2, size=32, difficulty=knobs)
    for data in (t.train, t.tests["test"], t.tests["pentagon"]):
        first, last = _rows(data)
        assert np.array_equal(first < last, data.y.numpy() == 1)  # up: apex (1 px) above a wider base
        assert np.array_equal(first > last, data.y.numpy() == 0)


@pytest.mark.parametrize("knobs", [None, EXACT, {"outline": 1.0}, {"scale": 0.4}])
def test_fox_has_a_one_pixel_apex_and_a_cat_an_arc_in_the_mask(knobs):
    t = fox_cat_task(80, n_test=40, seed=2, size=32, difficulty=knobs)
    for data in (t.train, t.tests["test"], t.tests["triangle_vs_circle"]):
        first, _ = _rows(data)
        assert np.array_equal(first == 1, data.y.numpy() == 1)


@pytest.mark.parametrize("name", TASKS)
def test_render_knobs_change_no_label_mask_or_transfer_label(name):
    plain, hard = (TASKS[name](60, n_test=30, seed=4, size=32, difficulty=d, spurious=True) for d in (None, HARD))
    again = TASKS[name](60, n_test=30, seed=4, size=32, difficulty=HARD, spurious=True)
    for a, b, c in zip([plain.train, *plain.tests.values()], [hard.train, *hard.tests.values()],
                       [again.train, *again.tests.values()]):
        assert torch.equal(b.x, c.x)  # deterministic
        assert torch.equal(a.y, b.y) and b.x.min() >= 0 and b.x.max() <= 1 and b.x.dtype == torch.float32
    render = {k: v for k, v in HARD.items() if k in ("background", "blur", "noise", "outline", "distractors")}
    shaped = TASKS[name](60, n_test=30, seed=4, size=32, difficulty=render)
    assert all(torch.equal(a.mask, b.mask) for a, b in zip([plain.train, *plain.tests.values()],
                                                            [shaped.train, *shaped.tests.values()]))


@pytest.mark.parametrize("name", TASKS)
def test_distractors_never_touch_a_mask_and_squares_never_cover_one(name):
    kwargs = {"spurious_placement": "figure"} if name == "triangle" else {}
    clean = TASKS[name](60, n_test=30, seed=5, size=32, spurious=True, **kwargs)
    busy = TASKS[name](60, n_test=30, seed=5, size=32, spurious=True, difficulty={"distractors": 8}, **kwargs)
    inside = busy.train.mask > 0
    assert torch.equal(busy.train.x[inside], clean.train.x[inside])
    assert not torch.equal(busy.train.x, clean.train.x)  # distractors were drawn
    square = busy.train.x == 1.0
    assert not (square & inside & (clean.train.x < 1.0)).any()
    margin = round(32 * 3 / 32) + 1
    added = (busy.train.x != clean.train.x)[..., :margin].any() or (busy.train.x != clean.train.x)[..., -margin:].any()
    assert not added  # distractors keep off the squares' columns


def test_noise_has_its_standard_deviation_and_the_pentagon_sits_in_its_triangle():
    clean = triangle_task(40, n_test=200, seed=1, size=32, difficulty={"background": (0.4, 0.4)})
    noisy = triangle_task(40, n_test=200, seed=1, size=32, difficulty={"background": (0.4, 0.4), "noise": 0.1})
    diff = noisy.tests["test"].x - clean.tests["test"].x
    assert abs(diff.std().item() - 0.1) < 0.01 and abs(diff.mean().item()) < 0.005
    t = triangle_task(40, n_test=50, seed=1, size=32, difficulty={"skew": 1.0, "scale": 0.7})
    pent, test = t.tests["pentagon"], t.tests["test"]
    assert ((pent.x > 0) <= (test.x > 0)).all() and ((pent.mask > 0) <= (test.mask > 0)).all()
    assert torch.equal(pent.mask, test.mask)  # the slice contains the whole mask


def test_defaults_are_the_as_described_data_and_meta_says_so():
    a, b = triangle_task(20, n_test=10, size=32), triangle_task(20, n_test=10, size=32, difficulty={})
    assert torch.equal(a.train.x, b.train.x) and a.meta["difficulty"].startswith("as described")
    hard = fox_cat_task(20, n_test=10, size=32, difficulty=HARD).meta
    assert "noise 0.3" in hard["difficulty"] and "outline" in hard["outline"] and "0 to 4" in hard["distractors"]


@pytest.mark.parametrize("bad, word", [({"noise": -0.1}, "difficulty.noise"), ({"wobble": 1}, "wobble"),
                                       ({"background": (0.0, 0.7)}, "difficulty.background"),
                                       ({"brightness": (0.9, 0.2)}, "difficulty.brightness"),
                                       ({"distractors": 1.5}, "difficulty.distractors")])
def test_bad_knobs_name_the_parameter(bad, word):
    with pytest.raises(ConfigError, match=word):
        Difficulty.of(bad)


def test_calibration_trains_no_expl_only_on_its_own_seeds_at_the_papers_sizes():
    b = Budget(seeds=(0, 1, 2), epochs=3, n_test=64, image_size=32)
    every = [s for scale in calibration.SCALE.values() for s in calibration.specs(b, **scale)]
    assert {s.method for s in every} == {"erm"} and {s.data["ratio"] for s in every} == {"1:1"}
    specs = calibration.specs(b, **calibration.SCALE["cpu"])
    assert {s.method for s in specs} == {"erm"} and {s.data["ratio"] for s in specs} == {"1:1"}
    assert all(s.method_kwargs == {"optimizer": "adam", "lr": 0.01} for s in specs)
    assert not set().union(*(s.seeds for s in specs)) & set(range(30))
    assert {(s.dataset, s.data["n_train"]) for s in specs} == {("triangle", 10), ("triangle", 50), ("triangle", 100),
                                                               ("fox_cat", 50), ("fox_cat", 100)}
    assert len(specs) == 8 * 5 and len(calibration.settings()) == 27


def test_choose_picks_the_least_distance_by_code():
    names = [n for n, _ in calibration.settings((0, 2))]
    t = calibration.paper_targets()
    t = t[t.dataset == "triangle"]
    rows = [r._asdict() | {"setting": n, "z": (i - 3) * 0.5 + 0.1 * r.n_train / 100}
            for i, n in enumerate(names) for r in t.itertuples(index=False)]
    chosen = calibration.choose(pd.DataFrame(rows))
    assert chosen == {"triangle": dict(calibration.settings((0, 2)))[names[3]]}


def test_a_spec_outside_the_grid_is_named():
    b = Budget(seeds=(0,), epochs=1, n_test=8, image_size=32)
    with pytest.raises(ConfigError, match="not a setting of the calibration grid"):
        calibration.label(spec("triangle", 10, "1:1", "erm", b, difficulty={"noise": 0.01}))


def test_the_calibrated_variant_is_the_same_grid_on_other_data():
    b = Budget(seeds=(0, 1), epochs=1, n_test=8, image_size=32)
    knobs = dict(calibration.settings((0, 2)))["shape 2, contrast 0, clutter 0"]
    plain, cal = table5_specs(b), table5_specs(b, difficulty={"triangle": knobs})
    assert len(plain) == len(cal) and table5_specs(b, difficulty={"triangle": {}}) == plain
    for p, c in zip(plain, cal):
        assert {k: v for k, v in c.data.items() if k != "difficulty"} == p.data
        assert c.data.get("difficulty") == (knobs if c.dataset == "triangle" else None)


def _finished_search():
    """A search table as :func:`calibration.search` returns it, with made-up accuracies: setting i is i/20 off."""
    t = calibration.paper_targets()
    rows = [r._asdict() | {"setting": n, "ours": r.paper + 0.05 * i - 0.1, "ours_std": 0.05, "collapsed": 0, "seeds": 3}
            for i, (n, _) in enumerate(calibration.settings((0, 2))) for r in t.itertuples(index=False)]
    table = pd.DataFrame(rows)
    return table.assign(z=(table.ours - table.paper) / table.paper_std)


def test_the_fit_sets_the_data_as_described_beside_the_chosen_setting():
    table = _finished_search()
    cal = calibration.Calibration(table=table, knobs=calibration.choose(table), scale=calibration.SCALE["cpu"])
    names = [n for n, _ in calibration.settings((0, 2))]
    assert cal.chosen() == {"fox_cat": names[2], "triangle": names[2]}  # 0.05 * 2 - 0.1 = 0: the paper exactly
    fit = cal.fit()
    assert set(fit.data) == {"as described", "calibrated"} and len(fit) == 2 * len(calibration.paper_targets())
    described = fit[fit.data == "as described"]
    assert np.allclose(described.ours - described.paper, -0.1) and np.allclose(fit[fit.data == "calibrated"].z, 0)
    d = cal.distances()
    assert list(d.columns) == ["setting", "Triangle", "Fox vs Cat"] and list(d.setting) == names
    assert d.Triangle.str.endswith("(chosen)").sum() == 1 and d.Triangle.iloc[2] == "0.00 (chosen)"


def test_the_calibration_figure_has_a_panel_per_dataset_and_refuses_an_empty_fit():
    import matplotlib.pyplot as plt

    from mlxbook.experiments.two_stage.figures import calibration_figure

    table = _finished_search()
    fit = calibration.Calibration(table=table, knobs=calibration.choose(table), scale={}).fit()
    fig = calibration_figure(fit)
    assert [ax.get_title() for ax in fig.axes] == ["Triangle", "Fox vs Cat"]
    plt.close(fig)
    with pytest.raises(ConfigError, match="no rows"):
        calibration_figure(fit.iloc[:0])


def test_a_profile_that_searches_no_size_of_a_dataset_is_refused(monkeypatch):
    b = Budget(seeds=(0,), epochs=1, n_test=8, image_size=32, sizes={"triangle": (10,), "fox_cat": (50,)})
    monkeypatch.setitem(calibration.SCALE, "smoke", {"levels": (0,), "max_size": 10, "seeds": 1})
    with pytest.raises(ConfigError, match="searches no training size of fox_cat"):
        calibration.calibrate(b, "smoke")


def test_the_fit_is_checked_on_the_reported_seeds():
    table = _finished_search()
    cal = calibration.Calibration(table=table, knobs=calibration.choose(table), scale={})
    scores = pd.DataFrame([{"dataset": "triangle", "n_train": 50, "ratio": r, "test_set": ts, "method": m,
                            "seed": s, "accuracy": 0.5 + 0.1 * s + (r != "1:1") + (m != "erm") + (ts != "test")}
                           for r in ("1:1", "1:9") for ts in ("test", "pentagon") for m in ("erm", "two_stage")
                           for s in range(3)])
    held = cal.held_out(scores)
    assert len(held) == 1 and held["reported seeds"].iloc[0] == pytest.approx(0.6)  # No expl, 1:1, clean test only
    assert held["reported seeds (n)"].iloc[0] == 3 and held["calibration seeds"].iloc[0] == pytest.approx(held.paper.iloc[0])
