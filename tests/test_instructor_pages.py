"""The instructor guide's generated pages: the outline read from a chapter notebook, the
objectives-to-exercises map and the answer key, checked against the notebooks."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from conftest import ROOT, notebook_pages

from book_extensions.teaching_outline import (
    OutlineError,
    directive_blocks,
    learning_objectives,
    notebook_without_solutions,
    read_outline,
    solution_prose,
)

FIRST_CELL = """# A chapter

::::{admonition} Overview
**Learning objectives.** After this chapter you can:

1. name the first thing;
2. explain the second thing,
   which takes two lines;
3. do the third.

**Prerequisites.** None.
::::
"""

EXERCISES = """## Exercises

````{exercise}
:label: ex-a
:objectives: 1, 3

Do A.

:::{dropdown} Hint
Look at B.
:::
````

````{solution} ex-a
:class: dropdown

The answer to A.
````

`````{self-check} Which one?
:label: sc-a
:objectives: 2

````{self-check-choice} This
:correct:
Yes.
````
`````
"""


GATED = [  # a gated solution: its prose and code cells between the two gates
    "````{exercise}\n:label: ex-b\n:objectives: 2\n\nCompute B.\n````",
    "```{solution-start} ex-b\n:class: dropdown\n```",
    {"code": "answer_b = 6 * 7"},
    "B is 42.\n\n```{solution-end}\n```",
]


def cell(content) -> dict:
    """A markdown cell from a string, a code cell from {"code": source}."""
    if isinstance(content, dict):
        return {"cell_type": "code", "metadata": {}, "outputs": [], "source": content["code"]}
    return {"cell_type": "markdown", "metadata": {}, "source": content}


def notebook(tmp_path, *cells, name="01-demo.ipynb"):
    path = tmp_path / name
    path.write_text(
        json.dumps(
            {
                "cells": [cell(content) for content in cells],
                "metadata": {},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        ),
        encoding="utf-8",
    )
    return path


def test_learning_objectives_are_read_with_their_continuation_lines():
    assert learning_objectives(FIRST_CELL) == [
        "name the first thing;",
        "explain the second thing, which takes two lines;",
        "do the third.",
    ]


def test_objectives_out_of_order_are_refused():
    with pytest.raises(OutlineError, match="numbered 3"):
        learning_objectives("Learning objectives\n\n1. one\n3. three\n")


def test_outline_of_a_chapter(tmp_path):
    outline = read_outline(notebook(tmp_path, FIRST_CELL, EXERCISES))
    assert outline.title == "A chapter"
    assert outline.docname == f"{tmp_path.name}/01-demo"
    assert [(b.label, b.objective_numbers()) for b in outline.exercises] == [("ex-a", [1, 3])]
    assert [b.argument for b in outline.solutions] == ["ex-a"]
    assert [(b.label, b.argument) for b in outline.self_checks] == [("sc-a", "Which one?")]
    assert outline.problems() == []


def test_a_gated_solution_is_listed_with_its_exercise(tmp_path):
    outline = read_outline(notebook(tmp_path, FIRST_CELL, EXERCISES, *GATED))
    assert [b.label for b in outline.exercises] == ["ex-a", "ex-b"]
    assert [b.argument for b in outline.solutions] == ["ex-a", "ex-b"]
    assert outline.problems() == []


def _sources(notebook: dict) -> list[str]:
    return ["".join(c["source"]) for c in notebook["cells"]]


def test_download_without_solutions_drops_both_kinds_and_keeps_the_rest(tmp_path):
    setup = {"code": "import math"}
    after = {"code": "summary = 1"}
    path = notebook(tmp_path, FIRST_CELL, setup, EXERCISES, *GATED, after, "## Summary")
    original = json.loads(path.read_text(encoding="utf-8"))
    stripped = _sources(notebook_without_solutions(original))
    assert stripped[:2] == [FIRST_CELL, "import math"]
    assert "{exercise}" in stripped[2] and "{self-check}" in stripped[2]
    assert "{solution}" not in stripped[2] and "The answer to A." not in stripped[2]
    assert stripped[3:] == [GATED[0], "summary = 1", "## Summary"]  # gates, code, prose gone
    assert original == json.loads(path.read_text(encoding="utf-8"))  # the input is unchanged


def test_download_without_solutions_cuts_gates_inside_a_cell():
    """Gates may share a cell with other text: only the part between them goes."""
    text = "Before.\n\n```{solution-start} ex-b\n```\n\nSecret.\n\n```{solution-end}\n```\nAfter."
    gated_notebook = {"cells": [cell(text), cell({"code": "x = 1"})]}
    assert _sources(notebook_without_solutions(gated_notebook)) == ["Before.\n\nAfter.", "x = 1"]
    opened = {"cells": [cell("Intro.\n\n````{solution-start} ex-b\n````"), cell({"code": "x"})]}
    assert _sources(notebook_without_solutions(opened)) == ["Intro.\n\n"]


def test_nested_blocks_are_found_and_close_at_their_own_fence():
    blocks = directive_blocks(EXERCISES)
    assert [b.name for b in blocks] == [
        "exercise",
        "dropdown",
        "solution",
        "self-check",
        "self-check-choice",
    ]
    assert blocks[0].body.startswith("Do A.") and blocks[0].body.endswith(":::")


@pytest.mark.parametrize(
    "option, problem",
    [
        ("", "ex-a has no ':objectives:'"),
        (":objectives: 1, 4", "ex-a names objective 4; the chapter has 3"),
        (":objectives: one", "ex-a: ':objectives: one' must list objective numbers"),
    ],
)
def test_an_exercise_without_valid_objectives_is_a_problem(tmp_path, option, problem):
    text = EXERCISES.replace(":objectives: 1, 3", option)
    problems = read_outline(notebook(tmp_path, FIRST_CELL, text)).problems()
    assert any(problem in p for p in problems), problems


def test_a_chapter_without_objectives_or_self_check_is_a_problem(tmp_path):
    text = EXERCISES[: EXERCISES.index("`````{self-check}")]
    problems = read_outline(notebook(tmp_path, "# Title\n\nNo list here.", text)).problems()
    assert any("Learning objectives" in p for p in problems)
    assert any("no self-check" in p for p in problems)


@pytest.mark.parametrize("page", notebook_pages())
def test_every_chapter_has_a_complete_outline(page):
    assert read_outline(ROOT / f"{page}.ipynb").problems() == []


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.build
@pytest.mark.parametrize("page", notebook_pages())
def test_outcomes_page_lists_every_objective_and_links_what_practises_it(built_site, page):
    outline = read_outline(ROOT / f"{page}.ipynb")
    html = (built_site / "instructors" / "outcomes.html").read_text(encoding="utf-8")
    # The page body only: the navigation sidebar links every chapter too, before any table.
    html = html[html.index('<article class="bd-article">') :]
    chapter_link = f'href="../{page}.html"'
    assert chapter_link in html
    table = html[html.index(chapter_link) :]
    table = table[table.index("<table") : table.index("</table>")]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, flags=re.S)[1:]  # after the header
    assert len(rows) == len(outline.objectives)
    for number, row in enumerate(rows, start=1):
        assert _text(row).startswith(f"{number}. ")
        for block in outline.exercises + outline.self_checks:
            linked = f'href="../{page}.html#{block.label}"' in row
            assert linked == (number in block.objective_numbers()), (page, number, block.label)


@pytest.mark.build
@pytest.mark.parametrize("page", notebook_pages())
def test_answer_key_links_every_exercise_and_its_solution(built_site, page):
    outline = read_outline(ROOT / f"{page}.ipynb")
    key = (built_site / "instructors" / "answer-key.html").read_text(encoding="utf-8")
    chapter = (built_site / f"{page}.html").read_text(encoding="utf-8")
    for block in outline.exercises:
        assert f'href="../{page}.html#{block.label}"' in key
        solution_link = re.search(
            rf'href="\.\./{re.escape(page)}\.html#([^"]+)"[^>]*>'
            rf"(?:<[^>]+>)*worked solution",
            key[key.index(f"#{block.label}") :],
        )
        assert solution_link, f"no solution link for {block.label}"
        anchor = solution_link.group(1)
        # The anchor is the solution block that answers this exercise.
        assert re.search(
            rf'<div[^>]*class="[^"]*solution[^"]*"[^>]*id="{re.escape(anchor)}"', chapter
        ) or re.search(rf'<div[^>]*id="{re.escape(anchor)}"[^>]*class="[^"]*solution', chapter), (
            anchor
        )
        solution_html = chapter[chapter.index(f'id="{anchor}"') :]
        assert f'href="#{block.label}"' in solution_html[:2000]


def _time_estimates() -> dict[str, str]:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return config["parse"]["myst_substitutions"]


def test_time_estimates_are_written_in_one_place_only():
    """A chapter's length is set once, in _config.yml; no page types it out again."""
    typed = re.compile(r"\b[Aa]bout \d+ minutes\b")
    sources = [*(ROOT / "chapters").glob("*.ipynb"), *(ROOT / "instructors").glob("*.md")]
    for path in sources:
        text = path.read_text(encoding="utf-8")
        assert not typed.search(text), f"{path.name} types a time estimate: {typed.search(text)}"
    assert len(_time_estimates()) == len(notebook_pages())


