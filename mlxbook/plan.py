"""What a profile costs before anything runs: ``python -m mlxbook plan [--profile P] [--chapter NAME]``.

For every chapter: the cells it trains (the same :class:`~mlxbook.train.cell.RunSpec` lists its notebook
builds, through the same functions), each cell's optimiser steps and FLOPs, whether the result store
already holds it, and the estimated wall time, here and on a GPU of a given rate.

* **FLOPs.** One training step of every distinct (model, method, batch) and one evaluation forward pass
  are counted with :class:`torch.utils.flop_counter.FlopCounterMode` (matrix products and convolutions,
  which is nearly all of the arithmetic), then multiplied by the cell's steps (seeds x epochs x batches)
  and by the test examples its evaluation policy reads (:class:`~mlxbook.train.engine.Evaluation`).
* **Time here.** The same step and forward pass are timed a few times on this machine (a calibration of
  a few seconds), so the estimate includes what FLOPs miss: small batches, memory traffic, Python.
* **Time on a GPU.** FLOPs over the rate given (``--gpu-tflops``): a lower bound, since networks this
  small reach a fraction of a GPU's peak.

Early stopping makes ``epochs`` an upper bound; probes (certificates, saliency, LIME) are not counted.
A cell shared by several chapters (Table 5's grid feeds four) is counted where the book first trains it.
"""
from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import pandas as pd
import torch
from torch.utils.flop_counter import FlopCounterMode

from .data.base import Batch
from .device import resolve_device, retain_freed_memory
from .methods import build_method
from .models.stacked import StackedModel
from .train.cell import RunSpec, compute_cell, load_task
from .train.engine import predict

TITLES = {"calibration": "Calibrated shapes", "baselines": "Baselines", "two_stage": "Two-stage", "transfer": "Transfer",
          "consistency": "Consistency", "spurious": "Spurious", "rrr": "Right for the right reasons",
          "rrr_theory": "IBP-Ex theory", "ibp_ex": "IBP-Ex", "benchmark": "Benchmark"}


def _baselines(ch) -> list:
    from .experiments.two_stage import baselines as bl
    from .experiments.two_stage import sensitivity
    from .train.grid import GRID

    b = bl.budget(ch, ch.data_root)
    swept = [s for label, s in sensitivity.specs(b, ch.profile.name) if label != sensitivity.BASE]  # BASE: the page's
    calibrated = bl.grid_specs(b, ch.data_root, difficulty=_calibrated_knobs(ch))
    return [(s, GRID) for s in bl.grid_specs(b, ch.data_root) + bl.diagnosis_specs(b) + swept + calibrated]


def _calibration(ch) -> list:
    from .experiments.two_stage import baselines as bl
    from .experiments.two_stage import calibration
    from .train.grid import GRID

    b = bl.budget(ch, ch.data_root)
    return [(s, GRID) for s in calibration.specs(b, **calibration.SCALE[ch.profile.name])]


def _calibrated_knobs(ch) -> dict:
    """The calibration's knobs when its search is in the store (reading it trains nothing), else a stand-in:
    the grid's last setting, whose cells train the same networks on the same number of images."""
    from .experiments.two_stage import calibration
    from .experiments.two_stage.settings import SYNTHETIC
    from .train.grid import GRID

    search = [s for s, _ in _calibration(replace(ch, scaled={}, records=[], used={}))]
    if all(GRID.cached(compute_cell).check_call_in_cache(asdict(s), GRID.key()) for s in search):
        return calibration.for_chapter(ch, ch.data_root).knobs
    return {ds: calibration.settings()[-1][1] for ds in SYNTHETIC}


def _table5_grid(ch) -> list:
    from .experiments.two_stage import baselines as bl
    from .train.grid import GRID

    b = bl.budget(ch, ch.data_root)
    calibrated = bl.grid_specs(b, ch.data_root, difficulty=_calibrated_knobs(ch))
    return [(s, GRID) for s in bl.grid_specs(b, ch.data_root) + calibrated]


