"""What the chapter ``rrr_theory`` runs under its profile: the :class:`~.demo.Budget` of every network and GP.

Outside the store's keys: a budget enters them as the arguments it gives (``asdict(budget)``), so
changing a profile's choice here recomputes exactly the results whose arguments change.
"""
from __future__ import annotations

from ... import paper
from .demo import FIG1_WEIGHT_DECAYS, IBP_EPS_MAX, Budget


def budget_for(ch) -> Budget:
    """The chapter's budget under its profile (``ch`` from :func:`mlxbook.book.chapter.start`).

    Seeds: the paper's three (Sec 5.1.3; Fig 1 shows one run). Epochs: the paper gives none for the
    demo; 40 epochs of batch 128 (280 Adam steps) fit every configuration here. Smoke runs every code
    path on tiny data.
    """
    seeds = tuple(ch.seeds(paper.fact("ibp_ex", "n_seeds"), smoke=1))
    smoke = ch.profile.name == "smoke"
    if smoke:
        return Budget(seeds, epochs=2, n_per_group=10, n_test_per_group=10, weight_decays=FIG1_WEIGHT_DECAYS,
                      two_layer_weight_decays=(1e-4, 1e-1), ibp_eps=(5.0, IBP_EPS_MAX), grid_n=(17, 13),
                      gp_per_cluster=1, gp_nodes=3, gp_thetas=(1.0, 5.0, 20.0), gp_alpha_over_beta=(1e-2, 1.0),
                      gp_gaps=(5.0, 1.25), device=str(ch.device))
    return Budget(seeds, epochs=40, device=str(ch.device))


FULL = Budget((0, 1, 2), epochs=40)
"""The cpu and paper profiles' budget (the paper states no sizes for the demo; seeds as in its Sec 5)."""
