"""MyST in the chapters' self-checks as the plain HTML a quiz platform shows: glued values,
citations, references and substitutions resolved; leftover MyST refused."""

from __future__ import annotations

import functools
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import yaml
from bank_items import Item, QuestionBankError
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from mdit_py_plugins.myst_role import myst_role_plugin
from myst_nb.core.variables import format_plain_text
from pybtex.database import parse_file

from book_extensions.teaching_outline import read_outline
from stormbook.sources import citation


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
