"""Multiple-choice self-checks that discriminate: they cannot be passed by picking the
longest option or always the same position.

Read from the notebooks (`teaching_outline`), so a new chapter's questions are checked
without anyone listing them. A short-answer self-check (a model answer, no options) is left
out. Option length is the option text as written, roles included: what the reader sees is
close to it, and the rule is about conspicuous differences, not characters.
"""

from __future__ import annotations

import math
from collections import Counter

import pytest
from conftest import ROOT, notebook_pages

from book_extensions.teaching_outline import directive_blocks, read_outline

CHAPTERS = [page for page in notebook_pages() if page.startswith("chapters/")]


def multiple_choice(page: str) -> list[tuple[str, list[str], list[int]]]:
    """Each multiple-choice question: label, option texts, positions (from 1) marked correct."""
    questions = []
    for block in read_outline(ROOT / f"{page}.ipynb").self_checks:
        choices = [b for b in directive_blocks(block.body) if b.name == "self-check-choice"]
        if choices:
            correct = [i for i, c in enumerate(choices, start=1) if "correct" in c.options]
            questions.append((block.label, [c.argument for c in choices], correct))
    return questions


def unique_longest(options: list[str], position: int) -> bool:
    lengths = [len(option) for option in options]
    return lengths.count(max(lengths)) == 1 and lengths[position - 1] == max(lengths)


def test_a_chapter_is_found_with_its_questions():
    assert len(CHAPTERS) >= 4
    assert all(multiple_choice(page) for page in CHAPTERS)


@pytest.mark.parametrize("page", CHAPTERS)
def test_each_question_has_four_or_five_options_and_one_answer(page):
    for label, options, correct in multiple_choice(page):
        assert 4 <= len(options) <= 5, f"{label}: {len(options)} options"
        assert len(correct) == 1, f"{label}: {len(correct)} options marked correct"


@pytest.mark.parametrize("page", CHAPTERS)
def test_the_right_answer_moves_about(page):
    """No position holds more than a third (rounded up) of a chapter's right answers."""
    questions = multiple_choice(page)
    positions = Counter(correct[0] for _, _, correct in questions)
    limit = math.ceil(len(questions) / 3)
    assert max(positions.values()) <= limit, f"{page}: right answers by position {positions}"


@pytest.mark.parametrize("page", CHAPTERS)
def test_the_right_answer_is_rarely_the_longest(page):
    """The right option is the unique longest in at most a third of a chapter's questions."""
    questions = multiple_choice(page)
    longest = [label for label, options, (right,) in questions if unique_longest(options, right)]
    assert len(longest) <= len(questions) / 3, f"{page}: longest and right in {longest}"


def test_the_rules_catch_what_they_name():
    """The checks fail on the patterns an instructor found: longest and first every time."""
    options = ["The right answer, long and carefully qualified", "Short", "Also short", "No"]
    assert unique_longest(options, 1) and not unique_longest(options, 2)
    assert not unique_longest(["Same length", "Same length", "x"], 1)
    first_every_time = Counter([1, 1, 1, 1, 1])
    assert max(first_every_time.values()) > math.ceil(5 / 3)
