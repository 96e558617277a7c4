"""Stage 04: the sections of ``notebooks/04_needs.ipynb``, one call each, in the report's
language, and the glue that reads a run's files and settings for the computations in
``kequn.models`` (``kano``: the Kano evaluation, by group and per segment; ``needs``: needs
scores and groups; ``propensity``: purchase propensity and target lists; ``trends``: demand
trends and forecasts).

Writes ``needs.parquet`` (customer_id, score_price, score_service, score_quality,
needs_group, reason), ``needs.json`` (figures for the summary stage) and
``actions/propensity_targets.csv`` into the run's folder.
"""

from __future__ import annotations

import pandas as pd

from kequn.data.io import write_table_atomic
from kequn.data.paths import RunFolder
from kequn.data.run_folder import load_segments as _load_segments
from kequn.data.settings import NeedsSettings
from kequn.lang.i18n import fmt_int, fmt_p, fmt_pct, t
from kequn.models import kano, needs
from kequn.models import propensity as pr
from kequn.models import trends as tr
from kequn.models.clustering import segment_label
from kequn.render.section import Section

load_segments = _load_segments  # one reader of segments.parquet, re-exported for the notebook
RULE_COLUMN = kano.RULES_BY_NAME  # rule name → its category column


def load_answers(processed_dir, n: NeedsSettings) -> kano.ParsedAnswers | None:
    """The run's Kano answers with their category (``kano.parse_answers``), joined to the
    customer's segment and value tier when those stages ran; None when the export has no Kano
    survey."""
    folder = RunFolder.of(processed_dir)
    p = folder.table("kano")
    if not p.exists():
        return None
    parsed = kano.parse_answers(pd.read_parquet(p), file="kano", table=n.kano_table)
    a = parsed.answers
    for q, cols in ((folder.segments, ["segment", "segment_name"]), (folder.value, ["tier"])):
        if q.exists() and "customer_id" in a:
            a = a.merge(
                pd.read_parquet(q, columns=["customer_id"] + cols), on="customer_id", how="left"
            )
    return kano.ParsedAnswers(a, parsed.missing)


def category_table(ev: pd.DataFrame, rule: str, lang: str) -> pd.DataFrame:
    """Per feature: answers, shares of M O A I R Q, category by the chosen rule (and the
    mode), strengths, Better, Worse and Fong's verdict."""
    col = RULE_COLUMN[rule]
    out = pd.DataFrame({t("k.feature", lang): ev["feature"], t("k.answers", lang): ev["total"]})
    for c in kano.CATEGORIES:
        out[t(f"kano.short.{c}", lang)] = ev[f"share_{c}"]
    out[t("k.category", lang)] = [
        t(f"kano.{c}", lang) + (" *" if w else "") for c, w in zip(ev[col], ev["weak"])
    ]
    out[t("k.mode", lang)] = ev["cat_mode"].map(lambda c: t(f"kano.short.{c}", lang))
    out[t("k.total_strength", lang)] = ev["total_strength"]
    out[t("k.category_strength", lang)] = ev["category_strength"]
    out[t("k.better", lang)] = ev["better"].round(3)
    out[t("k.worse", lang)] = ev["worse"].round(3)
    out[t("k.fong", lang)] = ev["fong_significant"].map(lambda s: t("k.sig" if s else "k.ns", lang))
    return out


def share_columns(lang: str) -> list[str]:
    return [t(f"kano.short.{c}", lang) for c in kano.CATEGORIES] + [
        t("k.total_strength", lang),
        t("k.category_strength", lang),
    ]


def key_needs_table(kn: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("k.priority", lang): kn["priority"],
            t("k.feature", lang): kn["feature"],
            t("k.category", lang): kn["category"].map(lambda c: t(f"kano.{c}", lang)),
            t("k.frequency", lang): kn["frequency"],
            t("k.importance", lang): kn["importance"],
            t("k.better", lang): kn["better"].round(3),
            t("k.worse", lang): kn["worse"].round(3),
            t("k.impact", lang): kn["impact"].round(3),
        }
    )


