"""The two editions: the full book keeps the solutions and the instructor guide; the student
edition has neither, and keeps everything else (self-checks included).

The solutions are found in the notebooks by this test itself (not by the code that builds
the editions), so a new chapter's solutions are checked without anyone listing them: each
```{solution} block, and each gated solution (```{solution-start} ... ```{solution-end}
around executed code cells) with its prose and its code.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html import unescape

import build_book
import pytest
import student_notebooks
from bs4 import BeautifulSoup
from conftest import ROOT, instructor_pages, notebook_pages, student_pages
from sphinx.search.en import SearchEnglish

from maintenance import book_toc

pytestmark = pytest.mark.build


SOLUTION = re.compile(r"^(`{3,}|:{3,})\{solution\}[^\n]*\n(.*?)^\1\s*$", re.M | re.S)
GATE = re.compile(
    r"^(`{3,}|:{3,})\{solution-(start|end)\}[^\n]*\n(?:.*?\n)??\1[ \t]*$", re.M | re.S
)
PLAIN_WORDS = re.compile(r"[A-Za-z][A-Za-z ,;'-]{30,}[A-Za-z]")
CURLY_TO_STRAIGHT = str.maketrans({"\u2018": "'", "\u2019": "'"})
CELL = re.compile(r'class="cell[ "]')  # a code cell's container (input and output)


def page_text(html: str) -> str:
    """The visible words of a page, with tags dropped and spaces collapsed, and Sphinx's
    curly apostrophes read as the source's straight ones."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    text = unescape(re.sub(r"<[^>]+>", " ", html)).translate(CURLY_TO_STRAIGHT)
    return " ".join(text.split())


def squeezed(text: str) -> str:
    """Text without tags or any white space: highlighted code splits a line into many tags."""
    return "".join(unescape(re.sub(r"<[^>]+>", "", text)).split())


def _cells(page: str) -> list[dict]:
    return json.loads((ROOT / f"{page}.ipynb").read_text(encoding="utf-8"))["cells"]


def _markdown(page: str) -> str:
    return "\n".join("".join(c["source"]) for c in _cells(page) if c["cell_type"] == "markdown")


@dataclass
class Solution:
    prose: str = ""
    code: list[str] = field(default_factory=list)  # the source of each code cell


def solutions(page: str) -> list[Solution]:
    """Every solution of a chapter: ```{solution} blocks, then gated solutions."""
    found = [Solution(prose=m.group(2)) for m in SOLUTION.finditer(_markdown(page))]
    gated = None
    for cell in _cells(page):
        text = "".join(cell["source"])
        if cell["cell_type"] == "code":
            if gated:
                gated.code.append(text)
            continue
        position = 0
        for gate in GATE.finditer(text):
            if gate.group(2) == "start":
                assert gated is None, f"{page}: a solution-start inside a gated solution"
                gated = Solution()
            else:
                assert gated is not None, f"{page}: a solution-end without its start"
                gated.prose += text[position : gate.start()]
                found.append(gated)
                gated = None
            position = gate.end()
        if gated:
            gated.prose += text[position:]
    assert gated is None, f"{page}: a solution-start without its end"
    return found


def _elsewhere(page: str, solution: Solution) -> str:
    """The chapter's text (markdown and code) without this solution."""
    text = "\n".join("".join(c["source"]) for c in _cells(page))
    for part in [solution.prose, *solution.code]:
        text = text.replace(part.strip(), " ")
    return text


def distinctive_phrase(page: str, solution: Solution) -> str:
    """The solution's longest run of plain words (no markup, no code) found nowhere else in
    the chapter: if it is on a page, the solution is."""
    body = re.sub(r"^```.*?^```", " ", solution.prose, flags=re.M | re.S)
    outside = " ".join(_elsewhere(page, solution).split())
    candidates = sorted(
        (" ".join(run.split()) for line in body.splitlines() for run in PLAIN_WORDS.findall(line)),
        key=len,
        reverse=True,
    )
    unique = [c for c in candidates if c not in outside]
    assert unique, f"{page}: no distinctive plain text in a solution: {solution.prose[:200]}"
    return unique[0]


def distinctive_code_line(page: str, solution: Solution) -> str:
    """The longest line of the solution's code found nowhere else in the chapter."""
    outside = squeezed(_elsewhere(page, solution))
    lines = sorted({line.strip() for cell in solution.code for line in cell.splitlines()}, key=len)
    unique = [line for line in reversed(lines) if len(line) > 20 and squeezed(line) not in outside]
    assert unique, f"{page}: no distinctive line in the code of a solution: {solution.code}"
    return unique[0]


