"""The Python primer (appendix/python-primer.ipynb) teaches the calls the exercises need.

Every `stormbook` function and every pandas method that an exercise's worked solution uses
must appear in the primer's code cells, so an exercise that needs a new call fails here
until the primer teaches it. The primer runs top to bottom from its own folder in seconds,
is committed clean, links each section to exercises that exist, keeps numbers out of its
prose, and is listed in the table of contents after the chapters.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import re
import subprocess
import sys
from collections import defaultdict

import pandas as pd
import pytest
from conftest import ROOT, toc_pages
from raw_values import numpy_reprs

from book_extensions.teaching_outline import (
    FENCE_OPEN,
    GATE_END,
    GATE_START,
    notebook_without_solutions,
    read_outline,
)
from maintenance import book_toc
from stormbook import load_dataset
from stormbook.evidence.effect_sizes import risk_ratio
from stormbook.formatting import estimate_text

PAGE = "appendix/python-primer"
PRIMER = ROOT / f"{PAGE}.ipynb"
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))

# Methods of a table or a column. Names that a dict, list, str or number also has (`items`,
# `copy`, `count`, `join` ...) are left out: without types, `x.items()` cannot be told apart.
_BUILTIN_NAMES = {name for kind in (dict, list, tuple, set, str, int, float) for name in dir(kind)}
PANDAS_METHODS = {
    name for kind in (pd.DataFrame, pd.Series) for name in dir(kind) if not name.startswith("_")
} - _BUILTIN_NAMES
STRING_METHODS = {name for name in dir(pd.Series.str) if not name.startswith("_")}  # `.str.x`
INDEXERS = {"loc", "iloc", "at", "iat"}
# Calls that lay out a page and answer nothing: the primer names them and says a student
# does not need them, instead of showing them (a shown call would be page plumbing).
LAYOUT_HELPERS = {"stormbook.figures.charts.numbers_table": "numbers_table", "myst_nb.glue": "glue"}
NUMREF = re.compile(r"\{numref\}`(?:[^`<]*<)?([\w-]+)>?`")


def _notebook(path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _code(notebook: dict) -> list[str]:
    return ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]


def _markdown(notebook: dict) -> list[str]:
    return ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown"]


def solution_cells(notebook: dict) -> list[tuple[str, str]]:
    """(exercise label, source) of each code cell between a solution-start and its end."""
    found, label = [], None
    for cell in notebook["cells"]:
        text = "".join(cell["source"])
        if cell["cell_type"] == "code":
            if label:
                found.append((label, text))
            continue
        gates = sorted(
            [*GATE_START.finditer(text), *GATE_END.finditer(text)], key=lambda m: m.start()
        )
        for gate in gates:
            opening = FENCE_OPEN.match(gate.group(0).splitlines()[0].strip())
            label = opening["argument"] if opening["name"] == "solution-start" else None
    return found


def imported_names(sources: list[str]) -> dict[str, str]:
    """Each name the code imports -> the dotted path it stands for."""
    names = {}
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    top = alias.name.split(".")[0]
                    names[alias.asname or top] = alias.name if alias.asname else top
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _chain(node: ast.AST) -> list[str] | None:
    """`a.b.c` as ["a", "b", "c"]; None when it does not start from a plain name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return [node.id, *reversed(parts)] if isinstance(node, ast.Name) else None


