"""Each chapter's exercises as an Otter-Grader assignment, with automatic feedback.

    python tools/assignments.py build [CHAPTER ...]          (make assignments)
    python tools/assignments.py grade CHAPTER SUBMISSION ...  (score notebooks handed in)

Run `make book` first: an exercise's text prints numbers glued from the executed chapter,
read from `_build/jupyter_execute` as the question bank reads them.

One source of truth. The exercises, their hints, the "Your turn" starter cells and the
executed solutions are read from the chapter notebook (`chapters/<stem>.ipynb`). What only
an autograder needs lives beside it, in `chapters/assignments/<stem>.yml`:

- `setup`: the code the student notebook runs first (imports and data, as the chapter loads
  them);
- for each exercise label, either `answers` (the names a student sets, each with what it
  holds), `public` tests (shown to the student, worth no marks: they say whether an answer
  has the right form), `hidden` tests (only in the autograder, each with its points; they
  compute what they expect from the data and `stormbook`, never a typed result) and `wrong`
  (code setting every answer the way a plausible mistake would, which must score zero:
  tests/test_assignments.py); or `manual: true` for an exercise that asks for an argument,
  graded by the instructor against the model answer and, when `instructors/rubrics.yml` has
  one, its rubric (whose points it carries; otherwise `points`).

For each chapter this writes an Otter master notebook and runs `otter assign`, into
`_build/assignments/<stem>/`: `student/<stem>.ipynb` (the notebook students download; its
public tests only), `autograder/<stem>-autograder.zip` (hidden tests, with a copy of the
book's `data/` and `stormbook/`, so grading uses the version the assignment was built from)
and `autograder/<stem>.ipynb` (the solutions). It then copies the student notebooks into the
built sites (`assignments/<stem>.ipynb` in each edition that has been built), where each
chapter's Exercises section links them. The zips and grading instructions are for
instructors only; nothing here writes them into a site.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml
from bank_items import GLUE_FOLDER
from bank_text import TextContext, role_text, substituted

from book_extensions.teaching_outline import FENCE_OPEN, directive_blocks, solution_prose
from maintenance.book_toc import part_pages, read_toc

ROOT = Path(__file__).resolve().parent.parent

SPECS = Path("chapters") / "assignments"  # chapters/assignments/<stem>.yml
OUT = Path("_build") / "assignments"
RUBRICS = Path("instructors") / "rubrics.yml"
SITE_FOLDER = "assignments"  # assignments/<stem>.ipynb in each built site
SITES = (Path("_build") / "html", Path("_build") / "student" / "_build" / "html")
CHAPTERS_PART = "Chapters"
ROLE = re.compile(r"\{(?P<name>[\w:-]+)\}`(?P<content>[^`]*)`")
LEFTOVER_MYST = re.compile(r"\{[\w:-]+\}`|^\s*(`{3,}|:{3,})\{", re.M)
QUESTION_KEYS = {"answers", "public", "hidden", "wrong", "manual", "points"}


class AssignmentError(ValueError):
    """A chapter and its assignment file do not make a sound assignment."""


class SubmissionError(ValueError):
    """A file handed in cannot be graded as this chapter's assignment."""


# ---------------------------------------------------------------------------- the chapter
@dataclass
class Exercise:
    """One exercise as the chapter has it: its text, hint, starter and solution cells."""

    label: str
    body: str
    hint: str | None = None
    starter: list[str] = field(default_factory=list)
    solution_code: list[str] = field(default_factory=list)


@dataclass
class ChapterExercises:
    title: str
    lead_prose: str  # the Exercises section's text before its first exercise
    lead_code: list[str]  # and its code cells (e.g. a table the exercises use)
    exercises: list[Exercise]
    solutions: dict[str, str]  # label -> the worked answer in words


