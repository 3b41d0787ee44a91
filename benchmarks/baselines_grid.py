"""Time the Baselines chapter's grid (Table 5 on Triangle and Fox vs Cat, and the two diagnosis runs) under a
profile, on an empty result store, exactly as the chapter runs it (same budget, same worker processes).

    .venv/bin/python benchmarks/baselines_grid.py [--profile cpu]

Prints the cells, the seconds and one last line ``baselines_grid_seconds=<s>``. Run it at two commits on an
idle machine to compare them (the note of the engine issue does).
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time

from mlxbook.book import chapter
from mlxbook.experiments.two_stage import baselines as bl

os.environ.setdefault("MLXBOOK_PROGRESS", "0")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="cpu")
    args = parser.parse_args()
    ch = chapter.start("Baselines grid", profile=args.profile, show=False)
    budget = bl.budget(ch)
    specs = bl.grid_specs(budget) + bl.diagnosis_specs(budget)
    with tempfile.TemporaryDirectory() as store:
        os.environ["MLXBOOK_CACHE"] = store
        started = time.perf_counter()
        bl.run(specs, jobs=bl.n_jobs(budget))
        seconds = time.perf_counter() - started
    print(f"{len(specs)} cells x {len(budget.seeds)} seeds, {budget.epochs} epochs, {budget.image_size}px, "
          f"{budget.n_test} test images, {bl.n_jobs(budget)} worker processes: {seconds:.1f} s")
    print(f"baselines_grid_seconds={seconds:.1f}")


if __name__ == "__main__":
    main()
