""""Right for the Right Reasons" (Ross, Hughes and Doshi-Velez, 2017): the RRR chapter.

The chapter ``notebooks/rrr.ipynb`` follows the paper's Sec 2-3 and Appendix A in order: the RRR loss
(Sec 2.1, Eq. 1; the method itself is :class:`mlxbook.methods.rrr.RRR`), find-another-explanation
(Sec 2.2), toy colours (Sec 3.1, Figs 2, 3, 4 and App. A's Fig 13), Iris-Cancer and decoy MNIST
(Sec 3.2, Figs 6-9, 11, 12), 20 Newsgroups (Sec 3.2, Figs 5, 10, 14; only when its archive is at
``data_root``) and the runtimes of Table 1.

Computing (what the result store keeps, and the settings it is computed from):

* :mod:`.setup` - the paper's network, the tasks, the annotations ``A`` (App. A's masks included; the
  registered loader :func:`~.setup.annotated_task` a cell trains on), the ERM / RRR method of a cell and
  the conversion of the paper's lambda_1 to our input scale;
* :mod:`.budget` - the profile's :class:`~.budget.Budget` (every size, grid and seed list) and the
  scale-downs it declares;
* :mod:`.gradients` - input gradients (Sec 1.2), captum's Saliency, the mask M_c and the rule shares
  of Figs 3 and 4 (Sec 2.2);
* :mod:`.training` - :func:`~.training.train_cell` (one stored configuration, the book's one stored cell
  :func:`mlxbook.train.run_cells` with its weights kept),
  :func:`~.training.find_another_explanation` and the runs behind Figs 3, 8, 9, 11, 12 and 13;
* :mod:`.explanations` - :func:`~.explanations.explain`: gradients and LIME (tabular, image) of a
  trained cell with their runtimes (Figs 2, 6, 7, Table 1), a probe run on the stored cell
  (:func:`mlxbook.train.cell.run_probe`), and measures of where they point;
* :mod:`.text` - the 20 Newsgroups explanations (LIME text and gradients) and its find-another-explanation.

Reporting (reads the stored results, computes nothing that is stored):

* :mod:`.claims` - every verdict rule (``*_claims``) adding the paper's claims with our measurement to
  the chapter's :class:`mlxbook.book.compare.Claims` ``("rrr")``, and Table 1's order-of-magnitude rule;
* :mod:`.tables` - Table 1's rows, speed-ups and seconds, the text experiment's accuracy rows, word
  tables and LIME/gradient agreement, and the closing list of claims;
* :mod:`.figures` - the chapter's figures.

Everything is stored in the folder ``rrr`` of the store in two families: ``rrr``
(:data:`.training.RRR`: cells, chains, Iris-Cancer splits and explanations) keyed by the source of
:mod:`.setup`, :mod:`.gradients`, :mod:`.training` and :mod:`.explanations`, and ``rrr_text``
(:data:`.text.RRR_TEXT`: the text explanations) keyed by those and :mod:`.text`, each besides the
package's computing parts. The budget enters a key as the arguments it gives, so editing a verdict rule,
a table, a figure or the budget's declarations retrains nothing.
"""
