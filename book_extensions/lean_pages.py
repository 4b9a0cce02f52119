"""Pages load only what they use: icon fonts cut to the icons shown, stylesheets cut to the
rules the site uses, search only on search, sphinx-design only where its components are.

The theme made every page download about 300 kB (gzip) it did not need:
- the whole Font Awesome icon fonts (about 2,000 glyphs) for the twenty or so icons the
  book shows, and a rule in the theme's stylesheet for each of those 2,000 icons. Each font
  is cut to the glyphs the site can show (fontTools), under its own name, and the rules of
  icons no page uses are dropped from the stylesheet. The icons kept are those of every
  `fa-*` class in the written pages and scripts, and every icon code point a stylesheet
  uses directly (admonition and link icons); everything the site can display stays.
- stylesheet rules for classes no page uses. The theme's stylesheet (all of Bootstrap, about
  310 kB), sphinx-design's and myst-nb's block the first paint of every page: about 410 kB,
  more than two seconds on a slow mobile link. A rule is dropped only when one of its
  selectors' classes appears nowhere in the written pages or the site's scripts (scripts
  add classes such as `show` at run time); Bootstrap's `bs-*-auto` classes, which it builds
  from parts, are kept. About 130 kB remain. `tests/test_phone.py` compares screenshots
  with the stylesheets as shipped.
- the search index and its scripts, which pydata-sphinx-theme loads on every page for a
  search-as-you-type box this book does not enable (its search box opens the search page).
  They are dropped from every page but the search page.
- sphinx-design's stylesheet and tab script (about 10 kB), which only pages with its
  components (dropdowns, cards, tabs: elements with an `sd-` class) use. Other pages drop
  them.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import myst_nb
import pydata_sphinx_theme
import sphinx_design
import tinycss2
from fontTools import subset
from fontTools.ttLib import TTFont

THEME_STATIC = next(Path(pydata_sphinx_theme.__file__).parent.glob("theme/*/static"))
FONTS = Path("vendor") / "fontawesome" / "webfonts"
THEME_CSS = Path("styles") / "pydata-sphinx-theme.css"
DESIGN_CSS = Path(sphinx_design.__file__).parent / "static" / "sphinx-design.min.css"
MYST_NB_CSS = Path(myst_nb.__file__).parent / "static" / "mystnb.css"
CLASS_SELECTOR = re.compile(r"\.(-?[_a-zA-Z][_a-zA-Z0-9-]*)")
ATTRIBUTE_SELECTOR = re.compile(r"\[[^\]]*\]")  # `[href$=".pdf"]` names no class
# Classes Bootstrap's script builds from parts (`bs-${name}-auto`), so no text holds them.
BUILT_CLASS_PREFIXES = ("bs-",)
NESTED_RULES = {"media", "supports", "layer", "container", "document"}
ICON_CLASS_RULE = re.compile(
    r"((?:\.fa-[a-z0-9-]+(?:::?before)?,?)+)\{content:\"(\\[ef][0-9a-f]{3}|.)\"\}"
)
PRIVATE_USE = re.compile(r"([\ue000-\uf8ff])|\\([ef][0-9a-f]{3})\b")
SEARCH_SCRIPT = re.compile(
    r'\s*<script src="[^"]*(?:_static/searchtools\.js|_static/language_data\.js|searchindex\.js)[^"]*"></script>'
)

DESIGN_USED = re.compile(r'class="(?:[^"]*\s)?sd-')
DESIGN_ASSETS = re.compile(
    r'\s*<link rel="stylesheet"[^>]*_static/sphinx-design\.min\.css[^>]*/>'
    r'|\s*<script[^>]*src="[^"]*_static/design-tabs\.js[^"]*"></script>'
)


def _code_point(text: str) -> int:
    return int(text[1:], 16) if text.startswith("\\") else ord(text)


def _icon_classes(css: str) -> dict[str, int]:
    """Icon class name -> code point, from the theme's stylesheet as shipped."""
    classes = {}
    for selectors, point in ICON_CLASS_RULE.findall(css):
        for name in re.findall(r"\.(fa-[a-z0-9-]+)", selectors):
            classes[name] = _code_point(point)
    return classes


def _class_names_used(site: Path) -> set[str]:
    names: set[str] = set()
    for page in [*site.rglob("*.html"), *site.glob("_static/**/*.js")]:
        text = page.read_text(encoding="utf-8", errors="replace")
        names |= set(re.findall(r"\bfa-[a-z0-9-]+", text))
    return names


def icons_used(site: Path) -> tuple[set[str], set[int]]:
    """The icon classes the site uses and the code points it can show (see the docstring)."""
    classes = _icon_classes((THEME_STATIC / THEME_CSS).read_text(encoding="utf-8"))
    used = _class_names_used(site) & set(classes)
    points = {classes[name] for name in used}
    for css in site.glob("_static/**/*.css"):
        rest = ICON_CLASS_RULE.sub("", css.read_text(encoding="utf-8", errors="replace"))
        points |= {ord(a) if a else int(b, 16) for a, b in PRIVATE_USE.findall(rest)}
    return used, points


