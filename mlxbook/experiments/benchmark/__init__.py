"""One protocol for every method: the book's own cross-paper benchmark (``notebooks/benchmark.ipynb``).

Each paper compares against a subset of the others on its own data under its own protocol. Here
every method of :mod:`mlxbook.methods` is trained on every dataset that builds without a download,
with the same seeds, the same epochs, the same model per dataset and the same number of
hyper-parameter configurations per method, chosen on a validation split. No paper ran this
comparison, so the chapter records no claims and no verdicts; the one chapter uses every module.

Computing (what the store keeps, and what it needs):

* :mod:`.settings` - :data:`~.settings.METHODS` and :data:`~.settings.SETTINGS`, the training tasks
  (Triangle and Fox-vs-Cat at 1:1, 1:9 and with spurious squares, App. A.4 of the two-stage paper; the two
  Decoy-Digits versions, RRR's toy colours and Iris-Cancer) and :data:`~.settings.COLUMNS`, the
  benchmark's datasets: every setting's clean test set plus the Pentagon and Triangle-vs-Circle transfer
  sets (Sec. 3.2 of the two-stage paper), which the 1:1 models are tested on; and
  :func:`~.settings.candidates` / :func:`~.settings.configurations`, each method's ordered list of
  hyper-parameter settings (the package default, which is its paper's value, first) and the first ``k``;
* :mod:`.training` - :func:`~.training.budget` (what a profile trains), :func:`~.training.specs` (one
  :class:`~mlxbook.train.cell.RunSpec` per setting, method and configuration), :func:`~.training.run`
  (trains them through :func:`~mlxbook.train.grid.run_grid`) and :func:`~.training.per_seed_scores`,
  every cell's accuracies on the validation half (the first half of each test set) and the test half
  (:func:`~.training.split_halves`).

Reporting (reads those results; editing it recomputes nothing):

* :mod:`.selection` - the protocol: per setting and method the configuration with the best mean
  validation accuracy is kept, and only its test-half scores are reported (transfer columns use the
  configuration chosen on their source setting): :func:`~.selection.leaderboard`, :func:`~.selection.matrix`;
* :mod:`.statistics` - average ranks over datasets (Demsar, 2006), Wilcoxon signed-rank tests between the
  top methods, Holm's adjustment;
* :mod:`.costs` - the two-stage paper's price list (App. D: labels and explanations per image, from
  :mod:`mlxbook.paper`) applied to every training set;
* :mod:`.tables` - the datasets, configurations, n/a and chosen-configuration tables, and
  :func:`~.tables.show_table`;
* :mod:`.figures` - the accuracy heatmaps and the annotation-cost figure.

The store: this package declares no family of its own. It stores results only through
:func:`~mlxbook.train.grid.run_grid`, in the family "grid", whose key is the package's computing parts
(paper, data, models, methods, train, metrics, errors); every spec, and so every setting, budget and configuration
of this package, is in the key's arguments.
"""
