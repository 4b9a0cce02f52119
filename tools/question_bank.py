"""Export a question bank for instructors: the chapters' self-checks, and single-best-answer
vignettes built from the book's data, as Moodle XML and as a QTI 2.1 content package.

    python tools/question_bank.py [--out FOLDER]      (default: _build/question-bank)

writes `moodle.xml` and `qti21.zip`. Run `make book` first: the self-checks print numbers
glued from the executed notebooks, read here from `_build/jupyter_execute`.

- The self-checks are read from the chapters (in `_toc.yml` order) with `book_extensions/teaching_outline`,
  so the bank always asks what the book asks. A self-check with options becomes a
  single-answer multiple-choice item; one with a model answer becomes an essay item whose
  general feedback (and, in QTI, the scorer's rubric) is the model answer.
- The vignettes are computed from data rows: synthetic patients scored with
  `stormbook.instruments`, and trial results read from their typed columns. Each distractor is the
  answer a named, plausible error gives (swapped arms, odds for risk, a criterion
  miscounted), so every number shown is in the data or computed from it.
- MyST roles become plain text: glued values formatted as the page formats them, citations
  as the bibliography prints them, other roles as their text. Text that would still carry
  MyST syntax stops the export.
- Every item records its source (chapter and label, or data resource and row) and the book's
  version (CITATION.cff, the data release, and the git commit when there is one).

The files are for instructors and are not part of the published site.
"""

from __future__ import annotations

import argparse
import functools
import inspect
import io
import json
import operator
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from mdit_py_plugins.myst_role import myst_role_plugin
from myst_nb.core.variables import format_plain_text
from pybtex.database import parse_file

from book_extensions.teaching_outline import directive_blocks, read_outline
from maintenance.book_toc import read_toc, toc_notebooks
from maintenance.data_changelog import NEXT, read_changelog
from stormbook import instruments, load_dataset
from stormbook.evidence import effect_sizes
from stormbook.formatting import number
from stormbook.instruments.vignettes import FEVER_C, synthetic_vignettes
from stormbook.sources import citation, source_citation

ROOT = Path(__file__).resolve().parent.parent

DEFAULT_OUT = ROOT / "_build" / "question-bank"
GLUE_FOLDER = Path("_build") / "jupyter_execute"
BANK_TITLE = "Cytokine storm syndromes"


class QuestionBankError(ValueError):
    """The chapters, the glued values or the data cannot make a sound item."""


# ---------------------------------------------------------------------------- what an item is
@dataclass(frozen=True)
class Version:
    """The book's version, its data's latest release (and whether changes are waiting for the
    next one), and the git commit when there is one."""

    book: str
    data_release: str | None = None
    data_unreleased_changes: bool = False
    commit: str | None = None

    @property
    def data(self) -> str | None:
        if self.data_release is None:
            return None
        return self.data_release + ("+unreleased" if self.data_unreleased_changes else "")

    def sentence(self) -> str:
        parts = [f"book version {self.book}"]
        if self.data_release:
            waiting = " with unreleased changes" if self.data_unreleased_changes else ""
            parts.append(f"data release {self.data_release}{waiting}")
        if self.commit:
            parts.append(f"commit {self.commit}")
        return ", ".join(parts)

    def tags(self) -> list[str]:
        """Short tags (Moodle's tags hold at most 50 characters)."""
        tags = [f"book-{self.book}"]
        if self.data:
            tags.append(f"data-{self.data}")
        if self.commit:
            tags.append(f"commit-{self.commit}")
        return tags


@dataclass(frozen=True)
class Source:
    """Where an item comes from: a chapter's self-check, or one row of a dataset."""

    resource: str  # 'chapters/01-terminology.ipynb', or a data resource such as 'recovery-trials'
    row: str  # the self-check's label, or the row's key
    cited: str = ""  # who printed the numbers, as the bibliography names them
    synthetic: bool = False

    def sentence(self) -> str:
        if self.resource.endswith(".ipynb"):
            return f"self-check {self.row} in {self.resource}"
        kind = "synthetic teaching data" if self.synthetic else "data"
        cited = f" ({self.cited})" if self.cited else ""
        return f"{kind} {self.resource}, row {self.row}{cited}"


@dataclass(frozen=True)
class Choice:
    text: str  # inline HTML
    feedback: str  # block HTML
    correct: bool


@dataclass(frozen=True)
class Item:
    identifier: str
    name: str
    chapter: str  # the chapter's title: the item's category
    kind: str  # 'self-check' or 'vignette'
    question: str  # block HTML
    choices: tuple[Choice, ...]  # empty for an essay item
    general_feedback: str  # block HTML (the model answer of an essay item)
    source: Source
    version: Version
    shuffle: bool = True

    @property
    def is_essay(self) -> bool:
        return not self.choices

    @property
    def key(self) -> int:
        """Index of the correct choice."""
        return next(i for i, choice in enumerate(self.choices) if choice.correct)

    def source_html(self) -> str:
        """The provenance paragraph every item ends its general feedback with."""
        return (
            f'<p class="item-source">Source: <span class="source">'
            f"{escapeHtml(self.source.sentence())}</span>; "
            f'<span class="version">{escapeHtml(self.version.sentence())}</span>.</p>'
        )


# ---------------------------------------------------------------------------- versions
def book_version(root: Path = ROOT) -> Version:
    """CITATION.cff's version, the data's latest release (and whether changes are pending),
    and the git commit when the book is a git checkout."""
    cff = yaml.safe_load((root / "CITATION.cff").read_text(encoding="utf-8"))
    if not cff.get("version"):
        raise QuestionBankError(f"{root / 'CITATION.cff'} has no 'version:'")
    return Version(str(cff["version"]), *_data_release(root), commit=_git_commit(root))


def _data_release(root: Path) -> tuple[str | None, bool]:
    """The newest numbered release in data/changelog.yml, and whether changes wait for the next."""
    path = root / "data" / "changelog.yml"
    if not path.is_file():
        return None, False
    releases = read_changelog(path)
    numbered = next((r.version for r in releases if r.version != NEXT), "none")
    return numbered, any(r.version == NEXT and r.changes for r in releases)


def _git_commit(root: Path) -> str | None:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    if result.returncode != 0:
        return None
    return result.stdout.strip() or None


# ---------------------------------------------------------------------------- MyST -> HTML
@dataclass(frozen=True)
class TextContext:
    """What resolving a chapter's roles needs: the book, the chapter, and whose text it is."""

    root: Path
    notebook: Path
    glue_dir: Path
    where: str  # e.g. 'self-check sc-x in chapters/01-terminology.ipynb', for error messages


@functools.cache
def _markdown() -> MarkdownIt:
    # Raw HTML is escaped, not passed through, so the output is always well-formed XHTML.
    md = MarkdownIt("commonmark", {"xhtmlOut": True, "html": False}).use(myst_role_plugin)
    md.add_render_rule("myst_role", _render_role)
    return md