def _two_stage(ch) -> list:
    from .experiments.two_stage import ablation
    from .train.grid import GRID

    p = ablation.plan(ch, data_root=ch.data_root)
    knobs = _calibrated_knobs(ch)
    return [(s, GRID) for s in ablation.ablation_specs(p) + ablation.table4_specs(p)
            + ablation.ablation_specs(p, difficulty=knobs) + ablation.table4_specs(p, difficulty=knobs)]


def _spurious(ch) -> list:
    from .experiments.two_stage import sensitivity, spurious
    from .train.grid import GRID

    p = spurious.plan(ch, data_root=ch.data_root)
    swept = [s for label, s in sensitivity.specs(p.budget, ch.profile.name, spurious=True) if label != sensitivity.BASE]
    return [(s, GRID) for s in spurious.specs(p) + swept + spurious.specs(p, difficulty=_calibrated_knobs(ch))]


def _ibp_ex(ch) -> list:
    from .experiments.ibp_ex import specs, training

    b = specs.budget(ch, ch.data_root)
    device = str(ch.device)
    analysis = training.decoy_analysis(b, specs.used_grids(b))
    cells = specs.decoy_specs(b, device, ch.data_root) + specs.pgd_sensitivity_specs(b, device, ch.data_root)
    return [(s, training.IBP_EX) for s in training.stored_specs(cells, analysis)]


def _rrr_theory(ch) -> list:
    from .experiments.ibp_ex_theory import budget, demo

    b = budget.budget_for(ch)
    return [(demo.run_spec(s, b), demo.THEORY) for s in demo.all_specs(b)]


def _rrr(ch) -> list:
    from .experiments.rrr import budget, plan

    return plan.cells(budget.chapter_budget(ch, ch.data_root), ch.data_root)


def _benchmark(ch) -> list:
    from .experiments.benchmark import training
    from .train.grid import GRID

    return [(c.spec, GRID) for c in training.specs(training.budget(ch))]


CHAPTER_CELLS: dict[str, Callable] = {
    "calibration": _calibration, "baselines": _baselines, "two_stage": _two_stage, "transfer": _table5_grid,
    "consistency": _table5_grid, "spurious": _spurious, "rrr": _rrr, "rrr_theory": _rrr_theory, "ibp_ex": _ibp_ex,
    "benchmark": _benchmark,
}
"""Chapter name -> what it trains under the chapter object's profile: (spec, store family) pairs, or triples
whose third entry (stored function, arguments, tag) says where the cell is stored (inside an RRR chain; the
tag tells apart the chain's cells whose planned specs coincide)."""
LEFT_OUT = {
    "baselines": "the calibrated variants (here and in two_stage, spurious) are planned on the calibration's chosen "
                 "data when its search is in the store, else on a stand-in setting of the same cost",
    "rrr": "find-another-explanation iterations are planned with a stand-in annotation (each one's comes from "
           "the model before it); LIME is not counted",
    "ibp_ex": "not counted: ISIC and Plant cells when their data are at data_root, and the cells rerun from the "
              "configurations chosen on the validation set (the IBP-Ex+RRR batch-sum cell and the budget sweep)",
}
"""What the plan leaves out, per chapter (printed under the table)."""


@dataclass
class Step:
    """One distinct training step and evaluation pass, counted and timed here."""

    train_flops: float
    train_seconds: float
    eval_flops: float  # per example
    eval_seconds: float  # per example


def _signature(spec: RunSpec, task, batch: int) -> tuple:
    return (spec.model, repr(sorted(spec.model_arguments(task).items())), spec.method,
            repr(sorted(spec.method_kwargs.items())), batch, tuple(task.train.x.shape[1:]))


