"""The experiments of the three papers as functions of a chapter's budget: grids of RunSpecs and their tables.

Chapters call these; each module is one paper section (``baselines``, ``ablation``, ``spurious`` ...),
so that chapters that share a grid (Table 5 feeds Tables 1 and 2) share its cached cells.
"""
