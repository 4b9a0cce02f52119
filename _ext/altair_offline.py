"""Make the book's Altair charts work with no network.

Altair's HTML output loads vega, vega-lite and vega-embed from a CDN when the page opens;
offline, each chart is replaced by an error. Altair skips the CDN when the page already
defines `vegaEmbed` and `VEGA_DEBUG` names the versions it expects. This extension:

- writes the JavaScript bundle that vl-convert-python ships (vega, vega-lite and
  vega-embed in one file) into `_static/` once per build;
- on pages that contain an Altair chart, and only there, adds that bundle, a small
  script that sets `VEGA_DEBUG` from Altair's own version constants and gives the
  chart's action menu an accessible name, and a stylesheet that keeps charts and their
  controls inside the text column.

In JupyterLab or Binder the notebooks keep Altair's normal behaviour (the CDN).
"""

from __future__ import annotations

import json
from pathlib import Path

import altair as alt
import vl_convert
from static_assets import write_hashed

# Altair writes this marker into every chart it renders as HTML.
CHART_MARKER = "vegaEmbed"


def _bundle_text() -> str:
    # Pin the bundle to the Vega-Lite version Altair's schema targets. The bundle declares
    # top-level names (such as `_`) that clash with Sphinx's own scripts, so it runs in a
    # function scope; it publishes `vegaEmbed`, `vega` and `vegaLite` on `window` itself.
    vl_version = alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0]
    return "(function () {\n" + vl_convert.javascript_bundle(vl_version=vl_version) + "\n})();\n"


def _setup_script() -> str:
    versions = {
        "vega_version": alt.VEGA_VERSION,
        "vegalite_version": alt.VEGALITE_VERSION,
        "vegaembed_version": alt.VEGAEMBED_VERSION,
    }
    return (
        f"window.VEGA_DEBUG = Object.assign(window.VEGA_DEBUG || {{}}, {json.dumps(versions)});\n"
        + (Path(__file__).with_name("altair_offline_a11y.js")).read_text(encoding="utf-8")
    )


def _write_static(app) -> None:
    """Write the bundle, the setup script and the stylesheet, named by content hash."""
    css = Path(__file__).with_name("altair_offline.css").read_text(encoding="utf-8")
    app.env.altair_offline_files = {
        "bundle": write_hashed(app, "vega-bundle", _bundle_text(), "js"),
        "setup": write_hashed(app, "vega-setup", _setup_script(), "js"),
        "style": write_hashed(app, "vega-style", css, "css"),
    }


def _add_scripts_to_chart_pages(app, pagename, templatename, context, doctree) -> None:
    if CHART_MARKER not in context.get("body", ""):
        return
    names = app.env.altair_offline_files
    # The setup script must run before the bundle and the charts: lower priority loads first.
    app.add_js_file(names["setup"], priority=400)
    app.add_js_file(names["bundle"], priority=401)
    app.add_css_file(names["style"])


def setup(app):
    app.connect("builder-inited", _write_static)
    app.connect("html-page-context", _add_scripts_to_chart_pages)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
