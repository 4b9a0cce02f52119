"""A source as a reader meets it in a table: a short citation that links to the paper.

The data keep each row's source as a DOI or URL, exact for whoever checks a number. A table
on the page shows it as the book's citation ("Jordan et al. 2011"), taken from
references.bib by DOI, linked to https://doi.org/…; a source the bibliography does not hold
shows the publisher's site name, also linked. Other text is HTML-escaped.
"""

from __future__ import annotations

import codecs
import functools
import html
import re
from urllib.parse import quote, urlsplit

import latexcodec  # noqa: F401  (registers the 'ulatex' codec)
from pybtex.database import parse_file

from stormbook.paths import book_root

DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"]+)")
URL = re.compile(r"https?://[^\s\"<>]+")
# A DOI or URL at the end of a sentence keeps its full stop, comma or bracket outside.
TRAILING = ".,;:)]"
# Sites that host unauthorised copies of papers: a reader is never sent there (SOURCES.md).
COPY_HOSTS = (
    "scribd.com",
    "studylib",
    "fdocuments",
    "docksci",
    "vdocument",
    "1library",
    "translate.goog",
)
COPY_NOTE = "(an unauthorised copy, not linked)"


def is_copy(url: str) -> bool:
    """True for a URL on a site that hosts unauthorised copies."""
    host = urlsplit(url).hostname or ""
    return any(part in host for part in COPY_HOSTS)


def without_copies(text: str) -> str:
    """`text` with every URL of an unauthorised copy replaced by a note saying so."""
    return URL.sub(lambda m: COPY_NOTE if is_copy(m.group(0)) else m.group(0), str(text))


def _surname(person) -> str:
    """The surname as printed: with its particle ('zur Stadt', 'de Saint Basile') and LaTeX
    accents decoded ('B\\k{a}bol' -> 'Bąbol')."""
    latex = " ".join(person.prelast_names + person.last_names)
    return codecs.decode(latex, "ulatex")


def citation(entry) -> str:
    """Author-year as the book prints it: one or two surnames, or the first 'et al.'."""
    people = entry.persons.get("author", [])
    surnames = [_surname(person) for person in people]
    year = entry.fields.get("year", "")
    if not surnames:
        # As the bibliography's own label for an unsigned work: its title, then the year.
        who = (
            entry.fields.get("organization")
            or _short(entry.fields.get("title", ""))
            or entry.fields.get("howpublished", "")
        )
        who = re.sub(r"[{}]", "", who).split(";")[0].strip()
        return f"{who}, {year}".strip(", ") if who else ""
    if len(surnames) > 2 or "others" in surnames:
        names = f"{surnames[0]} et al."
    else:
        names = " and ".join(surnames)
    return re.sub(r"[{}]", "", f"{names} {year}").strip()


TITLE_WORDS = 8  # an unsigned work is named by the start of its title


def _short(title: str) -> str:
    words = title.split()
    return " ".join(words[:TITLE_WORDS]) + ("…" if len(words) > TITLE_WORDS else "")


@functools.cache
def _entries() -> tuple:
    """The bibliography's entries, read once."""
    return tuple(parse_file(str(book_root() / "references.bib")).entries.values())


@functools.cache
def citations_by_doi() -> dict[str, str]:
    """Lower-cased DOI -> the citation the bibliography prints for it."""
    labels = {}
    for entry in _entries():
        doi = entry.fields.get("doi", "").strip().lower()
        label = citation(entry)
        if doi and label:
            labels[doi] = label
    return labels


# Publishers that serve one article under several host names.
SAME_HOSTS = {
    "ashpublications.net": "ashpublications.org",
    "ashpublications.com": "ashpublications.org",
}


def _address(url: str) -> str:
    """A URL without scheme, "www.", query or trailing slash: how two spellings are matched."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").removeprefix("www.")
    host = SAME_HOSTS.get(host, host)
    return f"{host}{parts.path}".rstrip("/").lower()


def _cited_as(url: str) -> str | None:
    """The bibliography's citation for a page, or for the article a deeper page belongs to
    (a table, a figure, a later page of the same report)."""
    labels, address = citations_by_address(), _address(url)
    while address:
        if address in labels:
            return labels[address]
        if "/" not in address:
            return None
        address = address.rsplit("/", 1)[0]
    return None


@functools.cache
def citations_by_address() -> dict[str, str]:
    """A source's address (see _address) -> the citation the bibliography prints for it."""
    labels = {}
    for entry in _entries():
        url, label = entry.fields.get("url", ""), citation(entry)
        if url and label:
            labels[_address(url)] = label
    return labels


def source_citation(source: str) -> str | None:
    """The bibliography's citation for a data row's source (a DOI or an address), if any."""
    source = source.strip()
    if source.startswith("http") and "doi.org/" not in source:
        return _cited_as(source)
    doi = DOI.search(source)
    return citations_by_doi().get(doi.group(0).lower()) if doi else None


def _split_trailing(text: str) -> tuple[str, str]:
    core = text.rstrip(TRAILING)
    # A closing bracket that belongs to the DOI (SICI DOIs hold brackets) stays in it.
    while core.count("(") > core.count(")") and text[len(core) :].startswith(")"):
        core += ")"
    return core, text[len(core) :]


def _doi_link(doi: str) -> str:
    label = citations_by_doi().get(doi.lower(), "article (DOI)")
    href = "https://doi.org/" + quote(doi, safe="/:;()._-")
    return f'<a href="{html.escape(href)}">{html.escape(label)}</a>'


def _url_link(url: str) -> str:
    if is_copy(url):
        return html.escape(COPY_NOTE)
    doi = DOI.search(url) if "doi.org/" in url else None
    if doi:
        return _doi_link(doi.group(1))
    label = _cited_as(url)
    if label is None:  # a page the bibliography does not list is named by its site
        label = (urlsplit(url).hostname or "link").removeprefix("www.")
    return f'<a href="{html.escape(url)}">{html.escape(label)}</a>'


def linked_sources(text) -> str:
    """`text` HTML-escaped, with every URL and DOI in it shown as a short citation link."""
    raw = str(text)
    out, at = [], 0
    for match in re.finditer(rf"{URL.pattern}|{DOI.pattern}", raw):
        found, trailing = _split_trailing(match.group(0))
        out.append(html.escape(raw[at : match.start()]))
        out.append(_url_link(found) if found.startswith("http") else _doi_link(found))
        out.append(html.escape(trailing))
        at = match.end()
    out.append(html.escape(raw[at:]))
    return "".join(out)