SOLUTION_CASES = [
    (page, distinctive_phrase(page, s)) for page in notebook_pages() for s in solutions(page)
]
CODE_CASES = [
    (page, distinctive_code_line(page, s))
    for page in notebook_pages()
    for s in solutions(page)
    if s.code
]


def test_solution_code_only_in_executed_cells():
    """Code in a solution is run by the build and by nbval only in a gated solution's code
    cells; a code fence in a solution's markdown would be shown but never run."""
    for page in notebook_pages():
        for solution in solutions(page):
            code = re.search(r"^\s*(`{3,}|~{3,})\s*(\w|\{code)", solution.prose, re.M)
            assert not code, f"{page}: code in a solution's markdown: {solution.prose[:200]}"


def test_every_chapter_with_solutions_is_checked():
    with_solutions = {page for page in notebook_pages() if "{solution" in _markdown(page)}
    assert with_solutions and with_solutions == {page for page, _ in SOLUTION_CASES}
    assert {page for page, _ in CODE_CASES}, "no solution with code cells was found"
    for page in with_solutions:  # every solution fence is one the parser above understood
        fences = len(re.findall(r"\{solution(?:-start)?\}", _markdown(page)))
        assert fences == len(solutions(page)), page


def test_student_edition_builds_with_no_warnings(student_build_result):
    log = student_build_result.stdout + student_build_result.stderr
    assert student_build_result.returncode == 0, log[-4000:]
    assert "build succeeded" in log and "BUILD FAILED" not in log


@pytest.mark.parametrize("page, phrase", SOLUTION_CASES, ids=lambda v: v[:40])
def test_solution_is_in_the_full_edition_only(built_site, student_site, page, phrase):
    full = page_text((built_site / f"{page}.html").read_text(encoding="utf-8"))
    student = page_text((student_site / f"{page}.html").read_text(encoding="utf-8"))
    assert phrase in full
    assert phrase not in student


@pytest.mark.parametrize("page, line", CODE_CASES, ids=lambda v: v[:40])
def test_solution_code_is_in_the_full_edition_only(built_site, student_site, page, line):
    full = squeezed((built_site / f"{page}.html").read_text(encoding="utf-8"))
    student = squeezed((student_site / f"{page}.html").read_text(encoding="utf-8"))
    assert squeezed(line) in full
    assert squeezed(line) not in student


@pytest.mark.parametrize("page", notebook_pages())
def test_student_pages_lose_the_solution_code_cells_and_their_outputs(
    built_site, student_site, page
):
    """Each code cell between a solution's gates is gone, its output with it (a cell's
    container holds both); every other code cell stays."""
    in_solutions = sum(len(s.code) for s in solutions(page))
    full = len(CELL.findall((built_site / f"{page}.html").read_text(encoding="utf-8")))
    student = len(CELL.findall((student_site / f"{page}.html").read_text(encoding="utf-8")))
    assert full - student == in_solutions


def _search_index(site) -> dict:
    text = (site / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1 : text.rindex(")")])


def _pages_with_term(index: dict, term: str) -> set[str]:
    found = index["terms"].get(term, [])
    return {index["docnames"][i] for i in ([found] if isinstance(found, int) else found)}


def _terms(text: str) -> set[str]:
    """Words as Sphinx's search index stores them (its own splitting and English stemmer)."""
    language = SearchEnglish({})
    return {language.stem(word).lower() for word in language.split(text)}


def solution_only_terms(html: str) -> set[str]:
    """Search terms of a full-edition page found only inside its solutions (prose, code
    and outputs)."""
    article = BeautifulSoup(html, "html.parser").select_one("article")
    blocks = article.select("div.solution")
    inside = _terms(" ".join(block.get_text(" ") for block in blocks))
    for block in blocks:
        block.decompose()
    return inside - _terms(article.get_text(" "))


@pytest.mark.parametrize("page", notebook_pages())
def test_solutions_are_not_in_the_student_search_index(built_site, student_site, page):
    terms = solution_only_terms((built_site / f"{page}.html").read_text(encoding="utf-8"))
    full, student = _search_index(built_site), _search_index(student_site)
    indexed = {term for term in terms if page in _pages_with_term(full, term)}
    assert indexed, f"{page}: no solution-only term is in the full edition's search index"
    leaked = {term for term in indexed if page in _pages_with_term(student, term)}
    assert not leaked, f"{page}: the student search index has {sorted(leaked)}"