def _words_used(site: Path) -> set[str]:
    """Every word that could be a class name in the written pages and the site's scripts."""
    words: set[str] = set()
    for text_file in [*site.rglob("*.html"), *site.glob("_static/**/*.js")]:
        words |= set(re.findall(r"[A-Za-z0-9_-]+", text_file.read_text("utf-8", "replace")))
    return words


def _selectors(prelude: list) -> list[str]:
    """A rule's selector list split at its top-level commas (`:is(a, b)` stays whole)."""
    selectors, current = [], []
    for token in prelude:
        if token.type == "literal" and token.value == ",":
            selectors.append(tinycss2.serialize(current).strip())
            current = []
        else:
            current.append(token)
    return [*selectors, tinycss2.serialize(current).strip()]


def _without_arguments(selector: str) -> str:
    """`selector` without the arguments of functional pseudo-classes: a class in
    `:not(.x)` need not exist, and one in `:is(.x, .y)` is one choice of several."""
    kept, depth = [], 0
    for character in selector:
        depth += character == "("
        if depth == 0:
            kept.append(character)
        depth -= character == ")"
    return "".join(kept)


def _selector_used(selector: str, words: set[str]) -> bool:
    classes = CLASS_SELECTOR.findall(_without_arguments(ATTRIBUTE_SELECTOR.sub("", selector)))
    return all(name in words or name.startswith(BUILT_CLASS_PREFIXES) for name in classes)


def _used_rules(rules: list, words: set[str]) -> str:
    kept = []
    for rule in rules:
        if rule.type == "qualified-rule":
            selectors = [s for s in _selectors(rule.prelude) if _selector_used(s, words)]
            if selectors:
                kept.append(f"{','.join(selectors)}{{{tinycss2.serialize(rule.content)}}}")
        elif rule.type == "at-rule" and rule.lower_at_keyword in NESTED_RULES and rule.content:
            inner = _used_rules(tinycss2.parse_blocks_contents(rule.content), words)
            if inner:
                kept.append(f"@{rule.at_keyword}{tinycss2.serialize(rule.prelude)}{{{inner}}}")
        elif rule.type == "at-rule":
            kept.append(tinycss2.serialize([rule]))
    return "".join(kept)


def used_rules(css: str, words: set[str]) -> str:
    """`css` without the rules none of whose selectors can match: a selector is kept when
    each of its classes is one of `words` (or is built by Bootstrap, see above)."""
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    return _used_rules(rules, words)


def shipped_stylesheets(site: Path) -> dict[Path, Path]:
    """The site's copy of each cut stylesheet -> the file as its package ships it."""
    sheets = {
        site / "_static" / THEME_CSS: THEME_STATIC / THEME_CSS,
        site / "_static" / DESIGN_CSS.name: DESIGN_CSS,
    }
    sheets |= {copy: MYST_NB_CSS for copy in site.glob("_static/mystnb.*.css")}
    return {copy: shipped for copy, shipped in sheets.items() if copy.is_file()}


def _drop_unused_rules(site: Path) -> None:
    words = _words_used(site)
    for copy, shipped in shipped_stylesheets(site).items():
        copy.write_text(used_rules(shipped.read_text("utf-8"), words), encoding="utf-8")


def _cut_font(source: Path, target: Path, code_points: set[int], store: Path) -> None:
    """Write `source` cut to `code_points` over `target`, reusing a cut made before."""
    key = hashlib.sha256(source.read_bytes() + repr(sorted(code_points)).encode()).hexdigest()[:16]
    cut = store / f"{key}-{source.name}"
    if not cut.exists():
        options = subset.Options()
        options.flavor = "woff2" if source.suffix == ".woff2" else None
        options.layout_features = ["*"]
        options.notdef_outline = True
        font = TTFont(source)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=code_points)
        subsetter.subset(font)
        store.mkdir(parents=True, exist_ok=True)
        font.save(cut)
    shutil.copyfile(cut, target)


def _cut_icons(site: Path, store: Path) -> None:
    _, code_points = icons_used(site)
    for target in (site / "_static" / FONTS).glob("*"):
        if (THEME_STATIC / FONTS / target.name).is_file():
            _cut_font(THEME_STATIC / FONTS / target.name, target, code_points, store)


def lean_page(name: Path, html: str) -> str:
    """A page (`name` relative to the site) without the search and sphinx-design assets it
    does not use."""
    if name != Path("search.html"):
        html = SEARCH_SCRIPT.sub("", html)
    if not DESIGN_USED.search(html):
        html = DESIGN_ASSETS.sub("", html)
    return html


def _lean_pages(site: Path) -> None:
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        lean = lean_page(page.relative_to(site), html)
        if lean != html:
            page.write_text(lean, encoding="utf-8")


def _lighten(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    site = Path(app.outdir)
    _lean_pages(site)
    _cut_icons(site, Path(app.outdir).parent / ".icon-fonts")
    _drop_unused_rules(site)


def setup(app):
    app.connect("build-finished", _lighten)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
