"""The IBP-Ex chapter's logic (mlxbook.experiments.ibp_ex): grids from the paper, selection, statistics, tables."""
import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
import torch
from test_data_isic_plant import ISIC_SIZE, PLANT_SIZE, isic_root, plant_root  # noqa: F401  (fixtures)
from torch import nn

from mlxbook import paper
from mlxbook.book import chapter, sweeps
from mlxbook.experiments.ibp_ex import (
    grids,
    probes,
    selection,
    sensitivity,
    specs,
    tables,
    training,
)

TINY = specs.Budget(seeds=(0,), epochs=1, grid=1, n_train=40, n_val=20, n_test=30, image_size=ISIC_SIZE, max_per_group=None)


# ---------------------------------------------------------------- grids


def test_grids_are_the_papers():
    g = grids.paper_grids()
    assert g["rrr"]["lam"] == tuple(paper.fact("ibp_ex", "lambda_grid_rrr_cdep")) == g["cdep"]["lam"]
    assert g["rrr"]["weight_decay"] == tuple(paper.fact("ibp_ex", "weight_decay_grid_rrr"))
    assert g["corm"]["sigma"] == tuple(paper.fact("ibp_ex", "corm_sigma_grid"))
    lo, hi = paper.fact("ibp_ex", "pgd_ex_epsilon_range")
    assert all(lo <= e <= hi for e in g["pgd_ex"]["eps"]) and len(g["pgd_ex"]["eps"]) == 5
    lo, hi = paper.fact("ibp_ex", "ibp_ex_epsilon_max_range")
    eps = g["ibp_ex"]["eps_max"]
    assert eps[0] == lo and eps[-1] == hi and list(eps) == sorted(set(eps)) and eps == g["ibp_ex_rrr"]["eps_max"]
    assert g["erm"] == {}


def test_subgrid_keeps_preferred_values_sorted():
    assert grids.subgrid((1, 10, 100, 1000), 2, (100, 1000, 10)) == (100, 1000)
    assert grids.subgrid((1, 10, 100, 1000), 3, (1000,)) == (1, 10, 1000)  # then grid order
    assert grids.subgrid((3, 1, 2), 9) == (1, 2, 3)
    with pytest.raises(ValueError):
        grids.subgrid((1, 2), 0)


def test_capped_grids_are_subsets_of_the_papers():
    full, capped = grids.paper_grids(), grids.capped_grids(2)
    for method, axes in full.items():
        for axis, values in axes.items():
            assert len(capped[method][axis]) == min(2, len(values)) and set(capped[method][axis]) <= set(values)
    assert len(grids.expand(capped)) == 1 + 4 + 2 + 2 + 2 + 2 + 2
    assert len(grids.expand(full)) == 1 + 16 + 4 + 5 + 5 + 6 + 6


def test_method_kwargs_convert_units_and_round_trip():
    base = {"optimizer": "adam", "lr": 1e-3, "weight_decay": 1e-4}
    kw = grids.method_kwargs("pgd_ex", {"eps": 1}, base)
    assert kw["eps"] == pytest.approx(grids.INPUT_STD) and kw["lr"] == 1e-3
    rrr = grids.method_kwargs("rrr", {"lam": 100, "weight_decay": 1e-2}, base)
    assert rrr == {**base, "lam": pytest.approx(100.0 * grids.INPUT_STD), "weight_decay": 1e-2, "gradient": "logits_norm"}
    ibp_rrr = grids.method_kwargs("ibp_ex_rrr", {"eps_max": 2}, base)
    assert ibp_rrr["lam"] == pytest.approx(paper.fact("ibp_ex", "ibp_ex_rrr_lambda") * grids.INPUT_STD)
    for method, hyper in grids.expand(grids.paper_grids()):
        spec = specs.decoy_spec(method, hyper, TINY)
        assert selection.hyper_of({"spec": {"method": method, "method_kwargs": spec.method_kwargs}}) == pytest.approx(hyper)


