"""One way to train and store a result: a :class:`RunSpec` in, one stored cell out (every chapter).

A cell is everything one configuration produces: per-seed scores on every test set, per-epoch curves,
final predictions, stopping epochs and time; on request the trained weights (``keep_states``) and the
measurements of registered **probes** run on the trained models inside the cell (certified fractions,
gradient statistics, SmoothGrad maps, the 2-D demo's deviations). Chapters never train outside it:
the grids of the two-stage chapters and the benchmark, IBP-Ex's cells, RRR's cells and the theory
chapter's networks all go through :func:`run_cells`, each in its own store family, under one key rule
(the spec's fields plus :meth:`Family.key <mlxbook.book.store.Family.key>`) and with one provenance
record (:func:`provenance`).

A probe is a function ``probe(cell: Trained, **kwargs)`` registered with :func:`probe`. Named in
``RunSpec.probes`` by its dotted name, it runs inside the cell as it is trained; :func:`run_probe` runs
one on a stored cell's kept weights later and stores its value beside (RRR's LIME and gradient
explanations: one trained cell, several explanation settings). A task loader other than
:func:`mlxbook.data.load` (RRR's annotated tasks) is registered with :func:`loader` and named in
``RunSpec.loader``. Their code computes stored results, so :func:`run_cells` and :func:`run_probe`
refuse a probe or loader whose module the family's key does not cover.
"""
from __future__ import annotations

import importlib
import inspect
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property, partial
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from .. import __version__
from ..book import store
from ..data import load
from ..data.base import Task
from ..device import resolve_device
from ..errors import ConfigError, check_choice
from ..methods import build_method
from ..models import MODELS, build_model
from ..provenance import git_commit
from . import cluster
from .engine import Evaluation, FitResult, fit, progress_enabled, scores

PROBES: dict[str, Callable] = {}
"""Registered probes by dotted name (``module.function``)."""
LOADERS: dict[str, Callable] = {}
"""Registered task loaders by dotted name; ``""`` is :func:`mlxbook.data.load`."""


def name_of(fn: Callable) -> str:
    """The dotted name a probe or loader is registered and named under in a :class:`RunSpec`."""
    return f"{fn.__module__}.{fn.__name__}"


def _register(registry: dict, fn: Callable) -> Callable:
    registry[name_of(fn)] = fn
    return fn


def probe(fn: Callable) -> Callable:
    """Register ``fn(cell: Trained, **kwargs)`` as a probe, named by its dotted name."""
    return _register(PROBES, fn)


def loader(fn: Callable) -> Callable:
    """Register ``fn(dataset, **data) -> Task`` as a task loader, named by its dotted name."""
    return _register(LOADERS, fn)


def resolve(registry: dict, name: str) -> Callable:
    """The registered function ``name``, importing its module first (a worker process may not have yet)."""
    if name not in registry:
        module = name.rpartition(".")[0]
        try:
            importlib.import_module(module)
        except ImportError:
            pass
    if name not in registry:
        kind = "probe" if registry is PROBES else "loader"
        raise ConfigError(f"{kind} {name!r} is not registered; registered: {', '.join(sorted(registry)) or 'none'}")
    return registry[name]


