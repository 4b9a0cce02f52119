"""Negative numbers pasted into the prose print a minus sign (−), not a hyphen.

A value glued from a notebook (`{glue:text}`) is Python's text, which writes "-21". In
running prose a hyphen can read as a dash or a range, and a screen reader may not say
"minus"; typeset text uses U+2212. Only the pasted values change (the prose's own words are
written with the right sign), and only a hyphen that starts a number: "10-15" and dates
keep theirs. The rule is `stormbook.formatting.minus_signs`, which the tables share.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform

from stormbook.formatting import minus_signs


class PastedMinusSigns(SphinxPostTransform):
    # After myst-nb pastes the values glued in other pages (its transform runs at 5).
    default_priority = 50

    def run(self, **kwargs) -> None:
        for inline in self.document.findall(nodes.inline):
            if "pasted-text" not in inline["classes"]:
                continue
            for text in list(inline.findall(nodes.Text)):
                signed = minus_signs(text.astext())
                if signed != text.astext():
                    text.parent.replace(text, nodes.Text(signed))


def setup(app):
    app.add_post_transform(PastedMinusSigns)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
