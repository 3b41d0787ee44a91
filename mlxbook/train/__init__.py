"""The training core: stacked multi-seed models, the training loop, and the cached grid runner."""
from ..store import cache_dir
from .engine import FitResult, fit, predict
from .grid import GridResult, RunSpec, run_grid
from .stacked import StackedModel

__all__ = ["FitResult", "GridResult", "RunSpec", "StackedModel", "cache_dir", "fit", "predict", "run_grid"]
