"""Every method's hyper-parameter search space in its paper (DomainBed's hparams registry).

:data:`mlxbook.methods.METHODS` says what a method *computes* (its class; part of every store key);
:data:`HPARAMS` says which values its paper searches, one line per method (its name is in
:mod:`mlxbook.paper.names`). Both registries list the same names (``tests/test_registry.py``). This module
is outside the store's keys (:data:`mlxbook.provenance.NOT_COMPUTING`): a search space enters a result only
as the hyper-parameters of the specs built from it, which are in their keys.

A search space maps each hyper-parameter axis to the values the paper tried, in the paper's units and
order, read from :mod:`mlxbook.paper`; an experiment converts units (IBP-Ex's radii) and chooses which
values a profile affords. Adding a method: its file under ``mlxbook/methods/``, its class in
``METHODS``, its line here and its name in :mod:`mlxbook.paper.names`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .. import paper
from ..errors import check_choice
from ..paper import names

IBP_EPS_POINTS = (0.03, 0.1, 0.3, 1.0)
"""Our points inside IBP-Ex's eps_max range (Sec. 5.1.3 gives only the range 0.01-2, no grid)."""
FOCAL_GAMMAS = (2.0, 1.0, 5.0, 0.5)
"""Lin et al. 2017 (Table 1b): gamma = 2 worked best; 0.5, 1 and 5 among the others tried."""


def _fact(name: str, key: str) -> tuple:
    value = paper.fact(name, key)
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def _ibp_eps_max() -> dict:
    lo, hi = paper.fact("ibp_ex", "ibp_ex_epsilon_max_range")
    return {"eps_max": tuple(sorted({lo, *IBP_EPS_POINTS, hi}))}


def _pgd_eps() -> dict:
    lo, hi = paper.fact("ibp_ex", "pgd_ex_epsilon_range")
    return {"eps": tuple(e for e in paper.fact("ibp_ex", "appendix_e_pgd_epsilons") if lo <= e <= hi)}


def _two_stage() -> dict:
    return {"eta1": _fact("two_stage", "eta_grid"), "eta2": _fact("two_stage", "eta_grid")}


@dataclass(frozen=True)
class HParams:
    """The ``paper`` whose search a method follows, and that ``space`` (axis -> values); ``ablation`` marks a
    part-removed variant of another method (the cross-paper benchmark leaves it out)."""

    paper: str
    space: Callable[[], dict[str, tuple]]
    ablation: bool = False


HPARAMS: dict[str, HParams] = {
    "erm": HParams("ibp_ex", dict),  # no axis of its own: its lr and weight decay are every method's base
    "focal": HParams("two_stage", lambda: {"gamma": FOCAL_GAMMAS}),
    "rrr": HParams("ibp_ex", lambda: {"lam": _fact("ibp_ex", "lambda_grid_rrr_cdep"),
                                             "weight_decay": _fact("ibp_ex", "weight_decay_grid_rrr")}),
    "two_stage": HParams("two_stage", _two_stage),
    "two_stage_no_mapping": HParams("two_stage", _two_stage, ablation=True),  # Table 3
    "two_stage_joint": HParams("two_stage", lambda: {"lr": _fact("two_stage", "eta_grid")},
                               ablation=True),
    "corm": HParams("ibp_ex", lambda: {"sigma": _fact("ibp_ex", "corm_sigma_grid")}),
    "pgd_ex": HParams("ibp_ex", _pgd_eps),
    "ibp_ex": HParams("ibp_ex", _ibp_eps_max),
    "ibp_ex_rrr": HParams("ibp_ex", _ibp_eps_max),  # lambda fixed to the paper's 1 (Sec. 5.1.3)
    "cdep": HParams("ibp_ex", lambda: {"lam": _fact("ibp_ex", "lambda_grid_rrr_cdep")}),
}


def label(method: str) -> str:
    """The method's display label (:data:`mlxbook.paper.names.METHODS`)."""
    return names.method(check_choice("method", method, HPARAMS))


def search_space(method: str) -> dict[str, tuple]:
    """The method's paper's search space: axis -> values in the paper's units and order."""
    return HPARAMS[check_choice("method", method, HPARAMS)].space()


def points(space: dict[str, tuple]) -> list[dict]:
    """Every point of a search space, the first axis varying slowest (``[{}]`` for no axis)."""
    out = [{}]
    for axis, values in space.items():
        out = [{**p, axis: v} for p in out for v in values]
    return out
