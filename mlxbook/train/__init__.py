"""The training core: stacked multi-seed models, the training loop, and the cached grid runner."""
from .engine import FitResult, fit, predict
from .grid import GridResult, RunSpec, cache_dir, run_grid
from .stacked import StackedModel

__all__ = ["FitResult", "GridResult", "RunSpec", "StackedModel", "cache_dir", "fit", "predict", "run_grid"]
