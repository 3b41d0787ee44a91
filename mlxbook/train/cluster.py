"""Cells on a ``dask.distributed`` cluster: the workers compute, the process that runs the chapter stores.

Set ``MLXBOOK_DASK`` to a scheduler's address (``tcp://head:8786``; ``python -m mlxbook run --dask ADDRESS``
sets it for the chapters it executes, and a chapter opened in JupyterLab reads it from the environment) and
:func:`~mlxbook.train.cell.run_cells` sends every cell the store does not hold to that cluster. Each finished
cell comes back to this process, which writes it to the result store at once, so the workers need no shared
file system, only the same ``mlxbook`` at the same commit. A worker that dies mid-grid loses nothing that has
come back: the scheduler gives its unfinished cells to another worker (``distributed``'s own rescheduling),
and a rerun reads every stored cell and contacts no cluster when none is left to compute.

Which machine computes a cell does not change the cell (CPU results are deterministic; a GPU worker's may
differ in the last digits, as on a local GPU), so nothing here enters a stored result's key.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable

from ..errors import ConfigError

ENV = "MLXBOOK_DASK"
"""The environment variable that names the scheduler (unset or empty: cells run here)."""
CONNECT_TIMEOUT = "30s"
"""How long to wait for the scheduler before the chapter fails with a clear error."""


def address() -> str | None:
    """The scheduler's address from :data:`ENV`, or None."""
    return os.environ.get(ENV) or None


def persist(stored_fn, args: tuple, output) -> None:
    """Store ``output`` as the result of ``stored_fn(*args)`` (a function from :meth:`.store.Family.cached`), as
    joblib does after computing it itself; a later ``stored_fn(*args)`` reads it and computes nothing."""
    call_id = (stored_fn.func_id, stored_fn._get_args_id(*args))
    stored_fn._is_in_cache_and_valid(call_id)  # writes the function's code beside its results on a first call
    stored_fn._after_call(call_id, args, {}, False, output, time.time())


def run(stored_fn, compute: Callable, args: list, code: str, todo: list[bool], *, on_done=None) -> list:
    """Every cell ``stored_fn(a, code)`` for ``a`` in ``args``: read from the store where ``todo`` is False, else
    ``compute(a, code)`` on the cluster at :func:`address`, stored here as it comes back; ``on_done(i)`` is called
    after each cell stored (a progress bar)."""
    from distributed import Client, as_completed

    out = [None if t else stored_fn(a, code) for a, t in zip(args, todo)]
    missing = [i for i, t in enumerate(todo) if t]
    if not missing:
        return out
    try:
        client = Client(address(), timeout=CONNECT_TIMEOUT)
    except OSError as exc:
        raise ConfigError(f"{ENV}={address()!r}: no dask scheduler answered there within {CONNECT_TIMEOUT} ({exc}); "
                          f"start one (`dask scheduler`) or unset {ENV} to compute here") from exc
    with client:
        futures = {client.submit(compute, args[i], code, pure=False): i for i in missing}
        for future in as_completed(futures):
            i = futures[future]
            persist(stored_fn, (args[i], code), future.result())
            out[i] = stored_fn(args[i], code)  # read back: the cell as every later run will see it
            if on_done:
                on_done(i)
    return out