def group_tables(answers: pd.DataFrame, k: kano.GroupKano, group: str, lang: str):
    """(categories per feature × group, features where the groups disagree), in words, the
    groups named as on the other pages; a weak or missing cell is "—"."""
    names = _group_names(answers, group, lang)

    def words(tab: pd.DataFrame) -> pd.DataFrame:
        out = tab.apply(
            lambda s: s.map(lambda c: t(f"kano.short.{c}", lang) if isinstance(c, str) else "—")
        )
        out.columns = [names.get(g, g) for g in out.columns]
        return out.rename_axis(t("k.feature", lang)).reset_index()

    return words(k.categories), words(k.disagreements)


def _group_names(a: pd.DataFrame, group: str, lang: str) -> dict:
    if group == "segment":
        pairs = a[["segment", "segment_name"]].dropna().drop_duplicates("segment")
        return {
            s: segment_label(int(s), n) for s, n in zip(pairs["segment"], pairs["segment_name"])
        }
    return {g: t(f"tier.{g}", lang) for g in a[group].dropna().unique()}


def needs_table(scores: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Per needs group (``needs.group_table``): customers, share, mean score per need."""
    g = needs.group_table(scores)
    out = pd.DataFrame(
        {
            t("n.group", lang): g["group"].map(lambda x: t(f"need.{x}", lang)),
            t("customers", lang): g["customers"],
            t("share_of_buyers", lang): g["share"],
        }
    )
    for need in needs.NEEDS:
        out[t(f"n.score_{need}", lang)] = g[f"score_{need}"]
    return out


def _shares_in_words(tab: pd.DataFrame, lang: str) -> pd.DataFrame:
    tab = tab.copy()
    tab.columns = [t(f"need.{c}", lang) for c in tab.columns]
    return tab


def needs_by_segment(scores: pd.DataFrame, segments: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Share of each needs group within each segment (``needs.groups_by_segment``)."""
    tab = _shares_in_words(needs.groups_by_segment(scores, segments), lang)
    tab.index = [segment_label(int(s), n) for s, n in tab.index]
    return tab


def signals_table(signals: dict, lang: str, labels: dict) -> pd.DataFrame:
    """Which signals make each need's score (the explainable rule behind the groups)."""
    from kequn.models.segment_profile import feature_label

    sep = "、" if lang == "zh" else ", "
    return pd.DataFrame(
        {
            t("n.need", lang): [t(f"need.{k}", lang) for k in signals],
            t("n.signals", lang): [
                sep.join(feature_label(c, lang, labels) for c in v) or "—" for v in signals.values()
            ],
        }
    )


def missing_signals(signals: dict, lang: str) -> list[str]:
    """For each need without any signal in this data, a sentence naming the inputs that would
    give it one (its score stays missing; nothing is put in their place)."""
    return [
        t("n.no_signals", lang).format(need=t(f"need.{k}", lang), inputs=t(f"n.inputs.{k}", lang))
        for k, v in signals.items()
        if not v
    ]


def write_needs(processed_dir, scores: pd.DataFrame):
    return write_table_atomic(scores, RunFolder.of(processed_dir).needs)


def save_summary(processed_dir, figures: dict):
    from kequn.data.run_folder import save_figures

    return save_figures(processed_dir, "needs", figures)


def continuous_table(cont: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            t("k.feature", lang): cont["feature"],
            t("k.functional", lang): cont["functional"].round(2),
            t("k.dysfunctional", lang): cont["dysfunctional"].round(2),
        }
    )
    if "importance" in cont:
        out[t("k.importance", lang)] = cont["importance"].round(2)
    return out


def needs_truth(data_dir, privacy, scores: pd.DataFrame, lang: str) -> pd.DataFrame | None:
    """On generated data: share of each planted persona in each needs group (None for real data)."""
    from kequn.data.runs import planted

    persona = planted(data_dir, privacy, "persona")
    if persona is None:
        return None
    tab = _shares_in_words(needs.group_shares(scores, scores["customer_id"].map(persona)), lang)
    tab.index = [t(f"persona.{p}", lang) for p in tab.index]
    return tab.rename_axis(t("n.persona", lang))


