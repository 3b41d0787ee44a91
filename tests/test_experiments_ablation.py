"""The two-stage chapter's logic (mlxbook.experiments.two_stage.ablation): Table 3 checkpoints, Table 4 specs, App. D costs."""
import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from test_data_cub import make_cub

from mlxbook import paper
from mlxbook.book import chapter
from mlxbook.experiments.two_stage import ablation, baselines
from mlxbook.experiments.two_stage.settings import NEEDS_CUB, Budget, spec, table5_specs
from mlxbook.train.grid import GridResult, run_grid


def _plan(sizes, bird=False, root=None, epochs=2, image=32):
    budget = Budget(seeds=(0,), epochs=epochs, n_test=8, image_size=image, sizes=sizes)
    return ablation.Plan(budget, sizes, budget, sizes, root, bird)


def test_size_needed_interpolates_a_monotone_curve():
    sizes, acc = [10, 100, 1000], [0.6, 0.55, 0.8]  # the dip at 100 is ironed out by the running maximum
    assert ablation.size_needed(sizes, acc, 0.5) == 10
    assert ablation.size_needed(sizes, acc, 0.8) == pytest.approx(1000)
    assert ablation.size_needed(sizes, acc, 0.7) == pytest.approx(10 ** 2.5)  # log-linear between 100 (0.6 after the max) and 1000
    assert math.isnan(ablation.size_needed(sizes, acc, 0.81))
    assert ablation.size_needed(sizes, acc, 0.6) == 10


def test_size_reduction_of_the_paper_matches_appendix_d():
    red = ablation.size_reduction(ablation.paper_table4())
    lo, hi = paper.fact("two_stage", "sample_size_reduction")
    # "up to 10x if the sample size is very small": the smallest Triangle set
    smallest = red[(red.dataset == "triangle") & (red.n_train == 10)].reduction.iloc[0]
    assert hi - 1 < smallest < hi + 1
    assert (red.reduction.dropna() > lo - 0.5).all()  # roughly "at least 3x" where No expl catches up at all
    assert red[red.reduction.isna()]["at least"].notna().all()


def test_cost_frame_prices_labels_and_explanations():
    acc = pd.DataFrame({"dataset": ["triangle"] * 2, "method": ["erm", "two_stage"], "n_train": [100, 100],
                        "accuracy": [0.7, 0.8]})
    c = ablation.costs_cents()
    out = ablation.cost_frame(acc).set_index("method").cost_usd
    assert out["erm"] == pytest.approx(100 * c["label"] / 100)
    assert out["two_stage"] / out["erm"] == pytest.approx(1 + paper.fact("two_stage", "explanation_to_label_cost"))


def _fake_cell(seed_last_epochs, values, full_epochs=(20, 40, 80)):
    """A stored cell whose curves (a test subset) read -1 everywhere, and whose whole-test-set checkpoints,
    at ``full_epochs`` reached and at each seed's last epoch, read ``values(seed, epoch)``."""
    curves = pd.DataFrame([{"seed": s, "epoch": e, "train_loss": 0.1, "acc/test": -1.0}
                           for s, last in seed_last_epochs.items() for e in range(1, last + 1)])
    checkpoints = pd.DataFrame([{"seed": s, "epoch": e, "acc/test": values(s, e)}
                                for s, last in seed_last_epochs.items()
                                for e in sorted({e for e in full_epochs if e < last} | {last})])
    scores = pd.DataFrame([{"seed": s, "test_set": "test", "accuracy": values(s, last)}
                           for s, last in seed_last_epochs.items()])
    seeds = list(seed_last_epochs)
    predictions = {"test": np.array([[0, 1] * 4 for _ in seeds])}
    return {"scores": scores, "curves": curves, "checkpoints": checkpoints, "predictions": predictions,
            "spec": {"seeds": seeds}}


def test_checkpoints_use_the_final_model_of_a_seed_that_stopped_early():
    budget = Budget(seeds=(0, 1), epochs=30, n_test=8, image_size=32)
    s = spec("triangle", 50, "1:1", "two_stage", budget)
    cell = _fake_cell({0: 30, 1: 12}, lambda seed, e: e / 100 + seed)
    out = ablation.at_checkpoints(GridResult(None, None, [cell], [True]), [s])
    got = {(r.seed, r.epoch): r.accuracy for r in out.itertuples()}
    assert got[(0, 20)] == pytest.approx(0.20) and got[(1, 20)] == pytest.approx(1.12)  # seed 1 stopped at 12
    assert got[(0, "convergence")] == pytest.approx(0.30)
    assert not any(e == 40 for _, e in got)  # 40 > 30 epochs run: left out
    assert min(got.values()) >= 0  # read from the whole test sets, never from the curves' subset


