"""A forest plot of reported ratios whose pooled estimate is recomputed in the browser.

Why in the browser: the book is a static site. The reader filters the studies by design and
outcome, and the pooled estimate must follow the filter without a Python kernel, so the
inverse-variance arithmetic is written as Vega-Lite transforms (sums over the filtered
rows). `pooled_table` does the same pooling in Python (statsmodels, via
`stormbook.effect_sizes.pool_ratios`); a test renders the chart for every filter and checks
the two agree.

The pooling rule (what may be combined):
1. one outcome family at a time (the chart always filters to one);
2. one measure at a time: hazard ratios with hazard ratios, odds ratios with odds ratios;
3. one direction: every ratio is shown so that below 1 favours anakinra (REMAP-CAP's odds
   ratios, defined so that above 1 favours the treatment, are inverted, interval and all);
4. primary studies only: a meta-analysis already contains its trials, so it is shown for
   comparison but never pooled again;
5. a reported confidence interval is needed (it gives the weight);
6. one row per study and outcome: where a study reports an unadjusted and an adjusted
   estimate, the adjusted one is pooled.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from stormbook.charts import PALETTE, describe
from stormbook.effect_sizes import pool_ratios

OUTCOMES = ["death or ventilation", "death", "ordinal clinical status"]
DESIGNS = ["All designs", "observational", "randomised", "meta-analysis"]
Z95 = 1.959963984540054


def forest_rows(studies: pd.DataFrame) -> pd.DataFrame:
    """The comparisons a ratio forest plot can show, harmonised so below 1 favours anakinra."""
    keep = studies[
        studies["outcome_family"].isin(OUTCOMES)
        & studies["effect"].notna()
        & ~studies["effect_measure"].str.startswith("RD")
    ].copy()
    flip = keep["direction"].eq("above 1 favours anakinra")
    est = keep["effect"].astype(float)
    lo, hi = keep["ci_low"].astype(float), keep["ci_high"].astype(float)
    keep["ratio"] = np.where(flip, 1 / est, est)
    keep["low"] = np.where(flip, 1 / hi, lo)
    keep["high"] = np.where(flip, 1 / lo, hi)
    keep["inverted"] = flip
    keep["measure"] = keep["effect_measure"].str.extract(r"^(HR|OR|RR)", expand=False).fillna("ratio")
    has_ci = keep["low"].notna() & keep["high"].notna()
    keep["log_ratio"] = np.log(keep["ratio"])
    keep["se"] = np.where(has_ci, (np.log(keep["high"]) - np.log(keep["low"])) / (2 * Z95), np.nan)
    adjusted = keep["adjusted"].fillna("").str.match(r"^(yes|propensity)")
    eligible = keep["design_group"].ne("meta-analysis") & has_ci & keep["measure"].isin(["HR", "OR", "RR"])
    # Rule 6: if a study has an adjusted and an unadjusted row for one outcome, pool the adjusted.
    group = [keep["study"].str.replace(r" - .*$", "", regex=True), keep["outcome_family"], keep["measure"]]
    any_adjusted = adjusted.groupby(group).transform("any")
    keep["pooled"] = eligible & (adjusted | ~any_adjusted)
    keep["why_not_pooled"] = np.select(
        [keep["design_group"].eq("meta-analysis"), ~has_ci, ~keep["measure"].isin(["HR", "OR", "RR"]),
         ~keep["pooled"]],
        ["meta-analysis (already pools trials)", "no confidence interval reported",
         "measure not named in the source", "unadjusted; the adjusted estimate is pooled"],
        default="",
    )
    keep["label"] = [
        f"{s.split(' (')[0].replace(' IL-1Ra', '').replace('Eur J Med Res', 'RCT meta')} {m}{' (inv.)' if f else ''}"
        + ("" if p else " *")
        for s, m, f, p in zip(keep["study"], keep["measure"], keep["inverted"], keep["pooled"])
    ]
    # Name the two rows of a study that reports an unadjusted and an adjusted estimate.
    several = pd.Series(group[0]).groupby(group).transform("size").gt(1)
    keep.loc[several, "label"] = [
        lab.replace(" *", "") + (" adj." if a else " unadj. *")
        for lab, a in zip(keep.loc[several, "label"], adjusted[several])
    ]
    keep["order"] = np.arange(len(keep))
    columns = ["comparison_id", "label", "study", "design_group", "outcome_family", "outcome",
               "timepoint", "measure", "effect", "ci_low", "ci_high", "inverted", "ratio", "low",
               "high", "log_ratio", "se", "pooled", "why_not_pooled", "order"]
    return keep[columns].reset_index(drop=True)


def pooled_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Pooled fixed and random (DerSimonian-Laird) ratios for every filter the chart offers."""
    out = []
    for design in DESIGNS:
        for outcome in OUTCOMES:
            chosen = rows[rows["outcome_family"].eq(outcome) & rows["pooled"]]
            if design != "All designs":
                chosen = chosen[chosen["design_group"].eq(design)]
            for measure, part in chosen.groupby("measure"):
                p = pool_ratios(part["ratio"].to_numpy(), part["low"].to_numpy(), part["high"].to_numpy())
                out.append({
                    "design": design, "outcome": outcome, "measure": measure, "k": p.k,
                    "studies": "; ".join(part["label"]),
                    "fixed": p.fixed, "fixed_low": p.fixed_low, "fixed_high": p.fixed_high,
                    "random": p.random, "random_low": p.random_low, "random_high": p.random_high,
                    "tau2": p.tau2, "i2_percent": 100 * p.i2,
                })
    return pd.DataFrame(out)


