"""The structure docs/architecture.md describes, checked on the import graph so that it stays true:
no import cycles, imports run downward through the layers, no private name imported across packages,
and every module of a reasonable size."""
from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

import archive

ROOT = Path(archive.__file__).parent

# Top to bottom. A module may import its own layer's modules (no cycles) and any layer below.
LAYERS = [
    # The command line's entry point builds the app, as wsgi.py does: it sits with the root.
    ("composition root", ["archive", "archive.__main__", "archive.tasks", "archive.cli"]),
    ("faces", ["archive.cli", "archive.web"]),
    ("demo data", ["archive.demo"]),
    ("services container", ["archive.container"]),
    ("domains", ["archive.ingest", "archive.classify", "archive.search", "archive.binder", "archive.ledgers",
                 "archive.rectify", "archive.completeness", "archive.catalogue", "archive.documents",
                 "archive.audit", "archive.auth", "archive.orgs"]),
    ("jobs", ["archive.jobs"]),
    ("kernels", ["archive.text", "archive.tables", "archive.values", "archive.storage", "archive.standards",
                 "archive.migrate", "archive.migrations"]),
    ("core", ["archive.models", "archive.db", "archive.config", "archive.clock", "archive.errors"]),
]
# Modules that may be longer than MAX_LINES, and why.
LONG_MODULES: dict[str, str] = {}
MAX_LINES = 420


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("archive", include_external_packages=False)


def _layer_of(module: str) -> int:
    best, best_len = None, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            # The root package's name is matched exactly: its submodules belong to their own layers.
            below = index > 0 and module.startswith(prefix + ".")
            if (module == prefix or below) and len(prefix) > best_len:
                best, best_len = index, len(prefix)
    if best is None:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS and to docs/architecture.md")
    return best


def _edges(graph):
    for importer in graph.modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            yield importer, imported


def test_every_module_has_a_layer(graph):
    for module in graph.modules:
        _layer_of(module)


def test_imports_run_downward(graph):
    upward = sorted(f"{a} ({LAYERS[_layer_of(a)][0]}) imports {b} ({LAYERS[_layer_of(b)][0]})"
                    for a, b in _edges(graph) if _layer_of(b) < _layer_of(a))
    assert not upward, "imports up the layers:\n" + "\n".join(upward)


def test_faces_do_not_import_each_other(graph):
    crossing = sorted(f"{a} imports {b}" for a, b in _edges(graph)
                      if (a.startswith("archive.cli") and b.startswith("archive.web"))
                      or (a.startswith("archive.web") and b.startswith("archive.cli")))
    assert not crossing, "\n".join(crossing)


def test_no_import_cycles(graph):
    cycles = _strongly_connected(graph)
    assert cycles == [], "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def _strongly_connected(graph) -> list[list[str]]:
    """Tarjan's algorithm, iteratively: the groups of modules that import each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        found.append(sorted(group))
    return found


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        name = ".".join(("archive",) + path.relative_to(ROOT).with_suffix("").parts)
        yield name.removesuffix(".__init__"), path


def _package(module: str, is_package: bool) -> str:
    return module if is_package else module.rpartition(".")[0]


def test_no_private_name_imported_across_packages():
    offences = []
    for module, path in _modules():
        own = _package(module, path.name == "__init__.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or node.level or not (node.module or "").startswith("archive"):
                continue
            source_package = node.module if (ROOT.parent / node.module.replace(".", "/")).is_dir() \
                else node.module.rpartition(".")[0]
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__") and source_package != own:
                    offences.append(f"{module}:{node.lineno} imports {alias.name} from {node.module}")
    assert not offences, "private names imported across packages:\n" + "\n".join(offences)


def test_modules_stay_small():
    long = [f"{module}: {n} lines" for module, path in _modules()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES and module not in LONG_MODULES]
    assert not long, "split these by job, or name them in LONG_MODULES with the reason:\n" + "\n".join(long)