def test_no_solution_text_anywhere_in_the_student_edition(student_site):
    """Not on any page, not in the search index, not in a downloadable notebook."""
    phrases = [phrase for _, phrase in SOLUTION_CASES]
    code = [squeezed(line) for _, line in CODE_CASES]
    for path in student_site.rglob("*"):
        if path.suffix not in {".html", ".js", ".txt", ".md", ".json", ".ipynb"}:
            continue
        raw = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".ipynb":
            raw = "\n".join("".join(c["source"]) for c in json.loads(raw)["cells"])
        text = page_text(raw) if path.suffix == ".html" else " ".join(raw.split())
        found = [p for p in phrases if p in text] + [c for c in code if c in squeezed(raw)]
        assert not found, f"{path.relative_to(student_site)} contains solution text {found}"


def test_solution_blocks_only_in_the_full_edition(built_site, student_site):
    for page in notebook_pages():
        assert 'class="solution' in (built_site / f"{page}.html").read_text(encoding="utf-8")
        assert 'class="solution' not in (student_site / f"{page}.html").read_text(encoding="utf-8")


def test_instructor_guide_is_in_the_full_edition_only(built_site, student_site):
    assert instructor_pages(), "the table of contents has no instructor part"
    for page in instructor_pages():
        assert (built_site / f"{page}.html").is_file()
        assert not (student_site / f"{page}.html").exists()
    assert not (student_site / "instructors").exists()
    assert not list((student_site / "_sources").glob("instructors*"))
    for path in student_site.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert "instructors/" not in html, f"{path.relative_to(student_site)} links the guide"
        assert "For instructors" not in html
    assert "instructors/" not in (student_site / "searchindex.js").read_text(encoding="utf-8")


@pytest.mark.parametrize("page", student_pages())
def test_student_edition_has_every_other_page(student_site, page):
    assert (student_site / f"{page}.html").is_file()


def test_self_checks_stay_in_the_student_edition(built_site, student_site):
    for page in notebook_pages():
        questions = _markdown(page).count("{self-check}")
        for site in (built_site, student_site):
            html = (site / f"{page}.html").read_text(encoding="utf-8")
            assert html.count('class="self-check"') == questions


def test_student_toc_refuses_a_book_without_the_instructor_part():
    toc = {"root": "index", "parts": [{"caption": "Chapters", "chapters": [{"file": "a"}]}]}
    with pytest.raises(SystemExit, match="For instructors"):
        book_toc.student_toc(toc)


def test_student_toc_and_config():
    toc = {
        "root": "index",
        "parts": [
            {"caption": "Chapters", "chapters": [{"file": "a"}]},
            {"caption": "For instructors", "chapters": [{"file": "b"}]},
            {"caption": "Reference", "chapters": [{"file": "c"}]},
        ],
    }
    assert [p["caption"] for p in book_toc.student_toc(toc)["parts"]] == ["Chapters", "Reference"]
    config = {
        "title": "t",
        "sphinx": {
            "config": {"x": 1, "hide_solutions": False},
            "extra_extensions": ["book_extensions.self_check"],
        },
    }
    student = build_book.student_config(config)
    assert student["sphinx"]["config"] == {"x": 1, "hide_solutions": True}
    assert student["sphinx"]["extra_extensions"] == ["book_extensions.self_check"]
    assert config["sphinx"]["config"]["hide_solutions"] is False  # the original is untouched


@pytest.mark.parametrize("page", notebook_pages())
def test_student_download_is_the_notebook_without_its_solutions(built_site, student_site, page):
    """The download button's notebook: every cell but the solutions' (prose and code)."""
    full = json.loads((built_site / "_sources" / f"{page}.ipynb").read_text(encoding="utf-8"))
    student = json.loads((student_site / "_sources" / f"{page}.ipynb").read_text(encoding="utf-8"))
    code = [c["source"] for c in full["cells"] if c["cell_type"] == "code"]
    solution_code = ["".join(cell) for s in solutions(page) for cell in s.code]
    assert [c["source"] for c in student["cells"] if c["cell_type"] == "code"] == [
        cell for cell in code if "".join(cell) not in solution_code
    ]
    student_text = json.dumps(student)
    assert "{solution" in json.dumps(full) and "{solution" not in student_text
    assert "{exercise}" in student_text and "{self-check}" in student_text
    assert "## Exercises" in student_text and "## Summary" in student_text


