"""The ``{data-changelog}`` directive: the data package's change log as captioned tables.

Read from data/changelog.yml at every build (the page is rebuilt when the file changes), so
the page cannot fall behind the file; tests/test_changelog.py keeps the file in step with
the data. One section per release, newest first; a table shows only the columns its
changes use (a first release lists datasets and row counts, not fields).
"""

from __future__ import annotations

import json
from pathlib import Path

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from maintenance.data_changelog import NEXT, ChangelogError, Release, read_changelog
from stormbook.sources import without_copies

logger = logging.getLogger(__name__)

# (header, how an entry fills the cell), in the order shown.
COLUMNS = [
    ("Dataset", lambda e: e.resource),
    ("Row (primary key)", lambda e: " / ".join(e.key) if e.key else None),
    ("Change", lambda e: e.change),
    ("Rows", lambda e: None if e.rows is None else str(e.rows)),
    ("Field", lambda e: e.field),
    ("Old value", lambda e: _shown(e.old)),
    ("New value", lambda e: _shown(e.new)),
    ("Reason", lambda e: None if e.reason is None else without_copies(e.reason)),
]


def _shown(value: str | None) -> str | None:
    """A value as the page prints it; a link to an unauthorised copy is named, not shown."""
    return None if value is None else without_copies(value) or "(empty)"


def _release_title(release: Release) -> str:
    if release.version == NEXT:
        return "Not yet released"
    return f"Release {release.version}, {release.date.day} {release.date:%B %Y}"


def changes_table(release: Release) -> nodes.table:
    """A captioned table with header cells, one row per change."""
    used = [(h, cell) for h, cell in COLUMNS if any(cell(e) is not None for e in release.changes)]
    table = nodes.table(classes=["data-changelog"])
    name = "the next release" if release.version == NEXT else f"release {release.version}"
    table += nodes.title(text=f"Changes in {name}")
    group = nodes.tgroup(cols=len(used))
    table += group
    group += [nodes.colspec(colwidth=1) for _ in used]
    group += nodes.thead("", _row([h for h, _ in used]))
    group += nodes.tbody("", *[_row([cell(e) or "" for _, cell in used]) for e in release.changes])
    return table


def _row(texts: list[str]) -> nodes.row:
    row = nodes.row()
    for text in texts:
        row += nodes.entry("", nodes.paragraph(text=text))
    return row


def release_section(release: Release) -> nodes.section:
    title = _release_title(release)
    section = nodes.section(ids=[nodes.make_id(f"release-{release.version}")])
    section += nodes.title(text=title)
    if release.summary:
        section += nodes.paragraph(text=release.summary)
    if release.changes:
        section += changes_table(release)
    else:
        section += nodes.paragraph(text="No change to the data.")
    return section


class DataChangelog(SphinxDirective):
    def run(self):
        data = Path(self.env.srcdir) / "data"
        self.env.note_dependency(str(data / "changelog.yml"))
        self.env.note_dependency(str(data / "datapackage.json"))
        try:
            releases: list[Release] = read_changelog(data / "changelog.yml")
        except ChangelogError as error:
            logger.error(f"data changelog: {error}", location=self.get_location())
            return []
        version = json.loads((data / "datapackage.json").read_text(encoding="utf-8")).get("version")
        intro = nodes.paragraph(text=f"The data package is at version {version}.")
        return [intro, *[release_section(r) for r in releases]]


def setup(app):
    app.add_directive("data-changelog", DataChangelog)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