@pytest.mark.build
@pytest.mark.parametrize("page", notebook_pages())
def test_chapter_plan_and_notes_give_the_same_time(built_site, page):
    number = page.split("/")[-1][:2]
    estimate = _time_estimates()[f"time_{number}"]
    chapter = _text((built_site / f"{page}.html").read_text(encoding="utf-8"))
    assert f"{estimate[0].upper()}{estimate[1:]}." in chapter
    for instructors_page in ["plan.html", f"notes-{page.split('/')[-1]}.html"]:
        text = _text((built_site / "instructors" / instructors_page).read_text(encoding="utf-8"))
        assert estimate in text, (instructors_page, estimate)


SOLVED = {
    "cells": [
        {
            "cell_type": "markdown",
            "source": "Intro.\n\n```{solution-start} ex-a\n:class: dropdown\n```\n",
        },
        {"cell_type": "code", "source": "glue('x', 1)", "outputs": []},
        {"cell_type": "markdown", "source": "So {glue:text}`x`.\n\n```{solution-end}\n```\nAfter."},
        {
            "cell_type": "markdown",
            "source": "````{solution} ex-b\n:class: dropdown\nBecause.\n````\n",
        },
    ]
}


def test_solution_prose_is_the_words_of_each_solution_without_code_or_fences():
    assert solution_prose(SOLVED) == {"ex-a": "So {glue:text}`x`.", "ex-b": "Because."}


