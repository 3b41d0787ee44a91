"""A stored result's key covers the code that computes it and nothing that only formats, plots or judges it.

Each test edits functions in a temporary copy of the package (a comment line in the function's body:
its source changes, its behaviour does not), asks a fresh interpreter for the code key of every store
family (:data:`mlxbook.book.store.FAMILIES`, declared by the experiment packages on import) and compares
them with the keys of the unedited copy.
"""
import ast
import functools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import importlib, json, pkgutil
import mlxbook, mlxbook.experiments as experiments
for found in pkgutil.walk_packages(experiments.__path__, experiments.__name__ + "."):
    importlib.import_module(found.name)
from mlxbook.book import store
print(json.dumps({"file": mlxbook.__file__, "keys": {n: f.key() for n, f in sorted(store.FAMILIES.items())}}))
"""

#: Per experiment package: functions that only report (a figure and a verdict rule at least).
REPORTING = {
    "two_stage": ["experiments/two_stage/figures.py:curve_figure", "experiments/two_stage/ablation.py:context_summary",
                  "experiments/two_stage/baselines.py:context_counts"],
    "rrr": ["experiments/rrr/figures.py:fig3", "experiments/rrr/claims.py:fig3_claims",
            "experiments/rrr/tables.py:runtime_table"],
    "ibp_ex": ["experiments/ibp_ex/figures.py:saliency_figure", "experiments/ibp_ex/tables.py:comparison",
               "experiments/ibp_ex/selection.py:select"],
    "ibp_ex_theory": ["experiments/ibp_ex_theory/figures.py:plot_fig1", "experiments/ibp_ex_theory/claims.py:claims",
                      "experiments/ibp_ex_theory/tables.py:fig1_table"],
    "benchmark": ["experiments/benchmark/figures.py:heatmap", "experiments/benchmark/statistics.py:wilcoxon_top",
                  "experiments/benchmark/selection.py:leaderboard"],
    "book": ["book/compare.py:against_paper", "book/plots.py:glue_figure", "book/scorecard.py:tally",
             "book/budget.py:Budget.table", "book/verdicts.py:judge", "book/verdicts.py:one_class"],
    "the papers' claims": ["paper/claims.py:Claim.paper_effect", "paper/claims.py:get_claim"],
    "method labels and search spaces": ["methods/hparams.py:label", "methods/hparams.py:search_space"],
    "the papers' names": ["paper/names.py:method", "paper/names.py:value"],
    "where cells run": ["train/cluster.py:run", "train/cluster.py:persist"],
}

#: Computing functions and the families whose keys an edit of them must change (None: every family).
COMPUTING = {
    "rrr training": ("experiments/rrr/training.py:cell_spec", {"rrr", "rrr_text"}),
    "rrr explanations": ("experiments/rrr/explanations.py:lime_image", {"rrr", "rrr_text"}),
    "rrr text": ("experiments/rrr/text.py:lime_text_and_gradients", {"rrr_text"}),
    "rrr gradients": ("experiments/rrr/gradients.py:top_mask", {"rrr", "rrr_text"}),
    "ibp_ex certificates": ("experiments/ibp_ex/probes.py:certified", {"ibp_ex"}),
    "ibp_ex probes": ("experiments/ibp_ex/probes.py:smoothgrad", {"ibp_ex"}),
    "theory networks": ("experiments/ibp_ex_theory/demo.py:measure", {"ibp_ex_theory"}),
    "theory gp": ("experiments/ibp_ex_theory/gp.py:se_kernel", {"ibp_ex_theory"}),
    "theory theorems": ("experiments/ibp_ex_theory/theorems.py:theorem2_cover", {"ibp_ex_theory"}),
    "training engine": ("train/engine.py:fit", None),
    "the stored cell": ("train/cell.py:compute_cell", None),
    "a method's loss": ("methods/rrr.py:RRR.loss", None),
    "a paper transcription": ("paper/rrr.py:_rows", None),
}


def edit(package: Path, where: str) -> None:
    """Insert a comment as the first line of the body of ``file:function`` (``Class.method`` allowed)."""
    file, name = where.split(":")
    path = package / file
    lines = path.read_text().splitlines(keepends=True)
    scope = ast.parse("".join(lines))
    for part in name.split("."):
        scope = next((n for n in scope.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == part), None)
        assert scope is not None, f"{where}: no {part!r} in {file}"
    first = scope.body[0]
    lines.insert(first.lineno - 1, " " * first.col_offset + "# edited by tests/test_keys.py\n")
    path.write_text("".join(lines))


def keys(tmp_path: Path, *edits: str) -> dict[str, str]:
    """Every family's key in a copy of the package with ``edits`` applied."""
    copy = tmp_path / "copy"
    shutil.copytree(ROOT / "mlxbook", copy / "mlxbook", ignore=shutil.ignore_patterns("__pycache__"))
    for where in edits:
        edit(copy / "mlxbook", where)
    env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    run = subprocess.run([sys.executable, "-c", PROBE], cwd=copy, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert Path(out["file"]).is_relative_to(copy), f"imported {out['file']}, not the copy"
    return out["keys"]


@pytest.fixture(scope="module")
def unedited(tmp_path_factory) -> dict[str, str]:
    return keys(tmp_path_factory.mktemp("unedited"))


def test_every_experiment_package_declares_its_families(unedited):
    assert {"grid", "rrr", "rrr_text", "ibp_ex", "ibp_ex_theory"} <= set(unedited)
    assert len(set(unedited.values())) == len(unedited), "two families share one key"


@pytest.mark.parametrize("package", REPORTING)
def test_editing_tables_figures_and_verdicts_changes_no_key(package, unedited, tmp_path):
    assert keys(tmp_path, *REPORTING[package]) == unedited


@pytest.mark.parametrize("what", COMPUTING)
def test_editing_computing_code_changes_exactly_its_keys(what, unedited, tmp_path):
    where, families = COMPUTING[what]
    after = keys(tmp_path, where)
    changed = {name for name in unedited if after[name] != unedited[name]}
    assert changed == (set(unedited) if families is None else families)


@functools.cache
def _imports(module: str) -> set[str]:
    path = ROOT.joinpath(*module.split(".")).with_suffix(".py")
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            source = "." * node.level + (node.module or "")
            found |= {source} | {f"{source}.{a.name}" for a in node.names}
    return found


def test_no_family_covers_a_module_that_plots_or_judges():
    """A family's modules import no plotting library, no display and none of the book's verdict machinery."""
    import importlib
    import pkgutil

    import mlxbook.experiments as experiments
    from mlxbook.book import store

    for found in pkgutil.walk_packages(experiments.__path__, experiments.__name__ + "."):
        importlib.import_module(found.name)
    reporting = ("matplotlib", "seaborn", "IPython", "myst_nb", "compare", "plots", "scorecard", ".figures",
                 ".claims", ".tables")
    for family in store.FAMILIES.values():
        for module in family.modules:
            bad = sorted(i for i in _imports(module) if any(r in i for r in reporting))
            assert not bad, f"family {family.name!r} covers {module}, which imports {bad}"
