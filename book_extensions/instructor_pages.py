"""Generated pages of the instructor guide: objectives mapped to exercises, and the answer key.

Both are built from the chapter notebooks themselves (via `teaching_outline`), each time the
book is built, so adding a chapter adds its rows and changing an exercise changes them.

- ``{learning-outcomes-map}``: per chapter, a table of its learning objectives and the
  exercises and self-check questions that practise each one.
- ``{answer-key}``: per chapter, each exercise in full with its worked answer (numbers pasted
  from the chapter), a link to its worked solution, and the marking rubric of every exercise
  that asks for an argument (instructors/rubrics.yml).
- Exercises accept an ``:objectives:`` option (objective numbers) that the map reads.
- Each sphinx-exercise solution gets the label ``solution-<exercise label>`` so the answer
  key can link straight to it.
(How the student edition leaves solutions out is `hidden_solutions`'s job.)

A chapter whose outline is incomplete (no objectives, an exercise without `:objectives:`,
an objective number out of range, no self-check) raises a Sphinx warning, which fails the
strict build.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from book_extensions.teaching_outline import Outline, OutlineError, read_outline, solution_prose

logger = logging.getLogger(__name__)
RUBRICS = "rubrics.yml"


def _chapters(directive: SphinxDirective) -> list[Outline]:
    """Every chapter notebook that is part of this build, in file-name (chapter) order."""
    directive.env.note_dependency(__file__)  # a change to this code rebuilds the page
    outlines = []
    for path in sorted(Path(directive.env.srcdir, "chapters").glob("*.ipynb")):
        docname = f"chapters/{path.stem}"
        if docname not in directive.env.found_docs:
            continue
        directive.env.note_dependency(str(path))
        try:
            outline = read_outline(path)
        except OutlineError as error:
            logger.warning(f"{docname}: {error}", location=directive.get_location())
            continue
        for problem in outline.problems():
            logger.warning(f"{docname}: {problem}", location=directive.get_location())
        outlines.append(outline)
    return outlines


def _parse(directive: SphinxDirective, markdown: list[str]) -> list[nodes.Node]:
    container = nodes.container(classes=["course-outline"])
    directive.state.nested_parse(
        StringList(markdown, source=directive.get_source_info()[0]),
        directive.content_offset,
        container,
    )
    return container.children


def _one_line(text: str) -> str:
    """Table cells are one line in a list-table item; keep inline markup, drop newlines."""
    return " ".join(text.split())


class LearningOutcomesMap(SphinxDirective):
    has_content = False

    def run(self):
        markdown = []
        for outline in _chapters(self):
            markdown += [
                f"{{doc}}`/{outline.docname}`",
                "",
                f":::{{list-table}} Objectives of “{outline.title}”",
                ":header-rows: 1",
                ":widths: 50 25 25",
                "",
                "* - Learning objective",
                "  - Exercises",
                "  - Self-check",
            ]
            for number, objective in enumerate(outline.objectives, start=1):
                exercises = [
                    f"{{numref}}`{block.label}`"
                    for block in outline.exercises
                    if number in _safe_numbers(block)
                ]
                checks = [
                    f"{{ref}}`Question {position} <{block.label}>`"
                    for position, block in enumerate(outline.self_checks, start=1)
                    if number in _safe_numbers(block)
                ]
                markdown += [
                    f"* - {number}\\. {_one_line(objective)}",
                    f"  - {', '.join(exercises) or 'none (reading and discussion)'}",
                    f"  - {', '.join(checks) or 'none'}",
                ]
            markdown += [":::", ""]
        return _parse(self, markdown)


class AnswerKey(SphinxDirective):
    """Per chapter, each exercise in full, its worked answer in words (numbers pasted from the
    chapter's run) and, for an exercise that asks for an argument, its marking rubric."""

    has_content = False

    def run(self):
        rubrics = _rubrics(self)
        markdown = []
        for outline in _chapters(self):
            notebook = json.loads(outline.path.read_text(encoding="utf-8"))
            answers = solution_prose(notebook)
            source = f"/{outline.docname}.ipynb"
            markdown += [f"{{doc}}`/{outline.docname}`", ""]
            for block in outline.exercises:
                markdown += _answer_entry(self, block, answers, rubrics, source)
            markdown += [""]
        return _parse(self, markdown)


def _answer_entry(directive, block, answers: dict, rubrics: dict, source: str) -> list[str]:
    """One exercise: prompt, answer, rubric (if any) and the link to the worked solution."""
    objectives = ", ".join(str(n) for n in _safe_numbers(block)) or "none"
    plural = "s" if "," in objectives else ""
    lines = [f"- {{numref}}`{block.label}` (objective{plural} {objectives}).", ""]
    lines += _indented(_glue_from(source, block.body))
    if block.label in answers:
        lines += ["", "  **Answer.**", "", *_indented(_glue_from(source, answers[block.label]))]
        lines += ["", f"  See the {{ref}}`worked solution <solution-{block.label}>`."]
    else:
        lines += ["", "  No worked solution in the chapter."]
        logger.warning(
            f"{source}: exercise {block.label} has no solution", location=directive.get_location()
        )
    if block.label in rubrics:
        criteria = rubrics[block.label]
        total = sum(item["points"] for item in criteria)
        lines += ["", f"  **Rubric** ({total} points).", ""]
        lines += [f"  1. {_one_line(item['criterion'])} ({item['points']})" for item in criteria]
    return [*lines, ""]


def _indented(text: str) -> list[str]:
    """Lines of a list item's body: indented under its bullet (blank lines kept blank)."""
    return [f"  {line}" if line.strip() else "" for line in text.splitlines()]


GLUE_ROLE = re.compile(r"\{(glue(?::\w+)?)\}`(?![^`]*::)([^`]+)`")


def _glue_from(source: str, text: str) -> str:
    """Glue roles written in a chapter, made to paste from that chapter on another page. The
    text role splits its format at the last colon, so a key pasted from another page always
    carries one (`s`, the role's own default)."""

    def paste(match: re.Match) -> str:
        role, key = match[1], match[2]
        if role == "glue:text" and ":" not in key:
            key += ":s"
        return f"{{{role}}}`{source}::{key}`"

    return GLUE_ROLE.sub(paste, text)


def _rubrics(directive: SphinxDirective) -> dict[str, list[dict]]:
    """The marking rubrics (instructors/rubrics.yml), each criterion with its points."""
    path = Path(directive.env.srcdir, "instructors", RUBRICS)
    directive.env.note_dependency(str(path))
    rubrics = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for label, criteria in rubrics.items():
        for item in criteria:
            if (
                not isinstance(item.get("points"), int)
                or not str(item.get("criterion", "")).strip()
            ):
                raise ValueError(
                    f"{RUBRICS}: {label}: each criterion needs integer 'points' and text"
                )
    return rubrics


def _safe_numbers(block) -> list[int]:
    try:
        return block.objective_numbers()
    except OutlineError:
        return []  # already reported by Outline.problems()


def _label_solutions(app, doctree) -> None:
    """Give every solution the label `solution-<exercise label>` for cross-references."""
    from sphinx_exercise.nodes import solution_node

    std = app.env.get_domain("std")
    for node in doctree.findall(solution_node):
        target, ids = node.get("target_label"), node.get("ids")
        if target and ids:
            name = f"solution-{target}"
            std.anonlabels[name] = (app.env.docname, ids[0])
            std.labels[name] = (app.env.docname, ids[0], f"Solution to {target}")


def _exercises_accept_objectives(app) -> None:
    from sphinx_exercise.directive import ExerciseDirective

    if "objectives" not in ExerciseDirective.option_spec:
        ExerciseDirective.option_spec = {
            **ExerciseDirective.option_spec,
            "objectives": lambda value: value or "",
        }


def setup(app):
    app.setup_extension("sphinx_exercise")
    _exercises_accept_objectives(app)
    app.add_directive("learning-outcomes-map", LearningOutcomesMap)
    app.add_directive("answer-key", AnswerKey)
    app.connect("doctree-read", _label_solutions)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
