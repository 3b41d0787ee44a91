"""The benchmark script runs end to end (tiny sizes; its figures are for the notes, not asserted here)."""
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "engine.py"


def test_engine_benchmark_runs_every_part_and_reports_its_ratios(tmp_path):
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--seeds", "2", "--epochs", "1", "--n-test", "20", "--size", "32", "--reps", "1",
         "--rounds", "1", "--cache-epochs", "1"],
        capture_output=True, text=True, timeout=600, env={**os.environ, "MLXBOOK_CACHE": str(tmp_path)},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    text = out.stdout
    for line in ("plain per-seed PyTorch loop", "engine, plain loop's evaluation", "engine, book's evaluation",
                 "FLOP x ERM", "% of matmul", "ibp_ex", "of the first", "engine_vs_plain_speedup_same_evaluation="):
        assert line in text, text
    assert text.strip().splitlines()[-1].startswith("engine_vs_plain_speedup=")
    for size in ("32", "64"):
        ibp = next(row for row in text.splitlines() if row.split()[:2] == [size, "ibp_ex"]).split()
        assert float(ibp[3]) == 3.0  # exact bounds: clean, centre and radius pass, forward and backward
    assert "(0 computed)" in text  # the second grid run read every cell from the store


def test_quick_engine_benchmark_ends_with_the_speedup_line():
    out = subprocess.run([sys.executable, str(SCRIPT), "--quick"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    speedup = float(out.stdout.strip().splitlines()[-1].removeprefix("engine_vs_plain_speedup="))
    assert speedup > 0
