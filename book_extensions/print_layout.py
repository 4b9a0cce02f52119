"""Print layout: how a page looks when printed or saved as PDF (tools/make_pdf.py).

Adds a print stylesheet (`print_layout.css`, `@media print` only) to every page, and on
pages with a chart a print-only note that the charts are printed in their default state:
a slider or menu set by the reader is not kept on paper. On screen the note is hidden.
"""

from __future__ import annotations

from pathlib import Path

from book_extensions.static_assets import write_hashed

STYLESHEET = Path(__file__).with_name("print_layout.css")
# Altair writes this marker into every chart it renders as HTML (as in altair_offline).
CHART_MARKER = "vegaEmbed"
PRINT_NOTE = (
    '<p class="print-only print-note">Printed edition: interactive charts are printed in '
    "their default state (slider and menu positions are not kept). The online version "
    "lets you change them.</p>"
)


def _write_stylesheet(app) -> None:
    css = STYLESHEET.read_text(encoding="utf-8")
    app.add_css_file(write_hashed(app, "print-layout", css, "css"))


def _add_print_note(app, pagename, templatename, context, doctree) -> None:
    body = context.get("body", "")
    if CHART_MARKER in body and "</h1>" in body:
        # Just under the page's title, so the reader meets it before the first chart.
        context["body"] = body.replace("</h1>", "</h1>" + PRINT_NOTE, 1)


def setup(app):
    app.connect("builder-inited", _write_stylesheet)
    app.connect("html-page-context", _add_print_note)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