def test_budget_declares_what_it_scales():
    ch = chapter.start("t", profile="smoke", show=False)
    b = specs.budget(ch)
    assert b.seeds == (0, 1) and b.epochs == 2 and b.grid == 1 and b.n_train == 120 and b.n_test == 64
    assert {"n_train", "epochs", "grid", "seeds", "n_test"} <= set(ch.scaled)
    assert b.pgd_iterations == tuple(paper.fact("ibp_ex", "appendix_e_pgd_iterations"))
    cpu = chapter.start("t", profile="cpu", show=False)
    b = specs.budget(cpu)
    cells = specs.pgd_sensitivity_specs(b)
    radii = sorted(specs.used_grids(b)["pgd_ex"]["eps"])
    steps = {(c.method_kwargs.get("iters", 7), c.method_kwargs["eps"]) for c in cells}
    assert b.pgd_radii == 1 and len(radii) == 2 and any("App. E radii" in k for k in cpu.scaled)
    assert steps == {(7, radii[0] * grids.INPUT_STD), (7, radii[1] * grids.INPUT_STD), (25, radii[1] * grids.INPUT_STD)}
    assert len(specs.pgd_sensitivity_specs(dataclasses.replace(b, pgd_radii=None))) == 4


# ---------------------------------------------------------------- statistics on known models


def _linear(w: torch.Tensor) -> nn.Module:
    net = nn.Sequential(nn.Flatten(), nn.Linear(w.numel(), 2, bias=False))
    with torch.no_grad():
        net[1].weight.copy_(torch.stack([w.flatten(), torch.zeros_like(w.flatten())]))
    return net


def test_gradient_stats_of_a_linear_model():
    w = torch.tensor([[3.0, 0.0], [0.0, 4.0]]).view(1, 2, 2)
    x = torch.rand(5, 1, 2, 2)
    m = torch.tensor([[0.0, 0.0], [0.0, 1.0]]).expand(5, 1, 2, 2)  # only the 4 is irrelevant
    s1, s2 = probes.gradient_stats(_linear(w), x, m)
    assert s1 == pytest.approx(4.0) and s2 == pytest.approx(4.0 / 5.0)
    s1, s2 = probes.gradient_stats(_linear(w), x, torch.zeros_like(m))
    assert s1 == 0 and s2 == 0


def test_smoothgrad_maps_are_scaled_and_follow_the_weights():
    w = torch.zeros(1, 4, 4)
    w[0, 1, 2] = 2.0
    w[0, 3, 0] = -1.0
    maps = probes.smoothgrad(_linear(w), torch.rand(3, 1, 4, 4), torch.zeros(3, dtype=torch.long), samples=4, std=0.1)
    assert maps.shape == (3, 4, 4) and np.allclose(maps.max(axis=(1, 2)), 1.0)
    assert np.allclose(maps[:, 1, 2], 1.0) and np.allclose(maps[:, 3, 0], 0.5) and np.isclose(maps.sum(), 3 * 1.5)


# ---------------------------------------------------------------- cells, selection, tables


def _cell(method, val_wg, test_acc=0.5, seconds=1.0, eps=None):
    scores = pd.DataFrame([{"seed": s, "test_set": t, "accuracy": test_acc, "macro_accuracy": test_acc,
                            "worst_group_accuracy": val_wg if t == "val" else test_acc / 2} for s in (0, 1) for t in ("val", "test")])
    kw = {"lr": 1e-3} | ({"eps": eps * grids.INPUT_STD} if eps is not None else {})
    return {"scores": scores, "spec": {"method": method, "method_kwargs": kw}, "seconds": seconds, "epochs_run": 4}


def test_select_takes_the_best_validation_worst_group_and_first_of_ties():
    cells = [_cell("erm", 0.1), _cell("pgd_ex", 0.2, eps=0.3), _cell("pgd_ex", 0.4, eps=1), _cell("pgd_ex", 0.4, eps=3)]
    chosen = selection.select(cells)
    assert list(chosen) == ["erm", "pgd_ex"] and chosen["pgd_ex"] is cells[2]
    assert selection.hyper_of(chosen["pgd_ex"]) == {"eps": 1}