def test_table3_says_why_rows_are_missing():
    p = _plan({"triangle": (50,)}, epochs=30)
    per_seed = pd.DataFrame([{"dataset": "triangle", "n_train": 50, "ratio": "1:1", "method": m, "seed": 0,
                              "epoch": e, "accuracy": v}
                             for (m, e), v in paper.numbers("two_stage", table="Table 3", dataset="triangle", n_train=50)
                             .set_index(["method", "epoch"]).value.items() if e != 40])
    t = ablation.table3(per_seed, p, "cpu")
    ran = t[t.seeds > 0]
    assert len(ran) == 6 and (ran.context == "one seed").all() and (ran.collapsed == 0).all()
    assert t[(t.dataset == "bird")].why.eq(NEEDS_CUB).all()
    assert t[(t.dataset == "triangle") & (t.n_train == 50) & (t.epoch == 40)].why.str.contains("30 epochs").all()
    assert t[(t.dataset == "fox_cat")].why.str.contains("not in the cpu subset").all()
    calibrated = ablation.table3(per_seed, p, "cpu", datasets=("triangle", "fox_cat"))  # the variant has no Bird
    assert set(calibrated.dataset) == {"triangle", "fox_cat"} and len(calibrated) == (t.dataset != "bird").sum()


def test_plan_declares_every_scale_down():
    ch = chapter.start("t", profile="cpu", show=False)
    p = ablation.plan(ch)
    assert p.ablation.epochs == 30 and p.ablation.seeds == (0, 1, 2)
    shared = baselines.budget(chapter.start("t", profile="cpu", show=False))
    assert dataclasses.replace(p.table4, sizes={}) == dataclasses.replace(shared, sizes={})  # Table 5's budget
    assert all(set(p.table4_sizes[d]) <= set(shared.sizes[d]) for d in p.table4_sizes)
    for key in ["seeds", "epochs", "n_test", "image side (px)", "Table 3 settings", "Table 4 sizes"]:
        assert key in ch.scaled
    assert not p.bird
    # Table 4's cells are Table 5's: the same RunSpecs as the baselines grid at 1:1
    grid = table5_specs(p.table4, datasets=tuple(p.table4_sizes), ratios=("1:1",))
    assert all(s in grid for s in ablation.table4_specs(p)) and ablation.table4_specs(p)
    paper_ch = chapter.start("t", profile="paper", show=False)
    assert not {k for k in paper_ch.scaled} and ablation.plan(paper_ch).ablation_sizes == ablation.paper_sizes("Table 3")


def test_alg1_stages_move_the_parts_the_paper_says():
    moves = ablation.stage_moves(n=16, image_size=32).set_index("step")
    stage1, stage2, nomap, joint = moves.index
    assert (moves.loc[stage1] > 0.5).all()  # CE reaches f, m and c
    assert moves.loc[stage2, "share of f moved"] == 0 and moves.loc[stage2, "share of c moved"] == 0
    assert moves.loc[stage2, "share of m moved"] > 0.5
    assert moves.loc[nomap, "share of f moved"] > 0.5 and np.isnan(moves.loc[nomap, "share of m moved"])
    assert (moves.loc[joint] > 0.5).all()


def test_tiny_ablation_run(tmp_path):
    p = _plan({"triangle": (10,)})
    specs = ablation.ablation_specs(p)
    assert [s.model_kwargs["mapping"] for s in specs] == [True, False, True]
    r = run_grid(specs, location=tmp_path)
    out = ablation.at_checkpoints(r, specs)
    assert set(out.epoch) == {"convergence"} and len(out) == 3 and out.accuracy.between(0, 1).all()


def test_bird_ablation_on_the_cub_fixture(tmp_path):
    make_cub(tmp_path)
    p = _plan({"bird": (8,)}, bird=True, root=str(tmp_path), epochs=1, image=16)
    specs = ablation.ablation_specs(p)
    assert len(specs) == 3 and all(s.method_kwargs["optimizer"] == "sgd" for s in specs)
    out = ablation.at_checkpoints(run_grid(specs, location=tmp_path / "cache"), specs)
    assert len(out) == 3 and set(out.dataset) == {"bird"}
    assert not ablation.ablation_specs(_plan({"bird": (8,)}, bird=False))  # no CUB: no Bird runs