def _pooled_layer(base: alt.Chart) -> alt.Chart:
    """Inverse-variance (fixed) and DerSimonian-Laird (random) pooling as Vega-Lite transforms."""
    return (
        base.transform_filter("datum.pooled")
        .transform_calculate(w="1 / (datum.se * datum.se)")
        .transform_calculate(wy="datum.w * datum.log_ratio", wyy="datum.w * datum.log_ratio * datum.log_ratio",
                             ww="datum.w * datum.w")
        .transform_joinaggregate(
            sw="sum(w)", swy="sum(wy)", swyy="sum(wyy)", sww="sum(ww)", k="count()", groupby=["measure"]
        )
        .transform_calculate(
            q="datum.swyy - datum.swy * datum.swy / datum.sw",
            c="datum.sw - datum.sww / datum.sw",
        )
        .transform_calculate(
            tau2="datum.k > 1 ? max(0, (datum.q - (datum.k - 1)) / datum.c) : 0",
        )
        .transform_calculate(wr="1 / (datum.se * datum.se + datum.tau2)")
        .transform_calculate(wry="datum.wr * datum.log_ratio")
        .transform_aggregate(
            sw="max(sw)", swy="max(swy)", k="max(k)", tau2="max(tau2)", q="max(q)",
            swr="sum(wr)", swry="sum(wry)", groupby=["measure"],
        )
        .transform_calculate(
            fixed_est="exp(datum.swy / datum.sw)",
            random_est="exp(datum.swry / datum.swr)",
        )
        .transform_fold(["fixed_est", "random_est"], as_=["model", "ratio"])
        .transform_calculate(
            centre="log(datum.ratio)",
            half=f"{Z95} * (datum.model == 'fixed_est' ? sqrt(1 / datum.sw) : sqrt(1 / datum.swr))",
        )
        .transform_calculate(
            low="exp(datum.centre - datum.half)",
            high="exp(datum.centre + datum.half)",
            order="1000 + (datum.measure == 'HR' ? 0 : datum.measure == 'OR' ? 2 : 4)"
                  " + (datum.model == 'fixed_est' ? 0 : 1)",
            label="'Pooled ' + datum.measure + (datum.model == 'fixed_est' ? ', fixed' : ', random')"
                  " + ' (k=' + datum.k + ')'",
            text="format(datum.ratio, '.3f') + ' (' + format(exp(datum.centre - datum.half), '.3f')"
                 " + ' to ' + format(exp(datum.centre + datum.half), '.3f') + ')'",
        )
    )


