"""The student edition leaves every solution out, gated ones included.

sphinx-exercise's `hide_solutions` drops `{solution}` blocks, but of a gated solution
(``solution-start`` ... ``solution-end`` around executed code cells) it drops only the start:
the cells up to the end would stay on the page, and the unmatched end stops the HTML writer.
With `hide_solutions`:

- a gated solution disappears with everything between its gates, code cells and their
  outputs included, before any page or the search index is written;
- the notebooks the download button offers (``_sources/**/*.ipynb``) lose their solutions
  as well: solution blocks, and the cells between a solution's gates.
"""

from __future__ import annotations

import json
from pathlib import Path

from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.transforms import SphinxTransform

from book_extensions.teaching_outline import notebook_without_solutions


def _strip_solutions_from_downloads(app, exception) -> None:
    """With `hide_solutions`, the notebooks offered by the download button lose their
    solutions too (the page leaves them out; the copied source would still hold them)."""
    if exception is not None or not app.config.hide_solutions or app.builder.format != "html":
        return
    for path in Path(app.outdir, "_sources").rglob("*.ipynb"):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        stripped = notebook_without_solutions(notebook)
        if stripped != notebook:
            path.write_text(
                json.dumps(stripped, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
            )


class hidden_solution_start(nodes.Element):
    """Where a gated solution starts, in an edition without solutions (removed when read)."""


def _solution_start_directive():
    from sphinx_exercise.directive import SolutionStartDirective

    class SolutionStart(SolutionStartDirective):
        """sphinx-exercise's `solution-start`, leaving a marker when solutions are hidden: the
        original returns nothing, so the cells up to `solution-end` would stay on the page
        (and its unmerged end node stops the HTML writer)."""

        def run(self):
            result = super().run()  # also records the gate for sphinx-exercise's checks
            return [hidden_solution_start()] if self.config.hide_solutions else result

    return SolutionStart


class RemoveHiddenGatedSolutions(SphinxTransform):
    """With `hide_solutions`, drop each gated solution from its start to its end: prose, code
    cells and outputs. Runs before sphinx-exercise merges gates (priority 10), so a
    solution is gone before the search index or any page sees it."""

    default_priority = 5

    def apply(self):
        from sphinx_exercise.nodes import solution_end_node

        for start in list(self.document.findall(hidden_solution_start)):
            siblings = start.parent.children
            first = siblings.index(start)
            last = next(
                (
                    i
                    for i in range(first, len(siblings))
                    if isinstance(siblings[i], solution_end_node)
                ),
                None,
            )
            if last is None:
                raise ExtensionError(
                    f"{self.env.docname}: a solution-start has no solution-end at its own level "
                    "(a heading between them splits the gated solution)"
                )
            del start.parent[first : last + 1]


def setup(app):
    app.setup_extension("sphinx_exercise")
    app.add_directive("solution-start", _solution_start_directive(), override=True)
    app.add_node(hidden_solution_start)
    app.add_transform(RemoveHiddenGatedSolutions)
    app.connect("build-finished", _strip_solutions_from_downloads)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
