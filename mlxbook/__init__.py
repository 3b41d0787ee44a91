"""mlxbook: the helper package of the book "Machine learning from explanations, reproduced".

Layers (each imports only those before it): ``paper`` (the papers' numbers), ``data`` (datasets with
explanation masks), ``models``, ``methods``, ``book`` (profiles, chapters, the result store, comparisons,
the runner), ``train`` (the multi-seed engine and cached grids) and ``experiments`` (one package per paper).
"""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mlxbook")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"
