"""The result store: reruns compute nothing, changes recompute exactly what changed, kills lose nothing."""
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from mlxbook.book import store
from mlxbook.train import RunSpec, run_grid


def _specs(methods=("erm", "rrr", "two_stage"), epochs=1):
    return [RunSpec("triangle", m, "shape_cnn", (0, 1), epochs, data={"n_train": 16, "n_test": 20, "size": 32},
                    model_kwargs={"image_size": 32, "widths": [4, 4, 4]}) for m in methods]


def test_rerun_computes_nothing_and_changes_recompute_exactly_them(tmp_path, monkeypatch):
    first = run_grid(_specs(), location=tmp_path)
    assert first.computed == [True, True, True]
    assert set(first.scores.method) == {"erm", "rrr", "two_stage"} and len(first.scores) == 3 * 2 * 2
    again = run_grid(_specs(), location=tmp_path)
    assert again.computed == [False, False, False]
    pd.testing.assert_frame_equal(first.scores, again.scores)
    changed = _specs()[:2] + _specs(methods=("two_stage",), epochs=2)
    assert run_grid(changed, location=tmp_path).computed == [False, False, True]
    monkeypatch.setattr(store, "code_key", lambda *sources: "other code")
    assert run_grid(_specs(), location=tmp_path).computed == [True, True, True]


def test_each_cell_records_its_config_and_code_version(tmp_path):
    cell = run_grid(_specs(methods=("erm",)), location=tmp_path).cells[0]
    assert cell["spec"]["method"] == "erm" and cell["spec"]["seeds"] == (0, 1)
    assert {"mlxbook", "commit", "code", "torch", "device"} <= set(cell["provenance"])


def test_corrupt_entry_is_detected_and_recomputed(tmp_path, caplog):
    run_grid(_specs(methods=("erm",)), location=tmp_path)
    (stored,) = list(tmp_path.rglob("output.pkl"))
    stored.write_bytes(b"not a result")
    again = run_grid(_specs(methods=("erm",)), location=tmp_path)
    assert "Exception while loading results" in caplog.text  # joblib logs a warning
    assert again.scores.accuracy.notna().all()
    assert run_grid(_specs(methods=("erm",)), location=tmp_path).computed == [False]  # stored afresh


def test_killed_grid_resumes_without_losing_finished_cells(tmp_path):
    script = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_grid import _specs
        from mlxbook.train import run_grid
        run_grid(_specs(methods=("erm", "rrr", "two_stage", "erm"), epochs=3)[:3] + _specs(epochs=6)[:1],
                 location={str(tmp_path)!r})
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, "MLXBOOK_PROGRESS": "0"},
                            start_new_session=True)
    deadline = time.time() + 120
    while not list(tmp_path.rglob("output.pkl")) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = len(list(tmp_path.rglob("output.pkl")))
    assert 1 <= finished < 4, "the kill should land after the first cell and before the last"
    resumed = run_grid(_specs(methods=("erm", "rrr", "two_stage"), epochs=3) + _specs(epochs=6)[:1], location=tmp_path)
    assert resumed.computed[:finished] == [False] * finished and all(resumed.computed[finished:])


@pytest.mark.parametrize("n_jobs", [2])
def test_parallel_cells_equal_sequential(tmp_path, n_jobs):
    sequential = run_grid(_specs(methods=("erm", "rrr")), cache=False)
    parallel = run_grid(_specs(methods=("erm", "rrr")), n_jobs=n_jobs, location=tmp_path)
    pd.testing.assert_frame_equal(sequential.scores, parallel.scores)
