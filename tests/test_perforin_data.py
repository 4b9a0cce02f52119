"""The perforin chapter's datasets: every gene at the step where its protein acts (with the
overlap its sources show), FHL1 as a locus without a gene, incidence labelled by what it
counted, and published figures whose counts and percentages agree."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from stormbook import load_dataset

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "chapters" / "02-perforin-pathway.ipynb"


@pytest.fixture(scope="module")
def genes():
    return load_dataset("hlh-genes").set_index("short_name")


# (disorder, main step, second step or "") as the sources place them.
STEPS = {
    "FHL1": ("unknown (gene not identified)", ""),
    "FHL2": ("perforin pore formation", ""),
    "FHL3": ("priming", "docking"),  # Feldmann 2003; with Rab27a at docking, Elstak 2011
    "FHL4": ("fusion", ""),
    "FHL5": ("fusion", ""),
    "GS2": ("docking", "priming"),  # with Munc13-4 at priming, Menager 2007
    "CHS": ("granule biogenesis", ""),
    "HPS2": ("polarisation to synapse", ""),  # Clark 2003: transport; failed docking follows
    "XLP1": ("target recognition and synapse formation", ""),  # Hislop 2010
    "XLP2": ("not the granule pathway", ""),  # Rigaud 2006
}


@pytest.mark.parametrize("short_name", STEPS)
def test_each_gene_sits_at_the_step_its_sources_give(genes, short_name):
    main, second = STEPS[short_name]
    row = genes.loc[short_name]
    assert row["pathway_step"] == main
    assert (row["also_acts_at"] if isinstance(row["also_acts_at"], str) else "") == second


def test_step_assignments_cite_the_primary_papers(genes):
    assert genes.loc["HPS2", "source"] == "10.1038/ni1000"
    assert "microtubules" in genes.loc["HPS2", "locator"]
    assert "3249" in genes.loc["XLP1", "source"]  # Hislop et al., Blood 116:3249
    assert "2B4" in genes.loc["XLP1", "what_fails"]
    assert "10.1038/nature05257" in genes.loc["XLP2", "other_sources"]
    assert "medlineplus" not in genes.loc["XLP2", "other_sources"].lower()
    assert "Elstak" in genes.loc["FHL3", "locator"]
    assert "10.1038/ni1431" in genes.loc["GS2", "other_sources"]


def test_fhl1_is_a_locus_without_a_gene_and_without_a_false_conflict(genes):
    row = genes.loc["FHL1"]
    assert pd.isna(row["gene"])
    assert row["omim_phenotype"] == 267700
    text = " ".join(str(row[c]) for c in ["locator", "notes", "other_sources"])
    assert "CONFLICT" not in text
    assert "idbase" not in text.lower() and "cags" not in text.lower()
    assert "four genes" in text


def test_swedish_modern_incidence_is_labelled_primary_hlh():
    incidence = load_dataset("hlh-incidence")
    meeths = incidence[incidence["source"] == "10.1002/pbc.25308"]
    assert len(meeths) == 3
    assert meeths["population"].str.contains("primary HLH").all()


@pytest.fixture(scope="module")
def figures():
    return load_dataset("hlh-screening-and-treatment").set_index("item")


def test_percentages_agree_with_their_counts(figures):
    counted = figures[figures["numerator"].notna() & figures["denominator"].notna()]
    assert len(counted) >= 7
    for item, row in counted.iterrows():
        if row["unit"] == "percent":
            assert round(100 * row["numerator"] / row["denominator"], 1) == pytest.approx(
                row["value"], abs=0.6
            ), item


def test_degranulation_cutoff_and_accuracy_are_the_published_ones(figures):
    # Bryceson et al. 2012: resting NK-cell degranulation below 5% gave 96% sensitivity, 88% specificity.
    assert figures.loc["degranulation_cutoff", "value"] == 5
    assert figures.loc["degranulation_sensitivity", "value"] == 96
    assert figures.loc["degranulation_specificity", "value"] == 88
    assert "5%" in figures.loc["degranulation_cutoff", "value_as_printed"]


def test_every_figure_is_printed_in_its_source_words(figures):
    words = {17: "Seventeen", 10: "ten"}  # numbers the source spells out
    for item, row in figures.iterrows():
        number = f"{row['value']:g}"
        printed = row["value_as_printed"].replace(" %", "%")
        assert number in printed or words.get(row["value"], "?") in printed, item


def _chapter_text() -> str:
    notebook = json.loads(CHAPTER.read_text(encoding="utf-8"))
    return "\n".join("".join(cell["source"]) for cell in notebook["cells"])


def test_chapter_self_check_marks_xlp1_as_a_recognition_defect():
    text = _chapter_text()
    block = text[text.index(":label: sc-perforin-xlp") :]
    block = block[: block.index("`````\n", block.index("{self-check-choice}"))]
    choices = re.split(r"````\{self-check-choice\}", block)[1:]
    correct = [c for c in choices if ":correct:" in c]
    assert len(correct) == 1
    assert "recognition" in correct[0] and "EBV" in correct[0]
    assert not any("Not a granule step" in c for c in correct)


def test_chapter_text_description_of_the_gene_chart_is_built_from_the_data():
    text = _chapter_text()
    assert "{glue:text}`pathway_rows_text`" in text
    # No process narration and no outdated mechanism in the prose.
    assert "How far the sources were read" not in text
    assert "does not fit the experimental data" not in text