def _canonical(dotted: str) -> str | None:
    """A function or class by where it is defined, so `stormbook.load_dataset` and
    `stormbook.datasets.load_dataset` are one name; None for a module (`scores` in
    `scores.hscore` is not a call); anything else as written."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attribute in parts[split:]:
            found = getattr(found, attribute, None)
        if inspect.ismodule(found):
            return None
        if inspect.isfunction(found) or inspect.isclass(found):
            return f"{found.__module__}.{found.__qualname__}"
        return dotted
    return dotted


def _pandas_use(node: ast.AST, imports: dict[str, str]) -> str | None:
    """'.sum', 'str.contains', '.loc' or 'pandas.DataFrame' when the node uses one."""
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute):
        chain = _chain(node.value)
        if node.value.attr in INDEXERS and not (chain and chain[0] in imports):
            return f".{node.value.attr}"
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return None
    chain = _chain(node.func)
    if chain and chain[0] in imports:  # a module's function: np.arange, pd.DataFrame
        dotted = ".".join([imports[chain[0]], *chain[1:]])
        return dotted if dotted.startswith("pandas.") else None
    method, owner = node.func.attr, node.func.value
    if isinstance(owner, ast.Attribute) and owner.attr == "str" and method in STRING_METHODS:
        return f"str.{method}"
    return f".{method}" if method in PANDAS_METHODS else None


def calls_used(sources: list[str], context: list[str]) -> set[str]:
    """The stormbook names and pandas methods `sources` use, with the imports of `context`
    (a solution uses names its chapter imported earlier)."""
    imports = imported_names(context + sources)
    used = set()
    for source in sources:
        tree = ast.parse(source)
        inner = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        for node in ast.walk(tree):
            pandas_use = _pandas_use(node, imports)
            if pandas_use:
                used.add(pandas_use)
            if id(node) in inner or not isinstance(node, ast.Name | ast.Attribute):
                continue
            chain = _chain(node)
            if chain and chain[0] in imports:
                dotted = ".".join([imports[chain[0]], *chain[1:]])
                if dotted.startswith("stormbook.") and _canonical(dotted):
                    used.add(_canonical(dotted))
                elif dotted.startswith("myst_nb."):
                    used.add(dotted)
    return used


def needed_by_solutions() -> dict[str, set[str]]:
    """Each call the chapters' worked solutions use -> the exercises whose solutions use it."""
    needed = defaultdict(set)
    for path in CHAPTERS:
        notebook = _notebook(path)
        for label, source in solution_cells(notebook):
            for name in calls_used([source], _code(notebook)):
                needed[name].add(label)
    return needed


def shown_in_primer() -> set[str]:
    code = _code(_notebook(PRIMER))
    return calls_used(code, code)


def test_solution_cells_are_those_the_student_edition_drops():
    """The cells read here are exactly the solutions' code (tools/student_notebooks.py)."""
    for path in CHAPTERS:
        notebook = _notebook(path)
        kept = {id(cell) for cell in notebook_without_solutions(notebook)["cells"]}
        dropped = [
            "".join(c["source"])
            for c in notebook["cells"]
            if c["cell_type"] == "code" and id(c) not in kept
        ]
        assert [source for _, source in solution_cells(notebook)] == dropped, path.name


def test_the_solutions_use_the_package_and_pandas():
    needed = needed_by_solutions()
    assert any(name.startswith("stormbook.") for name in needed), sorted(needed)
    assert any(name.startswith(".") for name in needed), sorted(needed)


def test_primer_shows_every_call_the_solutions_make():
    needed = needed_by_solutions()
    missing = {
        name: sorted(labels)
        for name, labels in needed.items()
        if name not in shown_in_primer() and name not in LAYOUT_HELPERS
    }
    assert not missing, "the primer does not show these calls (used by): " + "; ".join(
        f"{name} ({', '.join(labels)})" for name, labels in sorted(missing.items())
    )


def test_primer_names_the_layout_helpers_it_does_not_teach():
    prose = "\n".join(_markdown(_notebook(PRIMER)))
    for helper in set(needed_by_solutions()) & set(LAYOUT_HELPERS):
        assert f"`{LAYOUT_HELPERS[helper]}(" in prose, helper


SOLUTION = """
from stormbook.evidence.effect_sizes import odds_ratio
counts = {"a": 1}
ratio = odds_ratio(1, 2, 3, 4)
for key, value in counts.items():
    table.groupby("x").size()
    table.loc[table["x"].str.startswith("y"), "z"]
"""


def test_a_new_call_in_a_solution_is_found_and_missing_from_a_primer_without_it():
    assert calls_used([SOLUTION], []) == {
        "stormbook.evidence.effect_sizes.odds_ratio",
        ".groupby",
        ".size",
        ".loc",
        "str.startswith",
    }
    primer = (
        'from stormbook.evidence.effect_sizes import odds_ratio\nodds_ratio(1, 2, 3, 4)\nt.loc["a"]'
    )
    assert calls_used([SOLUTION], []) - calls_used([primer], []) == {
        ".groupby",
        ".size",
        "str.startswith",
    }


def test_names_are_compared_by_where_they_are_defined():
    one = calls_used(["load_dataset('x')"], ["from stormbook import load_dataset"])
    other = calls_used(["sb.datasets.load_dataset('x')"], ["import stormbook as sb"])
    assert one == other == {"stormbook.datasets.load_dataset"}


