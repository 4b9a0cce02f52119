"""How citations and the bibliography print: "et al." for cut author lists, titles as written.

Registers two pybtex plugins that the book's `_config.yml` names:

- `author_year_et_al` (bibtex_reference_style): author–year citations. An author list that
  ends in BibTeX's `and others` cites as "Jordan et al., 2011", not "Jordan and others".
- `book_bibliography` (bibtex_default_style): pybtex's alpha style, listing such authors as
  "Michael B. Jordan et al." and keeping each title's capitals as written in references.bib
  (the stock style lower-cases them: "Covid-nma", "Crs grading", "genereviews").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pybtex.plugin
import sphinxcontrib.bibtex.plugin
from pybtex.backends.plaintext import Backend as PlaintextBackend
from pybtex.richtext import Tag, Text
from pybtex.style import template
from pybtex.style.formatting.alpha import Style as AlphaStyle
from pybtex.style.template import FieldIsMissing, join, node, sentence
from sphinxcontrib.bibtex.style.referencing import PersonStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle
from sphinxcontrib.bibtex.style.template import join as join_with_other

ET_AL = Text(" ", Tag("em", "et al."))


def _split_others(entry, role):
    """The named persons of a role, and whether the list ended in 'and others'."""
    try:
        persons = entry.persons[role]
    except KeyError:
        raise FieldIsMissing(role, entry) from None
    named = [person for person in persons if str(person) != "others"]
    return named, len(named) < len(persons)


@node
def citation_names(children, data, role, sep, sep2, last_sep, other):
    """Names for an in-text citation: as sphinxcontrib-bibtex's, with 'others' as et al."""
    assert not children
    named, cut_short = _split_others(data["entry"], role)
    style = data["style"]
    # The name styles return templates, rendered here or by join.
    formatted = [style.person.style_plugin.format(p, style.person.abbreviate) for p in named]
    if cut_short and len(formatted) <= 2:
        # A full list (other=None) cannot be given either: the names were never recorded.
        return Text(formatted[0].format_data(data), other or ET_AL)
    return join_with_other(sep=sep, sep2=sep2, last_sep=last_sep, other=other)[
        formatted
    ].format_data(data)


@dataclass
class EtAlPersonStyle(PersonStyle):
    def _separators(self, full: bool) -> dict:
        return dict(
            sep=self.sep, sep2=self.sep2, last_sep=self.last_sep, other=None if full else self.other
        )

    def names(self, role: str, full: bool):
        return citation_names(role=role, **self._separators(full))

    def author_or_editor_or_title(self, full: bool):
        # What author-year citations print before the year.
        return template.first_of[
            template.optional[citation_names("author", **self._separators(full))],
            template.optional[citation_names("editor", **self._separators(full))],
            template.tag("em")[template.field("title")],
        ]


@dataclass
class AuthorYearEtAlReferenceStyle(AuthorYearReferenceStyle):
    person: PersonStyle = field(default_factory=EtAlPersonStyle)


@node
def bibliography_names(children, data, role):
    """Names for a bibliography entry: every named person, then et al. if the list was cut."""
    assert not children
    named, cut_short = _split_others(data["entry"], role)
    style = data["style"]
    formatted = [style.format_name(person, style.abbreviate_names) for person in named]
    if cut_short:
        return Text(join(sep=", ")[formatted].format_data(data), ET_AL)
    return join(sep=", ", sep2=" and ", last_sep=", and ")[formatted].format_data(data)


class BookBibliographyStyle(AlphaStyle):
    def format_names(self, role, as_sentence=True):
        formatted = bibliography_names(role=role)
        return sentence[formatted] if as_sentence else formatted

    def format_title(self, e, which_field, as_sentence=True):
        formatted = template.field(which_field)
        return sentence[formatted] if as_sentence else formatted


def setup(app):
    sphinxcontrib.bibtex.plugin.register_plugin(
        "sphinxcontrib.bibtex.style.referencing", "author_year_et_al", AuthorYearEtAlReferenceStyle
    )
    pybtex.plugin.register_plugin(
        "pybtex.style.formatting", "book_bibliography", BookBibliographyStyle
    )
    # sphinxcontrib-bibtex asks pybtex for its plain-text backend once per citation, and pybtex
    # scans every installed entry point for a plugin it was not given at run time: about
    # 5 s of each build. The same class, registered at run time, is found at once.
    pybtex.plugin.register_plugin("pybtex.backends", "plaintext", PlaintextBackend, force=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