def test_runtime_relative_to_erm():
    t = tables.runtime_table({"erm": _cell("erm", 0, seconds=2.0), "pgd_ex": _cell("pgd_ex", 0, seconds=16.0, eps=1),
                         "ibp_ex_rrr": _cell("ibp_ex_rrr", 0, seconds=4.0)})
    assert t.set_index("method")["relative to ERM"].to_dict() == {"erm": 1.0, "pgd_ex": 8.0, "ibp_ex_rrr": 2.0}
    assert tables.speedup(t) == pytest.approx(4.0)


@pytest.fixture(scope="module")
def decoy_cells(tmp_path_factory):
    where = tmp_path_factory.mktemp("cache")
    an = training.Analysis(cert_eps=(0.0, 0.3), n_grad=20, smoothgrad_samples=2)
    cell_specs = [specs.decoy_spec(m, h, TINY) for m, h in [("erm", {}), ("ibp_ex", {"eps_max": 0.3}), ("pgd_ex", {"eps": 1})]]
    return cell_specs, an, where, training.run_cells(cell_specs, an, location=where)


def test_cells_score_validation_and_come_back_from_the_cache(decoy_cells):
    cell_specs, an, where, cells = decoy_cells
    assert all(c["computed"] for c in cells)
    for c in cells:
        assert set(c["scores"]["test_set"]) == {"test", "val"}
        assert c["saliency"].shape == (3, 28, 28) and c["saliency"].max() == pytest.approx(1.0)
        assert set(c["grad_stats"].columns) >= {"s1", "s2"} and 0 <= c["grad_stats"]["s2"].iloc[0] <= 1
    again = training.run_cells(cell_specs, an, location=where)
    assert not any(c["computed"] for c in again)
    assert all(a["scores"].equals(b["scores"]) for a, b in zip(cells, again))


def test_certified_share_is_accuracy_at_zero_and_shrinks_with_eps(decoy_cells):
    *_, cells = decoy_cells
    for c in cells:
        cert = c["certified"].set_index("eps")["certified"]
        test_acc = c["scores"].query("test_set == 'test'")["accuracy"].iloc[0]
        assert cert[0.0] == pytest.approx(test_acc, abs=1 / 30 + 1e-9)  # ties are not certified
        assert cert[0.3] <= cert[0.0]


def test_table1_and_certificate_frames(decoy_cells):
    *_, cells = decoy_cells
    chosen = selection.select(cells)
    ours = tables.decoy_per_seed(chosen)
    assert set(ours["metric"]) == {"avg_acc", "wg_acc"} and (ours["value"].between(0, 1)).all()
    t1 = tables.comparison(ours, ["dataset", "method", "metric"], table="Table 1")
    assert len(t1) == 14 and (t1["seeds"] > 0).sum() == 6 and set(t1.loc[t1["seeds"] == 0, "context"]) == {"not run"}
    cert = tables.certificate_table(chosen, 0.3 / grids.INPUT_STD)
    assert cert["certified"].between(0, 1).all()
    sens = tables.pgd_sensitivity(cells)
    assert len(sens) == 1 and sens["iterations"].iloc[0] == 7 and sens["eps"].iloc[0] == 1


def test_batch_sum_variant_multiplies_lambda_by_the_batch_and_tables_both(decoy_cells):
    cell_specs, an, where, _ = decoy_cells
    mean_cell = training.run_cells([specs.decoy_spec("ibp_ex_rrr", {"eps_max": 0.3}, TINY)], an, location=where)[0]
    variant = specs.batch_sum_variant(mean_cell)
    assert variant.method_kwargs["lam"] == pytest.approx(mean_cell["spec"]["method_kwargs"]["lam"] * 64)
    assert {k: v for k, v in variant.method_kwargs.items() if k != "lam"} == \
        {k: v for k, v in mean_cell["spec"]["method_kwargs"].items() if k != "lam"}
    sum_cell = training.run_cells([variant], an, location=where)[0]
    table = tables.reduction_table(mean_cell, sum_cell)
    assert list(table["IBP-Ex+RRR penalty"]) == ["batch mean (ours)", "batch sum (public code)"]
    assert table["classes never right"].between(0, 10).all() and table["avg acc"].between(0, 1).all()


