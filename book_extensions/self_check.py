"""Self-check questions that work on the static site: no kernel, no JavaScript.

Each answer is a native HTML disclosure (`<details>`/`<summary>`): a keyboard user tabs to
it and presses Enter or Space, a screen reader announces it as a collapsed button, and the
feedback is revealed in place. The verdict ("Correct." / "Not quite.") is written by the
directive, so every option says whether it is right, in words, not by colour.

Multiple choice::

    `````{self-check} Which conditions does the umbrella term cover?
    :label: sc-intro-umbrella
    :objectives: 1

    ````{self-check-choice} Only HLH in children with an inherited defect
    Feedback shown when this option is opened.
    ````

    ````{self-check-choice} HLH, MAS and CRS, whatever their trigger
    :correct:
    Feedback for the right answer.
    ````
    `````

Short answer: a `{self-check}` whose body is the model answer, inside
````{self-check-answer}```` (revealed by "Show a model answer").
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective

from book_extensions.static_assets import write_hashed


class self_check_question(nodes.General, nodes.Element):
    """A question: a group labelled by its prompt."""


class self_check_prompt(nodes.General, nodes.TextElement):
    """The question's prompt, with its number."""


class self_check_choices(nodes.General, nodes.Element):
    """The list of options."""


class self_check_disclosure(nodes.General, nodes.Element):
    """One option (or the model answer): a <details> element."""


class self_check_summary(nodes.General, nodes.TextElement):
    """What the reader clicks: the option's text, or 'Show a model answer'."""


class SelfCheckQuestion(SphinxDirective):
    required_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec: ClassVar = {
        "label": directives.unchanged_required,
        "objectives": directives.unchanged,
    }

    def run(self):
        self.env.note_dependency(__file__)  # a change to this code rebuilds the page
        number = self.env.new_serialno("self-check") + 1
        label = self.options.get("label") or f"self-check-{number}"
        question = self_check_question(classes=["self-check"], ids=[label])
        prompt_id = f"{label}-prompt"
        question["prompt_id"] = prompt_id
        prompt = self_check_prompt(ids=[prompt_id])
        prompt += nodes.strong(text=f"Question {number}. ")
        inline, messages = self.state.inline_text(self.arguments[0], self.lineno)
        prompt += inline
        question += prompt
        body = nodes.container()
        self.state.nested_parse(self.content, self.content_offset, body)
        choices = [
            child
            for child in body.children
            if isinstance(child, self_check_disclosure) and child.get("kind") == "choice"
        ]
        if choices:
            question += nodes.paragraph(
                text="Open each answer to see whether it is right and why.",
                classes=["self-check-instruction"],
            )
            listing = self_check_choices()
            for child in body.children:
                if child in choices:
                    listing += child
                else:
                    question += child
            question += listing
            if not any(choice.get("correct") for choice in choices):
                messages.append(
                    self.state.document.reporter.warning(
                        f"self-check {label}: no choice is marked :correct:", line=self.lineno
                    )
                )
        else:
            question += body.children
        std = self.env.get_domain("std")
        # An explicit label used twice would silently replace the other question's link target.
        if "label" in self.options and label in std.labels:
            docname = std.labels[label][0]
            messages.append(
                self.state.document.reporter.warning(
                    f"self-check {label}: this label is already used in {docname}",
                    line=self.lineno,
                )
            )
        std.anonlabels[label] = (self.env.docname, label)
        std.labels[label] = (self.env.docname, label, f"Question {number}")
        return [question, *messages]


class SelfCheckChoice(SphinxDirective):
    required_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec: ClassVar = {"correct": directives.flag}

    def run(self):
        correct = "correct" in self.options
        disclosure = self_check_disclosure(
            classes=["self-check-choice"], kind="choice", correct=correct
        )
        summary = self_check_summary()
        inline, messages = self.state.inline_text(self.arguments[0], self.lineno)
        summary += inline
        disclosure += summary
        feedback = nodes.container(
            classes=["self-check-feedback", "correct" if correct else "incorrect"]
        )
        verdict = nodes.paragraph()
        verdict += nodes.strong(text="Correct." if correct else "Not quite.")
        feedback += verdict
        self.state.nested_parse(self.content, self.content_offset, feedback)
        disclosure += feedback
        return [disclosure, *messages]


class SelfCheckAnswer(SphinxDirective):
    has_content = True

    def run(self):
        disclosure = self_check_disclosure(classes=["self-check-answer"], kind="answer")
        disclosure += self_check_summary(text="Show a model answer")
        feedback = nodes.container(classes=["self-check-feedback"])
        self.state.nested_parse(self.content, self.content_offset, feedback)
        disclosure += feedback
        return [disclosure]


def _visit_question(self, node):
    self.body.append(
        self.starttag(node, "div", role="group", **{"aria-labelledby": node["prompt_id"]})
    )


def _depart_div(self, node):
    self.body.append("</div>\n")


def _visit_prompt(self, node):
    self.body.append(self.starttag(node, "p", CLASS="self-check-prompt"))


def _depart_prompt(self, node):
    self.body.append("</p>\n")


def _visit_choices(self, node):
    self.body.append(self.starttag(node, "ul", CLASS="self-check-choices"))


def _depart_choices(self, node):
    self.body.append("</ul>\n")


def _visit_disclosure(self, node):
    if node.get("kind") == "choice":
        self.body.append("<li>")
    self.body.append(self.starttag(node, "details"))


def _depart_disclosure(self, node):
    self.body.append("</details>")
    if node.get("kind") == "choice":
        self.body.append("</li>")
    self.body.append("\n")


def _visit_summary(self, node):
    self.body.append(self.starttag(node, "summary"))


def _depart_summary(self, node):
    self.body.append("</summary>\n")


def setup(app):
    html = "html"
    app.add_node(self_check_question, **{html: (_visit_question, _depart_div)})
    app.add_node(self_check_prompt, **{html: (_visit_prompt, _depart_prompt)})
    app.add_node(self_check_choices, **{html: (_visit_choices, _depart_choices)})
    app.add_node(self_check_disclosure, **{html: (_visit_disclosure, _depart_disclosure)})
    app.add_node(self_check_summary, **{html: (_visit_summary, _depart_summary)})
    app.add_directive("self-check", SelfCheckQuestion)
    app.add_directive("self-check-choice", SelfCheckChoice)
    app.add_directive("self-check-answer", SelfCheckAnswer)
    app.connect("builder-inited", _add_css)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}


def _add_css(app) -> None:
    """The stylesheet (one small file, every page), named by its content hash like the book's
    other assets, so a changed stylesheet is never served from a stale cache."""
    css = Path(__file__).with_name("self_check.css").read_text(encoding="utf-8")
    app.add_css_file(write_hashed(app, "self-check", css, "css"))
