"""Read a chapter notebook's teaching outline: title, learning objectives, exercises,
solutions and self-check questions.

The instructor guide's tables (objectives -> exercises, answer key) are generated from
this, so they cannot drift from the chapters. Plain Python, no Sphinx: the tests use it too.

What a chapter must contain for this to work (the chapter template, tools/chapter-template.ipynb, has each part):
- in its first markdown cell, a `# Title` line and a numbered list after
  "Learning objectives";
- exercises as ```{exercise} fences with `:label:` and `:objectives: 2, 3` (objective
  numbers from that list); self-check questions as ```{self-check} fences with the same
  two options.
- solutions as ```{solution} fences, or, around executed code cells, sphinx-exercise's
  gated form: a ```{solution-start} fence, the cells, and a ```{solution-end} fence.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

FENCE_OPEN = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w-]+)\}\s*(?P<argument>.*?)\s*$")
OPTION = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*?)\s*$")
OBJECTIVE_ITEM = re.compile(r"^(?P<number>\d+)\.\s+(?P<text>.+)$")


class OutlineError(ValueError):
    """A chapter notebook lacks something the generated course material needs."""


@dataclass
class Block:
    """One directive fence: its name, argument, options and body text."""

    name: str
    argument: str
    options: dict[str, str]
    body: str

    @property
    def label(self) -> str:
        return self.options.get("label", "")

    def objective_numbers(self) -> list[int]:
        raw = self.options.get("objectives", "")
        numbers = []
        for part in re.split(r"[,\s]+", raw.strip()):
            if not part:
                continue
            if not part.isdigit():
                raise OutlineError(f"':objectives: {raw}' must list objective numbers, e.g. 1, 3")
            numbers.append(int(part))
        return numbers


@dataclass
class Outline:
    path: Path
    title: str
    objectives: list[str]
    exercises: list[Block] = field(default_factory=list)
    solutions: list[Block] = field(default_factory=list)
    self_checks: list[Block] = field(default_factory=list)

    @property
    def docname(self) -> str:
        return f"{self.path.parent.name}/{self.path.stem}"

    def problems(self) -> list[str]:
        """What is missing or inconsistent, one sentence each (empty when all is well)."""
        found = []
        if not self.objectives:
            found.append("no numbered 'Learning objectives' list in the first markdown cell")
        for kind, blocks in (("exercise", self.exercises), ("self-check", self.self_checks)):
            for number, block in enumerate(blocks, start=1):
                name = block.label or f"{kind} {number}"
                if not block.label:
                    found.append(f"{kind} {number} has no :label:")
                try:
                    numbers = block.objective_numbers()
                except OutlineError as error:
                    found.append(f"{name}: {error}")
                    continue
                if not numbers:
                    found.append(
                        f"{name} has no ':objectives:' option naming the objectives it practises"
                    )
                for objective in numbers:
                    if not 1 <= objective <= len(self.objectives):
                        found.append(
                            f"{name} names objective {objective}; the chapter has "
                            f"{len(self.objectives)}"
                        )
        if not self.self_checks:
            found.append("no self-check questions (```{self-check} ...)")
        return found


def directive_blocks(markdown: str) -> list[Block]:
    """Every fenced directive in a markdown text, outer and nested, in order of appearance."""
    lines = markdown.splitlines()
    blocks = []
    index = 0
    while index < len(lines):
        match = FENCE_OPEN.match(lines[index].strip())
        if not match:
            index += 1
            continue
        fence = match["fence"]
        closing = re.compile(rf"^{re.escape(fence)}\s*$")
        body_start = index + 1
        end = body_start
        while end < len(lines) and not closing.match(lines[end].strip()):
            end += 1
        inner = lines[body_start:end]
        options = {}
        while inner and OPTION.match(inner[0].strip()):
            option = OPTION.match(inner.pop(0).strip())
            options[option["key"]] = option["value"]
        body = "\n".join(inner).strip("\n")
        blocks.append(Block(match["name"], match["argument"], options, body))
        blocks.extend(directive_blocks(body))
        index = end + 1
    return blocks


def learning_objectives(first_cell: str) -> list[str]:
    """The numbered list that follows 'Learning objectives' (continuation lines joined)."""
    lines = first_cell.splitlines()
    start = next((i for i, line in enumerate(lines) if "Learning objectives" in line), None)
    if start is None:
        return []
    items: list[str] = []
    for line in lines[start + 1 :]:
        item = OBJECTIVE_ITEM.match(line.strip()) if not line.startswith((" ", "\t")) else None
        if item:
            if int(item["number"]) != len(items) + 1:
                raise OutlineError(f"objective numbered {item['number']} is out of order")
            items.append(item["text"].strip())
        elif items and line.startswith((" ", "\t")) and line.strip():
            items[-1] += " " + line.strip()
        elif items and line.strip():
            break
    return items


def read_outline(path: Path) -> Outline:
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    markdown = [
        "".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "markdown"
    ]
    if not markdown:
        raise OutlineError(f"{path} has no markdown cells")
    title = next(
        (line[2:].strip() for line in markdown[0].splitlines() if line.startswith("# ")), ""
    )
    outline = Outline(Path(path), title, learning_objectives(markdown[0]))
    for cell in markdown:
        for block in directive_blocks(cell):
            if block.name == "exercise":
                outline.exercises.append(block)
            elif block.name in ("solution", "solution-start"):
                outline.solutions.append(block)
            elif block.name == "self-check":
                outline.self_checks.append(block)
    return outline


def _fence(name: str) -> re.Pattern:
    """A whole ```{name} ... ``` block (any fence length), up to the end of its closing line."""
    return re.compile(
        rf"^(`{{3,}}|:{{3,}})\{{{name}\}}[^\n]*\n(?:.*?\n)??\1[ \t]*$\n?", re.M | re.S
    )


SOLUTION_BLOCK, GATE_START, GATE_END = (
    _fence(name) for name in ("solution", "solution-start", "solution-end")
)


def notebook_without_solutions(notebook: dict) -> dict:
    """A copy of a notebook with every solution taken out: ```{solution} blocks, and each
    gated solution from its ```{solution-start} to its ```{solution-end}, with the code
    cells between. A markdown cell left empty is dropped."""
    cells, hiding = [], False
    for cell in notebook["cells"]:
        if cell["cell_type"] != "markdown":
            if not hiding:
                cells.append(cell)
            continue
        rest, kept = "".join(cell["source"]), ""
        while rest:
            gate = (GATE_END if hiding else GATE_START).search(rest)
            if not hiding:
                kept += rest[: gate.start()] if gate else rest
            rest = rest[gate.end() :] if gate else ""
            hiding = hiding != bool(gate)
        kept = SOLUTION_BLOCK.sub("", kept)
        if kept == "".join(cell["source"]):
            cells.append(cell)
        elif kept.strip():
            cells.append({**cell, "source": kept})
    return {**notebook, "cells": cells}


def solution_prose(notebook: dict) -> dict[str, str]:
    """Each exercise's worked answer in words, by exercise label: the body of its
    ```{solution} block, or the markdown between a gated solution's fences (code left out)."""
    answers: dict[str, str] = {}
    label = None  # the exercise whose gated solution is open
    for cell in notebook["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        rest = "".join(cell["source"])
        if label is None:
            for block in directive_blocks(rest):
                if block.name == "solution":
                    answers[block.argument.strip()] = block.body.strip()
        while rest:
            gate = (GATE_END if label else GATE_START).search(rest)
            if label:
                answers[label] = (
                    answers[label] + "\n\n" + (rest[: gate.start()] if gate else rest)
                ).strip()
            if not gate:
                break
            if label is None:
                label = FENCE_OPEN.match(gate.group(0).splitlines()[0].strip())["argument"]
                answers[label] = ""
            else:
                label = None
            rest = rest[gate.end() :]
    return answers
