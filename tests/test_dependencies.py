"""Every third-party module the book's code imports is declared in pyproject.toml: the
package and the extensions in `[project.dependencies]`; the tests and the tools (the PDF
printer drives the browser the tests use) in the `test` extra. The two lock files pin
exactly the versions declared there."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib

import pytest
from conftest import ROOT

# The book's own modules: the package, its extensions, the maintainers' tooling, and the
# files of the folders put on sys.path (the tools run as scripts; the tests).
LOCAL = {"stormbook", "book_extensions", "maintenance"} | {
    path.stem for folder in ("tools", "tests") for path in (ROOT / folder).glob("*.py")
}


PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
DECLARED = {
    "dependencies": PROJECT["dependencies"],
    "test extra": PROJECT["optional-dependencies"]["test"],
}


def _pins(lines) -> dict[str, str]:
    """{normalised name: version} of every `name==version` line."""
    pins = {}
    for line in lines:
        match = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s#;]+)", line)
        if match:
            pins[_normal(match.group(1))] = match.group(2)
    return pins


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


BOOK_CODE = [*(ROOT / "stormbook").rglob("*.py"), *(ROOT / "book_extensions").glob("*.py")]
TOOLS_AND_TESTS = [*(ROOT / "tools").glob("*.py"), *(ROOT / "tests").glob("*.py")]


@pytest.mark.parametrize(
    ("files", "declared_in"),
    [
        (BOOK_CODE, ["dependencies"]),
        (TOOLS_AND_TESTS, ["dependencies", "test extra"]),
    ],
    ids=["package and extensions", "tools and tests"],
)
def test_every_third_party_import_is_declared(files, declared_in):
    declared = set().union(*(_pins(DECLARED[name]) for name in declared_in))
    undeclared = {
        module: sorted(_distributions(module))
        for module in sorted(_imports(files))
        if not _distributions(module) & declared
    }
    assert not undeclared, f"imported but not declared in {declared_in}: {undeclared}"


@pytest.mark.parametrize(
    ("lock", "declared_in"),
    [
        ("requirements.txt", ["dependencies"]),
        ("requirements-test.txt", ["dependencies", "test extra"]),
    ],
)
def test_each_lock_pins_the_declared_versions(lock, declared_in):
    """A version changed in pyproject.toml without `make lock` is caught here."""
    locked = _pins((ROOT / lock).read_text(encoding="utf-8").splitlines())
    for name in declared_in:
        for package, version in _pins(DECLARED[name]).items():
            assert locked.get(package) == version, (
                f"{lock} pins {package} at {locked.get(package)}, "
                f"pyproject.toml declares {version} ({name}): run make lock"
            )


def test_the_test_lock_keeps_every_version_of_the_book_lock():
    book = _pins((ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines())
    test = _pins((ROOT / "requirements-test.txt").read_text(encoding="utf-8").splitlines())
    assert {name: test.get(name) for name in book} == book


def test_requirements_txt_installs_the_book_package_from_this_folder():
    """Binder installs requirements.txt alone, and the chapters import stormbook."""
    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert lines[-1] == "-e ."