@dataclass(frozen=True)
class RunSpec:
    """One cell. ``data``, ``model_kwargs`` and ``method_kwargs`` go to the builders.

    ``loader`` names a registered task loader (default :func:`mlxbook.data.load`); ``score_val`` scores
    the validation split as test set "val"; ``stack_seeds`` trains all seeds as one stacked model (None:
    on CUDA only; on the CPU seed by seed is faster, ``benchmarks/engine.py``); ``keep_states`` stores
    each seed's weights; ``probes`` are (registered name, keyword arguments) pairs run on the models.
    ``curve_examples``, ``curve_every`` and ``full_epochs`` are the :class:`~mlxbook.train.engine.Evaluation` policy
    (default: every test set in full after every epoch).
    """

    dataset: str
    method: str
    model: str
    seeds: tuple[int, ...]
    epochs: int
    data: dict = field(default_factory=dict)
    model_kwargs: dict = field(default_factory=dict)
    method_kwargs: dict = field(default_factory=dict)
    batch_size: int = 64
    patience: int | None = None
    device: str = "cpu"
    loader: str = ""
    score_val: bool = False
    stack_seeds: bool | None = None
    keep_states: bool = False
    probes: tuple = ()
    curve_examples: int | None = None
    curve_every: int = 1
    full_epochs: tuple[int, ...] = ()

    def evaluation(self) -> Evaluation:
        """What the engine evaluates after each epoch for this cell."""
        return Evaluation(self.curve_examples, self.curve_every, tuple(self.full_epochs))

    def columns(self) -> dict:
        """The spec as flat table columns (``data.n_train``, ``method.lam``, ...)."""
        flat = {"dataset": self.dataset, "method": self.method, "model": self.model, "epochs": self.epochs,
                "batch_size": self.batch_size, "patience": self.patience, "device": self.device}
        for prefix, values in [("data", self.data), ("model", self.model_kwargs), ("method", self.method_kwargs)]:
            flat.update({f"{prefix}.{k}": str(v) if isinstance(v, (list, tuple, dict)) else v
                         for k, v in values.items()})
        return flat

    def model_arguments(self, task: Task) -> dict:
        """``model_kwargs`` with the input width (``in_features``) and class count (``n_classes``) read from
        ``task`` where the model takes them and the spec leaves them out."""
        takes = inspect.signature(MODELS[check_choice("model", self.model, MODELS)]).parameters
        derived = {"in_features": task.n_features, "n_classes": task.n_classes}
        return {**{k: v for k, v in derived.items() if k in takes}, **self.model_kwargs}

    def build(self, task: Task) -> Callable[[], torch.nn.Module]:
        """The model builder of this spec on ``task`` (one call, one fresh model)."""
        return partial(build_model, self.model, **self.model_arguments(task))


@dataclass
class Trained:
    """What a probe sees: the spec, its task (``tests`` with "val" when scored), device and trained models.

    Inside a cell, ``parts`` are the :class:`~mlxbook.train.engine.FitResult` of each group of seeds
    trained together (their stacked ``model`` kept). On a stored cell (:func:`run_probe`), ``parts`` is
    empty, ``kept`` holds the modules rebuilt from the kept weights and ``stored`` the cell itself.
    :attr:`models` are the plain per-seed modules in seed order.
    """

    spec: RunSpec
    task: Task
    device: torch.device
    parts: list[FitResult]
    kept: list[torch.nn.Module] | None = None
    stored: dict | None = None

    @cached_property
    def models(self) -> list[torch.nn.Module]:
        if self.kept is not None:
            return self.kept
        return [m for p in self.parts for m in p.model.unstack(self.spec.build(self.task))]


def provenance(code: str, device, **extra) -> dict:
    """The record kept beside every stored cell: versions, commit, code key, device and finishing time."""
    return {"mlxbook": __version__, "commit": git_commit(), "code": code, "torch": torch.__version__,
            "python": platform.python_version(), "device": str(device), **extra,
            "finished": time.strftime("%Y-%m-%d %H:%M:%S")}


def load_task(rs: RunSpec) -> Task:
    """The task of a spec: its loader's (default :func:`mlxbook.data.load`), with "val" scored if asked."""
    task = resolve(LOADERS, rs.loader)(rs.dataset, **rs.data) if rs.loader else load(rs.dataset, **rs.data)
    if rs.score_val and task.val is not None:
        task = replace(task, tests={**task.tests, "val": task.val})
    return task


def compute_cell(spec: dict, code: str) -> dict:
    """Train one cell, run its probes (the function whose results the store keeps; ``code`` is in the key)."""
    rs = RunSpec(**spec)
    task = load_task(rs)
    method = build_method(rs.method, **rs.method_kwargs)
    device = resolve_device(rs.device)
    stacked = device.type == "cuda" if rs.stack_seeds is None else rs.stack_seeds
    groups = [list(rs.seeds)] if stacked else [[s] for s in rs.seeds]
    keep = rs.keep_states or bool(rs.probes)
    parts = [fit(task, rs.build(task), method, g, epochs=rs.epochs, batch_size=rs.batch_size, patience=rs.patience,
                 device=device, batched=True, keep_model=keep, evaluation=rs.evaluation(), progress=False)
             for g in groups]
    predictions = {k: np.concatenate([p.predictions[k] for p in parts]) for k in parts[0].predictions}
    stop_epoch = [e for p in parts for e in p.stop_epoch]
    trained = Trained(rs, task, device, parts)
    cell = {"scores": scores(rs.seeds, predictions, task, stop_epoch),
            "curves": pd.concat([p.curves for p in parts], ignore_index=True),
            "checkpoints": pd.concat([p.checkpoints for p in parts], ignore_index=True), "predictions": predictions,
            "stop_epoch": stop_epoch, "seconds": sum(p.seconds for p in parts)}
    if rs.keep_states:
        cell["states"] = [{k: v.detach().cpu().numpy().copy() for k, v in m.state_dict().items()}
                          for m in trained.models]
    cell["probes"] = {name: resolve(PROBES, name)(trained, **dict(kwargs)) for name, kwargs in rs.probes}
    cell["spec"] = spec
    cell["model_kwargs"] = rs.model_arguments(task)
    cell["provenance"] = provenance(code, device, stacked=stacked)
    return cell


