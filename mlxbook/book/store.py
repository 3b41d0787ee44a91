"""The on-disk result store: every finished computation of the book, kept so that none is run twice.

Each kind of result is a :class:`Family` declared once with :func:`family`: a folder under
:func:`cache_dir` (the grids of :func:`mlxbook.train.run_grid` at its top, the RRR, IBP-Ex and IBP-Ex
theory experiments in sub-folders) and the *computing* modules its keys cover. A stored call is keyed by
its arguments and by :meth:`Family.key`: the package's computing parts plus those modules' source, never
a module that formats, plots or judges (so editing a table, a figure or a verdict rule recomputes
nothing; ``tests/test_keys.py`` edits each and checks). :data:`FAMILIES` lists them all. joblib writes each
entry to a temporary file and renames it, so an interrupted run resumes where it stopped, a rerun
computes nothing, a change of arguments or code computes exactly what it touches, and an entry that cannot
be read is reported by joblib ("Exception while loading results ...") and computed again. The store holds
our own results only; data files from elsewhere are never unpickled.
"""
from __future__ import annotations

import functools
import hashlib
import importlib
import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib

from ..provenance import COMPUTE_PARTS, PACKAGE_DIR, code_fingerprint


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

    A :class:`Family` passes its computing modules, so that editing one experiment's computation
    recomputes its results only, and editing a table or a plot recomputes nothing.
    """
    digest = hashlib.sha256(code_fingerprint(COMPUTE_PARTS).encode())
    for source in sources:
        digest.update(inspect.getsource(source).encode())
    return digest.hexdigest()[:16]


def freeze(values: dict) -> tuple:
    """A dict of keyword arguments as a sorted tuple (hashable, one key per content; paths as strings)."""
    return tuple(sorted((k, str(v) if isinstance(v, Path) else v) for k, v in values.items()))


def call(stored_fn, *args) -> tuple[Any, bool]:
    """``stored_fn(*args)`` (a function from :meth:`Family.cached`) and whether this call computed it."""
    computed = not stored_fn.check_call_in_cache(*args)
    return stored_fn(*args), computed


@dataclass(frozen=True)
class Family:
    """One kind of stored result: ``folder`` in the store (None: its top) and the ``modules`` that compute it.

    ``modules`` are dotted names, imported when a key is asked for, so that a computing module can
    declare its own family. Keep them to modules that hold no tables, figures or verdicts.
    """

    name: str
    folder: str | None
    modules: tuple[str, ...] = ()

    def key(self) -> str:
        """The code part of this family's keys (:func:`code_key` over :attr:`modules`)."""
        return code_key(*(importlib.import_module(m) for m in self.modules))

    def cached(self, fn: Callable, *, location: Path | str | None = None, cache: bool = True,
               ignore: tuple[str, ...] = ()):
        """``fn`` behind this family's folder of the store (a ``joblib.Memory``).

        ``location`` replaces :func:`cache_dir`; ``cache=False`` gives a function that stores nothing;
        ``ignore`` names arguments that do not enter the key (where to find other stored results).
        """
        if not cache:
            return joblib.Memory(None, verbose=0).cache(fn, ignore=list(ignore))
        root = Path(location or cache_dir())
        return joblib.Memory(root / self.folder if self.folder else root, verbose=0).cache(fn, ignore=list(ignore))


#: Every family declared so far, by name (an experiment package declares its own on import).
FAMILIES: dict[str, Family] = {}


def family(name: str, folder: str | None, *modules: str) -> Family:
    """Declare the family ``name`` (once; the same declaration again returns it) and return it."""
    new = Family(name, folder, tuple(modules))
    old = FAMILIES.setdefault(name, new)
    if old != new:
        raise ValueError(f"store family {name!r} is declared twice, differently: {old} and {new}")
    return old
