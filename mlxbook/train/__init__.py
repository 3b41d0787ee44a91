"""The training core: the multi-seed training loop, the one stored cell, and grids of cells."""
from .cell import RunSpec, run_cells
from .engine import Evaluation, FitResult, fit, predict
from .grid import GridResult, run_grid

__all__ = ["Evaluation", "FitResult", "GridResult", "RunSpec", "fit", "predict", "run_cells", "run_grid"]
