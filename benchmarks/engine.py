"""Benchmarks of the training core, side by side in one run on the same data and seeds.

1. engine: the engine (per-seed loop and vmapped seeds) against a plain per-seed PyTorch loop written
   here from Algorithm 1 (30 seeds, Triangle n=100, 20 epochs, two-stage method). The plain loop also
   checks the engine: both must reach the same test accuracies.
2. steps: the cost of one training step of ERM, RRR, two-stage, PGD-Ex and IBP-Ex, relative to ERM, in
   time and in counted FLOPs (the ratio the method's arithmetic alone sets: exact interval bounds take a
   centre and a radius pass besides the clean one, so an IBP-Ex step counts 3x ERM's FLOPs), and the
   FLOP/s an ERM step achieves against the machine's dense matmul rate (its practical peak).
3. cache: a grid run twice against the same result store; the second run must take under 5%.

    .venv/bin/python benchmarks/engine.py [--part engine steps cache] [--seeds 30] [--epochs 20] [--rounds 8]
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from functools import partial

import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from mlxbook import data
from mlxbook.data.base import Batch
from mlxbook.device import resolve_device
from mlxbook.methods import build_method
from mlxbook.models import build_model
from mlxbook.models.stacked import StackedModel
from mlxbook.train import RunSpec, fit, run_grid

os.environ.setdefault("MLXBOOK_PROGRESS", "0")


def plain_two_stage(task, seeds, epochs, batch_size, device, eta1=0.001, eta2=0.001):
    """Algorithm 1 as anyone would write it: one nn.Module and two Adam optimisers per seed."""
    x, y, e = (t.to(device) for t in (task.train.x, task.train.y, task.train.mask))
    test_x, test_y = task.tests["test"].x.to(device), task.tests["test"].y.to(device)
    accuracies = []
    for seed in seeds:
        torch.manual_seed(seed)
        model = build_model("shape_cnn").to(device)
        opt1 = torch.optim.Adam(model.parameters(), lr=eta1)
        opt2 = torch.optim.Adam(model.m.parameters(), lr=eta2)
        order = torch.Generator().manual_seed(seed)
        for _ in range(epochs):
            perm = torch.randperm(len(y), generator=order).to(device)
            for start in range(0, len(y), batch_size):
                i = perm[start:start + batch_size]
                opt1.zero_grad()
                F.cross_entropy(model(x[i]), y[i]).backward()
                opt1.step()
                opt1.zero_grad()
                with torch.no_grad():
                    target = torch.softmax(model.f(x[i] * e[i]), -1)
                    features = model.f(x[i])
                loss = F.kl_div(torch.log_softmax(model.m(features), -1), target, reduction="none").sum(-1).mean()
                loss.backward()
                opt2.step()
            with torch.no_grad():
                accuracy = torch.cat([model(test_x[j:j + 512]).argmax(-1) for j in range(0, len(test_y), 512)])
            accuracies.append(float((accuracy == test_y).float().mean()))
    return accuracies


def timed(fn):
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    start = time.perf_counter()
    out = fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - start, out


def bench_engine(args, device):
    task = data.load("triangle", n_train=100, n_test=args.n_test, seed=0)
    task.tests = {"test": task.tests["test"]}  # the plain loop evaluates one test set; so does the engine here
    seeds = list(range(args.seeds))
    method = build_method("two_stage")
    build = partial(build_model, "shape_cnn")
    t_plain, plain = timed(lambda: plain_two_stage(task, seeds, args.epochs, 64, device))
    t_loop, loop = timed(lambda: fit(task, build, method, seeds, epochs=args.epochs, device=device, batched=False))
    t_vmap, vmapped = timed(lambda: fit(task, build, method, seeds, epochs=args.epochs, device=device, batched=True))
    final_plain = torch.tensor([plain[(k + 1) * args.epochs - 1] for k in range(len(seeds))])
    final = {name: torch.tensor(r.curves.sort_values(["seed", "epoch"]).groupby("seed")["acc/test"].last().values)
             for name, r in [("loop", loop), ("vmap", vmapped)]}
    print(f"\n== engine vs plain loop: two-stage, Triangle n=100, {len(seeds)} seeds, {args.epochs} epochs, "
          f"{args.n_test} test images evaluated every epoch, {device} ==")
    print(f"{'path':<34}{'seconds':>10}{'speed-up vs plain':>20}{'max |acc - plain|':>20}")
    print(f"{'plain per-seed PyTorch loop':<34}{t_plain:>10.1f}{1.0:>20.2f}{0.0:>20.4f}")
    for name, t in [("engine, per-seed loop", t_loop), ("engine, vmapped seeds", t_vmap)]:
        diff = float((final["loop" if "loop" in name else "vmap"] - final_plain).abs().max())
        print(f"{name:<34}{t:>10.1f}{t_plain / t:>20.2f}{diff:>20.4f}")


def bench_steps(args, device):
    task = data.load("triangle", n_train=64, n_test=2, seed=0)
    x, y, e, h = (t.to(device)[None] for t in (task.train.x, task.train.y, task.train.mask, task.train.has_mask))
    batch = Batch(x, y, e, h)
    methods = {"erm": {}, "rrr": {"lam": 1.0}, "two_stage": {}, "pgd_ex": {"eps": 0.5}, "ibp_ex": {"eps_max": 0.5}}
    print(f"\n== one training step, batch 64, Triangle 64x64, ShapeCNN, one seed, {device}: median of {args.rounds} "
          f"interleaved rounds of {args.reps} steps ==")
    print("(FLOP x ERM: the step's counted FLOPs over ERM's, the ratio its arithmetic alone sets)")
    runs = {}
    for name, hyper in methods.items():
        method = build_method(name, **hyper)
        model = StackedModel(partial(build_model, "shape_cnn"), [0], device)
        opts = method.optimizers(model)
        for _ in range(3):
            method.step(model, batch, opts, 0.5)
        with FlopCounterMode(display=False) as counter:
            method.step(model, batch, opts, 0.5)
        runs[name] = (method, model, opts, counter.get_total_flops(), [])
    for _ in range(args.rounds):  # interleaved, so that a slow spell of the machine hits every method alike
        for method, model, opts, _, times in runs.values():
            t, _ = timed(lambda: [method.step(model, batch, opts, 0.5) for _ in range(args.reps)])
            times.append(1000 * t / args.reps)
    base, base_flops = statistics.median(runs["erm"][4]), runs["erm"][3]
    print(f"{'method':<12}{'ms/step':>10}{'x ERM':>8}{'GFLOP':>8}{'FLOP x ERM':>12}")
    for name, (_, _, _, flops, times) in runs.items():
        ms = statistics.median(times)
        print(f"{name:<12}{ms:>10.1f}{ms / base:>8.2f}{flops / 1e9:>8.2f}{flops / base_flops:>12.2f}")
    n = 2048 if device.type == "cpu" else 8192
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    a @ b
    t_mm, _ = timed(lambda: [a @ b for _ in range(5)])
    peak = 5 * 2 * n ** 3 / t_mm
    achieved = base_flops / (base / 1000)
    print(f"ERM step: {base_flops / 1e9:.2f} GFLOP; achieved {achieved / 1e9:.1f} GFLOP/s = "
          f"{100 * achieved / peak:.1f}% of this machine's fp32 matmul rate ({peak / 1e9:.1f} GFLOP/s, {n}x{n})")


def bench_cache(args, device):
    specs = [RunSpec("triangle", m, "shape_cnn", tuple(range(3)), args.cache_epochs, data={"n_train": n, "n_test": 200},
                     method_kwargs=hyper, device=str(device))
             for n in (10, 50, 100) for m, hyper in [("erm", {}), ("rrr", {"lam": 1.0}), ("two_stage", {})]]
    with tempfile.TemporaryDirectory() as store:
        t1, first = timed(lambda: run_grid(specs, location=store))
        t2, second = timed(lambda: run_grid(specs, location=store))
    print(f"\n== result store: grid of {len(specs)} cells (Triangle n=10/50/100 x ERM/RRR/two-stage, 3 seeds, "
          f"{args.cache_epochs} epochs) ==")
    print(f"first run {t1:.1f} s ({sum(first.computed)} cells computed); second run {t2:.2f} s "
          f"({sum(second.computed)} computed) = {100 * t2 / t1:.2f}% of the first")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", nargs="+", default=["engine", "steps", "cache"], choices=["engine", "steps", "cache"])
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--n-test", type=int, default=500)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--cache-epochs", type=int, default=5)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    device = resolve_device(args.device)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {device}"
          + (f" ({torch.cuda.get_device_name()})" if device.type == "cuda" else ""))
    for part in args.part:
        {"engine": bench_engine, "steps": bench_steps, "cache": bench_cache}[part](args, device)


if __name__ == "__main__":
    main()