def measure_step(spec: RunSpec, task, batch: int, device, reps: int = 3) -> Step:
    """Count and time one training step of ``spec``'s method on one seed (batch ``batch``) and one forward
    pass of evaluation, on ``device``."""
    retain_freed_memory()
    method = build_method(spec.method, **spec.method_kwargs)
    model = StackedModel(spec.build(task), [0], device)
    opts = method.optimizers(model)
    t = task.train
    b = Batch(*(v[:batch].to(device)[None] for v in (t.x, t.y, t.mask, t.has_mask)))
    method.step(model, b, opts, 0.5)
    with FlopCounterMode(display=False) as counter:
        method.step(model, b, opts, 0.5)
    train_flops = counter.get_total_flops()
    train_seconds = _median_time(lambda: method.step(model, b, opts, 0.5), reps, device)
    test = next(iter(task.tests.values())).x[:256].to(device)
    with FlopCounterMode(display=False) as counter:
        predict(model, test)
    eval_seconds = _median_time(lambda: predict(model, test), reps, device)
    return Step(train_flops, train_seconds, counter.get_total_flops() / len(test), eval_seconds / len(test))


def _median_time(fn, reps: int, device) -> float:
    times = []
    for _ in range(reps):
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def evaluated_examples(spec: RunSpec, task) -> int:
    """Test examples one seed's evaluation reads over training (``epochs`` epochs; every test set, with
    the validation set when scored), under the spec's :class:`~mlxbook.train.engine.Evaluation`."""
    e = spec.evaluation()
    sizes = [len(d) for d in task.tests.values()] + ([len(task.val)] if spec.score_val and task.val is not None else [])
    points = math.ceil(spec.epochs / e.curve_every)
    curve = sum(min(e.curve_examples or n, n) for n in sizes)
    if e.curve_examples is None or e.curve_examples >= max(sizes):
        return points * curve
    full = 1 + sum(1 for k in e.full_epochs if k < spec.epochs)
    return points * curve + full * sum(sizes)


def cell_cost(spec: RunSpec, steps_cache: dict, tasks: dict, device) -> dict:
    """Steps, FLOPs and the time here of one cell (its task loaded once per distinct data)."""
    key = (spec.loader, spec.dataset, repr(sorted(spec.data.items())), spec.score_val)
    if key not in tasks:
        tasks[key] = load_task(spec)
    task = tasks[key]
    n = len(task.train)
    batch = min(spec.batch_size, n)
    sig = _signature(spec, task, batch)
    if sig not in steps_cache:
        steps_cache[sig] = measure_step(spec, task, batch, device)
    step = steps_cache[sig]
    seeds = len(spec.seeds)
    steps = seeds * spec.epochs * math.ceil(n / spec.batch_size)
    examples = seeds * evaluated_examples(spec, task)
    return {"steps": steps, "flops": steps * step.train_flops + examples * step.eval_flops,
            "seconds": steps * step.train_seconds + examples * step.eval_seconds}


COLUMNS = ["chapter", "dataset", "method", "model", "seeds", "epochs", "stored", "shared", "steps", "flops", "seconds"]
"""The columns of :func:`plan`'s table, one row per (chapter, cell)."""


def plan(chapters: list[str], profile: str, *, data_root=None, device: str = "auto", location: Path | None = None,
         calibrate: str = "cpu") -> pd.DataFrame:
    """One row per (chapter, cell): spec columns, ``stored``, ``shared`` (an earlier chapter trains it),
    ``steps``, ``flops`` and ``seconds`` (estimated here; timed on ``calibrate``)."""
    from .book import chapter as chapters_mod

    rows, seen, steps_cache, tasks = [], set(), {}, {}
    calib = resolve_device(calibrate)
    for name in chapters:
        if name not in CHAPTER_CELLS:
            continue
        ch = chapters_mod.start(TITLES.get(name, name), profile=profile, device=device, data_root=data_root,
                                show=False)
        for spec, family, *within in CHAPTER_CELLS[name](ch):
            fn, args, *tag = within[0] if within else (compute_cell, (asdict(spec), family.key()))
            key = (family.name, repr(args), repr(asdict(spec)), *tag)
            cost = cell_cost(spec, steps_cache, tasks, calib)
            rows.append({"chapter": name, "dataset": spec.dataset, "method": spec.method, "model": spec.model,
                         "seeds": len(spec.seeds), "epochs": spec.epochs,
                         "stored": family.cached(fn, location=location).check_call_in_cache(*args),
                         "shared": key in seen, **cost})
            seen.add(key)
    return pd.DataFrame(rows, columns=COLUMNS)


