"""Benchmarks of the training core against the loop anyone would write, on the same data and seeds.

1. engine: the benchmark's protocol (two-stage method, Triangle n=100, 500 test images evaluated after
   every epoch, 20 epochs, batch 64, 64x64 images), seed by seed, interleaved: for each seed the plain
   PyTorch loop written here from Algorithm 1, the engine with exactly the plain loop's evaluation (every
   test image after every epoch) and the engine with the book's evaluation policy (the ``cpu`` profile's
   curves: a fixed subset every few epochs, :class:`mlxbook.train.engine.Evaluation`; final accuracies
   on the whole test set),
   the order rotating from seed to seed so that a slow spell of the machine hits every path alike. It
   reports each path's median seconds per seed with their range, the speed-ups (ratio of medians) and
   the final test accuracies' differences to the plain loop.
2. steps: one training step of every method at 32x32 and 64x64 (ShapeCNN, batch 64), with the engine's
   layout and with the plain NCHW layout, interleaved; their counted FLOPs (FlopCounterMode) and
   GFLOP/s against this machine's dense fp32 matmul rate; and one evaluation pass over 500 images.
3. cache: a grid run twice against the same result store; the second run must take under 5%.

The last line is always ``engine_vs_plain_speedup=<x>`` (engine with the book's policy over the plain
loop, from part 1). ``--quick`` runs part 1 at small sizes within a minute and prints the same line.

    .venv/bin/python benchmarks/engine.py [--part engine steps cache] [--seeds 6] [--quick]
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial

import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from mlxbook import data
from mlxbook.book import chapter
from mlxbook.data.base import Batch
from mlxbook.device import resolve_device, retain_freed_memory
from mlxbook.methods import build_method
from mlxbook.models import build_model
from mlxbook.models.stacked import StackedModel
from mlxbook.train import Evaluation, RunSpec, fit, predict, run_grid

os.environ.setdefault("MLXBOOK_PROGRESS", "0")



def book_policy(n_test: int, epochs: int) -> Evaluation:
    """The book's evaluation policy (``cpu`` profile): curves on a fixed subset every few epochs, the final
    model on every test example."""
    return Evaluation(**chapter.start("benchmark", profile="cpu", show=False).evaluation(n_test, epochs))
TOLERANCE_SEED, TOLERANCE_MEAN = 0.01, 0.005
"""How far the engine's final accuracy may be from the plain loop's: per seed, and of the mean over seeds."""
#: Hyper-parameters that make every method of the steps part do its full work.
STEP_METHODS = {"erm": {}, "rrr": {"lam": 1.0}, "two_stage": {}, "pgd_ex": {"eps": 0.5}, "ibp_ex": {"eps_max": 0.5}}


def plain_two_stage(task, seed, epochs, batch_size, device, eta1=0.001, eta2=0.001):
    """Algorithm 1 as anyone would write it: one nn.Module and two Adam optimisers; the test accuracy
    after every epoch (the last one is the final model's)."""
    x, y, e = (t.to(device) for t in (task.train.x, task.train.y, task.train.mask))
    test_x, test_y = task.tests["test"].x.to(device), task.tests["test"].y.to(device)
    torch.manual_seed(seed)
    model = build_model("shape_cnn", image_size=x.shape[-1]).to(device)
    opt1 = torch.optim.Adam(model.parameters(), lr=eta1)
    opt2 = torch.optim.Adam(model.m.parameters(), lr=eta2)
    order = torch.Generator().manual_seed(seed)
    curve = []
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
            predicted = torch.cat([model(test_x[j:j + 512]).argmax(-1) for j in range(0, len(test_y), 512)])
        curve.append(float((predicted == test_y).float().mean()))
    return curve[-1]


def timed(fn):
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    start = time.perf_counter()
    out = fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - start, out


def run_path(path: int, seed: int, args, device: str) -> tuple[float, float]:
    """One seed of one path, timed; each path has a process of its own, so none inherits another's allocator
    state (the engine's :func:`~mlxbook.device.retain_freed_memory` is process-wide)."""
    task = data.load("triangle", n_train=args.n_train, n_test=args.n_test, size=args.size, seed=0)
    task.tests = {"test": task.tests["test"]}  # the plain loop evaluates one test set; so does the engine here
    if path == 0:
        return timed(lambda: plain_two_stage(task, seed, args.epochs, 64, device))
    build = partial(build_model, "shape_cnn", image_size=args.size)
    evaluation = Evaluation() if path == 1 else book_policy(args.n_test, args.epochs)
    t, r = timed(lambda: fit(task, build, build_method("two_stage"), [seed], epochs=args.epochs, device=device,
                             evaluation=evaluation))
    return t, float(r.scores(task).accuracy.iloc[0])


def bench_engine(args, device) -> float:
    policy = book_policy(args.n_test, args.epochs)
    names = ["plain per-seed PyTorch loop", "engine, plain loop's evaluation",
             f"engine, book's evaluation ({policy.curve_examples or args.n_test} images, every {policy.curve_every})"]
    times = {k: [] for k in names}
    accs = {k: [] for k in names}
    spawn = multiprocessing.get_context("spawn")
    workers = [ProcessPoolExecutor(1, mp_context=spawn) for _ in names]  # one fresh process per path
    for s in range(args.seeds):
        for i in list(range(3))[s % 3:] + list(range(3))[:s % 3]:  # rotate the order seed by seed
            t, acc = workers[i].submit(run_path, i, s, args, str(device)).result()
            times[names[i]].append(t)
            accs[names[i]].append(acc)
    for w in workers:
        w.shutdown()
    print(f"\n== engine vs plain loop: two-stage, Triangle n={args.n_train}, {args.size}x{args.size}, {args.n_test} test "
          f"images, {args.epochs} epochs, batch 64, {args.seeds} seeds interleaved, each path in a process of its own, "
          f"{device}, {torch.get_num_threads()} threads ==")
    print(f"{'path':<50}{'median s/seed':>14}{'range':>16}{'speed-up':>10}{'max |acc - plain|':>19}{'equal':>7}")
    base = statistics.median(times[names[0]])
    speedups = {}
    for k in names:
        med = statistics.median(times[k])
        speedups[k] = base / med
        diffs = [abs(a - b) for a, b in zip(accs[k], accs[names[0]])]
        equal = sum(d < 0.5 / args.n_test for d in diffs)  # the same number of correct test images
        print(f"{k:<50}{med:>14.2f}{f'{min(times[k]):.2f}-{max(times[k]):.2f}':>16}{speedups[k]:>10.2f}"
              f"{max(diffs):>19.4f}{f'{equal}/{len(diffs)}':>7}")
    print("final test accuracy per seed: " + "; ".join(
        f"{k.split(',')[0] if i == 0 else ('same eval' if i == 1 else 'book eval')}: "
        + " ".join(f"{a:.3f}" for a in accs[k]) for i, k in enumerate(names)))
    print(f"mean accuracy: plain {statistics.mean(accs[names[0]]):.4f}, engine {statistics.mean(accs[names[1]]):.4f}; "
          f"the engine's two evaluation policies give identical final accuracies: {accs[names[1]] == accs[names[2]]}")
    # The engine computes the same functions with the floating-point sums in another order (channels_last
    # convolutions, fused Adam), a relative difference of about 1e-7 per step that training amplifies until
    # a test image with a near-zero margin can flip: a few images per seed, and no bias over seeds.
    worst = max(abs(a - b) for k in names[1:] for a, b in zip(accs[k], accs[names[0]]))
    bias = abs(statistics.mean(accs[names[1]]) - statistics.mean(accs[names[0]]))
    print(f"final accuracies equal the plain loop's within tolerance (per seed at most {TOLERANCE_SEED:.0%} of the test "
          f"images, mean over seeds within {TOLERANCE_MEAN}): {worst <= TOLERANCE_SEED and bias <= TOLERANCE_MEAN}")
    print(f"engine_vs_plain_speedup_same_evaluation={speedups[names[1]]:.2f}")
    return speedups[names[2]]


def bench_steps(args, device):
    retain_freed_memory()  # as the engine does: both layouts below run with it
    n = 2048 if device.type == "cpu" else 8192
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    a @ b
    t_mm, _ = timed(lambda: [a @ b for _ in range(5)])
    peak = 5 * 2 * n ** 3 / t_mm
    print(f"\n== one training step per method, ShapeCNN, batch 64, one seed, {device}: median of {args.rounds} "
          f"interleaved rounds of {args.reps} steps; this machine's fp32 matmul rate {peak / 1e9:.1f} GFLOP/s "
          f"({n}x{n}) ==")
    print("(FLOP x ERM: the step's counted FLOPs over ERM's, the ratio its arithmetic alone sets; ms NCHW: the same "
          "step with the plain memory layout)")
    print(f"{'size':>5} {'method':<12}{'GFLOP':>8}{'FLOP x ERM':>11}{'ms NCHW':>10}{'ms engine':>11}{'speed-up':>10}"
          f"{'GFLOP/s':>9}{'% of matmul':>13}")
    for size in (32, 64):
        task = data.load("triangle", n_train=64, n_test=500, size=size, seed=0)
        x, y, e, h = (t.to(device)[None] for t in (task.train.x, task.train.y, task.train.mask, task.train.has_mask))
        batch = Batch(x, y, e, h)
        runs = {}
        for name, hyper in STEP_METHODS.items():
            method = build_method(name, **hyper)
            for layout in (False, True):
                model = StackedModel(partial(build_model, "shape_cnn", image_size=size), [0], device, channels_last=layout)
                opts = method.optimizers(model)
                for _ in range(2):
                    method.step(model, batch, opts, 0.5)
                with FlopCounterMode(display=False) as counter:
                    method.step(model, batch, opts, 0.5)
                runs[name, layout] = (lambda m=method, mo=model, o=opts: m.step(mo, batch, o, 0.5),
                                      counter.get_total_flops(), [])
        test_x = task.tests["test"].x.to(device)
        for layout in (False, True):
            model = StackedModel(partial(build_model, "shape_cnn", image_size=size), [0], device, channels_last=layout)
            with FlopCounterMode(display=False) as counter:
                predict(model, test_x)
            runs["eval 500", layout] = (lambda mo=model: predict(mo, test_x), counter.get_total_flops(), [])
        for _ in range(args.rounds):
            for fn, _, times in runs.values():
                t, _ = timed(lambda: [fn() for _ in range(args.reps)])
                times.append(1000 * t / args.reps)
        for name in [*STEP_METHODS, "eval 500"]:
            (_, flops, t_old), (_, _, t_new) = runs[name, False], runs[name, True]
            old, new = statistics.median(t_old), statistics.median(t_new)
            rate = flops / (new / 1000)
            ratio = flops / runs["erm", True][1]
            print(f"{size:>5} {name:<12}{flops / 1e9:>8.2f}{ratio:>11.2f}{old:>10.1f}{new:>11.1f}{old / new:>10.2f}"
                  f"{rate / 1e9:>9.1f}{100 * rate / peak:>12.1f}%")


def bench_cache(args, device):
    specs = [RunSpec("triangle", m, "shape_cnn", tuple(range(3)), args.cache_epochs,
                     data={"n_train": n, "n_test": 200, "size": 32}, model_kwargs={"image_size": 32},
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
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--n-train", type=int, default=100)
    parser.add_argument("--n-test", type=int, default=500)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cache-epochs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="part 1 only, small: 3 seeds, 32x32, 3 epochs (under a minute)")
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    if args.quick:
        args.part, args.seeds, args.size, args.epochs = ["engine"], 3, 32, 3
    device = resolve_device(args.device)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {device}"
          + (f" ({torch.cuda.get_device_name()})" if device.type == "cuda" else ""))
    speedup = None
    for part in args.part:
        if part == "engine":
            speedup = bench_engine(args, device)
        else:
            {"steps": bench_steps, "cache": bench_cache}[part](args, device)
    if speedup is not None:
        print(f"engine_vs_plain_speedup={speedup:.2f}")


if __name__ == "__main__":
    main()
