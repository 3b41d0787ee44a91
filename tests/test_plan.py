"""``python -m mlxbook plan``: the chapters' cells, their cost, the store, and an estimate that holds."""
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from mlxbook import plan
from mlxbook.book import chapter
from mlxbook.experiments.two_stage import baselines as bl
from mlxbook.experiments.two_stage import sensitivity
from mlxbook.train import RunSpec, run_grid
from mlxbook.train.cell import load_task

ROOT = Path(__file__).resolve().parents[1]


def test_estimate_of_a_small_grid_is_within_a_factor_of_two_of_its_measured_time():
    specs = [RunSpec("triangle", m, "shape_cnn", (0, 1), 3, data={"n_train": 100, "n_test": 200, "size": 32},
                     model_kwargs={"image_size": 32}, method_kwargs=kw)
             for m, kw in [("erm", {}), ("two_stage", {}), ("rrr", {"lam": 1.0})]]
    steps, tasks = {}, {}
    estimate = sum(plan.cell_cost(s, steps, tasks, torch.device("cpu"))["seconds"] for s in specs)
    started = time.perf_counter()
    run_grid(specs, cache=False)
    measured = time.perf_counter() - started
    assert 0.5 < estimate / measured < 2.0, (estimate, measured)


def test_evaluated_examples_follow_the_evaluation_policy():
    spec = RunSpec("triangle", "erm", "shape_cnn", (0,), 20, data={"n_train": 10, "n_test": 200, "size": 32},
                   model_kwargs={"image_size": 32})
    task = load_task(spec)
    n = sum(len(d) for d in task.tests.values())
    assert plan.evaluated_examples(spec, task) == 20 * n  # every example after every epoch
    cut = replace(spec, curve_examples=50, curve_every=2, full_epochs=(10,))
    assert plan.evaluated_examples(cut, task) == 10 * 50 * len(task.tests) + 2 * n  # 10 points, epoch 10 and the end


def test_plan_lists_a_chapters_cells_and_sees_what_the_store_holds(tmp_path):
    ch = chapter.start("t", profile="smoke", show=False)
    swept = [s for label, s in sensitivity.specs(bl.budget(ch), "smoke") if label != sensitivity.BASE]
    b = bl.budget(ch)
    calibrated = bl.grid_specs(b, difficulty=plan._calibrated_knobs(ch))  # the calibrated variant's grid
    specs = bl.grid_specs(b) + bl.diagnosis_specs(b) + swept + calibrated  # the budget sweep's cells too
    before = plan.plan(["baselines"], "smoke", location=tmp_path)
    assert len(before) == len(specs) and not before.stored.any() and (before.steps > 0).all()
    assert (before.flops > 0).all() and (before.seconds > 0).all()
    run_grid(specs[:2], location=tmp_path)
    after = plan.plan(["baselines"], "smoke", location=tmp_path)
    assert after[~after.shared].stored.sum() == 2 and after.stored.iloc[:2].all()  # (calibrated on level 0: shared)
    shared = plan.plan(["baselines", "transfer"], "smoke", location=tmp_path)
    assert shared[shared.chapter == "transfer"].shared.all()  # Table 5's grid is trained by Baselines
    assert len(plan.plan(["calibration"], "smoke", location=tmp_path).method.unique()) == 1  # No expl only


def test_the_calibrated_grid_is_planned_on_a_stand_in_until_the_search_is_stored(tmp_path, monkeypatch):
    from mlxbook.experiments.two_stage import calibration

    monkeypatch.setenv("MLXBOOK_CACHE", str(tmp_path))
    ch = chapter.start("t", profile="smoke", show=False)
    b = bl.budget(ch)
    stand_in = plan._calibrated_knobs(ch)
    assert stand_in == {ds: calibration.settings()[-1][1] for ds in ("triangle", "fox_cat")}
    cal = calibration.calibrate(b, "smoke")
    assert plan._calibrated_knobs(ch) == cal.knobs  # read back from the store, nothing trained twice


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "mlxbook", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "MLXBOOK_PROGRESS": "0"}, timeout=600)


def test_plan_command_prints_every_chapter_and_the_gpu_estimate(tmp_path):
    out = _cli("plan", "--profile", "smoke", "--chapter", "spurious", "--chapter", "rrr", "--gpu-tflops", "60")
    assert out.returncode == 0, out.stderr[-2000:]
    assert "GPU at 60 TFLOP/s" in out.stdout and "spurious" in out.stdout and "total" in out.stdout
    assert "rrr: find-another-explanation iterations are planned" in out.stdout and "rrr_theory" not in out.stdout


@pytest.mark.parametrize("args, message", [(("--gpu-tflops", "0"), "--gpu-tflops=0.0 must be a positive rate"),
                                           (("--chapter", "nope"), "chapter 'nope' is not in the book")])
def test_plan_command_rejects_bad_arguments(args, message):
    out = _cli("plan", "--profile", "smoke", *args)
    assert out.returncode == 2 and message in out.stderr


def test_plan_lists_exactly_the_cells_the_rrr_chapter_stores(tmp_path, monkeypatch):
    """The RRR chapter's cells are planned by mirroring its calls (its chains cannot be listed before they run):
    after the chapter has run, the plan finds every one of them in the store."""
    from mlxbook.book import runner

    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "rrr.ipynb").write_bytes((ROOT / "notebooks" / "rrr.ipynb").read_bytes())
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n  - file: book/chapters/rrr\n")
    store = tmp_path / "store"
    monkeypatch.setenv("MLXBOOK_CACHE", str(store))
    monkeypatch.delenv("MLXBOOK_DATA_ROOT", raising=False)
    assert not plan.plan(["rrr"], "smoke", location=store).stored.any()
    (run,) = runner.run(tmp_path, profile="smoke")
    assert run.status == "ok", run
    after = plan.plan(["rrr"], "smoke", location=store)
    assert len(after) > 10 and after.stored.all(), after[~after.stored]


def test_the_cluster_estimate_spreads_the_cells_over_the_workers_but_not_below_the_longest():
    import pandas as pd

    cells = pd.DataFrame({"chapter": "baselines", "dataset": "triangle", "method": "erm", "model": "m", "seeds": 1,
                          "epochs": 1, "stored": False, "shared": False, "steps": 1, "flops": 1e9,
                          "seconds": [100.0, 100.0, 100.0, 700.0]})
    table = plan.summary(cells, ["baselines"], workers=4).set_index("chapter")
    assert table.loc["baselines", "here"] == "16.7 min" and table.loc["baselines", "4 workers"] == "11.7 min"  # 700 s
    even = cells.assign(seconds=100.0)
    assert plan.summary(even, ["baselines"], workers=4).set_index("chapter").loc["total", "4 workers"] == "1.7 min"  # 400 s over 4