@pytest.fixture(scope="module")
def written_student_notebooks(tmp_path_factory):
    out = tmp_path_factory.mktemp("student-notebooks")
    return out, student_notebooks.write_student_notebooks(out=out)


def test_student_notebooks_have_no_solution_and_no_output(written_student_notebooks):
    """What the student edition's launch buttons open in Binder (written by postBuild)."""
    out, written = written_student_notebooks
    assert sorted(path.relative_to(out).as_posix() for path in written) == sorted(
        f"{page}.ipynb" for page in student_pages() if (ROOT / f"{page}.ipynb").exists()
    )
    phrases = [phrase for _, phrase in SOLUTION_CASES]
    code = [squeezed(line) for _, line in CODE_CASES]
    for path in written:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        sources = "\n".join("".join(cell["source"]) for cell in cells)
        assert "{solution" not in sources
        assert "{exercise}" in sources or path.parent.name != "chapters", path.name
        found = [p for p in phrases if p in " ".join(sources.split())]
        found += [c for c in code if c in squeezed(sources)]
        assert not found, f"{path.name} contains solution text {found}"
        ran = [
            c for c in cells if c["cell_type"] == "code" and (c["outputs"] or c["execution_count"])
        ]
        assert not ran, f"{path.name}: {len(ran)} code cells keep their outputs"


@pytest.mark.parametrize("page", notebook_pages())
def test_launch_buttons_open_the_editions_own_notebooks(built_site, student_site, page):
    """Full edition: the repository's notebook (with solutions); student edition: the
    solution-free copy in student/."""
    link = re.compile(r'href="https://mybinder\.org/v2/gh/[^"]*?urlpath=lab/tree/([^"]+)"')
    full = link.findall((built_site / f"{page}.html").read_text(encoding="utf-8"))
    student = link.findall((student_site / f"{page}.html").read_text(encoding="utf-8"))
    assert set(full) == {f"{page}.ipynb"}
    assert set(student) == {f"{build_book.STUDENT_NOTEBOOKS}/{page}.ipynb"}


@pytest.fixture(scope="module")
def published_assignments(built_site, student_site, tmp_path_factory):
    """The assignments' student notebooks, copied into both sites as `make assignments` does."""
    import assignments

    out = tmp_path_factory.mktemp("assignments")
    stems = assignments.assignment_chapters(ROOT)
    for stem in stems:
        assignments.build(stem, ROOT, out)
    assignments.publish(stems, ROOT, out)
    return out, stems


def test_assignment_notebooks_leak_no_solution_hidden_test_or_autograder(
    published_assignments, built_site, student_site
):
    """Each chapter links its assignment notebook, which is in both editions; no solution,
    no hidden test, no model answer and no autograder is in the student edition."""
    import assignments
    import yaml

    _out, stems = published_assignments
    phrases = [phrase for _, phrase in SOLUTION_CASES]
    code = [squeezed(line) for _, line in CODE_CASES]
    for stem in stems:
        page = f"chapters/{stem}"
        for site in (built_site, student_site):
            html = (site / f"{page}.html").read_text(encoding="utf-8")
            assert f'href="../{assignments.SITE_FOLDER}/{stem}.ipynb"' in html, f"{page}: no link"
        notebook = student_site / assignments.SITE_FOLDER / f"{stem}.ipynb"
        raw = notebook.read_text(encoding="utf-8")
        sources = "\n".join("".join(c["source"]) for c in json.loads(raw)["cells"])
        found = [p for p in phrases if p in " ".join(sources.split())]
        found += [c for c in code if c in squeezed(sources)]
        assert not found, f"{notebook.name} contains solution text {found}"
        spec = yaml.safe_load(assignments.spec_path(stem, ROOT).read_text(encoding="utf-8"))
        for label, question in spec["questions"].items():
            for test in question.get("hidden") or []:
                hidden = [line.strip() for line in test["test"].splitlines() if "assert" in line]
                assert not [line for line in hidden if line in raw], f"{label}: hidden test"
        for marker in ("# HIDDEN", "BEGIN SOLUTION", "Model answer", "Rubric"):
            assert marker not in raw, f"{notebook.name} contains {marker!r}"
    assert not list(student_site.rglob("*.zip")), "an autograder zip is in the student edition"
    assert not list(built_site.rglob("*autograder*")), "an autograder is on the site"