def summary(
    run: str,
    lang: str,
    ev: pd.DataFrame | None,
    key: pd.DataFrame | None,
    rule_col: str,
    scores: pd.DataFrame,
    disagree: dict,
    prop: pr.PropensityRun | None = None,
    trend_run: tr.TrendRun | None = None,
    kano_segments: dict | None = None,
) -> dict:
    """Figures of this stage for the summary stage and the nbval check (needs.json)."""
    out = {
        "run": run,
        "lang": lang,
        "groups": scores["needs_group"].value_counts().to_dict(),
        "disagree": disagree,
        "kano_segments": kano_segments or {},
    }
    if ev is not None:
        out["categories"] = ev.set_index("feature")[rule_col].to_dict()
        out["better_worse"] = ev.set_index("feature")[["better", "worse"]].round(4).to_dict("index")
        out["key_needs"] = key["feature"].tolist() if key is not None else []
    if prop is not None:
        out["propensity"] = (
            prop.figures.set_index("category")[["auc", "lift_top10", "base_rate"]]
            .round(4)
            .to_dict("index")
        )
    if trend_run is not None:
        cols = [
            c
            for c in ("direction", "slope_share", "next", "bt_mape", "bt_naive_mape")
            if c in trend_run.table
        ]
        out["trends"] = trend_run.table.set_index("category")[cols].round(4).to_dict("index")
    return out


# --- purchase propensity -------------------------------------------------------------------------


def propensity_run(
    processed_dir, quality: dict, n: NeedsSettings, seed: int
) -> pr.PropensityRun | None:
    """``propensity.run`` on the run's clean orders at its as-of date, by the run's settings:
    the three time splits, each category's figures and the scores; None when there is nothing
    to model (no category, or too short a history)."""
    return pr.run(
        RunFolder.of(processed_dir).clean, quality["as_of"], n.horizon_days, n.top_categories, seed
    )


def propensity_table(figs: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("p.category", lang): figs["category"].map(lambda c: t(c, lang)),
            t("customers", lang): figs["customers"],
            t("p.base_rate", lang): figs["base_rate"],
            t("p.auc", lang): figs["auc"].round(3),
            t("p.lift", lang): figs["lift_top10"].round(2),
            t("p.brier", lang): figs["brier"].round(4),
        }
    )


def write_targets(processed_dir, table: pd.DataFrame):
    """actions/propensity_targets.csv (UTF-8 with BOM, formula cells neutralised)."""
    from kequn.data.actions import write_action_list

    path = RunFolder.of(processed_dir).propensity_targets
    return write_action_list(table, processed_dir, path.stem)


def targets_by_segment(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    if "segment" not in table:
        return table.groupby("category").size().rename(t("customers", lang)).reset_index()
    lab = [
        segment_label(int(s), nm) if pd.notna(s) else "—"
        for s, nm in zip(table["segment"], table["segment_name"])
    ]
    tab = pd.crosstab(
        table["category"], pd.Series(lab, index=table.index, name=t("seg.segment", lang))
    )
    return tab.rename_axis(t("p.category", lang)).reset_index()


def top_targets(table: pd.DataFrame, lang: str, n: int = 10) -> pd.DataFrame:
    first = table[table["category"] == table["category"].iloc[0]].head(n)
    return pd.DataFrame(
        {
            t("p.rank", lang): first["rank"],
            t("p.customer", lang): first["customer_id"],
            t("p.category", lang): first["category"],
            t("p.score", lang): first["score"].round(3),
            t("p.reasons", lang): first["reasons"],
        }
    )


# --- demand trends ------------------------------------------------------------------------------


def trends_run(
    processed_dir, quality: dict, n: NeedsSettings, segments: pd.DataFrame | None
) -> tr.TrendRun | None:
    """``trends.category_trends`` on the run's clean orders by the run's settings; None when the
    orders have no category or too few complete months."""
    return tr.category_trends(
        RunFolder.of(processed_dir).clean,
        quality["as_of"],
        n.trend_measure,
        n.trend_window,
        n.trend_alpha,
        n.forecast_months,
        n.backtest_origins,
        segments,
    )


def trends_table(tt: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            t("p.category", lang): tt["category"].map(lambda c: t(c, lang)),
            t("tr.last", lang): tt["last"],
            t("tr.direction", lang): tt["direction"].map(lambda d: t(f"tr.dir.{d}", lang)),
            t("tr.slope", lang): tt["slope_share"].map(lambda v: f"{v:+.1%}"),
            t("tr.p", lang): tt["p"].map(fmt_p),
            t("tr.next", lang): tt["next"],
            t("tr.interval", lang): [
                f"{lo:,.0f} – {hi:,.0f}" if pd.notna(lo) else "—"
                for lo, hi in zip(tt["next_lower"], tt["next_upper"])
            ],
        }
    )
    if "bt_mape" in tt:
        out[t("tr.mape", lang)] = tt["bt_mape"].map(lambda v: f"{v:.1%}" if pd.notna(v) else "—")
        out[t("tr.naive_mape", lang)] = tt["bt_naive_mape"].map(
            lambda v: f"{v:.1%}" if pd.notna(v) else "—"
        )
        out[t("tr.coverage", lang)] = tt["bt_coverage"].map(
            lambda v: f"{v:.0%}" if pd.notna(v) else "—"
        )
    return out


