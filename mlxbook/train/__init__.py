"""The training core: the multi-seed training loop, the one stored cell, and grids of cells."""
from .cell import RunSpec, run_cells
from .engine import FitResult, fit, predict
from .grid import GridResult, run_grid

__all__ = ["FitResult", "GridResult", "RunSpec", "fit", "predict", "run_cells", "run_grid"]
