"""The book machinery: what turns the package's results into executed, checked chapters.

``profiles`` (smoke / cpu / paper budgets), ``chapter`` (a chapter's set-up, provenance and caps),
``store`` (the on-disk result store and its keys), ``compare`` (paper-vs-ours tables and claims),
``selection`` (the one model-selection rule), ``scorecard`` (every chapter's verdicts in one table),
``plots`` (shared figures) and ``runner`` (executes the notebooks with papermill). Nothing here trains or
computes a stored result; the computing layers (``data``, ``models``, ``methods``, ``train``) never
import it, except ``train``, which keeps its results in ``store``.
"""
