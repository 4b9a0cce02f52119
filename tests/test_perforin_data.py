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
    words = {17: "Seventeen", 10: "ten", 4: "four", 2: "two"}  # numbers the source spells out
    for item, row in figures.iterrows():
        number = f"{row['value']:g}"
        with_commas = f"{row['value']:,.0f}" if row["value"] >= 1000 else number
        printed = row["value_as_printed"].replace(" %", "%")
        assert (
            number in printed or with_commas in printed or words.get(row["value"], "?") in printed
        ), item


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


# --- One copy of a gene: the healthy-carrier range and the evidence against "harmless" ------


def test_a91v_carrier_frequencies_in_healthy_controls_are_the_printed_ones(figures):
    """Blood 2004 letter: 15 of 86 German controls (17.5%); the same letter cites 7 of 202 (3%)."""
    high = figures.loc["a91v_carriers_healthy_controls"]
    low = figures.loc["a91v_carriers_molleran_lee_controls"]
    assert (int(high["numerator"]), int(high["denominator"]), high["value"]) == (15, 86, 17.5)
    assert (int(low["numerator"]), int(low["denominator"]), low["value"]) == (7, 202, 3)
    assert low["source"] == high["source"]


def test_expected_a91v_carriers_among_the_fatal_h1n1_exomes_span_half_to_two_and_a_half(figures):
    """Worked example: among 14 exomes, 14 x 7/202 = 0.49 and 14 x 15/86 = 2.44 carriers by chance."""
    h1n1 = load_dataset("h1n1-fatal-cases-exome").set_index("item")
    exomes = int(h1n1.loc["Specimens subjected to whole-exome sequencing", "count"])
    assert exomes == 14
    expected = sorted(
        exomes * int(figures.loc[item, "numerator"]) / int(figures.loc[item, "denominator"])
        for item in ("a91v_carriers_molleran_lee_controls", "a91v_carriers_healthy_controls")
    )
    assert expected == pytest.approx([0.485, 2.442], abs=0.001)


def test_the_2006_registry_comparison_against_a91v_being_harmless_is_in_the_data(figures):
    patients = figures.loc["a91v_frequency_fhlh_prf1"]
    assert patients["value"] == 26.2
    assert figures.loc["a91v_fhlh_vs_controls_p", "value"] == 0.0002
    assert figures.loc["a91v_frequency_healthy_ceph", "value"] == 3.7
    assert "susceptibility factor" in patients["notes"]
    assert patients["source"] == "10.1111/j.1744-313X.2006.00582.x"


def test_prose_numbers_come_from_typed_columns():
    """Numbers the chapter quotes are typed values, not parsed out of prose columns."""
    figures = load_dataset("hlh-screening-and-treatment").set_index("item")
    assert figures.loc["chs_accelerated_phase_2018", "value"] == 85
    assert figures.loc["stepp_patients", "value"] == 8
    incidence = load_dataset("hlh-incidence").set_index("population")
    assert incidence.loc["Sweden, live births (FHL)", "value"] == 50000
    testing = load_dataset("hlh-genetic-testing-yield").set_index("population")
    infants = [p for p in testing.index if p.startswith("Italy, HLH diagnosed in first year")]
    assert testing.loc[infants[0], "yield_percent"] == 64
    french = [p for p in testing.index if p.startswith("Adults with secondary HLH (France")]
    assert testing.loc[french[0], "n_cohort"] == 68
    h1n1 = load_dataset("h1n1-fatal-cases-exome").set_index("item")
    # The item is the source's own label, spelled as printed.
    item = "Cases with histopathologic hemophagocytosis"  # codespell:ignore
    assert h1n1.loc[item, "percent"] == 81
    text = _chapter_text()
    assert "re.search" not in text and '.split("%")' not in text and 'split("per ")' not in text


def test_schulert_criteria_percentages_stay_out_of_the_book_until_resolved():
    """'met 44% and 81% of modified HLH-2004 and MAS criteria': cases or criteria is not stated."""
    h1n1 = load_dataset("h1n1-fatal-cases-exome").set_index("item")
    hidden = set(h1n1.index[~h1n1["shown_in_book"]])
    assert hidden == {
        "Met modified HLH-2004 criteria",
        "Met macrophage activation syndrome (MAS) criteria",
    }
    assert "44%" not in _chapter_text()


def test_xlp1_explanation_is_the_authors_proposal_and_limited_to_t_cell_clones(genes):
    xlp1 = genes.loc["XLP1"]
    assert "propose" in xlp1["locator"] and "propose" in xlp1["notes"]
    assert "2 of 5 patients" in xlp1["notes"]
    step1 = load_dataset("perforin-pathway-steps").set_index("step_order").loc[1, "description"]
    assert "CD8+ T-cell clones" in step1
    assert "for NK and T cells" not in step1
    text = _chapter_text()
    assert "is why XLP1 is" not in text and "it is why XLP1" not in text


def test_pore_timing_is_from_the_killer_cells_calcium_influx():
    step7 = load_dataset("perforin-pathway-steps").set_index("step_order").loc[7, "description"]
    assert "calcium influx into the killer cell" in step7
    assert "within seconds of exocytosis" not in step7 and "minute and a half" not in step7
