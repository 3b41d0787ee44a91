"""Command line: ``python -m mlxbook run [--profile P] [--chapter NAME ...] [--fresh]`` and ``list``."""
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
    args = parser.parse_args(argv)

    from .book import runner

    try:
        if args.command == "list":
            print("\n".join(runner.chapters(args.root)))
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