def chapter_exercises(path: Path) -> ChapterExercises:
    """The exercises of a chapter notebook, read from its "## Exercises" section."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cells = notebook["cells"]
    title = re.search(r"^#\s+(.+)$", "".join(cells[0]["source"]), re.M)
    start = next(
        (i for i, c in enumerate(cells) if "".join(c["source"]).startswith("## Exercises")),
        None,
    )
    if start is None:
        raise AssignmentError(f"{path}: no '## Exercises' section")
    lead_prose, lead_code, exercises = [], [], {}
    current, solving = None, None
    for cell in cells[start:]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code":
            if solving:
                exercises[solving].solution_code.append(source)
            elif current:
                exercises[current].starter.append(source)
            else:
                lead_code.append(source)
            continue
        if cell is not cells[start] and re.match(r"^##\s", source):
            break  # the next section (Self-check)
        if current is None and not solving:
            before = re.split(r"^(?:`{3,}|:{3,})\{", source, maxsplit=1, flags=re.M)[0]
            # The sentence linking this very notebook is left out of it.
            paragraphs = before.replace("## Exercises", "").strip().split("\n\n")
            lead_prose += [p for p in paragraphs if f'href="../{SITE_FOLDER}/' not in p]
        for block in _top_level_blocks(source):
            if block.name == "exercise":
                current = block.label
                exercises[current] = Exercise(block.label, block.body)
            elif block.name == "dropdown" and block.argument.startswith("Hint") and current:
                exercises[current].hint = block.body
            elif block.name == "solution-start":
                solving = block.argument.strip()
            elif block.name == "solution-end":
                solving, current = None, None
            elif block.name == "solution":
                current = None
    if not exercises:
        raise AssignmentError(f"{path}: the Exercises section has no exercise")
    return ChapterExercises(
        title=title.group(1).strip() if title else path.stem,
        lead_prose="\n\n".join(p for p in lead_prose if p),
        lead_code=lead_code,
        exercises=list(exercises.values()),
        solutions=solution_prose(notebook),
    )


def _top_level_blocks(markdown: str):
    """The directive fences of a cell, outer ones only, in order."""
    blocks, lines, index = [], markdown.splitlines(), 0
    while index < len(lines):
        match = FENCE_OPEN.match(lines[index].strip())
        if not match:
            index += 1
            continue
        closing = re.compile(rf"^{re.escape(match['fence'])}\s*$")
        end = index + 1
        while end < len(lines) and not closing.match(lines[end].strip()):
            end += 1
        blocks.extend(directive_blocks("\n".join(lines[index : end + 1]))[:1])
        index = end + 1
    return blocks


# ---------------------------------------------------------------------------- the spec
def spec_path(stem: str, root: Path = ROOT) -> Path:
    return root / SPECS / f"{stem}.yml"


def read_spec(stem: str, chapter: ChapterExercises, root: Path = ROOT) -> dict:
    """The chapter's assignment file, checked against its exercises."""
    path = spec_path(stem, root)
    if not path.is_file():
        raise AssignmentError(f"{path} not found: every chapter with exercises needs one")
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    questions = spec.get("questions") or {}
    labels = [exercise.label for exercise in chapter.exercises]
    problems = [f"exercise {label} has no entry" for label in labels if label not in questions]
    problems += [
        f"{label} is not an exercise of the chapter" for label in questions if label not in labels
    ]
    if not isinstance(spec.get("setup"), str):
        problems.append("'setup' (the code the student notebook runs first) is missing")
    for label, question in questions.items():
        unknown = set(question or {}) - QUESTION_KEYS
        if unknown:
            problems.append(f"{label}: unknown keys {sorted(unknown)}")
        elif (question or {}).get("manual"):
            continue
        elif not question or not question.get("answers") or not question.get("hidden"):
            problems.append(f"{label}: an autograded question needs 'answers' and 'hidden' tests")
        elif not question.get("wrong"):
            problems.append(f"{label}: 'wrong' (a mistaken answer the tests must catch) is missing")
        elif any(
            not isinstance(t.get("points"), int) or t["points"] <= 0 for t in question["hidden"]
        ):
            problems.append(f"{label}: every hidden test needs whole 'points' above 0")
    if problems:
        raise AssignmentError(f"{path}: " + "; ".join(problems))
    return spec


def question_name(label: str) -> str:
    """The name grader.check takes: the exercise label as a Python identifier."""
    return label.replace("-", "_")


def manual_points(label: str, question: dict, root: Path = ROOT) -> int:
    """A written answer's points: its rubric's total, else the spec's `points`."""
    rubric = rubrics(root).get(label)
    if rubric:
        return sum(criterion["points"] for criterion in rubric)
    if not isinstance(question.get("points"), int):
        raise AssignmentError(f"{label}: a manual question without a rubric needs 'points'")
    return question["points"]