def _render_role(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    return escapeHtml(role_text(token.meta["name"], token.content, env["context"]))


SUBSTITUTION = re.compile(r"\{\{\s*([\w-]+)\s*(?:\|\s*(\w+)\s*)?\}\}")
SUBSTITUTION_FILTERS = {"capitalize": str.capitalize, "lower": str.lower, "upper": str.upper}


def substituted(markdown: str, context: TextContext) -> str:
    """MyST substitutions ({{ name }}, with an optional filter) from _config.yml."""
    values = _substitutions(context.root)

    def value(match: re.Match) -> str:
        name, flt = match.group(1), match.group(2)
        if name not in values or (flt and flt not in SUBSTITUTION_FILTERS):
            raise QuestionBankError(f"{context.where}: cannot substitute {match.group(0)!r}")
        return SUBSTITUTION_FILTERS[flt](values[name]) if flt else values[name]

    return SUBSTITUTION.sub(value, markdown)


@functools.cache
def _substitutions(root: Path) -> dict[str, str]:
    path = root / "_config.yml"
    config = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
    return {
        k: str(v)
        for k, v in ((config or {}).get("parse") or {}).get("myst_substitutions", {}).items()
    }


def html_blocks(markdown: str, context: TextContext) -> str:
    """A MyST text as XHTML paragraphs (lists etc.), every role resolved."""
    return _markdown().render(substituted(markdown, context), {"context": context}).strip()


def html_inline(markdown: str, context: TextContext) -> str:
    """One line of MyST as inline XHTML, every role resolved."""
    return _markdown().renderInline(substituted(markdown, context), {"context": context}).strip()


def plain_text(html: str) -> str:
    """The text of an XHTML fragment, whitespace collapsed."""
    return " ".join("".join(ET.fromstring(f"<div>{html}</div>").itertext()).split())


def role_text(name: str, content: str, context: TextContext) -> str:
    """A role as the reader sees it, in plain text."""
    if name == "glue" or name.startswith("glue:"):
        return glue_text(content, context)
    if name == "cite" or name.startswith("cite:"):
        return citation_text(content, name, context)
    if name in ("numref", "ref"):
        return reference_text(content, context)
    if name == "doc":
        return document_text(content, context)
    return _explicit(content)[0]  # {term}, {abbr}, {math}, ...: the text shown


def _explicit(content: str) -> tuple[str, str | None]:
    """('text', 'target') for 'text <target>'; (content, None) otherwise."""
    match = re.fullmatch(r"(.*?)\s*<([^<>]+)>", content.strip(), re.S)
    if match and match.group(1):
        return match.group(1), match.group(2)
    return content.strip(), None


# ------------------------------------------------------------ glued values
def glue_text(content: str, context: TextContext) -> str:
    """A {glue:text} value with its format spec applied as myst-nb applies it on the page."""
    document, _, rest = content.rpartition("::")
    key, _, spec = rest.partition(":")
    notebook = (context.notebook.parent / document).resolve() if document else context.notebook
    values = glue_values(glue_file(context.root, notebook, context.glue_dir))
    if key not in values:
        raise QuestionBankError(
            f"{context.where}: the glued value {key!r} is not in "
            f"{glue_file(context.root, notebook, context.glue_dir)}: run `make book` first "
            "(or the chapter no longer glues it)"
        )
    try:
        return format_plain_text(values[key], spec or "s")
    except (ValueError, TypeError) as error:
        raise QuestionBankError(
            f"{context.where}: the glued value {key!r} ({values[key]!r}) cannot be formatted "
            f"with {spec!r}: {error}"
        ) from None


def glue_file(root: Path, notebook: Path, glue_dir: Path) -> Path:
    """Where myst-nb stored a notebook's glued values when the book was built."""
    relative = notebook.resolve().relative_to(root.resolve()).with_suffix(".glue.json")
    return glue_dir / relative


@functools.cache
def glue_values(path: Path) -> dict[str, str]:
    """Key -> the text/plain form of each glued value (outputs without one are left out)."""
    if not path.is_file():
        raise QuestionBankError(
            f"{path} not found: the self-checks print values glued when the book is built; "
            "run `make book` first"
        )
    stored = json.loads(path.read_text(encoding="utf-8"))
    return {
        key: output["data"]["text/plain"]
        for key, output in stored.items()
        if "text/plain" in output.get("data", {})
    }


# ------------------------------------------------------------ citations and references
@functools.cache
def _bibliography(path: Path) -> dict:
    return dict(parse_file(str(path)).entries)


NARRATIVE_CITES = ("cite:t", "cite:ts", "cite:alt", "cite:alts")


def citation_text(content: str, role: str, context: TextContext) -> str:
    """'(Henderson et al. 2020; Mehta et al. 2020)', or 'Henderson et al. (2020)' for cite:t."""
    entries = _bibliography(context.root / "references.bib")
    keys = [key.strip() for key in content.split(",") if key.strip()]
    for key in keys:
        if key not in entries:
            raise QuestionBankError(
                f"{context.where}: citation key {key!r} is not in references.bib"
            )
    if role in NARRATIVE_CITES:
        return ", ".join(_narrative(entries[key]) for key in keys)
    names = "; ".join(citation(entries[key]) for key in keys)
    return names if role in ("cite:alp", "cite:alps") else f"({names})"


def _narrative(entry) -> str:
    label, year = citation(entry), entry.fields.get("year", "")
    if year and label.endswith(year):
        return f"{label[: -len(year)].strip().rstrip(',')} ({year})"
    return label


def reference_text(content: str, context: TextContext) -> str:
    """{numref}/{ref} as words: the explicit title ('Figure %s' filled with the caption's
    words), or 'the figure “<caption>”' / 'the section “<heading>”'."""
    title, label = _explicit(content)
    if label is None:
        kind, name = _target(title, context)
        return f"the {kind} {name}"
    if "%s" not in title and "{number}" not in title:
        return title
    name = _target(label, context)[1]
    return title.replace("%s", name).replace("{number}", name)


# A fenced directive of any name ({chart} too), its argument, options and body (the caption).
NAMED_FENCE = re.compile(
    r"^(`{3,}|:{3,})\{(?P<directive>[\w:-]+)\}(?P<argument>[^\n]*)\n(?P<options>(?:[ \t]*:[\w-]+:[^\n]*\n)*)"
    r"(?P<body>.*?)^\1[ \t]*$",
    re.M | re.S,
)


def _target(label: str, context: TextContext) -> tuple[str, str]:
    """('figure' or 'table', '“<first sentence of its caption>”'), or ('section', '“<heading>”')."""
    for cell in _markdown_cells(context.notebook):
        for fence in NAMED_FENCE.finditer(cell):
            # A {chart} is named by its argument and its caption ends at its "+++" line.
            if fence["directive"] == "chart" and fence["argument"].strip() == label:
                kind, caption = "figure", _first_sentence(fence["body"].split("\n+++\n")[0])
            elif re.search(rf"^\s*:name:\s*{re.escape(label)}\s*$", fence["options"], re.M):
                kind = "table" if "table" in fence["directive"] else "figure"
                caption = _first_sentence(fence["body"])
            else:
                continue
            return kind, f"“{plain_text(html_inline(caption, context))}”"
        heading = re.search(rf"^\({re.escape(label)}\)=\s*\n#+\s+(.+)$", cell, re.M)
        if heading:
            return "section", f"“{plain_text(html_inline(heading.group(1), context))}”"
    raise QuestionBankError(f"{context.where}: cannot find the target {label!r} in the chapter")


def _first_sentence(text: str) -> str:
    paragraph = text.strip().split("\n\n")[0]
    return " ".join(paragraph.split()).split(". ")[0].rstrip(".")


def document_text(content: str, context: TextContext) -> str:
    """{doc} as its explicit text, or the linked page's title."""
    text, target = _explicit(content)
    if target is not None:
        return text
    base = context.root if text.startswith("/") else context.notebook.parent
    for suffix in (".ipynb", ".md"):
        path = base / f"{text.lstrip('/')}{suffix}"
        if path.is_file():
            return _title(path)
    raise QuestionBankError(f"{context.where}: the page {text!r} of a {{doc}} role is not found")


def _title(path: Path) -> str:
    if path.suffix == ".ipynb":
        return read_outline(path).title
    heading = re.search(r"^#\s+(.+)$", path.read_text(encoding="utf-8"), re.M)
    return heading.group(1).strip() if heading else path.stem


@functools.cache
def _markdown_cells(notebook: Path) -> tuple[str, ...]:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return tuple("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


# ------------------------------------------------------------ what must not survive
LEFTOVER_SYNTAX = re.compile(r"[`{}]|^\s*:::|\]\(")


def check_no_myst(item: Item) -> None:
    """Refuse an item whose text still carries MyST syntax (a role, a fence, a brace)."""
    texts = [item.question, item.general_feedback]
    texts += [text for choice in item.choices for text in (choice.text, choice.feedback)]
    for text in texts:
        plain = "".join(ET.fromstring(f"<div>{text}</div>").itertext())
        found = LEFTOVER_SYNTAX.search(plain)
        if found:
            start = max(found.start() - 40, 0)
            raise QuestionBankError(
                f"{item.identifier}: MyST syntax left in the exported text: "
                f"{plain[start : found.end() + 40]!r}"
            )


# ---------------------------------------------------------------------------- self-checks
def self_check_items(root: Path, glue_dir: Path, version: Version) -> list[Item]:
    """Every self-check of every chapter, in the book's order."""
    items = []
    for notebook in toc_notebooks(read_toc(root), root):
        outline = read_outline(notebook)
        for number_in_chapter, block in enumerate(outline.self_checks, start=1):
            items.append(
                self_check_item(block, outline, number_in_chapter, root, glue_dir, version)
            )
    return items


def self_check_item(block, outline, position: int, root: Path, glue_dir: Path, version) -> Item:
    """One self-check as an item: single-answer multiple choice, or an essay with its model answer."""
    relative = outline.path.resolve().relative_to(root.resolve()).as_posix()
    if not block.label:
        raise QuestionBankError(f"self-check {position} in {relative} has no :label:")
    context = TextContext(root, outline.path, glue_dir, f"self-check {block.label} in {relative}")
    nested = directive_blocks(block.body)
    options = [b for b in nested if b.name == "self-check-choice"]
    answers = [b for b in nested if b.name == "self-check-answer"]
    stem = "\n\n".join(part for part in (block.argument, _outside_fences(block.body)) if part)
    if options:
        choices, feedback = _choices(options, context), "\n\n".join(a.body for a in answers)
    elif answers:
        choices, feedback = (), "**Model answer.** " + "\n\n".join(a.body for a in answers)
    else:
        raise QuestionBankError(
            f"{context.where}: neither options (self-check-choice) nor a model answer "
            "(self-check-answer)"
        )
    item = Item(
        identifier=block.label,
        name=block.label,
        chapter=outline.title,
        kind="self-check",
        question=html_blocks(stem, context),
        choices=choices,
        general_feedback=html_blocks(feedback, context) if feedback else "",
        source=Source(relative, block.label),
        version=version,
    )
    check_no_myst(item)
    return item


def _choices(options, context: TextContext) -> tuple[Choice, ...]:
    correct = [option.argument for option in options if "correct" in option.options]
    if len(correct) != 1:
        marked = f"{len(correct)} options are" if correct else "no option is"
        raise QuestionBankError(
            f"{context.where}: {marked} marked :correct: (exactly one must be)"
            + (f": {correct}" if correct else "")
        )
    if len(options) < 2:
        raise QuestionBankError(f"{context.where}: a single option is not a choice")
    return tuple(
        Choice(
            html_inline(option.argument, context),
            html_blocks(option.body, context),
            "correct" in option.options,
        )
        for option in options
    )


def _outside_fences(body: str) -> str:
    """A directive body without its nested fenced blocks (what a stem adds to the argument)."""
    kept, fence = [], None
    for line in body.splitlines():
        stripped = line.strip()
        if fence is None:
            opening = re.match(r"^(`{3,}|:{3,})\{", stripped)
            if opening:
                fence = opening.group(1)
            else:
                kept.append(line)
        elif stripped == fence:
            fence = None
    return "\n".join(kept).strip()


# ---------------------------------------------------------------------------- vignettes
# The synthetic patients of the bank are not the chapter's (whose scores the chapter's
# solutions print), so an instructor can assess with them; the seed makes them reproducible.
BANK_SEED = 20261207
BANK_PATIENTS = 12
INSTRUMENTS_CHAPTER = "chapters/01-terminology"
EVIDENCE_CHAPTER = "chapters/03-anakinra-evidence"


@dataclass(frozen=True)
class Option:
    value: object
    text: str
    why: str


def _options(correct: Option, distractors: list[Option], minimum: int) -> list[Option]:
    """The correct answer with the distractors whose text differs from it and each other, or
    [] when fewer than `minimum` distractors remain."""
    kept, seen = [], {correct.text}
    for distractor in distractors:
        if distractor.text not in seen:
            kept.append(distractor)
            seen.add(distractor.text)
    return [correct, *kept[:4]] if len(kept) >= minimum else []


def _md(text: str) -> str:
    """Data text made safe to place in Markdown (no character read as markup)."""
    return re.sub(r"([\\`*_\[\]{}<>#|!~])", r"\\\1", str(text))


def _vignette_item(
    *, identifier, name, chapter, stem, options, correct, general, source, version, root, shuffle
) -> Item:
    """An item from a vignette's parts (Markdown texts), checked free of MyST syntax."""
    context = TextContext(root, root / f"{chapter}.ipynb", root / GLUE_FOLDER, identifier)
    item = Item(
        identifier=identifier,
        name=name,
        chapter=_chapter_title(root, chapter),
        kind="vignette",
        question=html_blocks(stem, context),
        choices=tuple(
            Choice(
                html_inline(option.text, context),
                html_blocks(option.why, context),
                option is correct,
            )
            for option in options
        ),
        general_feedback=html_blocks(general, context),
        source=source,
        version=version,
        shuffle=shuffle,
    )
    check_no_myst(item)
    return item


def _chapter_title(root: Path, chapter: str) -> str:
    path = root / f"{chapter}.ipynb"
    return read_outline(path).title if path.is_file() else chapter


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")


SYNTHETIC_NOTE = (
    "The patient is **synthetic**: made up by `stormbook.instruments.vignettes` for teaching "
    "(seed {seed}), not a real patient, and describing no real population. The quiz's "
    "patients are not the synthetic patients of the book's chapters."
)


def _synthetic_source(row) -> Source:
    resource = (
        f"stormbook.instruments.vignettes.synthetic_vignettes(n={BANK_PATIENTS}, seed={BANK_SEED})"
    )
    return Source(resource, row["vignette"], synthetic=True)


def quiz_name(row) -> str:
    """The name a question shows: "Quiz patient C", so that it is not mistaken for the
    book's own synthetic patient C (another seed); the source keeps the generator's name."""
    return row["vignette"].replace("Synthetic patient", "Quiz patient")


def bank_patients():
    return synthetic_vignettes(BANK_PATIENTS, seed=BANK_SEED)


# ------------------------------------------------------------ the HScore
HSCORE_INPUTS = list(inspect.signature(instruments.hscore).parameters)


def hscore_of(row) -> instruments.HScoreResult:
    return instruments.hscore(**{name: row[name] for name in HSCORE_INPUTS})


def hscore_distractors(row) -> list[Option]:
    """The totals that plausible slips give, each named."""
    inputs = {name: row[name] for name in HSCORE_INPUTS}
    slips = []
    if inputs["known_immunosuppression"]:
        slips.append(
            (
                "leaves out the points for known immunosuppression",
                {"known_immunosuppression": False},
            )
        )
    if row["hepatomegaly"]:
        spleen = "hepatomegaly or splenomegaly" if row["splenomegaly"] else "none"
        slips.append(
            (
                "counts the spleen only, as HLH-2004 does; the HScore scores liver and spleen",
                {"organomegaly": spleen},
            )
        )
    if row["hepatomegaly"] != row["splenomegaly"]:
        slips.append(
            (
                "scores one enlarged organ as liver and spleen both",
                {"organomegaly": "hepatomegaly and splenomegaly"},
            )
        )
    if inputs["marrow_haemophagocytosis"]:
        slips.append(
            (
                "leaves out the haemophagocytosis on the marrow aspirate",
                {"marrow_haemophagocytosis": False},
            )
        )
    hlh_lineages = hlh2004_cytopenic_lineages(row)
    if hlh_lineages != inputs["cytopenia_lineages"]:
        slips.append(
            (
                "counts cytopenic lineages with HLH-2004's thresholds, not the HScore's",
                {"cytopenia_lineages": hlh_lineages},
            )
        )
    out = []
    for why, change in slips:
        total = instruments.hscore(**{**inputs, **change}).total
        out.append(Option(total, f"HScore {total}", f"This total {why}."))
    return out


COMPARATORS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
# HLH-2004's cytopenia rows for an adult, the column each reads, and the unit of that column.
HLH2004_LINEAGES = (
    ("B3a", "haemoglobin_g_per_l", "g/L"),
    ("B3c", "platelets_10e9_per_l", "x10^9/L"),
    ("B3d", "neutrophils_10e9_per_l", "x10^9/L"),
)


def hlh2004_cytopenic_lineages(row) -> int:
    """Lineages below HLH-2004's thresholds (an adult's haemoglobin, platelets, neutrophils)."""
    criteria = load_dataset("hlh2004-criteria").set_index("criterion_id")
    count = 0
    for criterion, column, unit in HLH2004_LINEAGES:
        comparator, threshold, printed = criteria.loc[
            criterion, ["comparator", "threshold", "unit"]
        ]
        if printed != unit:
            raise QuestionBankError(
                f"hlh2004-criteria {criterion}: unit {printed!r}, expected {unit!r}"
            )
        count += bool(COMPARATORS[comparator](row[column], threshold))
    return count


def hscore_item(row, version: Version, root: Path = ROOT) -> Item | None:
    """'What is this synthetic patient's HScore?', or None when too few distinct slips exist."""
    result = hscore_of(row)
    correct = Option(result.total, f"HScore {result.total}", _hscore_working(result))
    options = _options(correct, hscore_distractors(row), minimum=2)
    if not options:
        return None
    patient = quiz_name(row)
    stem = (
        f"**{patient}** (synthetic), an adult:\n\n{_hscore_findings(row)}\n\n"
        f"What is this patient's HScore?\n\n{SYNTHETIC_NOTE.format(seed=BANK_SEED)}"
    )
    return _vignette_item(
        identifier=f"qb-hscore-{_slug(patient)}",
        name=f"HScore: {_lower_first(patient)}",
        chapter=INSTRUMENTS_CHAPTER,
        stem=stem,
        options=sorted(options, key=lambda option: option.value),
        correct=correct,
        general="Scored with `stormbook.instruments.hscore` from the book's HScore points "
        "(data: hscore-points, hscore-cytopenia, hscore-performance).",
        source=_synthetic_source(row),
        version=version,
        root=root,
        shuffle=False,
    )


def _yes(flag) -> str:
    return "yes" if flag else "no"


def _hscore_findings(row) -> str:
    return "\n".join(
        [
            f"- known immunosuppression: {_yes(row['known_immunosuppression'])}",
            f"- temperature {number(row['temperature_c'])} °C",
            f"- hepatomegaly: {_yes(row['hepatomegaly'])}; splenomegaly: {_yes(row['splenomegaly'])}",
            f"- haemoglobin {number(row['haemoglobin_g_per_l'])} g/L, leukocytes "
            f"{number(row['leukocytes_10e9_per_l'])} ×10⁹/L, platelets "
            f"{number(row['platelets_10e9_per_l'])} ×10⁹/L",
            f"- ferritin {number(row['ferritin_ng_per_ml'])} ng/mL",
            f"- fasting triglycerides {number(row['triglycerides_mmol_per_l'])} mmol/L, "
            f"fibrinogen {number(row['fibrinogen_g_per_l'])} g/L",
            f"- AST {number(row['ast_iu_per_l'])} IU/L",
            f"- haemophagocytosis on the bone marrow aspirate: {_yes(row['marrow_haemophagocytosis'])}",
        ]
    )


# Units of the HScore's bands as a reader writes them (the data's codes otherwise).
BAND_UNITS = {"degC": "°C", "lineages": ""}


def _band(variable: str, band: str) -> str:
    unit = instruments.HSCORE_VARIABLES[variable][1] or ""
    return f"{_display(band)} {BAND_UNITS.get(unit, unit)}".strip()


def _display(text) -> str:
    """Data text for a reader: comparators as symbols, nothing read as Markdown."""
    return _md(str(text).replace(">=", "≥").replace("<=", "≤"))


def _hscore_working(result) -> str:
    points = "; ".join(
        f"{variable.replace('_', ' ')} {_band(variable, result.bands[variable])}: {points}"
        for variable, points in result.points.items()
    )
    side = "at or above" if result.at_or_above_cutoff else "below"
    notes = "".join(f" Note: {_md(note)}." for note in result.notes)
    return (
        f"Right. Points: {points}. Total {result.total}, {side} the published cut-off of "
        f"{result.cutoff}; published probability: {_md(result.probability)}.{notes}"
    )


# ------------------------------------------------------------ HLH-2004
def hlh2004_of(row, **changes) -> instruments.CriteriaResult:
    """HLH-2004 for a synthetic adult: genetics, NK-cell activity and sCD25 not measured."""
    inputs = {
        "molecular_diagnosis": None,
        "fever": bool(row["fever"]),
        "splenomegaly": bool(row["splenomegaly"]),
        "age_under_4_weeks": False,
        "haemoglobin_g_per_l": float(row["haemoglobin_g_per_l"]),
        "platelets_10e9_per_l": float(row["platelets_10e9_per_l"]),
        "neutrophils_10e9_per_l": float(row["neutrophils_10e9_per_l"]),
        "triglycerides_mmol_per_l": float(row["triglycerides_mmol_per_l"]),
        "fibrinogen_g_per_l": float(row["fibrinogen_g_per_l"]),
        "haemophagocytosis": bool(row["marrow_haemophagocytosis"]),
        "evidence_of_malignancy": bool(row["evidence_of_malignancy"]),
        "nk_activity_low_or_absent": None,
        "ferritin_ug_per_l": float(row["ferritin_ng_per_ml"]),
        "scd25_u_per_ml": None,
    }
    return instruments.hlh2004(**{**inputs, **changes})


def _criteria_text(met: int, result) -> str:
    return f"{met} of {len(result.criteria)} criteria met"


def hlh2004_distractors(row, result) -> list[Option]:
    """The counts that plausible slips give, each named."""
    out = [
        Option(
            result.met + result.not_assessed,
            _criteria_text(result.met + result.not_assessed, result),
            "This counts the findings that were not measured (NK-cell activity, soluble CD25) "
            "as met; a test not done is not a criterion met.",
        )
    ]
    if row["hepatomegaly"] and not row["splenomegaly"]:
        met = hlh2004_of(row, splenomegaly=True).met
        out.append(
            Option(
                met,
                _criteria_text(met, result),
                "This counts the enlarged liver as splenomegaly; HLH-2004 counts the spleen only.",
            )
        )
    no_fibrinogen = hlh2004_of(row, fibrinogen_g_per_l=None).criteria["B4"]
    no_triglycerides = hlh2004_of(row, triglycerides_mmol_per_l=None).criteria["B4"]
    if no_fibrinogen is True and no_triglycerides is True:
        met = result.met + 1
        out.append(
            Option(
                met,
                _criteria_text(met, result),
                "This counts raised triglycerides and low fibrinogen as two criteria; HLH-2004 counts them as one.",
            )
        )
    hscore_reading = row["cytopenia_lineages"] >= 2
    if hscore_reading != (result.criteria["B3"] is True):
        met = result.met + (1 if hscore_reading else -1)
        out.append(
            Option(
                met,
                _criteria_text(met, result),
                "This reads cytopenia as the HScore defines it (its own thresholds, and leukocytes in place of neutrophils), not as HLH-2004 does.",
            )
        )
    return out


def hlh2004_item(row, version: Version, root: Path = ROOT) -> Item | None:
    """'How many HLH-2004 criteria does this synthetic patient meet?', or None (too few slips)."""
    result = hlh2004_of(row)
    correct = Option(result.met, _criteria_text(result.met, result), _hlh2004_working(result))
    options = _options(correct, hlh2004_distractors(row, result), minimum=2)
    if not options:
        return None
    patient = quiz_name(row)
    stem = (
        f"**{patient}** (synthetic), an adult:\n\n{_hlh2004_findings(row)}\n\n"
        "Genetic testing, NK-cell activity and soluble CD25 (sIL-2 receptor) were not "
        "measured; a malignancy was looked for and not found. How many of the HLH-2004 "
        f"criteria of route B does the patient meet?\n\n{SYNTHETIC_NOTE.format(seed=BANK_SEED)}"
    )
    return _vignette_item(
        identifier=f"qb-hlh2004-{_slug(patient)}",
        name=f"HLH-2004 criteria: {_lower_first(patient)}",
        chapter=INSTRUMENTS_CHAPTER,
        stem=stem,
        options=sorted(options, key=lambda option: option.value),
        correct=correct,
        general="Counted with `stormbook.instruments.hlh2004` from the criteria as reproduced from "
        "HLH-2004 (data: hlh2004-criteria).",
        source=_synthetic_source(row),
        version=version,
        root=root,
        shuffle=False,
    )


def _hlh2004_findings(row) -> str:
    fever = (
        f"fever: {_yes(row['fever'])} (temperature {number(row['temperature_c'])} °C; these "
        f"made-up patients are called febrile at {number(FEVER_C, 1)} °C or more)"
    )
    return "\n".join(
        [
            f"- {fever}",
            f"- hepatomegaly: {_yes(row['hepatomegaly'])}; splenomegaly: {_yes(row['splenomegaly'])}",
            f"- haemoglobin {number(row['haemoglobin_g_per_l'])} g/L, platelets "
            f"{number(row['platelets_10e9_per_l'])} ×10⁹/L, neutrophils "
            f"{number(row['neutrophils_10e9_per_l'])} ×10⁹/L",
            f"- fasting triglycerides {number(row['triglycerides_mmol_per_l'])} mmol/L, "
            f"fibrinogen {number(row['fibrinogen_g_per_l'])} g/L",
            f"- ferritin {number(row['ferritin_ng_per_ml'])} µg/L",
            f"- haemophagocytosis in the bone marrow: {_yes(row['marrow_haemophagocytosis'])}",
        ]
    )


def _hlh2004_working(result) -> str:
    groups = {True: [], False: [], None: []}
    for key, met in result.criteria.items():
        groups[met].append(_md(result.labels[key]))
    parts = [
        f"{title}: {'; '.join(labels)}."
        for title, labels in (
            ("Met", groups[True]),
            ("Not met", groups[False]),
            ("Not assessed", groups[None]),
        )
        if labels
    ]
    return f"Right. {' '.join(parts)} The book's verdict: {_md(result.verdict)}."


# ------------------------------------------------------------ trial results
def _row(resource: str, key_column: str, key: str, root: Path):
    frame = load_dataset(resource, root / "data" / "datapackage.json")
    rows = frame[frame[key_column] == key]
    if len(rows) != 1:
        raise QuestionBankError(
            f"{resource}: expected one row with {key_column} {key!r}, found {len(rows)}"
        )
    return rows.iloc[0]


def _data_source(resource: str, row, key: str) -> Source:
    return Source(resource, key, source_citation(row["source"]) or str(row["source"]))


def _counts(row, where: str) -> tuple[int, int, int, int]:
    names = ("events_treated", "n_treated", "events_control", "n_control")
    values = [row[name] for name in names]
    if any(value is None or value != value for value in values):  # NA compares unequal
        raise QuestionBankError(f"{where}: the row does not print counts in both arms")
    return tuple(int(value) for value in values)


def risk_ratio_item(version: Version, root: Path = ROOT) -> Item:
    """RECOVERY tocilizumab: the crude risk ratio of death from the printed counts."""
    resource, key = "recovery-trials", "toc_all"
    row = _row(resource, "row_id", key, root)
    _require_death(str(row["measure"]), f"{resource} row {key}")
    et, nt, ec, nc = _counts(row, f"{resource} row {key}")
    drug = row["drug"]
    ratio = effect_sizes.risk_ratio(et, nt, ec, nc).estimate
    odds = effect_sizes.odds_ratio(et, nt, ec, nc).estimate
    survival = ((nt - et) / nt) / ((nc - ec) / nc)
    reported = (
        f"The trial's own analysis reported a {row['ratio_type']} of {number(row['ratio'], 2)} "
        f"(95% CI {number(row['ci_low'], 2)} to {number(row['ci_high'], 2)})."
    )
    correct = Option(
        ratio,
        f"{number(ratio, 2)}",
        f"Right: ({et}/{number(nt)}) ÷ ({ec}/{number(nc)}) = {number(100 * et / nt, 1)}% ÷ "
        f"{number(100 * ec / nc, 1)}% = {number(ratio, 2)}. {reported}",
    )
    options = _options(
        correct,
        [
            Option(
                1 / ratio,
                f"{number(1 / ratio, 2)}",
                f"This is usual care over {drug}: the arms are swapped.",
            ),
            Option(
                odds,
                f"{number(odds, 2)}",
                "This is the odds ratio: with deaths this common the odds ratio lies further from 1 than the risk ratio.",
            ),
            Option(
                survival,
                f"{number(survival, 2)}",
                "This is the ratio of the risks of surviving, not of dying.",
            ),
        ],
        minimum=3,
    )
    stem = (
        f"In the RECOVERY trial ({_md(source_citation(row['source']))}), among patients with "
        f"{_display(_lower_first(row['population']))}, the trial counted {_display(row['measure'])}: "
        f"{et} of {number(nt)} allocated {drug}, {ec} of {number(nc)} allocated usual care. "
        f"From these counts, what is the risk ratio, {drug} over usual care?"
    )
    return _vignette_item(
        identifier=f"qb-risk-ratio-{_slug(resource)}-{_slug(key)}",
        name=f"Risk ratio from counts: RECOVERY, {drug}",
        chapter=INSTRUMENTS_CHAPTER,
        stem=stem,
        options=sorted(options, key=lambda option: option.value),
        correct=correct,
        general="Computed with `stormbook.evidence.effect_sizes` from the counts the trial printed.",
        source=_data_source(resource, row, key),
        version=version,
        root=root,
        shuffle=False,
    )


def _require_death(measure: str, where: str) -> None:
    """The distractors and readings below assume death as the outcome (lower is better)."""
    if not re.match(r"(all-cause )?(death|mortality)", measure):
        raise QuestionBankError(f"{where}: the item assumes death as the outcome, not {measure!r}")


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _trial_caveats(outcome, study) -> str:
    """What the data say about reading this outcome: secondary, and a trial stopped early."""
    caveats = []
    if not pd.isna(outcome["primary"]) and not outcome["primary"]:
        caveats.append(" It was not the trial's primary outcome.")
    stopped = str(study["stopped_early"])
    if stopped.startswith("yes"):
        reason = re.sub(r"^yes:?\s*", "", stopped)
        caveats.append(f" The trial stopped early{f' ({_display(reason)})' if reason else ''}.")
    return "".join(caveats)


def risk_difference_item(version: Version, root: Path = ROOT) -> Item:
    """ANACONDA: deaths per 100 patients, anakinra against usual care, from the counts."""
    resource, key = "anakinra-outcomes", "anaconda-death-d28"
    row = _row(resource, "comparison_id", key, root)
    study = _row("anakinra-studies", "study_id", row["study_id"], root)
    _require_death(str(row["outcome_family"]), f"{resource} row {key}")
    et, nt, ec, nc = _counts(row, f"{resource} row {key}")
    per_100 = 100 * effect_sizes.risk_difference(et, nt, ec, nc).estimate
    treated_risk = 100 * et / nt

    def per_100_text(value: float) -> str:
        more = "more" if value >= 0 else "fewer"
        return f"{number(abs(value), 1)} {more} deaths per 100 patients with anakinra"

    correct = Option(
        per_100,
        per_100_text(per_100),
        f"Right: {et}/{nt} = {number(treated_risk, 1)}% against {ec}/{nc} = "
        f"{number(100 * ec / nc, 1)}%, a difference of {number(per_100, 1)} percentage points."
        + _trial_caveats(row, study),
    )
    options = _options(
        correct,
        [
            Option(
                -per_100,
                per_100_text(-per_100),
                "This has the arms swapped: more patients died with anakinra.",
            ),
            Option(
                et - ec,
                per_100_text(et - ec),
                "This subtracts the counts of deaths without dividing by the size of each arm.",
            ),
            Option(
                treated_risk,
                per_100_text(treated_risk),
                "This is the risk in the anakinra arm alone; the risk in the control arm must be subtracted.",
            ),
        ],
        minimum=3,
    )
    stem = (
        f"In the {_md(study['label'])} trial ({_md(source_citation(row['source']))}), "
        f"{_display(row['outcome'])}: {et} of {nt} patients allocated anakinra, {ec} of {nc} "
        f"allocated {_display(study['comparator'])}. From these counts, what is the difference "
        "in the risk of death?"
    )
    return _vignette_item(
        identifier=f"qb-risk-difference-{_slug(resource)}-{_slug(key)}",
        name=f"Risk difference from counts: {study['label']}",
        chapter=EVIDENCE_CHAPTER,
        stem=stem,
        options=options,
        correct=correct,
        general="Computed with `stormbook.evidence.effect_sizes.risk_difference` from the counts the trial printed.",
        source=_data_source(resource, row, key),
        version=version,
        root=root,
        shuffle=True,
    )


def interval_reading(ratio_low: float, ratio_high: float) -> str:
    """What a ratio's 95% interval shows for death (below 1 favours the drug)."""
    if ratio_high < 1:
        return "benefit"
    if ratio_low > 1:
        return "harm"
    return "unclear"


WHERE_THE_INTERVAL_LIES = {
    "benefit": "lies wholly below 1",
    "harm": "lies wholly above 1",
    "unclear": "includes 1, so the data fit both benefit and harm",
}


def _interval_readings(drug: str) -> dict[str, str]:
    return {
        "benefit": f"{drug.capitalize()} reduced deaths in these patients: the whole interval lies below 1",
        "harm": f"{drug.capitalize()} increased deaths in these patients: the whole interval lies above 1",
        "unclear": "No clear effect: the interval includes 1, so the data fit both benefit and harm",
        "none": f"{drug.capitalize()} makes no difference in these patients",
    }


def _interval_feedback(reading: str, answer: str, ratio: float, interval: str) -> str:
    where = f"the interval, {interval}, {WHERE_THE_INTERVAL_LIES[answer]}"
    if reading == answer:
        return f"Right: {where}."
    if reading == "none" and answer == "unclear":
        return (
            f"No: {where}. An interval that includes 1 is not proof of no effect: absence of "
            "evidence is not evidence of absence."
        )
    if (reading, answer) in (("harm", "unclear"), ("benefit", "unclear")) and (
        (ratio > 1) == (reading == "harm")
    ):
        side = "above" if ratio > 1 else "below"
        return f"No: the point estimate, {number(ratio, 2)}, lies {side} 1, but {where}."
    return f"No: {where}."


def interval_item(key: str, version: Version, root: Path = ROOT) -> Item:
    """RECOVERY dexamethasone by subgroup: what a rate ratio and its interval show."""
    resource = "recovery-trials"
    row = _row(resource, "row_id", key, root)
    _require_death(str(row["measure"]), f"{resource} row {key}")
    drug, low, high = row["drug"], float(row["ci_low"]), float(row["ci_high"])
    interval = f"{number(low, 2)} to {number(high, 2)}"
    answer = interval_reading(low, high)
    options = [
        Option(reading, text, _interval_feedback(reading, answer, float(row["ratio"]), interval))
        for reading, text in _interval_readings(drug).items()
    ]
    correct = next(option for option in options if option.value == answer)
    stem = (
        f"In the RECOVERY trial ({_md(source_citation(row['source']))}), among patients "
        f"{_display(_lower_first(row['population']))}, {_display(row['measure'])}: "
        f"{number(row['percent_treated'], 1)}% of those allocated {drug}, "
        f"{number(row['percent_control'], 1)}% of those allocated usual care; "
        f"{row['ratio_type']} {number(row['ratio'], 2)} (95% CI {interval}). "
        "Which reading is right?"
    )
    return _vignette_item(
        identifier=f"qb-interval-{_slug(resource)}-{_slug(key)}",
        name=f"Reading an interval: RECOVERY, {drug}, {_lower_first(row['population'])}",
        chapter=INSTRUMENTS_CHAPTER,
        stem=stem,
        options=options,
        correct=correct,
        general="For death, a ratio below 1 favours the drug; the interval says which values the data fit.",
        source=_data_source(resource, row, key),
        version=version,
        root=root,
        shuffle=False,
    )


VIGNETTES_PER_INSTRUMENT = 2
INTERVAL_ROWS = ("dex_none", "dex_imv")


def vignette_items(version: Version, root: Path = ROOT) -> list[Item]:
    """Single-best-answer items from the data: two synthetic patients per instrument, then
    trial results (a risk ratio, a risk difference, two intervals)."""
    items = []
    for make in (hscore_item, hlh2004_item):
        made = [make(row, version, root) for _, row in bank_patients().iterrows()]
        # The patients whose findings invite the most distinct slips make the best items.
        ranked = sorted((item for item in made if item is not None), key=lambda i: -len(i.choices))
        if len(ranked) < VIGNETTES_PER_INSTRUMENT:
            raise QuestionBankError(
                f"{make.__name__}: too few synthetic patients give distinct distractors"
            )
        items += ranked[:VIGNETTES_PER_INSTRUMENT]
    items.append(risk_ratio_item(version, root))
    items.append(risk_difference_item(version, root))
    items += [interval_item(key, version, root) for key in INTERVAL_ROWS]
    return items


# ---------------------------------------------------------------------------- the bank
def collect_items(
    root: Path = ROOT, glue_dir: Path | None = None, vignettes: bool = True
) -> list[Item]:
    """The self-checks, then the vignettes; identifiers checked unique."""
    version = book_version(root)
    items = self_check_items(root, glue_dir or root / GLUE_FOLDER, version)
    if vignettes:
        items += vignette_items(version, root)
    seen = set()
    for item in items:
        if item.identifier in seen:
            raise QuestionBankError(f"{item.identifier}: two items have this identifier")
        seen.add(item.identifier)
    return items


# ------------------------------------------------------------ Moodle XML
def moodle_xml(items: list[Item]) -> bytes:
    """A Moodle question bank: one category per chapter (self-checks, vignettes), then items."""
    quiz = ET.Element("quiz")
    category = None
    for item in items:
        wanted = _moodle_category(item)
        if wanted != category:
            question = ET.SubElement(quiz, "question", type="category")
            _text(ET.SubElement(question, "category"), wanted)
            category = wanted
        quiz.append(_moodle_question(item))
    ET.indent(quiz)
    return ET.tostring(quiz, encoding="utf-8", xml_declaration=True)


def _moodle_category(item: Item) -> str:
    kind = "Self-checks" if item.kind == "self-check" else "Vignettes from the data"
    parts = [f"{BANK_TITLE} (book {item.version.book})", item.chapter, kind]
    return "$course$/top/" + "/".join(part.replace("/", "//") for part in parts)


def _text(parent: ET.Element, text: str, **attributes) -> ET.Element:
    ET.SubElement(parent, "text").text = text
    parent.attrib.update(attributes)
    return parent


def _moodle_question(item: Item) -> ET.Element:
    question = ET.Element("question", type="essay" if item.is_essay else "multichoice")
    _text(ET.SubElement(question, "name"), item.name)
    _text(ET.SubElement(question, "questiontext"), item.question, format="html")
    general = item.general_feedback + item.source_html()
    _text(ET.SubElement(question, "generalfeedback"), general, format="html")
    for name, value in (("defaultgrade", "1"), ("hidden", "0"), ("idnumber", item.identifier)):
        ET.SubElement(question, name).text = value
    if item.is_essay:
        _moodle_essay(question, item)
    else:
        _moodle_choices(question, item)
    tags = ET.SubElement(question, "tags")
    for tag in [item.kind, *(["synthetic"] if item.source.synthetic else []), *item.version.tags()]:
        _text(ET.SubElement(tags, "tag"), tag)
    return question


def _moodle_choices(question: ET.Element, item: Item) -> None:
    settings = {
        "penalty": "0.3333333",
        "single": "true",
        "shuffleanswers": "1" if item.shuffle else "0",
        "answernumbering": "abc",
        "showstandardinstruction": "0",
    }
    for name, value in settings.items():
        ET.SubElement(question, name).text = value
    for choice in item.choices:
        answer = ET.SubElement(question, "answer", fraction="100" if choice.correct else "0")
        _text(answer, choice.text, format="html")
        _text(ET.SubElement(answer, "feedback"), choice.feedback, format="html")


def _moodle_essay(question: ET.Element, item: Item) -> None:
    settings = {
        "penalty": "0",
        "responseformat": "editor",
        "responserequired": "1",
        "responsefieldlines": "10",
        "attachments": "0",
        "attachmentsrequired": "0",
    }
    for name, value in settings.items():
        ET.SubElement(question, name).text = value
    _text(ET.SubElement(question, "graderinfo"), item.general_feedback, format="html")
    _text(ET.SubElement(question, "responsetemplate"), "", format="html")


# ------------------------------------------------------------ QTI 2.1
QTI = "http://www.imsglobal.org/xsd/imsqti_v2p1"
IMSCP = "http://www.imsglobal.org/xsd/imscp_v1p1"
LOM = "http://ltsc.ieee.org/xsd/LOM"
QTI_META = "http://www.imsglobal.org/xsd/imsqti_metadata_v2p1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
QTI_XSD = "http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"
CHOICE_IDS = "ABCDEFGHIJ"
# A fixed timestamp, so the same items give the same package byte for byte.
ZIP_TIME = (2026, 1, 1, 0, 0, 0)
# The prefixes the files are written with; each file's own namespace is its default one.
for _prefix, _uri in (("imsmd", LOM), ("imsqti", QTI_META), ("xsi", XSI)):
    ET.register_namespace(_prefix, _uri)


def _serialised(root: ET.Element, default: str, indent: bool = True) -> bytes:
    """The file's bytes, written with `default` as its default namespace. An item is not
    indented: indenting would add white space inside its XHTML text."""
    # ElementTree's own default_namespace option refuses unprefixed attributes, and one
    # namespace at a time can be written unprefixed: register it just before writing.
    ET.register_namespace("", default)
    if indent:
        ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _q(tag: str, namespace: str = QTI) -> str:
    return f"{{{namespace}}}{tag}"


def _xhtml(html: str, tag: str = "div", **attributes) -> ET.Element:
    """An XHTML fragment as QTI content (QTI 2.1 holds XHTML in its own namespace)."""
    element = ET.fromstring(f'<{tag} xmlns="{QTI}">{html}</{tag}>')
    element.attrib.update(attributes)
    return element


def qti_item(item: Item) -> bytes:
    """One assessmentItem: a choiceInteraction with its correct response and per-choice
    feedback, or an extendedTextInteraction with the model answer for the scorer."""
    root = ET.Element(
        _q("assessmentItem"),
        {
            "identifier": item.identifier,
            "title": item.name,
            "adaptive": "false",
            "timeDependent": "false",
            f"{{{XSI}}}schemaLocation": f"{QTI} {QTI_XSD}",
        },
    )
    response = ET.SubElement(
        root,
        _q("responseDeclaration"),
        identifier="RESPONSE",
        cardinality="single",
        baseType="string" if item.is_essay else "identifier",
    )
    if not item.is_essay:
        correct = ET.SubElement(response, _q("correctResponse"))
        ET.SubElement(correct, _q("value")).text = CHOICE_IDS[item.key]
    _qti_outcomes(root)
    body = ET.SubElement(root, _q("itemBody"))
    body.append(_xhtml(item.question))
    if item.is_essay:
        ET.SubElement(body, _q("extendedTextInteraction"), responseIdentifier="RESPONSE")
        rubric = ET.SubElement(body, _q("rubricBlock"), view="scorer")
        rubric.append(_xhtml(item.general_feedback))
    else:
        _qti_choices(body, item)
    _qti_processing(root, item)
    _qti_feedback(root, item)
    return _serialised(root, QTI, indent=False)


def _qti_outcomes(root: ET.Element) -> None:
    score = ET.SubElement(
        root, _q("outcomeDeclaration"), identifier="SCORE", cardinality="single", baseType="float"
    )
    default = ET.SubElement(score, _q("defaultValue"))
    ET.SubElement(default, _q("value")).text = "0"
    for name in ("FEEDBACK", "GENERAL_FEEDBACK"):
        ET.SubElement(
            root,
            _q("outcomeDeclaration"),
            identifier=name,
            cardinality="single",
            baseType="identifier",
        )


def _qti_choices(body: ET.Element, item: Item) -> None:
    interaction = ET.SubElement(
        body,
        _q("choiceInteraction"),
        responseIdentifier="RESPONSE",
        shuffle="true" if item.shuffle else "false",
        maxChoices="1",
    )
    for identifier, choice in zip(CHOICE_IDS, item.choices, strict=False):
        interaction.append(_xhtml(choice.text, "simpleChoice", identifier=identifier))


def _qti_processing(root: ET.Element, item: Item) -> None:
    """Score 1 for the correct choice; show the chosen option's feedback and the general one."""
    processing = ET.SubElement(root, _q("responseProcessing"))
    if not item.is_essay:
        condition = ET.SubElement(processing, _q("responseCondition"))
        when = ET.SubElement(condition, _q("responseIf"))
        match = ET.SubElement(when, _q("match"))
        ET.SubElement(match, _q("variable"), identifier="RESPONSE")
        ET.SubElement(match, _q("correct"), identifier="RESPONSE")
        _set_outcome(when, "SCORE", "float", "1")
        _set_outcome(ET.SubElement(condition, _q("responseElse")), "SCORE", "float", "0")
        chosen = ET.SubElement(processing, _q("setOutcomeValue"), identifier="FEEDBACK")
        ET.SubElement(chosen, _q("variable"), identifier="RESPONSE")
    _set_outcome(processing, "GENERAL_FEEDBACK", "identifier", "GENERAL")


def _set_outcome(parent: ET.Element, identifier: str, base_type: str, value: str) -> None:
    outcome = ET.SubElement(parent, _q("setOutcomeValue"), identifier=identifier)
    ET.SubElement(outcome, _q("baseValue"), baseType=base_type).text = value


def _qti_feedback(root: ET.Element, item: Item) -> None:
    for identifier, choice in zip(CHOICE_IDS, item.choices, strict=False):
        root.append(
            _xhtml(
                choice.feedback,
                "modalFeedback",
                outcomeIdentifier="FEEDBACK",
                identifier=identifier,
                showHide="show",
            )
        )
    root.append(
        _xhtml(
            item.general_feedback + item.source_html(),
            "modalFeedback",
            outcomeIdentifier="GENERAL_FEEDBACK",
            identifier="GENERAL",
            showHide="show",
        )
    )


def qti_manifest(items: list[Item]) -> bytes:
    """The IMS content package manifest: one resource per item, with its source and the
    book's version in the item's LOM metadata."""
    manifest = ET.Element(
        _q("manifest", IMSCP),
        {
            "identifier": f"stormbook-question-bank-{_slug(items[0].version.book) if items else 'empty'}"
        },
    )
    metadata = ET.SubElement(manifest, _q("metadata", IMSCP))
    ET.SubElement(metadata, _q("schema", IMSCP)).text = "QTIv2.1 Package"
    ET.SubElement(metadata, _q("schemaversion", IMSCP)).text = "1.0.0"
    ET.SubElement(manifest, _q("organizations", IMSCP))
    resources = ET.SubElement(manifest, _q("resources", IMSCP))
    for item in items:
        href = f"items/{item.identifier}.xml"
        resource = ET.SubElement(
            resources,
            _q("resource", IMSCP),
            identifier=f"res-{item.identifier}",
            type="imsqti_item_xmlv2p1",
            href=href,
        )
        resource.append(_item_metadata(item))
        ET.SubElement(resource, _q("file", IMSCP), href=href)
    return _serialised(manifest, IMSCP)


def _lom_string(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(ET.SubElement(parent, _q(tag, LOM)), _q("string", LOM), language="en").text = text


def _lom_identifier(parent: ET.Element, catalog: str, entry: str) -> None:
    identifier = ET.SubElement(parent, _q("identifier", LOM))
    ET.SubElement(identifier, _q("catalog", LOM)).text = catalog
    ET.SubElement(identifier, _q("entry", LOM)).text = entry


def _item_metadata(item: Item) -> ET.Element:
    metadata = ET.Element(_q("metadata", IMSCP))
    lom = ET.SubElement(metadata, _q("lom", LOM))
    general = ET.SubElement(lom, _q("general", LOM))
    identifiers = {
        "stormbook-item": item.identifier,
        "stormbook-source-resource": item.source.resource,
        "stormbook-source-row": item.source.row,
        "stormbook-data-release": item.version.data,
        "stormbook-commit": item.version.commit,
    }
    for catalog, entry in identifiers.items():
        if entry:
            _lom_identifier(general, catalog, entry)
    _lom_string(general, "title", item.name)
    _lom_string(general, "description", f"Source: {item.source.sentence()}.")
    _lom_string(general, "keyword", item.chapter)
    _lom_string(general, "keyword", item.kind)
    if item.source.synthetic:
        _lom_string(general, "keyword", "synthetic")
    _lom_string(ET.SubElement(lom, _q("lifeCycle", LOM)), "version", item.version.book)
    qti = ET.SubElement(metadata, _q("qtiMetadata", QTI_META))
    interaction = "extendedTextInteraction" if item.is_essay else "choiceInteraction"
    ET.SubElement(qti, _q("interactionType", QTI_META)).text = interaction
    return metadata


def qti_package(items: list[Item]) -> bytes:
    """The zip: imsmanifest.xml and items/<identifier>.xml."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        files = [("imsmanifest.xml", qti_manifest(items))]
        files += [(f"items/{item.identifier}.xml", qti_item(item)) for item in items]
        for name, data in files:
            package.writestr(zipfile.ZipInfo(name, ZIP_TIME), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


# ---------------------------------------------------------------------------- command line


def write_bank(items: list[Item], out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    moodle, qti = out / "moodle.xml", out / "qti21.zip"
    moodle.write_bytes(moodle_xml(items))
    qti.write_bytes(qti_package(items))
    return moodle, qti


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder to write into")
    args = parser.parse_args(argv)
    try:
        items = collect_items(ROOT)
    except QuestionBankError as error:
        print(f"question bank: {error}", file=sys.stderr)
        return 1
    moodle, qti = write_bank(items, args.out)
    checks = sum(item.kind == "self-check" for item in items)
    print(
        f"{len(items)} items ({checks} self-checks, {len(items) - checks} vignettes; "
        f"{items[0].version.sentence()}):\n  {moodle}\n  {qti}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
