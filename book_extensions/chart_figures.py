"""The `{chart}` directive: a figure published with `publish_figure`, placed in one step.

    :::{chart} fig-name
    The caption: what the figure shows, its source {cite:p}`key`, how to use its controls.

    +++
    The text description: what a reader who cannot see the drawing needs from it.
    :::

It places the glued chart as a numbered figure named `fig-name` (for `{numref}`), with its
caption; the link to the data behind it (glued as `fig-name-data`); and the text
description in a "Text description of the figure" dropdown. It writes the same MyST a
chapter would write by hand (`{glue:figure}`, `{glue}`, `{dropdown}`), so the page is the
same and myst-nb resolves the glued outputs as usual.
"""

from __future__ import annotations

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

from stormbook.figures.figure_data import NAME

SEPARATOR = "+++"  # between the caption and the text description (as in sphinx-design)
DESCRIPTION_TITLE = "Text description of the figure"


class ChartError(ValueError):
    """A `{chart}` directive is missing something a published figure needs."""


def chart_markup(name: str, content: list[str]) -> list[str]:
    """The MyST the directive stands for: the figure, its data link, its text description."""
    if not NAME.fullmatch(name):
        raise ChartError(f"{{chart}} {name}: the name must be lowercase words joined by hyphens")
    if content.count(SEPARATOR) != 1:
        raise ChartError(
            f"{{chart}} {name}: write the caption, then a line '{SEPARATOR}', then the text "
            f"description ({content.count(SEPARATOR)} '{SEPARATOR}' lines found)"
        )
    split = content.index(SEPARATOR)
    caption, description = content[:split], content[split + 1 :]
    for part, lines in (("caption", caption), ("text description", description)):
        if not "".join(lines).strip():
            raise ChartError(f"{{chart}} {name}: the {part} is empty")
    # Fences longer than any fence inside, so none inside can close them.
    backticks, colons = (fence(mark, content) for mark in "`:")
    return [
        f"{backticks}{{glue:figure}} {name}",
        f":name: {name}",
        "",
        *caption,
        backticks,
        "",
        f"{backticks}{{glue}} {name}-data",
        backticks,
        "",
        f"{colons}{{dropdown}} {DESCRIPTION_TITLE}",
        *description,
        colons,
    ]


def fence(mark: str, content: list[str]) -> str:
    """A fence of `mark` longer than any fence of it opening a line of `content` (at least 4)."""
    inner = max((len(line) - len(line.lstrip(mark)) for line in content), default=0)
    return mark * max(4, inner + 1)


class ChartDirective(SphinxDirective):
    required_arguments = 1
    has_content = True

    def run(self) -> list[nodes.Node]:
        try:
            markup = chart_markup(self.arguments[0], list(self.content))
        except ChartError as error:
            raise self.error(str(error)) from None
        source = self.get_source_info()[0]
        container = nodes.container()
        self.state.nested_parse(StringList(markup, source=source), self.content_offset, container)
        return container.children


def setup(app):
    app.add_directive("chart", ChartDirective)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