def rubrics(root: Path = ROOT) -> dict:
    path = root / RUBRICS
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {} if path.is_file() else {}


# ---------------------------------------------------------------------------- MyST -> Markdown
def plain_markdown(text: str, context: TextContext) -> str:
    """MyST as Markdown Jupyter shows: roles resolved (glued values, citations, references),
    hint dropdowns as <details>. Any MyST left stops the build."""
    text = substituted(text, context)
    text = ROLE.sub(lambda m: role_text(m["name"], m["content"], context), text)
    if LEFTOVER_MYST.search(text):
        raise AssignmentError(f"{context.where}: MyST left in {text[:200]!r}")
    return text.strip()


# ---------------------------------------------------------------------------- master notebook
def _raw(text: str):
    return nbformat.v4.new_raw_cell(text)


def _md(text: str):
    return nbformat.v4.new_markdown_cell(text)


def _code(text: str):
    return nbformat.v4.new_code_cell(text.strip("\n"))


def _test_code(text: str) -> str:
    """A test as one doctest: no blank lines (they would end it)."""
    return "\n".join(line for line in text.strip("\n").splitlines() if line.strip())


def master_notebook(stem: str, root: Path = ROOT, glue_dir: Path | None = None):
    """The Otter master notebook of a chapter: its exercises, solutions and tests."""
    path = root / "chapters" / f"{stem}.ipynb"
    chapter = chapter_exercises(path)
    spec = read_spec(stem, chapter, root)
    glue_dir = glue_dir or root / GLUE_FOLDER

    def text(markdown: str, where: str) -> str:
        return plain_markdown(markdown, TextContext(root, path, glue_dir, f"{path.name}: {where}"))

    config = {
        "name": stem,
        "init_cell": True,
        "check_all_cell": False,
        "export_cell": False,
        "run_tests": False,
        "generate": {"pdf": False},
        "tests": {"files": False},
        "autograder_files": ["data", "stormbook"],
        "requirements": "requirements.txt",
        "overwrite_requirements": False,
    }
    cells = [
        _raw("# ASSIGNMENT CONFIG\n" + yaml.safe_dump(config, sort_keys=False)),
        _md(
            f"# Exercises: {chapter.title}\n\n"
            "The exercises of this chapter of *Cytokine storm syndromes*, with automatic "
            "feedback. Run the cells in order. Each exercise that has a computed answer ends "
            "with a cell `grader.check(...)`: run it after your answer, and it says whether "
            "your answer has the right form. Your instructor's autograder marks the values "
            "themselves. Exercises that ask for an argument are marked by your instructor: "
            "write your answer in the cell under the question. Keep the file's name."
        ),
        _md("## The data the exercises use"),
        _code(spec["setup"]),
    ]
    if chapter.lead_prose:
        cells.append(_md(text(chapter.lead_prose, "Exercises section")))
    cells += [_code(source) for source in chapter.lead_code]
    for number, exercise in enumerate(chapter.exercises, start=1):
        question = spec["questions"][exercise.label]
        name = question_name(exercise.label)
        prompt = f"## Exercise {number}\n\n" + text(exercise.body, exercise.label)
        if exercise.hint:
            prompt += (
                "\n\n<details><summary>Hint</summary>\n\n"
                + text(exercise.hint, exercise.label + " hint")
                + "\n\n</details>"
            )
        if question.get("manual"):
            points = manual_points(exercise.label, question, root)
            cells += [
                _raw(f"# BEGIN QUESTION\nname: {name}\nmanual: true\npoints: {points}"),
                _md(
                    prompt + f"\n\n*A written answer ({points} points), marked by your instructor.*"
                ),
                _raw("# BEGIN SOLUTION"),
                _md(model_answer(exercise.label, chapter, root, text)),
                _raw("# END SOLUTION"),
                _raw("# END QUESTION"),
            ]
            continue
        if not exercise.solution_code:
            raise AssignmentError(f"{path}: {exercise.label} has no solution code to grade")
        answers = question["answers"]
        public, hidden = question.get("public") or [], question["hidden"]
        points = [0] * len(public) + [test["points"] for test in hidden]
        answer = "\n\n".join(s.strip("\n") for s in exercise.starter)
        answer += (
            f'\n\n# Your answer: set each name below, then run grader.check("{name}").\n'
            + "".join(f"# {key}: {what}\n" for key, what in answers.items())
            + "# BEGIN SOLUTION NO PROMPT\n"
            + "\n\n".join(s.strip("\n") for s in exercise.solution_code)
            + "\n# END SOLUTION\n"
            + "".join(f"{key} = {key}  # SOLUTION\n" for key in answers)
        )
        cells += [
            _raw(f"# BEGIN QUESTION\nname: {name}\npoints: {json.dumps(points)}"),
            _md(prompt),
            _raw("# BEGIN SOLUTION"),
            _code(answer),
            _raw("# END SOLUTION"),
            _raw("# BEGIN TESTS"),
            *[_code(_test_code(test)) for test in public],
            *[_code("# HIDDEN\n" + _test_code(test["test"])) for test in hidden],
            _raw("# END TESTS"),
            _raw("# END QUESTION"),
        ]
        rubric = rubrics(root).get(exercise.label)
        if rubric:  # the argument the exercise also asks for, marked against its rubric
            points = sum(criterion["points"] for criterion in rubric)
            cells += [
                _raw(f"# BEGIN QUESTION\nname: {name}_written\nmanual: true\npoints: {points}"),
                _md(
                    f"**Exercise {number}, in words.** Answer the questions of the exercise "
                    f"that ask for an argument ({points} points, marked by your instructor)."
                ),
                _raw("# BEGIN SOLUTION"),
                _md(model_answer(exercise.label, chapter, root, text)),
                _raw("# END SOLUTION"),
                _raw("# END QUESTION"),
            ]
    cells.append(
        _md(
            "## Handing it in\n\nSave the notebook (*File > Save*), download it (*File > "
            "Download*) and hand in the `.ipynb` file as your instructor asks."
        )
    )
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    notebook.metadata["language_info"] = {"name": "python"}
    return notebook


