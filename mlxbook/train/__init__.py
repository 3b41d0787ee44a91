"""The training core: the multi-seed training loop and the cached grid runner."""
from .engine import FitResult, fit, predict
from .grid import GridResult, RunSpec, run_grid

__all__ = ["FitResult", "GridResult", "RunSpec", "fit", "predict", "run_grid"]
