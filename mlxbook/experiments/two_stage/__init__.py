"""Machine Learning from Explanations (the two-stage method): the experiments of its six chapters.

The paper adds a mapping layer m between the feature extractor f and the classifier c and trains
h = c ∘ m ∘ f in two stages (Algorithm 1, :class:`mlxbook.methods.two_stage.TwoStage`). Its claims
are read off grids of training runs on Triangle, Fox vs Cat and (with CUB-200-2011) Bird.

| module | what | chapters |
|---|---|---|
| :mod:`.settings` | App. B's hyper-parameters, Table 5's sizes, one ``RunSpec`` per setting, shared labels | all six |
| :mod:`.baselines` | Table 5's grid and budget; Tables 1, 2, 5; agreement; the Fox-vs-Cat diagnosis | ``baselines``, ``transfer``, ``consistency`` |
| :mod:`.ablation` | Table 3 (no mapping layer, joint optimisation), Table 4, the App. D costs, which weights each stage moves | ``two_stage`` |
| :mod:`.spurious` | Sec 3.4: Table 6, Figs 5 and 9 (spurious squares) | ``spurious`` |
| :mod:`.sensitivity` | the claims' deciding cells rerun at larger budgets (epochs, batch size, seeds) | ``baselines``, ``transfer``, ``consistency``, ``spurious`` |
| :mod:`.calibration` | the shapes' difficulty searched so that No expl matches the paper's (Table 4, Table 5's spreads); the calibrated variant's knobs | ``calibration``; its knobs in ``baselines``, ``transfer``, ``consistency`` |
| :mod:`.figures` | every figure of those chapters (reporting only) | all six |

Computing and reporting. Everything this paper's chapters store is a grid cell of
:func:`mlxbook.train.run_grid` (family ``grid`` of :mod:`mlxbook.book.store`): the cell's key is its
whole ``RunSpec`` plus the package's computing parts (paper, data, models, methods, train). The modules here only
*build* specs and *read* cells, so none of them is part of a key: editing a table, a figure or a verdict
rule here recomputes nothing, and a new setting is a new spec.
"""