def model_answer(label: str, chapter: ChapterExercises, root: Path, text) -> str:
    """The instructor's side of a written question: the model answer and its rubric."""
    answer = "**Model answer.** " + text(chapter.solutions.get(label, ""), label + " solution")
    rubric = rubrics(root).get(label)
    if rubric:
        answer += "\n\n**Rubric.**\n\n" + "\n".join(
            f"- {c['points']} point{'s' * (c['points'] != 1)}: {c['criterion']}" for c in rubric
        )
    return answer


# ---------------------------------------------------------------------------- otter assign
def assignment_chapters(root: Path = ROOT) -> list[str]:
    """The stems of the chapters (the "Chapters" part of _toc.yml) that have exercises."""
    stems = []
    for page in part_pages(read_toc(root), CHAPTERS_PART):
        path = root / f"{page}.ipynb"
        if path.is_file() and "{exercise}" in path.read_text(encoding="utf-8"):
            stems.append(path.stem)
    return stems


@dataclass(frozen=True)
class Built:
    student: Path
    autograder: Path
    solutions: Path


def built_paths(stem: str, out: Path) -> Built:
    folder = out / stem
    return Built(
        student=folder / "student" / f"{stem}.ipynb",
        autograder=folder / "autograder" / f"{stem}-autograder.zip",
        solutions=folder / "autograder" / f"{stem}.ipynb",
    )


def build(stem: str, root: Path = ROOT, out: Path | None = None) -> Built:
    """Write a chapter's master notebook and run `otter assign` on it."""
    from otter.assign import main as otter_assign

    out = out or root / OUT
    folder = out / stem
    shutil.rmtree(folder, ignore_errors=True)
    master = folder / "master"
    master.mkdir(parents=True)
    nbformat.write(master_notebook(stem, root), master / f"{stem}.ipynb")
    # What the autograder needs beside a submission: the book's data and package, and the
    # packages it installs on a grading service (the lock, without the book's own line).
    shutil.copytree(root / "data", master / "data")
    shutil.copytree(
        root / "stormbook", master / "stormbook", ignore=shutil.ignore_patterns("__pycache__")
    )
    lock = (root / "requirements.txt").read_text(encoding="utf-8")
    (master / "requirements.txt").write_text(
        "".join(line for line in lock.splitlines(keepends=True) if line.strip() != "-e ."),
        encoding="utf-8",
    )
    otter_assign(str(master / f"{stem}.ipynb"), str(folder), no_pdfs=True, no_run_tests=True)
    paths = built_paths(stem, out)
    (zipped,) = (folder / "autograder").glob(f"{stem}-autograder_*.zip")
    zipped.rename(paths.autograder)
    return paths


