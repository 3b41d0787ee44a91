"""Sec 4 of "Robust Learning from Explanations" (IBP-Ex; Heo et al., 2023): Fig 1, Theorems 1-2, Proposition 1.

The chapter ``notebooks/rrr_theory.ipynb`` ("The RRR theory demo") follows Sec 4's argument that an
input-gradient penalty (RRR) constrains a model only at the training points, while a robustness method
(IBP-Ex) constrains it over a region of the nuisance feature x2; Appendices A-C give the proofs.

Computing (what the result store keeps):

* :mod:`.demo` - the chapter's settings and :class:`~.demo.Budget`, the 2-D domain and
  the deviation measures along x2, and the networks: Fig 1 (b-d) (RRR with weak and strong weight decay,
  IBP-Ex without, ERM for reference), RRR's weight-decay sweep, IBP-Ex's box radii (Theorem 2 for
  networks) and Proposition 1's two-layer networks (Appendix C), each a stored cell of
  :func:`mlxbook.train.run_cells` probed by :func:`~.demo.demo_probe` (:func:`~.demo.network_results`);
* :mod:`.gp` - the primitive: GP regression with derivative observations (Appendix A) and its
  marginalisation over the Gamma prior of Theorem 1;
* :mod:`.theorems` - Theorem 1 (Eq. 5: zero x2-derivatives at the data against the length scale,
  alpha/beta and delta) and Theorem 2 (Eq. 6: invariance observations covering x2 up to a gap C), all
  computed by :func:`~.theorems.gp_results`.

Outside the keys: :mod:`.budget` - :func:`~.budget.budget_for` (the profile's budget; it enters a key as the
arguments it gives).

Reporting (reads the stored results; editing it recomputes nothing):

* :mod:`.tables` - Fig 1's panels, the sweeps and Proposition 1 as tables (:func:`~.tables.prop1_frame`
  reshapes the two-layer networks' measurements for the table, the figure and the claims);
* :mod:`.figures` - Fig 1 reproduced, the trade-off, the GP maps, Theorems 1-2 and Proposition 1;
* :mod:`.claims` - one row per claim of Sec 4 and Appendix C with our evidence and the verdict of a
  stated rule, as a :class:`mlxbook.book.compare.Claims` the chapter shows under ``claims-sec4``.

Store: one family, :data:`.demo.THEORY` (``"ibp_ex_theory"``, folder ``ibp_ex_theory``), holds both
:func:`~.demo.network_results`'s cells (one per network spec, all seeds) and :func:`~.theorems.gp_results`;
its keys cover the package's computing parts and the source of :mod:`.demo`, :mod:`.gp` and
:mod:`.theorems`, never the tables, figures or claims.
"""
