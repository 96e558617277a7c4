"""Stage 01: what ``notebooks/01_profiling.ipynb`` shows, one call per section, in the report's
language. The figures come from ``kequn.models.profiling``; intake and the feature table from
``kequn.data.run_folder``.
"""

from __future__ import annotations

import pandas as pd

from kequn.data.settings import ProfilingSettings
from kequn.lang.currency import Currency
from kequn.lang.i18n import t
from kequn.models import profiling as pf
from kequn.render.section import Section

TABLES = ("customers", "orders", "events", "feedback", "kano")


def inputs_section(
    run: str, data_dir, quality: dict, cur: Currency, seed: int, lang: str
) -> Section:
    """The run, data folder, as-of date, files, language, seed, the currency when it is not the
    default, how the files were read; the data caveats."""
    facts = {
        t("run", lang): run,
        t("data_dir", lang): data_dir,
        t("as_of", lang): quality["as_of"],
        t("files", lang): ", ".join(quality["files"].values()),
        t("lang", lang): t(f"lang.{lang}", lang),
        t("seed", lang): seed,
    }
    if not cur.is_default:
        facts[t("currency", lang)] = cur.describe(lang)
    facts.update(pf.reading_facts(quality, lang))
    return Section().facts(facts).caveats(pf.caveats(quality, TABLES, lang), lang)


def quality_section(quality: dict, lang: str) -> Section:
    """Completeness, validity and timeliness per table (the scorecard)."""
    return Section().table(pf.scorecard(quality, lang))


def cleaning_section(quality: dict, lang: str) -> Section:
    return Section().table(pf.cleaning_table(quality, lang))


def warnings_section(quality: dict, lang: str) -> Section:
    return Section().table(pf.warnings_table(quality, lang))


def save_headline(processed_dir, run: str, lang: str, cur: Currency, headline: dict) -> None:
    """Write ``profiling.json``: the headline figures (``profiling.headline``) with the run, its
    language and currency (``cur``), which stage 06 and the index page read."""
    from kequn.data.run_folder import save_figures

    figures = {"lang": lang, "run": run, "currency": cur.code, "currency_symbol": cur.symbol}
    save_figures(processed_dir, "profiling", {**figures, "headline": headline})


def headline_section(headline: dict, lang: str) -> Section:
    return Section().table(pf.headline_table(headline, lang))


def _profile(sec: Section, bands: pd.DataFrame, col: str, lang: str, **kw) -> Section:
    """Share of customers and average (or share of) spend per band of ``col``."""
    from kequn.render import plotting

    value = kw.pop("value", "avg_monetary")
    return sec.chart(
        plotting.profile,
        pf.distribution(bands, col, lang),
        t(col, lang),
        t("share_of_customers", lang),
        t(value, lang),
        **kw,
    )


def demographic_section(bands: pd.DataFrame, lang: str) -> Section:
    """Age, gender and income bands with their spend; occupation, education, family size."""
    sec = Section()
    for col in ("age_band", "gender", "income_band"):
        _profile(sec, bands, col, lang)
    for col in ("occupation", "education", "family_size"):
        sec.table(pf.distribution(bands, col, lang))
    return sec


def geographic_section(bands: pd.DataFrame, profiling: ProfilingSettings, lang: str) -> Section:
    """City tiers with their spend, the leading regions (``profiling.top_n`` of them)."""
    sec = _profile(Section(), bands, "city_tier", lang)
    return sec.table(pf.distribution(bands, "region", lang, top=profiling.top_n))


def psychographic_section(features: pd.DataFrame, lang: str) -> Section:
    """Mean survey scores, and how answers spread over the scale."""
    from kequn.render import plotting

    d = pf.psychographics(features, lang)
    sec = Section().chart(
        plotting.bar,
        d,
        d.columns[0],
        d.columns[1],
        t("sec.psychographic", lang),
        "",
        t("mean", lang),
        horizontal=True,
    )
    return sec.chart(
        plotting.heatmap,
        pf.psychographic_spread(features, lang),
        t("psy_spread", lang),
        t("score", lang),
        "",
        fmt=".0%",
    )


def behaviour_section(bands: pd.DataFrame, lang: str) -> Section:
    """Customers and revenue by number of orders and by time since the last one."""
    sec = Section()
    for col in ("orders_band", "recency_band"):
        _profile(sec, bands, col, lang, value="revenue_share", value_col=5, value_pct=True)
    return sec


def spend_section(bands: pd.DataFrame, lang: str) -> Section:
    """Average spend by age × city tier and income × age."""
    from kequn.render import plotting

    sec = Section()
    for rows, cols in (("age_band", "city_tier"), ("income_band", "age_band")):
        sec.chart(
            plotting.heatmap,
            pf.spend_crosstab(bands, rows, cols, lang),
            f"{t('avg_monetary', lang)} · {t(rows, lang)} × {t(cols, lang)}",
            t(cols, lang),
            t(rows, lang),
        )
    return sec


def channels_section(features: pd.DataFrame, labels: dict, lang: str) -> Section:
    """Order channels and categories, online behaviour, digital channels."""
    from kequn.render import plotting

    sec = Section()
    for prefix, what, share, horizontal in (
        ("chan", "channel", "order_share", False),
        ("cat", "category", "revenue_share", True),
    ):
        d = pf.mix(features, prefix, labels, lang)
        sec.chart(
            plotting.bar,
            d,
            d.columns[0],
            d.columns[1],
            t(what, lang),
            t(what, lang),
            t(share, lang),
            pct=True,
            horizontal=horizontal,
        )
    sec.table(pf.online_behaviour(features, labels, lang))
    return sec.table(pf.digital_channels(features, labels, lang))


def interactions_section(features: pd.DataFrame, lang: str) -> Section:
    return Section().table(pf.interactions(features, lang))