def check_covered(specs: list[RunSpec], family: store.Family) -> None:
    """Refuse a spec whose probes or loader live in a module that ``family``'s key does not cover."""
    for s in specs:
        named = [(PROBES, n) for n, _ in s.probes] + ([(LOADERS, s.loader)] if s.loader else [])
        for registry, name in named:
            module = resolve(registry, name).__module__
            if module not in family.modules and not module.startswith(f"{__package__}."):
                raise ConfigError(f"{name!r} runs inside stored cells of family {family.name!r}, but its module "
                                  f"{module} is not among the family's computing modules {family.modules}")


def run_cells(specs: list[RunSpec], family: store.Family, *, n_jobs: int = 1, cache: bool = True,
              location: Path | None = None, backend: str | None = None, desc: str = "cells") -> list[dict]:
    """Every spec's cell from ``family``'s store when computed before, else trained now (in ``n_jobs``
    processes of joblib ``backend``, or on the dask cluster :mod:`.cluster` names, which sends the cells back
    to be stored here). ``cell["computed"]`` says whether this call trained it."""
    check_covered(specs, family)
    code = family.key()
    fn = family.cached(compute_cell, location=location, cache=cache)
    args = [asdict(s) for s in specs]
    computed = [not fn.check_call_in_cache(a, code) for a in args]
    if cluster.address() and cache:
        with tqdm(total=sum(computed), desc=f"{desc} on {cluster.address()}",
                  disable=not progress_enabled() or sum(computed) < 2) as done:
            cells = cluster.run(fn, compute_cell, args, code, computed, on_done=lambda _: done.update())
        return [{**c, "computed": fresh} for c, fresh in zip(cells, computed)]
    bar = tqdm(args, desc=desc, disable=not progress_enabled() or len(args) < 2)
    if n_jobs == 1:
        cells = [fn(a, code) for a in bar]
    else:
        cells = joblib.Parallel(n_jobs=n_jobs, backend=backend)(joblib.delayed(fn)(a, code) for a in bar)
    return [{**c, "computed": fresh} for c, fresh in zip(cells, computed)]


def compute_probe(spec: dict, probe: tuple, cells: store.Family, location, code: str, cache: bool = True) -> dict:
    """Run ``probe`` (registered name, keyword arguments) on the kept weights of the stored cell ``spec`` of
    the family ``cells`` (trained first if it is not stored, and not read from the store unless ``cache``);
    ``location`` and ``cache`` are not in the key."""
    rs = RunSpec(**spec)
    (cell,) = run_cells([rs], cells, location=location, cache=cache)
    task = load_task(rs)
    device = resolve_device(rs.device)
    kept = []
    for state in cell["states"]:
        model = rs.build(task)()
        model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
        kept.append(model.to(device).eval())
    name, kwargs = probe
    value = resolve(PROBES, name)(Trained(rs, task, device, [], kept, cell), **dict(kwargs))
    return {"value": value, "spec": spec, "probe": probe, "provenance": provenance(code, device)}


def run_probe(spec: RunSpec, probe: tuple, family: store.Family, *, cells: store.Family | None = None,
              cache: bool = True, location: Path | None = None):
    """``probe`` run on the stored cell ``spec`` (kept weights; ``keep_states`` must be set), stored in
    ``family`` and keyed by the spec, the probe with its arguments and the family's key; the cell itself
    is the one of ``cells`` (default ``family``). Returns the probe's value; one trained cell serves any
    number of probes this way, where probes named in the spec would retrain it for each."""
    if not spec.keep_states:
        raise ConfigError(f"run_probe needs a cell with keep_states=True; {spec.dataset}/{spec.method} keeps none")
    check_covered([replace(spec, probes=(probe,))], family)
    fn = family.cached(compute_probe, location=location, cache=cache, ignore=("location", "cache"))
    return fn(asdict(spec), probe, cells or family, None if location is None else str(location), family.key(),
              cache)["value"]
