"""The one stored cell: probes run on the trained models, weights kept, loaders and probes covered by the key."""
from dataclasses import replace

import numpy as np
import pytest
import torch

from mlxbook.book import store
from mlxbook.data import load
from mlxbook.errors import ConfigError
from mlxbook.train import RunSpec, run_cells
from mlxbook.train.cell import Trained, name_of, probe, run_probe
from mlxbook.train.grid import GRID

CELLS = store.Family("test_cells", "test_cells", (__name__,))  # not declared: a test family, not the book's
SPEC = RunSpec("toy_colours", "rrr", "mlp", (0, 1), 2, data={"n_train": 40, "n_test": 30},
               model_kwargs={"hidden": (8,)}, method_kwargs={"lam": 1e-3}, batch_size=16)


@probe
def final_predictions(cell: Trained, scale: float = 1.0) -> np.ndarray:
    """Each seed's predicted test labels, from the models the probe is handed (scale only enters the key)."""
    x = cell.task.tests["test"].x
    with torch.no_grad():
        return np.stack([m(x).argmax(-1).numpy() for m in cell.models])


def test_probe_sees_the_trained_models_and_is_stored_with_the_cell(tmp_path):
    spec = replace(SPEC, probes=((name_of(final_predictions), {"scale": 1.0}),), keep_states=True)
    (cell,) = run_cells([spec], CELLS, location=tmp_path)
    assert cell["computed"]
    probed = cell["probes"][name_of(final_predictions)]
    np.testing.assert_array_equal(probed, cell["predictions"]["test"])  # the probe saw the final models
    model = spec.build(load(spec.dataset, **spec.data))()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in cell["states"][1].items()})
    with torch.no_grad():
        again = model(cell_task_x(spec)).argmax(-1).numpy()
    np.testing.assert_array_equal(again, cell["predictions"]["test"][1])  # the kept weights are the final ones
    (stored,) = run_cells([spec], CELLS, location=tmp_path)
    assert not stored["computed"]
    other = replace(spec, probes=((name_of(final_predictions), {"scale": 2.0}),))
    assert run_cells([other], CELLS, location=tmp_path)[0]["computed"]  # a probe's arguments are in the key
    assert {"code", "commit", "device", "stacked", "finished"} <= set(cell["provenance"])


def cell_task_x(spec: RunSpec) -> torch.Tensor:
    return load(spec.dataset, **spec.data).tests["test"].x


def test_stacked_and_seed_by_seed_training_agree(tmp_path):
    alone, stacked = run_cells([replace(SPEC, stack_seeds=False), replace(SPEC, stack_seeds=True)], CELLS,
                               location=tmp_path)
    a, b = alone["scores"], stacked["scores"]
    assert list(a.seed) == list(b.seed) and np.allclose(a.accuracy, b.accuracy, atol=1 / 30 + 1e-9)
    assert {"macro_accuracy", "worst_group_accuracy", "stop_epoch", "group_0"} <= set(a.columns)


def test_a_probe_outside_the_familys_modules_is_refused(tmp_path):
    spec = replace(SPEC, probes=((name_of(final_predictions), {}),))
    with pytest.raises(ConfigError, match="not among the family's computing modules"):
        run_cells([spec], GRID, location=tmp_path)


def test_an_unknown_probe_names_the_registered_ones(tmp_path):
    spec = replace(SPEC, probes=(("mlxbook.nowhere.probe", {}),))
    with pytest.raises(ConfigError, match="probe 'mlxbook.nowhere.probe' is not registered; registered: .*final_predictions"):
        run_cells([spec], CELLS, location=tmp_path)


def test_the_experiments_train_through_the_one_cell():
    """No experiment module calls the engine's fit itself: every stored result goes through run_cells."""
    import ast
    from pathlib import Path

    import mlxbook

    offenders = []
    for path in (Path(mlxbook.__file__).parent / "experiments").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.endswith("train.engine"):
                offenders.append(path.name)
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "fit":
                offenders.append(path.name)
    assert not offenders


def test_probes_on_a_stored_cell_read_its_kept_weights_without_retraining(tmp_path, monkeypatch):
    import mlxbook.train.cell as cell_module

    spec = replace(SPEC, keep_states=True)
    (cell,) = run_cells([spec], CELLS, location=tmp_path)

    def no_training(*args, **kwargs):
        raise AssertionError("the stored cell was trained again")

    monkeypatch.setattr(cell_module, "fit", no_training)
    for scale in (3.0, 4.0):  # two probes, one trained cell
        value = run_probe(spec, (name_of(final_predictions), {"scale": scale}), CELLS, location=tmp_path)
        np.testing.assert_array_equal(value, cell["predictions"]["test"])
    with pytest.raises(ConfigError, match="keep_states=True"):
        run_probe(SPEC, (name_of(final_predictions), {}), CELLS, location=tmp_path)
    with pytest.raises(ConfigError, match="not among the family's computing modules"):
        run_probe(spec, (name_of(final_predictions), {}), GRID, location=tmp_path)
