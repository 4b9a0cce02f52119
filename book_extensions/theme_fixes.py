"""Fixes for known faults of the book theme, at the source rather than in the tests.

- sphinx-thebe registers its inline configuration script twice, so every page declared
  `const THEBE_JS_URL` twice and logged an error. A page now carries each script once.
- The theme's colour mode is empty unless set, which logs "invalid theme mode"; the book
  sets it in `_config.yml` (`html_context.default_mode`).
- The sidebar's title and search items sat outside any landmark region; the template
  override in `_templates/sections/sidebar-primary.html` puts them in one.
- docutils marks each bibliography entry `role="doc-biblioentry"`, a role ARIA 1.3
  deprecates, inside a `role="list"` that then has no list items. Entries become
  `role="listitem"`.
- Bibliography entries with long unbreakable strings (a label built from a corporate
  author, a DOI or URL) made the bibliography page scroll sideways on a phone; a small
  stylesheet (`theme_fixes.css`) lets them wrap.
- pydata-sphinx-theme 0.17 opens its sidebar dialogs from the first sidebar button in the
  page, which sphinx-book-theme hides; the visible buttons did nothing on a phone. A small
  script (`theme_fixes.js`) hands their clicks to the bound buttons.
- The download menu's ".pdf" item printed the web page. It is labelled "Print" here;
  `make pdf` turns it into a link to the chapter's own PDF, with its size.
- A link inside a sphinx-exercise box (the theme's link blue on the box's pale blue) had a
  contrast of 4.48:1, under the 4.5:1 axe requires; in the light theme it is now darker.
"""

from __future__ import annotations

from pathlib import Path

from book_extensions.static_assets import write_hashed

STYLESHEET = Path(__file__).with_name("theme_fixes.css")
SCRIPT = Path(__file__).with_name("theme_fixes.js")


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        # An inline script's filename is None or "" depending on who added it.
        key = (script.filename or "", tuple(sorted(script.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    # In place: the list is shared with the builder, and handlers that run later add the
    # page's own scripts to it.
    scripts[:] = unique


def _bibliography_entries_as_list_items(app, pagename, templatename, context, doctree) -> None:
    body = context.get("body")
    if body and 'role="doc-biblioentry"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


def _print_item_says_print(app, pagename, templatename, context, doctree) -> None:
    for group in context.get("header_buttons") or []:
        for button in group.get("buttons", []):
            if button.get("label") == "download-pdf-button":
                button.update(text="Print", tooltip="Print this page", icon="fas fa-print")


def _write_assets(app) -> None:
    """Copy the stylesheet and script into _static under content-hashed names, for every page."""
    app.add_css_file(
        write_hashed(app, "theme-fixes", STYLESHEET.read_text(encoding="utf-8"), "css")
    )
    app.add_js_file(
        write_hashed(app, "theme-fixes", SCRIPT.read_text(encoding="utf-8"), "js"),
        loading_method="defer",
    )


def setup(app):
    app.connect("builder-inited", _write_assets)
    app.connect("html-page-context", _bibliography_entries_as_list_items, priority=100)
    # After sphinx-book-theme has put its buttons in the context (default priority 500).
    app.connect("html-page-context", _print_item_says_print, priority=900)
    # Early: Sphinx stops calling html-page-context handlers once one returns a template.
    app.connect("html-page-context", _drop_duplicate_scripts, priority=100)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
