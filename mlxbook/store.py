"""The on-disk result store: every finished computation of the book, kept so that none is run twice.

Each experiment family keeps its results in one ``joblib.Memory`` (a folder under :func:`cache_dir`: the
grids of :func:`mlxbook.train.run_grid` at its top, the RRR, RRR-theory and IBP-Ex experiments in
sub-folders named after them), keyed by the call's arguments and by :func:`code_key`. joblib writes each
entry to a temporary file and renames it, so an interrupted run resumes where it stopped, a rerun
computes nothing, a change of arguments or code computes exactly what it touches, and an entry that cannot
be read is reported by joblib ("Exception while loading results ...") and computed again. The store holds
our own results only; data files from elsewhere are never unpickled.
"""
from __future__ import annotations

import functools
import hashlib
import inspect
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import joblib

from .provenance import COMPUTE_PARTS, PACKAGE_DIR, code_fingerprint


def cache_dir() -> Path:
    """``$MLXBOOK_CACHE``, else ``.mlxbook-cache`` in the source checkout, else the user's cache folder."""
    if os.environ.get("MLXBOOK_CACHE"):
        return Path(os.environ["MLXBOOK_CACHE"]).expanduser()
    if (PACKAGE_DIR.parent / "pyproject.toml").exists():
        return PACKAGE_DIR.parent / ".mlxbook-cache"
    return Path.home() / ".cache" / "mlxbook"


@functools.lru_cache(maxsize=None)
def code_key(*sources: object) -> str:
    """Fingerprint of the package's computing parts plus the source of ``sources`` (modules or functions).

    An experiment passes its own module, or the functions its stored results come from, so that editing
    one experiment recomputes its results only, and editing a table or a plot recomputes nothing.
    """
    digest = hashlib.sha256(code_fingerprint(COMPUTE_PARTS).encode())
    for source in sources:
        digest.update(inspect.getsource(source).encode())
    return digest.hexdigest()[:16]


def freeze(values: dict) -> tuple:
    """A dict of keyword arguments as a sorted tuple (hashable, one key per content; paths as strings)."""
    return tuple(sorted((k, str(v) if isinstance(v, Path) else v) for k, v in values.items()))


def cached(fn: Callable, family: str | None = None, *, location: Path | str | None = None, cache: bool = True):
    """``fn`` behind the store of ``family`` (a sub-folder of the store, or its top for None).

    ``location`` replaces :func:`cache_dir`; ``cache=False`` gives a function that stores nothing.
    """
    if not cache:
        return joblib.Memory(None, verbose=0).cache(fn)
    root = Path(location or cache_dir())
    return joblib.Memory(root / family if family else root, verbose=0).cache(fn)


def call(stored_fn, *args) -> tuple[Any, bool]:
    """``stored_fn(*args)`` (a function from :func:`cached`) and whether this call computed it."""
    computed = not stored_fn.check_call_in_cache(*args)
    return stored_fn(*args), computed
