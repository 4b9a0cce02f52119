"""Ship the CSV file behind each figure with the page that links to it.

A chapter notebook writes the data behind each of its figures beside itself, in
`_figure-data/` (`stormbook.figures.figure_data`), and the page links to the file by a relative
path. When a page is written, this copies every file the page links to from the same place
in the source tree into the site, so the link works offline and only linked files ship. A
link to a missing file is a warning, which fails the book's strict build.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)
# Written by stormbook.figures.figure_data.FigureDataLink: a file name of lowercase words.
LINK = re.compile(r'href="(_figure-data/[a-z0-9-]+\.csv)"')


def _copy_linked_files(app, pagename, templatename, context, doctree) -> None:
    if app.builder.format != "html":
        return
    folder = Path(pagename).parent
    for href in sorted(set(LINK.findall(context.get("body", "")))):
        source = Path(app.srcdir) / folder / href
        if not source.is_file():
            logger.warning(
                f"{pagename} links to {href}, which its notebook did not write "
                f"(expected at {source.relative_to(app.srcdir)})",
                location=pagename,
            )
            continue
        target = Path(app.outdir) / folder / href
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def setup(app):
    app.connect("html-page-context", _copy_linked_files)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