CURLY_TO_STRAIGHT = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
RUBRICS = yaml.safe_load((ROOT / "instructors" / "rubrics.yml").read_text(encoding="utf-8"))


def test_every_open_exercise_has_a_rubric_and_every_rubric_an_exercise():
    """An exercise answered in prose only (a ```{solution} block) asks for an argument."""
    labels, open_exercises = set(), set()
    for page in notebook_pages():
        outline = read_outline(ROOT / f"{page}.ipynb")
        labels |= {block.label for block in outline.exercises}
        open_exercises |= {b.argument.strip() for b in outline.solutions if b.name == "solution"}
    assert open_exercises and open_exercises <= set(RUBRICS), open_exercises - set(RUBRICS)
    assert set(RUBRICS) <= labels, set(RUBRICS) - labels
    for label, criteria in RUBRICS.items():
        assert len(criteria) >= 2, label
        assert all(isinstance(c["points"], int) and c["points"] > 0 for c in criteria), label


def _glued_text(page: str, key: str) -> str:
    """What a chapter glued under `key`, as the page shows a plain-text value (negative
    numbers with a minus sign, book_extensions.minus_signs)."""
    from stormbook.formatting import minus_signs

    glue = ROOT / "_build" / "jupyter_execute" / f"{page}.glue.json"
    value = json.loads(glue.read_text(encoding="utf-8"))[key]["data"]["text/plain"]
    return minus_signs(value.strip("'\""))


@pytest.mark.build
@pytest.mark.parametrize("page", notebook_pages())
def test_answer_key_gives_each_answer_with_its_numbers_and_rubric(built_site, page):
    """Not only a link: the exercise's prompt, its model answer with the chapter's own
    numbers, and the rubric of an open exercise, in the exercise's entry."""
    from bs4 import BeautifulSoup

    outline = read_outline(ROOT / f"{page}.ipynb")
    answers = solution_prose(json.loads((ROOT / f"{page}.ipynb").read_text(encoding="utf-8")))
    html = (built_site / "instructors" / "answer-key.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    for block in outline.exercises:
        link = soup.find("a", href=f"../{page}.html#{block.label}")
        entry = link.find_parent("li").get_text().translate(CURLY_TO_STRAIGHT)
        entry = " ".join(entry.split())
        assert "Answer." in entry, block.label
        for key in re.findall(r"\{glue:text\}`([\w-]+)`", answers[block.label]):
            assert _glued_text(page, key) in entry, (block.label, key)
        plain = re.sub(r"\{[\w:-]+\}`[^`]*`|`[^`]*`", "\n", answers[block.label]).replace("*", "")
        longest = max(re.findall(r"[A-Za-z][A-Za-z ,;'-]{25,}[A-Za-z]", plain), key=len)
        assert " ".join(longest.split()) in entry, (block.label, longest)
        if block.label in RUBRICS:
            total = sum(c["points"] for c in RUBRICS[block.label])
            assert f"Rubric ({total} points)" in entry, block.label
            assert " ".join(RUBRICS[block.label][0]["criterion"].split()) in entry
