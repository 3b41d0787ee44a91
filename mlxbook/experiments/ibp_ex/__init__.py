"""Sec. 5 and Appendix E of "Robust Learning from Explanations" (Heo et al., 2023): the IBP-Ex chapter.

The chapter ``notebooks/ibp_ex.ipynb`` re-runs the paper's comparison of seven training methods (ERM,
RRR, CDEP, CoRM, PGD-Ex, IBP-Ex, IBP-Ex+RRR) on decoy-MNIST (Sec. 5.2, Table 1 and the s1 / s2 gradient
statistics), ISIC (Sec. 5.3, Tables 2, 5 and 6), Plant (Sec. 5.4, Table 3 and Fig. 3), their running
times (Sec. 5.5, Table 4) and the PGD-Ex sensitivity of Appendix E, and adds a certificate column.
The methods themselves are :mod:`mlxbook.methods` (IBP-Ex in :mod:`mlxbook.methods.ibp_ex`, the interval
bounds in :mod:`mlxbook.methods.ibp`).

Computing (what the result store keeps, and the settings it is computed from):

* :mod:`.grids` - the search space of Sec. 5.1.3 (:func:`~.grids.paper_grids`, the part a profile keeps
  with :func:`~.grids.capped_grids`) and the paper's units (:data:`~.grids.INPUT_STD`);
* :mod:`.specs` - the profile's :class:`~.specs.Budget` and the :class:`~mlxbook.train.cell.RunSpec` of
  each decoy-MNIST, ISIC or Plant cell;
* :mod:`.training` - :func:`~.training.run_cells`: one stored cell of :func:`mlxbook.train.run_cells` per
  (method, hyper-parameters), all seeds in it, with the validation split scored and the
  :class:`~.training.Analysis` probes run on the trained models;
* :mod:`.probes` - those probes: certified fractions, the s1 / s2 statistics (Sec. 5.2) and SmoothGrad
  maps (Fig. 3).

Reporting (reads the cells, computes nothing that is stored):

* :mod:`.selection` - the paper's model choice, the best validation worst-group accuracy per method;
* :mod:`.tables` - per-seed frames for Tables 1, 2/5, 3, 6 and s1 / s2, compared with the paper's
  numbers, Table 4 and the other plain tables; :func:`~.tables.real_tables` compares ISIC or Plant when
  their data is at ``data_root`` (the cells of :func:`~.training.real_cells`);
* :mod:`.figures` - Fig. 3's SmoothGrad layout and the PGD-Ex sensitivity plot.

The cells are the store's ``ibp_ex`` family (:data:`.training.IBP_EX`, folder ``ibp_ex``): keyed by the
spec (its probes and their arguments included) and the source of :mod:`.probes` besides the package's
computing parts. The grids and specs enter a key as the spec itself, so editing a table, a
figure or the selection rule retrains nothing.
"""