def summary(cells: pd.DataFrame, chapters: list[str], gpu_tflops: float | None = None,
            workers: int | None = None) -> pd.DataFrame:
    """Per chapter and in total: cells, stored, to train, steps, TFLOP and the estimated times of what is left;
    with ``workers``, the wall time on a dask cluster of that many worker processes like this machine's
    (:mod:`.train.cluster`): the cells spread over the workers, never less than the longest cell."""
    def row(label: str, c: pd.DataFrame) -> dict:
        todo = c[~c.stored & ~c.shared]
        out = {"chapter": label, "cells": len(c), "in store": int(c.stored.sum()),
               "shared": int((c.shared & ~c.stored).sum()), "to train": len(todo), "steps": int(todo.steps.sum()),
               "TFLOP": todo.flops.sum() / 1e12, "here": _duration(todo.seconds.sum())}
        if gpu_tflops:
            out[f"GPU at {gpu_tflops:g} TFLOP/s"] = _duration(todo.flops.sum() / (gpu_tflops * 1e12))
        if workers:
            longest = todo.seconds.max() if len(todo) else 0.0
            out[f"{workers} workers"] = _duration(max(todo.seconds.sum() / workers, longest))
        return out

    rows = [row(name, cells[cells.chapter == name]) if name in CHAPTER_CELLS else {"chapter": name, "cells": "no training"}
            for name in chapters]
    return pd.DataFrame(rows + [row("total", cells)])


def _cell(v) -> str:
    """A summary entry as printed: counts with thousands separators, TFLOP to three figures, blanks for none."""
    if isinstance(v, str):
        return v
    if v is None or v != v:
        return ""
    if float(v).is_integer() and abs(v) >= 1:
        return f"{int(v):,}"
    return f"{v:,.0f}" if v >= 100 else f"{v:.3g}"


def _duration(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def report(root: Path, profile: str | None, chapter: list[str] | None, *, gpu_tflops: float | None = None,
           data_root=None, device: str = "auto", cells: bool = False, workers: int | None = None) -> str:
    """The text ``python -m mlxbook plan`` prints."""
    from .book.profiles import get_profile
    from .book.runner import chapters as book_chapters

    name = get_profile(profile).name
    order = book_chapters(root)
    wanted = order if not chapter else [c for c in order if c in chapter]
    unknown = sorted(set(chapter or ()) - set(order))
    if unknown:
        from .errors import ConfigError

        raise ConfigError(f"chapter {unknown[0]!r} is not in the book; chapters: {', '.join(order)}")
    started = time.perf_counter()
    table = plan(order, name, data_root=data_root, device=device)  # every chapter: sharing follows book order
    table = table[table.chapter.isin(wanted)]
    lines = [f"plan of profile {name!r} ({len(table)} cells; calibrated here in {time.perf_counter() - started:.0f} s "
             f"on {torch.get_num_threads()} CPU threads)", ""]
    lines.append(summary(table, wanted, gpu_tflops, workers).map(_cell).to_string(index=False))
    notes = [f"{c}: {why}" for c, why in LEFT_OUT.items() if c in wanted]
    lines += ["", "Times are for the cells left to train; epochs are an upper bound where a chapter stops early."] + notes
    if cells:
        lines += ["", table.assign(GFLOP=table.flops / 1e9, seconds=table.seconds.round(1)).drop(columns="flops")
                  .to_string(index=False, float_format=lambda v: f"{v:.1f}")]
    return "\n".join(lines)