def forest_chart(rows: pd.DataFrame) -> alt.TopLevelMixin:
    """Layered forest plot with two bound controls (design, outcome) and a live pooled row."""
    design = alt.param(name="design", value="All designs",
                       bind=alt.binding_select(options=DESIGNS, name="Design: "))
    outcome = alt.param(name="outcome", value=OUTCOMES[0],
                        bind=alt.binding_select(options=OUTCOMES, name="Outcome: "))
    data = rows.assign(
        pooled=rows["pooled"].astype(bool), inverted=rows["inverted"].astype(bool),
        se=rows["se"].astype(float), low=rows["low"].astype(float), high=rows["high"].astype(float),
    )[["label", "design_group", "outcome_family", "measure", "ratio", "low", "high", "log_ratio",
       "se", "pooled", "why_not_pooled", "order", "timepoint", "inverted"]]
    data = data.astype(object).where(data.notna(), None)
    x_scale = alt.Scale(type="log", domain=[0.05, 4], clamp=True)
    base = alt.Chart(data).transform_filter(
        "(design == 'All designs' || datum.design_group == design) && datum.outcome_family == outcome"
    )
    y = alt.Y("label:N", title=None, sort=alt.EncodingSortField("order"),
              axis=alt.Axis(labelLimit=150, labelFontSize=11))
    x_title = ["Ratio (log scale)", "below 1 favours anakinra"]
    bars = base.mark_rule(strokeWidth=2).encode(
        y=y, x=alt.X("low:Q", scale=x_scale, title=x_title, axis=alt.Axis(titleAnchor="end")),
        x2="high:Q",
    )
    points = base.mark_point(filled=True, size=70, shape="square").encode(
        y=y, x=alt.X("ratio:Q", scale=x_scale),
        color=alt.Color("design_group:N", title="Design",
                        scale=alt.Scale(domain=DESIGNS[1:], range=PALETTE[:3]),
                        legend=alt.Legend(orient="bottom", direction="vertical")),
        shape=alt.Shape("design_group:N", title="Design",
                        scale=alt.Scale(domain=DESIGNS[1:], range=["square", "circle", "triangle-up"])),
        tooltip=[alt.Tooltip("label:N", title="Comparison"), alt.Tooltip("ratio:Q", format=".2f", title="Ratio"),
                 alt.Tooltip("low:Q", format=".2f", title="Lower"), alt.Tooltip("high:Q", format=".2f", title="Upper"),
                 alt.Tooltip("timepoint:N", title="Time point"),
                 alt.Tooltip("why_not_pooled:N", title="Not pooled because")],
    )
    pooled = _pooled_layer(base)
    pooled_bars = pooled.mark_rule(strokeWidth=4, color=PALETTE[6]).encode(
        y=y, x=alt.X("low:Q", scale=x_scale), x2="high:Q")
    pooled_points = pooled.mark_point(shape="diamond", size=160, filled=True, color=PALETTE[6]).encode(
        y=y, x=alt.X("ratio:Q", scale=x_scale),
        tooltip=[alt.Tooltip("label:N", title="Pooled"), alt.Tooltip("text:N", title="Ratio (95% CI)"),
                 alt.Tooltip("tau2:Q", format=".3f", title="tau²")])
    # Written from the left edge of the plot, above the pooled row, so it fits a phone screen.
    pooled_text = pooled.mark_text(align="left", dx=2, dy=-12, fontSize=11, clip=True).encode(
        y=y, x=alt.datum(x_scale.domain[0], scale=x_scale), text="text:N")
    shown = [(d, o, int(((rows["outcome_family"] == o) & ((d == DESIGNS[0]) | (rows["design_group"] == d))).sum()))
             for d in DESIGNS for o in OUTCOMES]
    empty = pd.DataFrame([(d, o) for d, o, n in shown if n == 0], columns=["design", "outcome"])
    message = alt.Chart(empty).transform_filter(
        "datum.design == design && datum.outcome == outcome"
    ).mark_text(align="left", baseline="top", fontSize=13).encode(
        x=alt.datum(x_scale.domain[0], scale=x_scale), y=alt.value(-18),
        text=alt.value("No comparisons"))
    null_line = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(strokeDash=[4, 4], color="#767676").encode(
        x=alt.X("x:Q", scale=x_scale))
    return (
        alt.layer(null_line, bars, points, pooled_bars, pooled_points, pooled_text, message)
        .add_params(design, outcome)
        .properties(width="container", height=alt.Step(34))
    )


def described_forest_chart(rows: pd.DataFrame, pooled: pd.DataFrame) -> alt.TopLevelMixin:
    """The forest chart with its title and a screen-reader description of the default view."""
    first = pooled[(pooled["design"] == "All designs") & (pooled["outcome"] == OUTCOMES[0])]
    summary = "; ".join(
        f"pooled {r.measure} fixed {r.fixed:.2f} ({r.fixed_low:.2f} to {r.fixed_high:.2f}), "
        f"random {r.random:.2f}, from {r.k} comparisons"
        for r in first.itertuples()
    )
    shown = rows[rows["outcome_family"] == OUTCOMES[0]]
    return describe(
        forest_chart(rows),
        title="Reported effects of anakinra",
        description=(
            "Forest plot of reported ratios with 95% intervals on a log scale, below 1 favouring "
            "anakinra, filtered by design and outcome. Default view, death or ventilation: "
            + "; ".join(f"{l} {r:.2f}" for l, r in zip(shown["label"], shown["ratio"]))
            + f". {summary}."
        ),
    )
