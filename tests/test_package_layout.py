"""The package reads as the book does: one subpackage per topic, each importing only the
layers under it, no import cycles, and no module too long to read in one sitting.

The layers, lowest first: the foundation (paths, data loading, number formatting, sources,
review records), then what every chart shares (`figures`), then the topics (`instruments`,
`evidence`, `pharmacokinetics`, `killing_model`), then the in-page calculators built on the
instruments. The maintainers' tooling (`maintenance`) sits beside the package: it may use the
foundation, and nothing the chapters import may use it. The book's Sphinx extensions
(`book_extensions`) sit on top: they may use the package and the tooling, nothing uses them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import ROOT

LONGEST_MODULE = 600  # lines
FOUNDATION = "stormbook (foundation)"
# Each part of the code -> the parts it may import (besides itself).
MAY_IMPORT = {
    FOUNDATION: set(),
    "stormbook.figures": {FOUNDATION},
    "stormbook.instruments": {FOUNDATION},
    "stormbook.evidence": {FOUNDATION, "stormbook.figures"},
    "stormbook.pharmacokinetics": {FOUNDATION, "stormbook.figures"},
    "stormbook.killing_model": {FOUNDATION, "stormbook.figures"},
    "stormbook.calculators": {FOUNDATION, "stormbook.figures", "stormbook.instruments"},
    "maintenance": {FOUNDATION},
    # The Sphinx extensions write pages from the package and the tooling; nothing imports them
    # but Sphinx, the tools and the tests.
    "book_extensions": {FOUNDATION, "stormbook.figures", "maintenance"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in ("stormbook", "maintenance", "book_extensions")
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def part_of(module: str) -> str:
    """The layer a module belongs to: its topic subpackage, or the foundation."""
    for part in MAY_IMPORT:
        if module == part or module.startswith(part + "."):
            return part
    if module.startswith("stormbook"):
        return FOUNDATION
    raise ValueError(f"{module}: not a module of the book's code")


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The project's modules a file imports (`from a.b import c` names a.b.c if it is one)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name in known}


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imports_of(path, set(modules)) - {name} for name, path in modules.items()}


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    """Every import that reaches a part the importing part may not use."""
    wrong = []
    for module, targets in graph.items():
        part = part_of(module)
        for target in sorted(targets):
            target_part = part_of(target)
            if target_part != part and target_part not in MAY_IMPORT[part]:
                wrong.append(f"{module} imports {target} ({part} may not use {target_part})")
    return wrong


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles among modules (a package importing its own submodules excepted:
    a package's `__init__` naming its API is not a cycle of topics)."""

    def edges(module: str) -> set[str]:
        return {t for t in graph[module] if not t.startswith(module + ".")}

    found, state = [], {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for target in sorted(edges(module)):
            if state.get(target) == "open":
                found.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return found


def test_every_topic_imports_only_the_layers_under_it():
    assert not layer_violations(import_graph())


def test_there_is_no_import_cycle():
    assert not cycles(import_graph())


def python_files() -> list[Path]:
    """Every Python file of the project: the packages, the tools, the tests, the benchmark."""
    folders = ("stormbook", "maintenance", "book_extensions", "tools", "tests", "benchmarks")
    return [path for folder in folders for path in sorted((ROOT / folder).rglob("*.py"))]


def test_no_module_is_longer_than_the_limit():
    long = {
        str(path.relative_to(ROOT)): count
        for path in python_files()
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > LONGEST_MODULE
    }
    assert not long, f"split these modules (over {LONGEST_MODULE} lines): {long}"


def test_each_topic_is_a_subpackage_the_book_can_name():
    packages = {name for name, path in project_modules().items() if path.name == "__init__.py"}
    assert {
        "stormbook.figures",
        "stormbook.instruments",
        "stormbook.evidence",
        "stormbook.pharmacokinetics",
        "stormbook.calculators",
        "maintenance",
        "book_extensions",
    } <= packages


def test_the_checks_catch_an_upward_import_and_a_cycle():
    graph = {
        "stormbook.formatting": {"stormbook.evidence.forest"},  # foundation reaching up
        "stormbook.evidence.forest": {"stormbook.figures.charts"},
        "stormbook.figures.charts": {"stormbook.evidence.forest"},  # figures reaching a topic
        "stormbook.instruments.hscore": {"maintenance.data_release"},
        "maintenance.data_release": set(),
    }
    wrong = layer_violations(graph)
    assert len(wrong) == 3
    assert any(
        w.startswith("stormbook.formatting imports stormbook.evidence.forest") for w in wrong
    )
    assert any("may not use maintenance" in w for w in wrong)
    assert cycles(graph) == [
        ["stormbook.evidence.forest", "stormbook.figures.charts", "stormbook.evidence.forest"]
    ]


def test_an_unknown_module_is_named():
    with pytest.raises(ValueError, match="numpy: not a module of the book's code"):
        part_of("numpy")