def segment_trends(by_seg: pd.DataFrame, segments: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Segment × category: monthly slope as a share of the level, where the trend is significant
    (``trends.significant_slopes``), for the heat map; long segment names read best down the
    side."""
    names = segments.drop_duplicates("segment").set_index("segment")["segment_name"]
    tab = tr.significant_slopes(by_seg)
    tab.index = [segment_label(int(s), names.get(s, "")) for s in tab.index]
    tab.columns = [t(c, lang) for c in tab.columns]
    return tab


# --- sections: what the notebook shows, one call per section (kequn.render.section) -----------


def inputs_section(
    run: str,
    quality: dict,
    features: pd.DataFrame,
    answers: kano.ParsedAnswers | None,
    lang: str,
) -> Section:
    """The run, as-of date and customers; the Kano survey's size when there is one; caveats."""
    from kequn.models.profiling import caveats

    facts = {
        t("run", lang): run,
        t("as_of", lang): quality["as_of"],
        t("customers", lang): fmt_int(len(features), lang),
    }
    if answers is not None:
        a = answers.answers
        facts.update(
            {
                t("k.respondents", lang): fmt_int(a["respondent_id"].nunique(), lang),
                t("k.features", lang): fmt_int(a["feature"].nunique(), lang),
                t("k.answers", lang): fmt_int(len(a), lang),
                t("k.missing", lang): fmt_int(answers.missing, lang),
            }
        )
    return Section().facts(facts).caveats(caveats(quality, ("kano", "orders"), lang), lang)


def kano_evaluation(answers: kano.ParsedAnswers | None, n: NeedsSettings):
    """(each feature's categories and coefficients by ``kequn.kano.evaluate``, DuMouchel's
    continuous scores), by the run's table, rule, margin and minimum; (None, None) without a
    Kano survey."""
    if answers is None:
        return None, None
    ev = kano.evaluate(
        answers.answers,
        table=n.kano_table,
        rule=n.kano_rule,
        margin=n.kano_margin,
        min_n=n.kano_min_n,
    )
    return ev, kano.continuous(answers.answers)


def kano_section(
    answers: kano.ParsedAnswers | None, ev, cont, n: NeedsSettings, lang: str
) -> Section:
    """Each feature's Kano category, Better/Worse, DuMouchel's continuous scores; a sentence
    when the export has no Kano survey."""
    from kequn.render import plotting

    sec = Section()
    if ev is None:
        return sec.text("nsec.kano_none", lang)
    sec.markdown(
        t("nsec.kano_note", lang).format(
            table=t(f"k.table.{n.kano_table}", lang),
            min_n=n.kano_min_n,
            rule=t(f"k.rule.{n.kano_rule}", lang).format(margin=fmt_pct(n.kano_margin, lang, 0)),
        )
    )
    sec.table(category_table(ev, n.kano_rule, lang), pct=share_columns(lang))
    sec.chart(
        plotting.better_worse,
        ev.merge(cont, on="feature"),
        "feature",
        t("k.bw_title", lang),
        t("k.bw_x", lang),
        t("k.bw_y", lang),
        {k: t(f"k.q.{k}", lang) for k in "AOMI"},
        size="importance" if "importance" in cont else None,
    )
    sec.heading("nsec.continuous", lang, level=3).text("nsec.continuous_note", lang)
    return sec.table(continuous_table(cont, lang))


def key_needs_section(
    answers: kano.ParsedAnswers | None, key: pd.DataFrame | None, quality: dict, lang: str
) -> Section:
    """The key needs ranked by the stated rule; nothing without a Kano survey."""
    sec = Section()
    if key is None:
        return sec
    scale = kano.importance_scale(quality)
    stated = key["importance"].notna().any()
    imp = t("k.imp_note", lang).format(lo=scale[0], hi=scale[1]) if stated else ""
    sec.markdown(t("nsec.key_needs_note", lang).format(imp=imp))
    if "importance" not in answers.answers:
        sec.text("k.no_importance", lang)
    return sec.table(key_needs_table(key, lang), pct=[t("k.frequency", lang)])


def kano_by_groups(answers: kano.ParsedAnswers | None, n: NeedsSettings) -> dict:
    """``kano.by_groups`` (segments and value tiers) by the run's rule, margin and minimum:
    {group: ``kano.GroupKano`` or None}; {} without a Kano survey."""
    if answers is None:
        return {}
    return kano.by_groups(answers.answers, n.kano_rule, n.kano_margin, n.kano_min_n)


def kano_group_section(
    answers: kano.ParsedAnswers | None, groups: dict, group: str, n: NeedsSettings, lang: str
) -> Section:
    """Kano categories per segment or per value tier (``group``) and the features where they
    disagree; nothing without a Kano survey."""
    sec = Section()
    if group not in groups:
        return sec
    k = groups[group]
    if k is None:
        return sec.markdown(
            t("nsec.by_group_none", lang).format(what=t(f"n.what.{group}", lang))
            if "customer_id" in answers.answers
            else t("k.no_customer_id", lang)
        )
    cats, dis = group_tables(answers.answers, k, group, lang)
    sec.table(cats).heading("nsec.disagree", lang, level=3)
    if dis.empty:
        return sec.markdown(t("nsec.disagree_none", lang).format(n=n.kano_min_n))
    return sec.table(dis)


def needs_groups_section(
    scores: pd.DataFrame,
    segments: pd.DataFrame | None,
    features: pd.DataFrame,
    n: NeedsSettings,
    lang: str,
    labels: dict | None = None,
) -> Section:
    """How the price / service / quality scores are made and from which signals (``labels``:
    the run's feature labels), the groups with their shares, and the groups within each segment
    (when stage 02 ran)."""
    from kequn.render import plotting

    sec = Section().markdown(
        t("nsec.groups_note", lang).format(min_score=n.min_score, gap=n.min_gap)
    )
    used = needs.signal_names(features, n.service_channels)
    sec.table(signals_table(used, lang, labels or {}))
    sec.notes(missing_signals(used, lang))
    if not scores["needs_group"].notna().any():  # no signal of any need: no groups
        return sec.text("n.no_groups", lang)
    groups = needs_table(scores, lang)
    sec.table(groups).chart(
        plotting.bar,
        groups,
        groups.columns[0],
        groups.columns[2],
        t("n.groups_chart", lang),
        t("n.group", lang),
        t("share_of_buyers", lang),
        pct=True,
    )
    if segments is None:
        return sec
    sec.heading("nsec.groups_by_segment", lang, level=3)
    return sec.chart(
        plotting.heatmap,
        needs_by_segment(scores, segments, lang),
        t("nsec.groups_by_segment", lang),
        t("n.group", lang),
        t("seg.segment", lang),
        fmt=".0%",
    )


def needs_truth_section(truth_mix: pd.DataFrame | None, lang: str) -> Section:
    """On the demo data only: needs groups against the planted personas."""
    sec = Section()
    if truth_mix is None:
        return sec
    sec.text("n.truth_note", lang)
    return sec.table(truth_mix, index=True, pct=list(truth_mix.columns))


def target_list(
    processed_dir, prop: pr.PropensityRun | None, n: NeedsSettings, segments, lang: str
):
    """The propensity target list (``propensity.target_table``) written to ``actions/``:
    (table, path), or (None, None) when no category could be scored."""
    if prop is None or not prop.models:
        return None, None
    table = pr.target_table(prop, n.target_share, segments, lang)
    return table, write_targets(processed_dir, table)


def propensity_section(
    prop: pr.PropensityRun | None, target_table, target_path, n: NeedsSettings, lang: str
) -> Section:
    """The time splits, each category's model figures, its calibration, and the target lists."""
    from kequn.render import plotting

    sec = Section()
    if prop is None:
        return sec.markdown(t("p.none", lang).format(h=n.horizon_days))
    train_cut, eval_cut, as_of_day = prop.cuts
    sec.markdown(
        t("nsec.propensity_note", lang).format(
            train=train_cut, evalc=eval_cut, as_of=as_of_day, h=n.horizon_days
        )
    )
    sec.table(propensity_table(prop.figures, lang), pct=[t("p.base_rate", lang)])
    if prop.skipped:
        cats = ", ".join(t(c, lang) for c in prop.skipped)
        sec.markdown(t("p.skipped", lang).format(cats=cats))
    if len(prop.calibration):
        sec.chart(
            plotting.lines,
            pr.pooled_calibration(prop.calibration),
            "predicted",
            {t("p.observed", lang): "observed"},
            t("p.cal_title", lang),
            t("p.cal_x", lang),
            t("p.cal_y", lang),
            diagonal=t("v.equality", lang),
            pct=True,
        )
    if target_table is None:
        return sec
    sec.heading("nsec.targets", lang, level=3)
    sec.markdown(
        t("p.targets_note", lang).format(
            share=fmt_pct(n.target_share, lang, 0), file=f"`actions/{target_path.name}`"
        )
    )
    sec.table(targets_by_segment(target_table, lang))
    return sec.table(top_targets(target_table, lang))


def trends_section(trend_run: tr.TrendRun | None, segments, n: NeedsSettings, lang: str) -> Section:
    """Trend tests and forecasts per category (where the model loses to the naive forecast),
    four categories' forecasts drawn, and the trend per segment."""
    from kequn.render import plotting

    sec = Section()
    if trend_run is None:
        return sec.text("tr.none", lang)
    measure = t(f"tr.measure.{n.trend_measure}", lang)
    sec.markdown(
        t("tr.note", lang).format(
            measure=measure,
            last=trend_run.last_month.strftime("%Y-%m"),
            window=n.trend_window,
            alpha=n.trend_alpha,
            origins=n.backtest_origins,
        )
    )
    tt = trend_run.table
    sec.table(trends_table(tt, lang))
    if "bt_mape" in tt and (tt["bt_mape"] > tt["bt_naive_mape"]).any():
        worse = tt.loc[tt["bt_mape"] > tt["bt_naive_mape"], "category"]
        sec.markdown(
            t("tr.worse_than_naive", lang).format(cats=", ".join(t(c, lang) for c in worse))
        )
    first = list(trend_run.history)[:4]
    sec.chart(
        plotting.forecast_panels,
        {t(c, lang): trend_run.history[c] for c in first},
        {t(c, lang): trend_run.forecasts[c] for c in first},
        t("tr.chart", lang),
        measure,
        {
            "history": t("tr.history", lang),
            "forecast": t("tr.forecast", lang),
            "interval": t("tr.band", lang),
        },
    )
    if trend_run.by_segment is None:
        return sec
    seg_tr = segment_trends(trend_run.by_segment, segments, lang)
    if seg_tr.isna().all().all():
        return sec.text("tr.by_segment_none", lang)
    return sec.chart(
        plotting.heatmap,
        seg_tr,
        t("tr.by_segment", lang),
        t("p.category", lang),
        t("seg.segment", lang),
        fmt="+.1%",
        diverging=True,
    )
