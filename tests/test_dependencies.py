"""Every third-party module the book's code imports is declared: the package and the
extensions in requirements.in (which requirements.txt locks); the tests and the tools (the
PDF printer drives the browser the tests use) in requirements-test.txt on top of it."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys

import pytest
from conftest import ROOT

# The book's own modules: the package, and the files of the folders put on sys.path.
LOCAL = {"stormbook"} | {
    path.stem for folder in ("_ext", "tools", "tests") for path in (ROOT / folder).glob("*.py")
}


def _declared(path) -> set[str]:
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*==", line)
        if match:
            names.add(_normal(match.group(1)))
    return names


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _imports(files) -> set[str]:
    found = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top not in sys.stdlib_module_names and top not in LOCAL:
                    found.add(top)
    return found


def _distributions(module: str) -> set[str]:
    return {_normal(d) for d in importlib.metadata.packages_distributions().get(module, [])}


BOOK_CODE = [*(ROOT / "stormbook").rglob("*.py"), *(ROOT / "_ext").glob("*.py")]
TOOLS_AND_TESTS = [*(ROOT / "tools").glob("*.py"), *(ROOT / "tests").glob("*.py")]


@pytest.mark.parametrize(
    ("files", "declared_in"),
    [
        (BOOK_CODE, ["requirements.in"]),
        (TOOLS_AND_TESTS, ["requirements.in", "requirements-test.txt"]),
    ],
    ids=["package and extensions", "tools and tests"],
)
def test_every_third_party_import_is_declared(files, declared_in):
    declared = set().union(*(_declared(ROOT / name) for name in declared_in))
    undeclared = {
        module: sorted(_distributions(module))
        for module in sorted(_imports(files))
        if not _distributions(module) & declared
    }
    assert not undeclared, f"imported but not declared in {declared_in}: {undeclared}"