def publish(stems: list[str], root: Path = ROOT, out: Path | None = None) -> list[Path]:
    """Copy the student notebooks into every built site (never the zips)."""
    out = out or root / OUT
    written = []
    for site in SITES:
        if not (root / site / "index.html").is_file():
            continue
        folder = root / site / SITE_FOLDER
        folder.mkdir(exist_ok=True)
        for stem in stems:
            target = folder / f"{stem}.ipynb"
            shutil.copyfile(built_paths(stem, out).student, target)
            written.append(target)
    return written


# ---------------------------------------------------------------------------- grading
@dataclass(frozen=True)
class Score:
    """Points per autograded question, and the total."""

    questions: dict[str, tuple[float, float]]

    @property
    def total(self) -> float:
        return sum(score for score, _ in self.questions.values())

    @property
    def possible(self) -> float:
        return sum(possible for _, possible in self.questions.values())


def check_submission(path: Path, stem: str):
    """The submission as a notebook, or a SubmissionError saying what is wrong with it."""
    if not path.is_file():
        raise SubmissionError(f"{path}: no such file")
    try:
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # nbformat raises several kinds for a file that is not one
        raise SubmissionError(
            f"{path}: not a Jupyter notebook that can be graded ({type(error).__name__}: "
            f"{str(error).splitlines()[0] if str(error) else 'unreadable'})"
        ) from None
    handed = notebook.metadata.get("otter", {}).get("assignment_name")
    if handed != stem:
        raise SubmissionError(
            f"{path}: this is not the student notebook of {stem} "
            f"(its assignment is {handed or 'not named'}); hand in the downloaded notebook"
        )
    return notebook


def grade(stem: str, submission: Path, root: Path = ROOT, out: Path | None = None) -> Score:
    """Score one submission with the chapter's autograder (no Docker)."""
    from otter.api import grade_submission

    check_submission(submission, stem)
    zipped = built_paths(stem, out or root / OUT).autograder
    if not zipped.is_file():
        raise SubmissionError(f"{zipped} not found: run `make assignments` first")
    results = grade_submission(str(submission), str(zipped), quiet=True)
    return Score({name: (float(r.score), float(r.possible)) for name, r in results.results.items()})


def with_answer(notebook, label: str, code: str):
    """A copy of a notebook with `code` run at the end of a question's answer cell (for the
    tests: a deliberately wrong answer)."""
    changed = copy.deepcopy(notebook)
    name = question_name(label)
    for index, cell in enumerate(changed.cells):
        if cell.cell_type == "code" and cell.source.strip() == f'grader.check("{name}")':
            answer = changed.cells[index - 1]
            answer.source = answer.source.rstrip("\n") + "\n" + code.strip("\n") + "\n"
            return changed
    raise AssignmentError(f"no grader.check cell for {label}")


# ---------------------------------------------------------------------------- command line
def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="build the assignments (make assignments)")
    build_cmd.add_argument("chapters", nargs="*", help="chapter stems (default: every chapter)")
    grade_cmd = commands.add_parser("grade", help="score submissions with a chapter's autograder")
    grade_cmd.add_argument("chapter")
    grade_cmd.add_argument("submissions", nargs="+", type=Path)
    options = parser.parse_args(argv)
    try:
        if options.command == "build":
            stems = options.chapters or assignment_chapters()
            for stem in stems:
                paths = build(stem)
                print(
                    f"{stem}: {paths.student.relative_to(ROOT)}, {paths.autograder.relative_to(ROOT)}"
                )
            for path in publish(stems):
                print("copied into the site:", path.relative_to(ROOT))
            return 0
        failed = 0
        for submission in options.submissions:
            try:
                score = grade(options.chapter, submission)
            except SubmissionError as error:
                print(f"NOT GRADED {error}")
                failed += 1
                continue
            parts = ", ".join(f"{q} {s:g}/{p:g}" for q, (s, p) in score.questions.items())
            print(f"{submission}: {score.total:g}/{score.possible:g} ({parts})")
        return 1 if failed else 0
    except AssignmentError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
