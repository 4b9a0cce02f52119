"""The chapters are committed clean and each is listed in the table of contents.

Running them is nbval's job: `make test` collects every notebook in chapters/ with
`--nbval-lax` (see pyproject.toml), from a fresh kernel, in the notebook's own folder.
"""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, toc_pages

NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
# The chapter template (CONTRIBUTING.md) must pass the same checks as a chapter.
TEMPLATE = ROOT / "tools" / "chapter-template.ipynb"
LESSONS = [*NOTEBOOKS, TEMPLATE]


def test_there_are_chapters():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_committed_without_outputs_or_execution_counts(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"{path.name} cell {index} has outputs"
            assert cell.get("execution_count") is None, f"{path.name} cell {index} has a count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_chapter_is_in_the_table_of_contents(path):
    assert f"chapters/{path.stem}" in toc_pages()


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_chapter_reads_like_a_lesson(path):
    """Objectives first, exercises, and a summary at the end."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    markdown = [
        "".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "markdown"
    ]
    assert "Learning objectives" in markdown[0]
    assert any("```{exercise}" in text or "````{exercise}" in text for text in markdown)
    assert any("{solution}" in text or "{solution-start}" in text for text in markdown)
    assert markdown[-1].lstrip().startswith("## Summary")


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_chapter_ends_with_a_self_check_then_the_summary(path):
    """The self-check is the last section before the summary (see README, Course material)."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    markdown = [
        "".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "markdown"
    ]
    assert markdown[-2].lstrip().startswith("## Self-check")
    assert "{self-check}" in markdown[-2]
    assert not any("{self-check}" in text for text in markdown[:-2])
