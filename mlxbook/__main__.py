"""Command line: ``python -m mlxbook run [--profile P] [--chapter NAME ...] [--fresh]``, ``plan``, ``scorecard``, ``export DIR`` and ``list``."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .book.profiles import PROFILES
from .errors import ConfigError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mlxbook", description=__doc__)
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="book root holding _toc.yml (default: .)")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="execute chapters with papermill into book/chapters")
    run.add_argument("--profile", default=None, help=f"one of {', '.join(PROFILES)} (default: $MLXBOOK_PROFILE or cpu)")
    run.add_argument("--chapter", action="append", help="a chapter name (repeatable; default: all)")
    run.add_argument("--fresh", action="store_true", help="execute even chapters that are up to date")
    run.add_argument("--data-root", default=None, help="folder holding real datasets (MNIST, CUB-200-2011, ...)")
    run.add_argument("--device", default=None, help="auto, cpu, cuda or cuda:N (default: the chapters' auto)")
    run.add_argument("--dask", default=None, metavar="ADDRESS",
                     help="train the cells on the dask.distributed scheduler at ADDRESS (tcp://host:8786); this "
                          "process stores them (sets MLXBOOK_DASK for the chapters)")
    sub.add_parser("list", help="list the chapters in book order")
    pl = sub.add_parser("plan", help="the cells each chapter would train, their FLOPs, what is stored, the time it takes")
    pl.add_argument("--profile", default=None, help=f"one of {', '.join(PROFILES)} (default: $MLXBOOK_PROFILE or cpu)")
    pl.add_argument("--chapter", action="append", help="a chapter name (repeatable; default: all)")
    pl.add_argument("--gpu-tflops", type=float, default=None, help="also estimate the time on a GPU of this rate")
    pl.add_argument("--cells", action="store_true", help="list every cell")
    pl.add_argument("--workers", type=int, default=None,
                    help="also estimate the wall time on a dask cluster of this many worker processes (--dask)")
    pl.add_argument("--data-root", default=None, help="folder holding real datasets (MNIST, CUB-200-2011, ...)")
    pl.add_argument("--device", default="auto", help="the device the chapters would train on (default: auto)")
    sc = sub.add_parser("scorecard", help="the claims' verdicts of the executed chapters (book/chapters)")
    sc.add_argument("--json", action="store_true", help="print the counts per paper and verdict as JSON")
    ex = sub.add_parser("export", help="copy every table's per-seed results and the claim table into one folder")
    ex.add_argument("dest", type=Path, help="the folder to write (created if missing)")
    args = parser.parse_args(argv)

    from .book import runner

    try:
        if args.command == "list":
            print("\n".join(runner.chapters(args.root)))
            return 0
        if args.command == "plan":
            from . import plan

            if args.gpu_tflops is not None and not args.gpu_tflops > 0:
                raise ConfigError(f"--gpu-tflops={args.gpu_tflops} must be a positive rate in TFLOP/s")
            if args.workers is not None and args.workers < 1:
                raise ConfigError(f"--workers={args.workers} must be a positive number of worker processes")
            print(plan.report(args.root, args.profile, args.chapter, gpu_tflops=args.gpu_tflops,
                              data_root=args.data_root, device=args.device, cells=args.cells, workers=args.workers))
            return 0
        if args.command == "scorecard":
            return _scorecard(args.root, args.json)
        if args.command == "export":
            return _export(args.root, args.dest)
        if args.dask:
            from .train import cluster

            os.environ[cluster.ENV] = args.dask  # the chapters' kernels inherit it
        runs = runner.run(args.root, profile=args.profile, chapter=args.chapter, fresh=args.fresh,
                          data_root=args.data_root, device=args.device)
    except (ConfigError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(runner.summary(runs))
    return 1 if any(r.status == "failed" for r in runs) else 0


def _scorecard(root: Path, as_json: bool) -> int:
    import json

    from .book import runner, scorecard

    directory = Path(root) / "book" / "chapters"
    if not directory.is_dir():
        raise FileNotFoundError(f"no executed chapters at {directory}; run `make book` (or python -m mlxbook run) first")
    names = runner.chapters(root)
    claims, rows = scorecard.claims(directory, names), scorecard.collect(directory, names)
    if as_json:
        print(json.dumps(scorecard.summary(claims, rows), indent=1, default=str))
    else:
        print(scorecard.tally(claims).to_string())
    return 0


def _export(root: Path, dest: Path) -> int:
    from .book import downloads, runner, scorecard

    directory = Path(root) / "book" / "chapters"
    claims = scorecard.claims(directory, runner.chapters(root))
    written = downloads.export(directory, dest, claims)
    print(f"{len(written)} files written to {dest} (index.csv lists the per-seed files, claims.csv the verdicts)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
