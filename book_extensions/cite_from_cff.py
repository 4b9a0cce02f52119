"""The "How to cite" page, rendered from CITATION.cff when the book is built.

CITATION.cff is the single source of truth (GitHub and Zenodo read it too). The
``{citation-from-cff}`` directive turns it into a formatted reference, a BibTeX entry and
the file itself, so the page cannot disagree with the file. A missing field is a build
error, not a blank.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

REQUIRED = ("title", "authors", "version", "date-released", "repository-code")


class CffError(ValueError):
    """CITATION.cff lacks a field the citation needs."""


def load_cff(path: Path) -> dict:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    missing = [key for key in REQUIRED if not data.get(key)]
    if missing:
        raise CffError(f"{path} has no {', '.join(missing)}")
    return data


def author_names(data: dict) -> list[str]:
    """'Family, Given' for people, the name as written for an entity."""
    names = []
    for author in data["authors"]:
        if author.get("name"):
            names.append(author["name"])
        elif author.get("family-names"):
            given = author.get("given-names", "")
            names.append(f"{author['family-names']}, {given}".rstrip(", "))
        else:
            raise CffError(
                f"an author in CITATION.cff has neither a name nor family-names: {author}"
            )
    return names


def year(data: dict) -> str:
    return str(data["date-released"])[:4]


def formatted_citation(data: dict) -> str:
    """One reference in author-year style, as plain text."""
    return (
        f"{'; '.join(author_names(data))} ({year(data)}). {data['title']} "
        f"(version {data['version']}). {data['repository-code']}"
    )


def bibtex(data: dict) -> str:
    """A BibTeX @software entry (braces around entity names keep them whole)."""
    authors = " and ".join(
        f"{{{a['name']}}}"
        if a.get("name")
        else f"{a['family-names']}, {a.get('given-names', '')}".rstrip(", ")
        for a in data["authors"]
    )
    key = "cytokinestormbook" + year(data)
    return "\n".join(
        [
            f"@software{{{key},",
            f"  author = {{{authors}}},",
            f"  title = {{{data['title']}}},",
            f"  version = {{{data['version']}}},",
            f"  year = {{{year(data)}}},",
            f"  url = {{{data['repository-code']}}},",
            "}",
        ]
    )


class CitationFromCff(SphinxDirective):
    has_content = False

    def run(self):
        path = Path(self.env.srcdir) / "CITATION.cff"
        self.env.note_dependency(str(path))
        self.env.note_dependency(__file__)
        try:
            data = load_cff(path)
            citation, entry = formatted_citation(data), bibtex(data)
        except (CffError, OSError, yaml.YAMLError) as error:
            return [
                self.state.document.reporter.error(f"citation-from-cff: {error}", line=self.lineno)
            ]
        message = nodes.paragraph(text=data.get("message", ""))
        reference = nodes.block_quote(classes=["citation-from-cff"])
        reference += nodes.paragraph(text=citation)
        heading_bib = nodes.rubric(text="BibTeX")
        bib = nodes.literal_block(entry, entry, language="bibtex")
        heading_file = nodes.rubric(text="The file CITATION.cff, as the book was built")
        raw = path.read_text(encoding="utf-8")
        cff = nodes.literal_block(raw, raw, language="yaml", classes=["citation-cff-file"])
        licences = data.get("license") or []
        licences = [licences] if isinstance(licences, str) else licences
        licence = StringList([f"Licences: {', '.join(licences) or 'see LICENSE'}."])
        licence_node = nodes.container()
        self.state.nested_parse(licence, self.content_offset, licence_node)
        return [message, reference, *licence_node.children, heading_bib, bib, heading_file, cff]


def setup(app):
    app.add_directive("citation-from-cff", CitationFromCff)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