def test_budget_sweep_reruns_the_chosen_cells_of_its_claims_one_change_at_a_time(decoy_cells):
    _, an, where, _ = decoy_cells
    one = [(m, h) for m, h in grids.expand(grids.capped_grids(1)) if m in sensitivity.METHODS]
    chosen = selection.select(training.run_cells([specs.decoy_spec(m, h, TINY) for m, h in one], an, location=where))
    assert set(sensitivity.METHODS) == {"erm", "rrr", "ibp_ex", "ibp_ex_rrr"} == set(chosen)
    pairs = sensitivity.specs(chosen, TINY, "cpu")
    assert [label for label, _ in pairs[::4]] == ["2 epochs", "2 seeds"] and len(pairs) == 8
    for label, s in pairs:
        page = chosen[s.method]["spec"]
        changed = {f for f in ("epochs", "seeds", "method_kwargs", "data", "batch_size")
                   if getattr(s, f) != (tuple(page[f]) if f == "seeds" else page[f])}
        assert changed == ({"epochs"} if label == "2 epochs" else {"seeds"})
    assert all(s.seeds == (1,) for label, s in pairs if label == "2 seeds")  # new seeds only; the page's are reused
    swept = sensitivity.run(chosen, TINY, "cpu", an, location=where)
    assert list(dict.fromkeys(swept["budget"])) == [sweeps.BASE, "2 epochs", "2 seeds"]
    seeds = swept.groupby("budget")["seed"].apply(lambda s: sorted(set(s))).to_dict()
    assert seeds == {sweeps.BASE: [0], "2 epochs": [0], "2 seeds": [0, 1]}
    table, readings = sweeps.summary(list(sensitivity.CLAIMS), swept, value="value")
    assert len(table) == 3 * 3 and set(readings) == set(sensitivity.CLAIMS)


# ---------------------------------------------------------------- ISIC and Plant on the fixture trees


def test_isic_tables_on_the_fixture_tree(isic_root, tmp_path):  # noqa: F811
    by_table, chosen = tables.real_tables("isic", isic_root, TINY, location=tmp_path, analysis=training.Analysis(smoothgrad_samples=2, n_grad=8))
    assert set(chosen) == set(grids.METHODS)
    for name in ("Table 2", "Table 5"):
        t = by_table[name]
        assert (t["seeds"] == 1).all() and set(t["metric"]) == {"acc_npnc", "acc_pnc", "acc_c", "avg_acc", "wg_acc"}
        assert not t["context"].isin(["needs data", "not run"]).any()
    t6 = by_table["Table 6"]
    assert set(t6["test_set"]) == {"test", "test_patch_removed"} and (t6["seeds"] == 1).all()
    # the per-group columns are the group accuracies; wg is their minimum
    ours = tables.real_per_seed(chosen, "isic").pivot_table(index="method", columns="metric", values="value")
    assert np.allclose(ours["wg_acc"], ours[["acc_npnc", "acc_pnc", "acc_c"]].min(axis=1))


def test_plant_tables_on_the_fixture_tree(plant_root, tmp_path):  # noqa: F811
    b = specs.Budget(seeds=(0,), epochs=1, grid=1, n_train=0, n_val=0, n_test=0, image_size=PLANT_SIZE)
    by_table, chosen = tables.real_tables("plant", plant_root, b, location=tmp_path, analysis=training.Analysis(smoothgrad_samples=2, n_grad=8))
    t = by_table["Table 3"]
    assert (t["seeds"] == 1).all() and len(t) == 14 and t["ours"].between(0, 1).all()
    assert chosen["erm"]["saliency"].shape == (3, PLANT_SIZE, PLANT_SIZE)


def test_without_data_the_tables_say_what_they_need(tmp_path):
    for dataset, reason in tables.NEEDS.items():
        by_table, chosen = tables.real_tables(dataset, None, TINY, location=tmp_path)
        assert chosen == {}
        for t in by_table.values():
            assert (t["context"] == "needs data").all() and (t["why"] == reason).all()
            assert math.isclose(t["value"].sum(), paper.numbers("ibp_ex", table=t["table"].iloc[0])["value"].sum())
