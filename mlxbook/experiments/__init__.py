"""The experiments of the three papers, one package per paper, each split into computing and reporting.

* :mod:`~mlxbook.experiments.two_stage` - "Machine Learning from Explanations" (the two-stage method):
  the Baselines, Two-stage, Transfer, Consistency and Spurious-features chapters;
* :mod:`~mlxbook.experiments.rrr` - "Right for the Right Reasons": the RRR chapter;
* :mod:`~mlxbook.experiments.ibp_ex_theory` - Sec 4 and App. C of "Robust Learning from Explanations":
  the IBP-Ex theory chapter (``rrr_theory``);
* :mod:`~mlxbook.experiments.ibp_ex` - Sec 5 of "Robust Learning from Explanations": the IBP-Ex chapter;
* :mod:`~mlxbook.experiments.benchmark` - every method on every download-free dataset under one protocol.

In each package the computing modules produce what the result store keeps (their source is part of the
stored results' keys, :class:`mlxbook.book.store.Family`); the reporting modules (tables, figures, claims)
only read those results, so editing them recomputes nothing. Each package's docstring says which chapter
uses which module.
"""
