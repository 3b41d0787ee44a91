"""The package's layers: no import cycle between its subpackages, and the computing layers below the book.

The graph is read from the source (every ``import`` and ``from ... import``, also those under
``if TYPE_CHECKING:`` and inside functions), so a cycle that only type checkers or a late import would
see fails here too. A node is a subpackage (``mlxbook.data``, ``mlxbook.experiments.rrr``) or a
top-level module (``mlxbook.errors``).
"""
import ast
import graphlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mlxbook"
COMPUTING = ("mlxbook.data", "mlxbook.models", "mlxbook.methods", "mlxbook.train")
#: The layers in the order of the intro's package table (notebooks/intro.ipynb): each imports only earlier ones (the first holds the shared modules).
LAYERS = (("mlxbook", "mlxbook.errors", "mlxbook.device", "mlxbook.metrics", "mlxbook.provenance"),
          ("mlxbook.paper",), ("mlxbook.data",), ("mlxbook.models",), ("mlxbook.methods",), ("mlxbook.book",),
          ("mlxbook.train",), ("mlxbook.experiments",), ("mlxbook.plan",), ("mlxbook.__main__",))


def module_name(path: Path) -> str:
    parts = ["mlxbook", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def node_of(module: str) -> str:
    """The subpackage a module belongs to, or the module itself when it is a top-level file."""
    parts = module.split(".")
    path = PACKAGE.joinpath(*parts[1:])
    if path.is_dir():
        return module
    return ".".join(parts[:-1]) if len(parts) > 2 else module


def imports(path: Path) -> set[str]:
    """The mlxbook modules that ``path`` imports (relative imports resolved; ``from X import m`` is X.m)."""
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "mlxbook"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "mlxbook":
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                is_module = PACKAGE.joinpath(*sub.split(".")[1:]).is_dir() or \
                    PACKAGE.joinpath(*sub.split(".")[1:]).with_suffix(".py").is_file()
                found.add(sub if is_module else target)
    return found


def graph() -> dict[str, set[str]]:
    """Edges between nodes (see :func:`node_of`): node -> the nodes it imports."""
    edges: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        source = node_of(module_name(path))
        targets = {node_of(t) for t in imports(path)} - {source}
        edges.setdefault(source, set()).update(targets)
    return edges


def cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``edges`` (its nodes, the first repeated at the end), or None."""
    try:
        tuple(graphlib.TopologicalSorter(edges).static_order())
    except graphlib.CycleError as error:
        return list(error.args[1])
    return None


def test_the_cycle_finder_finds_a_cycle_and_passes_a_chain():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    found = cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})
    assert found is not None and set(found) == {"a", "b", "c"}


def test_the_graph_sees_type_checking_and_late_imports(tmp_path, monkeypatch):
    fake = tmp_path / "mlxbook"
    (fake / "low").mkdir(parents=True)
    (fake / "high").mkdir()
    for f in ("__init__.py", "low/__init__.py", "high/__init__.py", "high/top.py"):
        (fake / f).write_text("")
    (fake / "low" / "base.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..high.top import Thing\n")
    (fake / "high" / "user.py").write_text("def f():\n    from ..low import base\n")
    monkeypatch.setitem(globals(), "PACKAGE", fake)
    edges = graph()
    assert edges["mlxbook.low"] == {"mlxbook.high"} and edges["mlxbook.high"] == {"mlxbook.low"}
    assert cycle(edges) is not None


def test_no_import_cycle_between_subpackages():
    edges = graph()
    assert {"mlxbook.data", "mlxbook.methods", "mlxbook.book", "mlxbook.experiments.rrr"} <= set(edges)
    found = cycle(edges)
    assert found is None, "import cycle: " + " -> ".join(found)


def layer_of(node: str) -> int:
    return max(i for i, layer in enumerate(LAYERS) for name in layer if node == name or node.startswith(name + "."))


def test_each_layer_imports_only_earlier_layers():
    edges = graph()
    against = sorted(f"{a} -> {b}" for a, targets in edges.items() for b in targets if layer_of(b) > layer_of(a))
    assert not against, "imports against the layer order: " + ", ".join(against)


@pytest.mark.parametrize("layer", COMPUTING)
def test_computing_layers_never_import_the_book_or_the_experiments(layer):
    """data, models, methods and train compute; only train keeps results, through the store."""
    allowed = {"mlxbook.book.store"} if layer == "mlxbook.train" else set()
    for path in sorted(PACKAGE.joinpath(*layer.split(".")[1:]).rglob("*.py")):
        above = {m for m in imports(path) if m.startswith(("mlxbook.book", "mlxbook.experiments"))}
        assert above <= allowed, f"{path.relative_to(PACKAGE.parent)} imports {sorted(above - allowed)}"
