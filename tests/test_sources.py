"""Sources in tables: a DOI or URL is shown as the book's citation, linked to the source."""

from __future__ import annotations

import pandas as pd
from bs4 import BeautifulSoup
from pybtex.database import Entry, Person

from stormbook.figures.charts import numbers_table, reader_header
from stormbook.sources import citation, citations_by_doi, linked_sources


def _links(html_text):
    return [(a["href"], a.get_text()) for a in BeautifulSoup(html_text, "html.parser").select("a")]


def test_a_doi_in_the_bibliography_shows_its_author_year_citation():
    assert _links(linked_sources("10.1182/blood-2011-03-278127")) == [
        ("https://doi.org/10.1182/blood-2011-03-278127", "Jordan et al. 2011")
    ]


def test_a_doi_with_brackets_and_angle_brackets_stays_whole():
    doi = "10.1002/1097-0142(197909)44:3<993::aid-cncr2820440329>3.0.co;2-5"
    html_text = linked_sources(doi)
    [(href, label)] = _links(html_text)
    assert href.startswith("https://doi.org/10.1002/1097-0142(197909)44:3")
    assert href.endswith("3.0.co;2-5")
    assert label == citations_by_doi()[doi.lower()]
    assert "aid-cncr" not in BeautifulSoup(html_text, "html.parser").get_text()


def test_a_url_shows_its_site_and_keeps_a_sentence_stop_outside_the_link():
    html_text = linked_sources("Table 2 (https://www.fda.gov/media/163075/download).")
    assert _links(html_text) == [("https://www.fda.gov/media/163075/download", "fda.gov")]
    assert BeautifulSoup(html_text, "html.parser").get_text() == "Table 2 (fda.gov)."


def test_a_doi_link_url_is_read_as_the_doi():
    assert _links(linked_sources("https://doi.org/10.1182/blood-2011-03-278127")) == [
        ("https://doi.org/10.1182/blood-2011-03-278127", "Jordan et al. 2011")
    ]


def test_other_text_is_escaped():
    assert linked_sources("CrCl <30 mL/min & 'x'") == "CrCl &lt;30 mL/min &amp; &#x27;x&#x27;"


def test_table_headers_read_as_words_and_no_cell_shows_a_raw_doi():
    frame = pd.DataFrame(
        {"source": ["10.1182/blood-2011-03-278127"], "n_cases": [3], "ci_low": [0.5]}
    )
    soup = BeautifulSoup(numbers_table(frame, "cap").to_html(), "html.parser")
    assert [th.get_text() for th in soup.select("thead th")] == ["source", "n cases", "CI lower"]
    assert "10.1182" not in soup.select_one("tbody").get_text()
    assert reader_header("period_text") == "period"
    assert reader_header("platelets_10e9_per_l") == "platelets (×10⁹/L)"
    assert reader_header("temperature_c") == "temperature (°C)"
    assert reader_header("fibrinogen_g_per_l") == "fibrinogen (g/L)"


def test_a_long_table_or_the_numbers_behind_a_chart_fold_behind_their_caption():
    short = pd.DataFrame({"cause": ["a", "b"]})
    long = pd.DataFrame({"cause": [f"c{i}" for i in range(13)]})
    open_html = numbers_table(short, "Triggers").to_html()
    assert "<details" not in open_html and "<caption>Triggers</caption>" in open_html
    folded = BeautifulSoup(numbers_table(long, "Every row").to_html(), "html.parser")
    assert folded.select_one("details > summary").get_text() == "Every row (13 rows)"
    assert folded.select_one("details table caption").get_text() == "Every row"
    behind = numbers_table(short, "Numbers behind the chart").to_html()
    assert "<summary>Numbers behind the chart (2 rows)</summary>" in behind
    assert "<details" not in numbers_table(long, "Every row", folded=False).to_html()
    assert numbers_table(short, "x & y")._repr_html_().count("x &amp; y") == 1


def test_a_copy_is_named_never_linked():
    from stormbook.sources import COPY_NOTE, without_copies

    text = "Table 2 of https://scribd.com/document/515682557/HLH-2004-protocol1-1"
    assert _links(linked_sources(text)) == []
    assert COPY_NOTE in BeautifulSoup(linked_sources(text), "html.parser").get_text()
    assert without_copies(text) == f"Table 2 of {COPY_NOTE}"
    kept = "see https://pmc.ncbi.nlm.nih.gov/articles/PMC7322966"
    assert without_copies(kept) == kept


def test_floats_show_as_written_not_with_six_decimals():
    frame = pd.DataFrame({"value": [494.0, 0.0002, 72.5, float("nan")]})
    cells = [
        td.get_text()
        for td in BeautifulSoup(numbers_table(frame, "t").to_html(), "html.parser").select("td")
    ]
    assert cells == ["494", "0.0002", "72.5", ""]
    big = pd.DataFrame({"value": [1614.0, -47.7, 0.0]})
    shown = [
        td.get_text()
        for td in BeautifulSoup(numbers_table(big, "t").to_html(), "html.parser").select("td")
    ]
    assert shown == ["1,614", "-47.7", "0"]


def test_a_citation_keeps_the_surname_particle_and_decodes_latex_accents():
    two = Entry(
        "article",
        fields={"year": "2009"},
        persons={"author": [Person("zur Stadt, U."), Person("de Saint Basile, Genevi{\\`e}ve")]},
    )
    assert citation(two) == "zur Stadt and de Saint Basile 2009"
    many = Entry(
        "article",
        fields={"year": "2021"},
        persons={
            "author": [Person("B\\k{a}bol-Pokora, K."), Person("Other, A."), Person("Third, B.")]
        },
    )
    assert citation(many) == "B\u0105bol-Pokora et al. 2021"


def test_a_page_of_a_listed_article_is_cited_by_the_article():
    # A table page of an article the bibliography lists, and the article under another of
    # its publisher's host names, are cited by the entry, not by a bare site name.
    table = "https://pmc.ncbi.nlm.nih.gov/articles/PMC8021214/table/Tab1"
    assert ">Table 1. Grading system for cytokine release syndrome…<" in linked_sources(table)
    assert ">Collins 2021<" in linked_sources("https://i-base.info/htb/40567/")


def test_every_source_in_the_data_is_cited_by_a_bibliography_entry():
    import csv

    from conftest import ROOT

    from stormbook.sources import source_citation

    uncited = []
    for path in sorted((ROOT / "data").glob("*.csv")):
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                source = (row.get("source") or "").strip()
                if source and not source_citation(source):
                    uncited.append(f"{path.name}: {source}")
    assert not uncited, "sources a reader would see as a bare address:\n" + "\n".join(uncited)
