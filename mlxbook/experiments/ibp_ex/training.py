"""Training cells of Sec. 5 ("Robust Learning from Explanations"), kept in the result store.

:func:`run_cells` trains each (method, hyper-parameters) cell through the book's one stored cell
(:func:`mlxbook.train.cell.run_cells`) with the validation split scored too (model selection, Sec.
5.1.3) and the :class:`Analysis` probes of :mod:`.probes` run on the trained models: certified
fractions, the s1 / s2 statistics and SmoothGrad maps. The cells live in the store's :data:`IBP_EX`
family.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ...book import store
from ...train import RunSpec
from ...train import run_cells as train_cells
from ...train.cell import name_of
from . import probes
from .grids import INPUT_STD, capped_grids, expand
from .specs import Budget, real_spec

#: The IBP-Ex cells: keyed by spec (with its probes) and the source of :mod:`.probes`.
IBP_EX = store.family("ibp_ex", "ibp_ex", "mlxbook.experiments.ibp_ex.probes")


@dataclass(frozen=True)
class Analysis:
    """What a cell measures on its trained models besides accuracy (part of the cache key)."""

    cert_eps: tuple[float, ...] = ()
    n_grad: int = 500
    saliency_index: tuple[int, ...] = (0, 1, 2)
    smoothgrad_samples: int = 25
    smoothgrad_std: float = 0.15

    def probes(self) -> tuple:
        """The probes of a cell: certificates at ``cert_eps``, s1 / s2 on ``n_grad`` images, SmoothGrad maps."""
        return ((name_of(probes.certified), {"eps": tuple(self.cert_eps)}),
                (name_of(probes.grad_stats), {"n": self.n_grad}),
                (name_of(probes.saliency),
                 {"index": tuple(self.saliency_index), "samples": self.smoothgrad_samples,
                  "std": self.smoothgrad_std}))


def decoy_analysis(b, used: dict) -> Analysis:
    """The decoy cells' probes: certificates at every eps of the IBP-Ex and PGD-Ex grids (input units),
    s1 / s2 on at most 500 training images."""
    eps = sorted(set(used["ibp_ex"]["eps_max"]) | set(used["pgd_ex"]["eps"]))
    return Analysis(cert_eps=tuple(e * INPUT_STD for e in eps), n_grad=min(500, b.n_train))


def stored_specs(specs: list[RunSpec], analysis: Analysis) -> list[RunSpec]:
    """The specs :func:`run_cells` stores (validation scored, ``analysis``'s probes)."""
    return [replace(s, score_val=True, probes=analysis.probes()) for s in specs]


def real_cells(dataset: str, data_root, b: Budget, device: str = "cpu", analysis: Analysis = Analysis(),
               **kw) -> list[dict]:
    """Every cell of ISIC or Plant (Sec. 5.3, 5.4) on ``b``'s capped grid (:func:`run_cells`)."""
    specs = [real_spec(dataset, m, h, b, data_root, device) for m, h in expand(capped_grids(b.grid))]
    return run_cells(specs, analysis, **kw)


def run_cells(specs: list[RunSpec], analysis: Analysis = Analysis(), *, cache: bool = True,
              location: Path | None = None) -> list[dict]:
    """Every cell of ``specs`` (validation scored, ``analysis``'s probes run) from the store's :data:`IBP_EX`
    family when computed before, else trained now.

    Besides the cell's own entries: ``certified``, ``grad_stats``, ``saliency`` (maps) and
    ``saliency_index`` from the probes, ``epochs_run`` (seed-epochs trained); ``computed`` says whether
    this call trained it.
    """
    out = []
    for cell in train_cells(stored_specs(specs, analysis), IBP_EX, cache=cache, location=location, desc="IBP-Ex cells"):
        got = cell["probes"]
        sal = got[name_of(probes.saliency)]
        out.append({**cell, "certified": got[name_of(probes.certified)],
                    "grad_stats": got[name_of(probes.grad_stats)], "saliency": sal["maps"],
                    "saliency_index": sal["index"],
                    "epochs_run": int(cell["curves"].groupby("seed")["epoch"].max().sum())})
    return out
