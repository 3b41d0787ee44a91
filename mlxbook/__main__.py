"""Command line: ``python -m mlxbook run [--profile P] [--chapter NAME ...] [--fresh]``, ``plan`` and ``list``."""
from __future__ import annotations

import argparse
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
    sub.add_parser("list", help="list the chapters in book order")
    pl = sub.add_parser("plan", help="the cells each chapter would train, their FLOPs, what is stored, the time it takes")
    pl.add_argument("--profile", default=None, help=f"one of {', '.join(PROFILES)} (default: $MLXBOOK_PROFILE or cpu)")
    pl.add_argument("--chapter", action="append", help="a chapter name (repeatable; default: all)")
    pl.add_argument("--gpu-tflops", type=float, default=None, help="also estimate the time on a GPU of this rate")
    pl.add_argument("--cells", action="store_true", help="list every cell")
    pl.add_argument("--data-root", default=None, help="folder holding real datasets (MNIST, CUB-200-2011, ...)")
    pl.add_argument("--device", default="auto", help="the device the chapters would train on (default: auto)")
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
            print(plan.report(args.root, args.profile, args.chapter, gpu_tflops=args.gpu_tflops,
                              data_root=args.data_root, device=args.device, cells=args.cells))
            return 0
        runs = runner.run(args.root, profile=args.profile, chapter=args.chapter, fresh=args.fresh,
                          data_root=args.data_root, device=args.device)
    except (ConfigError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(runner.summary(runs))
    return 1 if any(r.status == "failed" for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
