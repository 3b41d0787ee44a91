"""Grid cells on a dask.distributed cluster (a LocalCluster of two worker processes on 127.0.0.1 only): the
workers compute, this process stores; the same results as the sequential run, nothing lost when a worker
dies mid-grid, nothing computed twice."""
import os
import signal
import threading
import time

import pandas as pd
import pytest
from distributed import Client, LocalCluster

from mlxbook.errors import ConfigError
from mlxbook.train import RunSpec, cluster, run_grid

NOWHERE = "tcp://127.0.0.1:9"  # nothing listens there: a run that needs no cluster must not contact one


def _specs(sizes):
    return [RunSpec("triangle", "erm", "shape_cnn", (0, 1), 3, data={"n_train": n, "n_test": 48, "size": 32},
                    model_kwargs={"image_size": 32, "widths": (4, 8)}) for n in sizes]


@pytest.fixture(scope="module")
def scheduler():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as local:
        yield local.scheduler_address


def test_a_grid_on_the_cluster_equals_the_sequential_run_and_a_rerun_computes_nothing(scheduler, tmp_path,
                                                                                     monkeypatch):
    specs = _specs((20, 30, 40))
    here = run_grid(specs, location=tmp_path / "here")
    monkeypatch.setenv(cluster.ENV, scheduler)
    there = run_grid(specs, location=tmp_path / "there")
    assert all(there.computed)
    pd.testing.assert_frame_equal(there.scores, here.scores)
    pd.testing.assert_frame_equal(there.curves, here.curves)
    monkeypatch.setenv(cluster.ENV, NOWHERE)
    again = run_grid(specs, location=tmp_path / "there")  # stored by this process: read, no cluster contacted
    assert not any(again.computed)
    pd.testing.assert_frame_equal(again.scores, here.scores)


def test_a_worker_killed_mid_grid_loses_no_cell(scheduler, tmp_path, monkeypatch):
    specs = _specs((24, 28, 32, 36, 44, 48))
    monkeypatch.setenv(cluster.ENV, scheduler)
    killed = []

    def kill_a_busy_worker():
        with Client(scheduler) as client:
            deadline = time.time() + 120
            while time.time() < deadline and not killed:
                busy = [w for w, tasks in client.processing().items() if tasks]
                if busy:
                    for worker, pid in client.run(os.getpid, workers=busy[:1]).items():
                        os.kill(pid, signal.SIGKILL)
                        killed.append(worker)
                time.sleep(0.02)

    thread = threading.Thread(target=kill_a_busy_worker)
    thread.start()
    result = run_grid(specs, location=tmp_path)
    thread.join()
    assert killed and all(result.computed)  # a worker died while it held a cell, and the grid still finished
    monkeypatch.setenv(cluster.ENV, NOWHERE)
    kept = run_grid(specs, location=tmp_path)
    assert not any(kept.computed)  # every cell, the killed worker's too, is in the store
    monkeypatch.delenv(cluster.ENV)
    pd.testing.assert_frame_equal(kept.scores, run_grid(specs, location=tmp_path / "here").scores)


def test_an_address_where_no_scheduler_answers_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv(cluster.ENV, NOWHERE)
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", "2s")
    with pytest.raises(ConfigError, match="MLXBOOK_DASK='tcp://127.0.0.1:9': no dask scheduler answered"):
        run_grid(_specs((20,)), location=tmp_path)