RUN_NOTEBOOK = """
import sys, nbformat
from nbclient import NotebookClient
notebook = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(notebook, timeout=60, resources={"metadata": {"path": sys.argv[2]}}).execute()
nbformat.write(notebook, sys.argv[3])
"""


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> dict:
    """The primer run top to bottom in a fresh kernel, in its own folder, as JupyterLab,
    Binder and the build run it (in a process of its own: nbclient's event loop would stay
    behind in this worker)."""
    out = tmp_path_factory.mktemp("primer") / "executed.ipynb"
    subprocess.run(
        [sys.executable, "-c", RUN_NOTEBOOK, str(PRIMER), str(PRIMER.parent), str(out)],
        check=True,
        timeout=180,
    )
    return _notebook(out)


def _outputs(notebook: dict) -> list[dict]:
    return [output for cell in notebook["cells"] for output in cell.get("outputs", [])]


def _printed(notebook: dict) -> str:
    return "".join(
        "".join(output.get("text", "")) + "".join(output.get("data", {}).get("text/plain", ""))
        for output in _outputs(notebook)
    )


def test_primer_runs_and_prints_the_packages_numbers(executed):
    row = load_dataset("anakinra-outcomes").set_index("comparison_id").loc["anaconda-death-d28"]
    counts = [int(row[c]) for c in ("events_treated", "n_treated", "events_control", "n_control")]
    rr = risk_ratio(*counts)
    assert f"risk ratio: {estimate_text(rr.estimate, rr.ci_low, rr.ci_high)}" in _printed(executed)
    assert not [o for o in _outputs(executed) if o["output_type"] == "error"]


def test_primer_prints_no_numpy_value_and_no_bare_table(executed):
    """A numpy scalar shows as `np.int64(3)`; a table left on a cell's last line shows with an
    empty header cell over its index, which the page's accessibility check rejects."""
    assert numpy_reprs(_printed(executed)) == []
    tables = [
        o for o in _outputs(executed) if "<table" in "".join(o.get("data", {}).get("text/html", ""))
    ]
    assert tables == []


def test_primer_is_committed_without_outputs_or_execution_counts():
    for index, cell in enumerate(_notebook(PRIMER)["cells"]):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, f"cell {index}"


def test_primer_is_an_unnumbered_appendix_after_the_chapters():
    parts = book_toc.read_toc(ROOT)["parts"]
    captions = [part["caption"] for part in parts]
    appendix = parts[captions.index("Appendix")]
    assert captions.index("Appendix") == captions.index("Chapters") + 1
    assert appendix["chapters"] == [{"file": PAGE}]
    assert appendix.get("numbered") is False
    assert PAGE in toc_pages()


def _sections(notebook: dict) -> dict[str, str]:
    """Each `## ` section of the primer's prose, by heading."""
    text = "\n".join(_markdown(notebook))
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_every_section_links_to_exercises_that_exist():
    labels = {block.label for path in CHAPTERS for block in read_outline(path).exercises}
    sections = _sections(_notebook(PRIMER))
    assert sections
    for heading, text in sections.items():
        linked = set(NUMREF.findall(text))
        assert linked, f"section {heading!r} links to no exercise"
        assert linked <= labels, f"section {heading!r}: no such exercise {linked - labels}"


def prose_numbers(markdown: str) -> list[str]:
    """Numbers typed in prose (not the digits of a name such as COVID-19): inline code,
    roles, directive fences and options left out."""
    text = re.sub(r"\{[\w:-]+\}`[^`]*`", " ", markdown)
    text = re.sub(r"`[^`]*`", " ", text)
    lines = [line for line in text.splitlines() if not re.match(r"\s*(```|:::|:[\w-]+:)", line)]
    return re.findall(r"(?<![\w-])\d[\d,.]*(?![\w-])", "\n".join(lines))


def test_prose_numbers_check_finds_a_typed_number():
    text = "About 25 minutes, 1,000 cases; COVID-19 and {numref}`ex-a1` and `x[0]`."
    assert prose_numbers(text) == ["25", "1,000"]


def test_prose_types_no_number():
    """Numbers come from the code's output, never typed into the text."""
    found = [n for text in _markdown(_notebook(PRIMER)) for n in prose_numbers(text)]
    assert found == []
