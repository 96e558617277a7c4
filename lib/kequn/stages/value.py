"""Stage 03: what ``notebooks/03_value.ipynb`` shows, one call per section, in the report's
language, and the tables and sentences they are made of.

The figures come from ``kequn.models``: the value table, RFM, tiers, concentration and the
per-group figures from ``value``, the lifetime models (the public API's estimators), P(alive),
churn risk and CLV from ``lifetime``, the holdout and planted-truth checks from
``clv_holdout``, the lifecycle stages from ``lifecycle``. Here: the settings' rules, the words,
and writing ``value.parquet`` and ``value.json`` (figures for the summary stage) into the run's
folder (``RunFolder``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kequn.data.io import write_table_atomic
from kequn.data.paths import RunFolder
from kequn.data.settings import ValueSettings
from kequn.lang.i18n import fmt_int, fmt_money, fmt_pct, t
from kequn.models import clv, lifecycle, value
from kequn.models.clustering import segment_label
from kequn.models.clv_holdout import HoldoutCheck, TruthCheck
from kequn.models.lifetime import Margin, Models, spend_independence
from kequn.models.value import Slipped, ValueTable
from kequn.render.section import Section

# --- I/O: the run's folder --------------------------------------------------------------------


def write_value(processed_dir, vt: ValueTable):
    """value.parquet: the value table, one row per customer."""
    return write_table_atomic(vt.table, RunFolder.of(processed_dir).value)


def previous_value(processed_dir, run: str) -> tuple[str | None, pd.DataFrame | None]:
    """(run name, value table) of the latest earlier run of the same data set, or (None, None)
    on its first run."""
    from kequn.data.runs import previous_table

    return previous_table(processed_dir, run, RunFolder.of(processed_dir).value.name)


def save_summary(processed_dir, figures: dict):
    from kequn.data.run_folder import save_figures

    return save_figures(processed_dir, "value", figures)


def summary(
    run: str,
    lang: str,
    vt: ValueTable,
    conc: dict,
    models: Models,
    margin: Margin,
    errors: dict | None,
    truth: TruthCheck,
    moved: Slipped | None,
    interval: pd.DataFrame | None = None,
) -> dict:
    """Figures of this stage for the summary stage and the nbval check (value.json:
    ``value.figures``), the refused models' reasons in English."""
    reasons = {k: refusal(models, k, "en") for k in models.errors}
    return value.figures(
        run, lang, vt.table, conc, models, margin, errors, truth.figures, moved, interval, reasons
    )


# --- tables in the report's language ----------------------------------------------------------------


def _group_table(vt: pd.DataFrame, key: str, order, label, lang: str, extra) -> pd.DataFrame:
    """``value.group_figures`` in the report's language: the group's name, customers, share,
    revenue share, mean recency / orders / spend, and ``extra`` (name → function of the key)."""
    g = value.group_figures(vt, key, order)
    out = pd.DataFrame({label: [t(f"{key}.{k}", lang) for k in g[key]]})
    cols = {
        "customers": "customers",
        "share": "share_of_customers",
        "revenue_share": "revenue_share",
        "recency_days": "v.recency",
        "orders": "f.orders",
        "monetary": "f.monetary",
    }
    for c, k in cols.items():
        out[t(k, lang)] = g[c].to_numpy()
    for name, fn in extra.items():
        out[name] = [fn(k) for k in g[key]]
    return out if len(g) else pd.DataFrame()


def eight_class_table(vt: pd.DataFrame, lang: str) -> pd.DataFrame:
    keys = list(value.EIGHT.values())
    return _group_table(
        vt,
        "rfm_class",
        keys,
        t("v.class", lang),
        lang,
        {t("v.action", lang): lambda k: t(f"rfm_action.{k}", lang)},
    )


def rfm_segment_table(vt: pd.DataFrame, lang: str) -> pd.DataFrame:
    if "rfm_segment" not in vt:
        return pd.DataFrame()
    keys = [k for k, _, _ in value.RF_GRID]
    return _group_table(
        vt,
        "rfm_segment",
        keys,
        t("v.rfm_segment", lang),
        lang,
        {t("v.rule", lang): _grid_rule},
    )


def _grid_rule(key: str) -> str:
    _, rs, fs = next(r for r in value.RF_GRID if r[0] == key)
    span = lambda v: str(v[0]) if len(v) == 1 else f"{v[0]}–{v[-1]}"  # noqa: E731
    return f"R {span(rs)}, F {span(fs)}"


def cuts_sentence(cuts: dict, rule: str, lang: str) -> str:
    return t("v.cuts", lang).format(
        rule=t(f"v.cut_{rule}", lang),
        r=f"{cuts['recency_days']:.0f}",
        f=f"{cuts['orders']:.1f}",
        m=fmt_money(cuts["monetary"], lang),
    )


def tier_table(vt: pd.DataFrame, shares, lang: str) -> pd.DataFrame:
    """Per tier: rule, customers, share, value share, mean value, strategy and what it means."""
    rules = [
        f"≤ {fmt_pct(shares[0], lang, 0)}",
        f"{fmt_pct(shares[0], lang, 0)}–{fmt_pct(shares[1], lang, 0)}",
        f"{fmt_pct(shares[1], lang, 0)}–{fmt_pct(shares[2], lang, 0)}",
        f"> {fmt_pct(shares[2], lang, 0)}",
    ]
    rule = dict(zip(value.TIERS, rules))
    g = value.tier_figures(vt)
    return pd.DataFrame(
        {
            t("v.tier", lang): [t(f"tier.{k}", lang) for k in g["tier"]],
            t("v.tier_rule", lang): [rule[k] for k in g["tier"]],
            t("customers", lang): g["customers"],
            t("share_of_customers", lang): g["share"],
            t("v.value_share", lang): g["value_share"],
            t("v.mean_value", lang): g["mean_value"],
            t("v.strategy", lang): [
                t(f"strategy.{value.STRATEGY[k]}", lang)
                + (t("v.negative_note", lang).format(n=neg) if neg else "")
                for k, neg in zip(g["tier"], g["negative"])
            ],
        }
    )


def strategy_table(lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("v.strategy", lang): [
                t(f"strategy.{s}", lang) for s in ("yielding", "caring", "adaptive", "indifferent")
            ],
            t("v.for", lang): [
                t(f"strategy_for.{s}", lang)
                for s in ("yielding", "caring", "adaptive", "indifferent")
            ],
            t("v.what", lang): [
                t(f"strategy_what.{s}", lang)
                for s in ("yielding", "caring", "adaptive", "indifferent")
            ],
        }
    )


def pyramid_frame(tiers: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Long form for the pyramid chart: tier, measure (customers / value), share."""
    label, cust, val = t("v.tier", lang), t("share_of_customers", lang), t("v.value_share", lang)
    return tiers[[label, cust, val]].melt(
        id_vars=label, var_name=t("v.measure", lang), value_name=t("v.share", lang)
    )


def refusal(models: Models, key: str, lang: str) -> str:
    """Why ``key`` was refused, in the report's language: the true reason (e.g. "dropout ran to
    0, not identifiable on 17 weeks of history")."""
    code, d = models.errors[key], models.details.get(key, {})
    if code == "at_bound" and d.get("what"):
        params = [x.strip() for x in str(d.get("params", "")).split(",") if x.strip()]
        return t(f"fiterr.at_bound.{d['what']}", lang).format(
            params=", ".join(GREEK.get(x, x) if lang == "zh" else x for x in params),
            weeks=f"{d.get('weeks') or models.weeks:.0f}",
        )
    if code == "too_few":
        return t("fiterr.too_few", lang).format(
            n=f"{d.get('customers', 0):,}",
            k=f"{d.get('repeat', 0):,}",
            min_n=clv.MIN_CUSTOMERS,
            min_k=clv.MIN_REPEAT,
        )
    return t(f"fiterr.{code}", lang)


def _refused_cell(models: Models, key: str, lang: str) -> str:
    """ "not fitted: <reason>" (the older reasons already say "not fitted")."""
    code, d = models.errors[key], models.details.get(key, {})
    detailed = code == "too_few" or (code == "at_bound" and d.get("what"))
    return (
        t("fiterr.refused", lang).format(reason=refusal(models, key, lang))
        if detailed
        else t(f"fiterr.{code}", lang)
    )


def _name(model: str, lang: str) -> str:
    """A lifetime model's short name: its English term (``clv.NAMES``) in English, its Chinese
    name in a Chinese page (the glossary pairs them)."""
    return t(f"model.name.{model}", lang) if lang == "zh" else clv.NAMES[model]


def choice_sentence(models: Models, lang: str) -> str:
    """Which lifetime model is used, by which rule, and which were refused and why."""
    sep, colon = ("；", "：") if lang == "zh" else ("; ", ": ")
    refused = sep.join(
        f"{_name(k, lang)}{colon}{refusal(models, k, lang)}"
        for k in clv.MODELS
        if k in models.errors
    )
    if models.chosen is None:
        return t("v.choice_none", lang).format(refused=refused)
    s = models.scores
    if models.rule == "holdout":
        why = t("v.choice_holdout", lang).format(
            figs=sep.join(
                f"{_name(k, lang)} {s[k]['mae']:.3f} ({s[k]['total_error']:+.1%})"
                for k in s
                if "mae" in s[k]
            )
        )
    else:
        why = t("v.choice_aic", lang).format(
            figs=sep.join(f"{_name(k, lang)} {s[k]['aic']:,.1f}" for k in s)
        )
    space = "" if lang == "zh" else " "
    out = t("v.choice", lang).format(model=t(f"model.{models.chosen}", lang), why=why)
    if refused:
        out += space + t("v.choice_refused", lang).format(refused=refused)
    if models.chosen == "nbd" and any(
        models.details.get(k, {}).get("what") == "dropout_zero" for k in clv.MODELS
    ):
        out += space + t("v.choice_nbd", lang).format(weeks=f"{models.weeks:.0f}")
    return out


def interval_text(row, lang: str) -> str:
    """ "171 (95% CI 150–190)" in the report's money format."""
    if row is None or not np.isfinite(row["low"]):
        return fmt_money(row["mean"], lang) if row is not None else "—"
    return t("v.ci", lang).format(
        mean=fmt_money(row["mean"], lang),
        low=fmt_money(row["low"], lang),
        high=fmt_money(row["high"], lang),
    )


# Parameters named by Greek letters, written as the letters in a Chinese page (r, a, b, s, p, q
# are symbols already).
GREEK = {"alpha": "α", "beta": "β", "gamma": "γ"}


def fits_table(models: Models, lang: str) -> pd.DataFrame:
    rows = []
    for key in (*clv.MODELS, "gamma_gamma"):
        fit = models.gg if key == "gamma_gamma" else models.fits.get(key)
        if fit is None:
            rows.append(
                {
                    t("v.model", lang): t(f"model.{key}", lang),
                    t("v.parameter", lang): "—",
                    t("v.estimate", lang): _refused_cell(models, key, lang),
                }
            )
            continue
        if key == models.chosen:
            rows.append(
                {
                    t("v.model", lang): t(f"model.{key}", lang),
                    t("v.parameter", lang): "",
                    t("v.estimate", lang): t("v.chosen", lang),
                }
            )
        for name, val in fit.params_.items():
            rows.append(
                {
                    t("v.model", lang): t(f"model.{key}", lang),
                    t("v.parameter", lang): GREEK.get(name, name) if lang == "zh" else name,
                    t("v.estimate", lang): f"{val:.4g}",
                }
            )
        rows.append(
            {
                t("v.model", lang): t(f"model.{key}", lang),
                t("v.parameter", lang): t("v.loglik", lang),
                t(
                    "v.estimate", lang
                ): f"{fit.log_likelihood_:,.1f} ({fit.n_:,} {t('v.histories', lang)})",
            }
        )
    return pd.DataFrame(rows)


def by_group_table(vt: pd.DataFrame, key: str, lang: str) -> pd.DataFrame:
    """``value.by_group`` in the report's language: the group's name (a segment as on its card,
    a tier or stage by its word), customers, revenue share, mean CLV, CLV share, P(alive),
    churn risk and the lifecycle stage mix."""
    g = value.by_group(vt, key)
    names = (
        [segment_label(k, n) for k, n in zip(g["segment"], g["segment_name"])]
        if key == "segment"
        else [t(f"{key}.{k}", lang) for k in g[key]]
    )
    cols = {
        "customers": "customers",
        "revenue_share": "revenue_share",
        "clv_mean": "v.clv_mean",
        "clv_share": "v.clv_share",
        "p_alive": "v.p_alive",
        "churn_risk": "v.churn_risk",
        **{s: f"stage.{s}" for s in lifecycle.STAGES},
    }
    out = g[list(cols)].rename(columns={c: t(k, lang) for c, k in cols.items()})
    out.insert(0, t(f"v.{key}", lang), names)
    return out


def stage_table(vt: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``value.stage_figures`` in the report's language: per lifecycle stage, customers, share,
    revenue share, mean silence, P(alive), churn risk, CLV."""
    g = value.stage_figures(vt)
    cols = {
        "customers": "customers",
        "share": "share_of_customers",
        "revenue_share": "revenue_share",
        "silence": "v.silence",
        "p_alive": "v.p_alive",
        "churn_risk": "v.churn_risk",
        "clv_mean": "v.clv_mean",
    }
    out = g[list(cols)].rename(columns={c: t(k, lang) for c, k in cols.items()})
    out.insert(0, t("v.stage", lang), [t(f"stage.{k}", lang) for k in g["stage"]])
    return out


def stage_rules(v: ValueSettings, lang: str) -> str:
    return t("v.stage_rules", lang).format(**v.lifecycle.as_dict())


def migration_table(matrix: pd.DataFrame, prefix: str, lang: str) -> pd.DataFrame:
    """A migration matrix with translated row and column names."""
    m = matrix.copy()
    m.index = [t(f"{prefix}.{k}", lang) for k in m.index]
    m.columns = [t(f"{prefix}.{k}", lang) for k in m.columns]
    return m


def holdout_table(models: Models, lang: str) -> pd.DataFrame:
    """Per model ranked on the holdout: MAE per customer, error of the total, one-time buyers'
    mean predicted − actual holdout purchases; the chosen one marked."""
    rows = []
    for k, s in models.scores.items():
        if "mae" not in s:
            continue
        rows.append(
            {
                t("v.model", lang): t(f"model.{k}", lang) + (" ✓" if k == models.chosen else ""),
                t("v.err.mae_short", lang): f"{s['mae']:.3f}",
                t("v.err.total_short", lang): f"{s['total_error']:+.1%}",
                t("v.err.one_time", lang): "—"
                if s["one_time_error"] is None
                else f"{s['one_time_error']:+.3f}",
            }
        )
    return pd.DataFrame(rows)


def error_facts(e: dict, lang: str) -> dict:
    """The holdout error figures as label → text."""
    out = {
        t(
            "v.err.total", lang
        ): f"{e['actual_total']:,.0f} / {e['predicted_total']:,.0f} ({e['total_error']:+.1%})"
    }
    if "value_actual" in e:
        out[t("v.err.value", lang)] = (
            f"{fmt_money(e['value_actual'], lang)} / {fmt_money(e['value_predicted'], lang)} "
            f"({e['value_error']:+.1%})"
        )
    out[t("v.err.mae", lang)] = f"{e['mae']:.2f} / {e['naive_mae']:.2f}"
    out[t("v.err.rmse", lang)] = f"{e['rmse']:.2f}"
    out[t("v.err.corr", lang)] = f"{e['correlation']:.2f}"
    out[t("v.err.churn", lang)] = f"{e['churn_auc']:.2f} ({e['churn_brier']:.3f})"
    out[t("v.err.quiet", lang)] = (
        f"{fmt_pct(e['quiet_share'], lang)} / {fmt_pct(e['quiet_predicted'], lang)}"
    )
    return out


def clv_facts(vt: pd.DataFrame, lang: str) -> dict:
    """Mean and total CLV and the top tenth's share (``value.clv_figures``) as label → text."""
    c = value.clv_figures(vt["clv"])
    return {
        t("v.clv_facts_mean", lang): fmt_money(c.mean, lang),
        t("v.clv_facts_total", lang): fmt_money(c.total, lang),
        t("v.clv_facts_top", lang): fmt_pct(c.top_tenth_share, lang),
    }


# --- sections: what the notebook shows, one call per section (kequn.render.section) -----------


def inputs_section(
    run: str, quality: dict, features: pd.DataFrame, v: ValueSettings, lang: str
) -> Section:
    """The run, its as-of date, customers and buyers, horizon and discount rate; the data
    caveats; a sentence when nobody bought (every value figure is then empty)."""
    from kequn.models.profiling import caveats

    buyers = int((features["orders"] > 0).sum())
    sec = Section().facts(
        {
            t("run", lang): run,
            t("as_of", lang): quality["as_of"],
            t("customers", lang): fmt_int(len(features), lang),
            t("v.buyers", lang): fmt_int(buyers, lang),
            t("v.horizon", lang): t("v.months", lang).format(n=v.horizon_months),
            t("v.discount", lang): fmt_pct(v.annual_discount_rate, lang),
        }
    )
    sec.caveats(caveats(quality, ("customers", "orders"), lang), lang)
    if buyers == 0:
        sec.text("v.no_buyers", lang)
    return sec


def rfm_section(vt: ValueTable, v: ValueSettings, lang: str) -> Section:
    """The named R × F segments: how scores are given, the table, the shares as bars."""
    from kequn.render import plotting

    tab = rfm_segment_table(vt.table, lang)
    sec = Section().markdown(t("vsec.rfm_note", lang).format(bins=v.rfm_bins)).table(tab)
    if len(tab):
        sec.chart(
            plotting.bar,
            tab,
            tab.columns[0],
            tab.columns[2],
            t("v.rfm_segment", lang),
            t("v.rfm_segment", lang),
            t("share_of_customers", lang),
            pct=True,
            horizontal=True,
        )
    return sec


def eight_class_section(vt: ValueTable, v: ValueSettings, lang: str) -> Section:
    """The eight RFM classes: where high and low are split (when anyone bought), the table."""
    sec = Section()
    if (vt.table["orders"] > 0).any():
        sec.markdown(cuts_sentence(vt.cuts, v.rfm_cut, lang))
    return sec.table(eight_class_table(vt.table, lang))


def tiers_section(vt: ValueTable, v: ValueSettings, lang: str) -> Section:
    """The value pyramid: how customers are ranked, the tier table, customers against value."""
    from kequn.render import plotting

    basis = t(f"v.basis_{vt.basis}", lang)
    tiers = tier_table(vt.table, v.tier_shares, lang)
    return (
        Section()
        .markdown(t("vsec.tiers_note", lang).format(basis=basis))
        .table(tiers)
        .chart(
            plotting.grouped_bars,
            pyramid_frame(tiers, lang),
            t("v.tier", lang),
            t("v.measure", lang),
            t("v.share", lang),
            t("vsec.tiers", lang),
            t("v.tier", lang),
            t("v.share", lang),
        )
    )


def strategy_section(lang: str) -> Section:
    return Section().table(strategy_table(lang))


def concentration_section(curve: pd.DataFrame | None, conc: dict, lang: str) -> Section:
    """Top-20% share and Gini with the Lorenz curve; nothing when no customer has value."""
    from kequn.render import plotting

    sec = Section()
    if curve is None:
        return sec
    sec.markdown(
        t("v.conc_facts", lang).format(
            top=fmt_pct(conc["top20_share"], lang), gini=f"{conc['gini']:.2f}"
        )
    )
    if "top20_share_margin" in conc:  # the tiers rank by margin: its concentration, named as such
        sec.markdown(t("v.conc_margin", lang).format(top=fmt_pct(conc["top20_share_margin"], lang)))
    return sec.chart(
        plotting.lines,
        curve,
        "customer_share",
        {t("v.lorenz", lang): "value_share"},
        t("v.lorenz", lang),
        t("v.cum_customers", lang),
        t("v.cum_value", lang),
        diagonal=t("v.equality", lang),
        pct=True,
        markers=False,
    )


def clv_section(
    vt: ValueTable,
    btyd: pd.DataFrame,
    models: Models,
    v: ValueSettings,
    margin: Margin,
    interval: pd.DataFrame | None,
    lang: str,
) -> Section:
    """How CLV is computed and which lifetime model was chosen, every model's parameters, the
    Gamma-Gamma independence check, the CLV figures with their interval and distribution."""
    from kequn.render import plotting

    sec = Section().markdown(
        t("vsec.clv_note", lang).format(
            rate=fmt_pct(v.annual_discount_rate, lang),
            months=v.horizon_months,
            margin=t(f"v.margin_{margin.source}", lang).format(rate=fmt_pct(margin.rate, lang)),
        )
    )
    sec.markdown(choice_sentence(models, lang))
    sec.heading("vsec.fits", lang, level=3).table(fits_table(models, lang))
    indep = spend_independence(btyd)
    if indep is not None and models.gg is not None:
        verdict = t("v.indep_ok" if abs(indep) < 0.3 else "v.indep_weak", lang)
        sec.markdown(t("v.independence", lang).format(r=f"{indep:.2f}", verdict=verdict))
    if not vt.table["clv"].notna().any():
        return sec.text("v.clv_missing", lang)
    facts = clv_facts(vt.table, lang)
    if interval is not None:
        facts[t("v.clv_facts_mean", lang)] = interval_text(interval.loc["all"], lang)
    sec.facts(facts)
    if interval is not None:
        sec.markdown(t("v.ci_note", lang).format(draws=int(interval["draws"].iloc[0])))
    return sec.chart(
        plotting.histogram,
        vt.table["clv"].clip(lower=1),
        t("v.clv_hist", lang),
        t("v.clv_axis", lang),
        t("v.customers_axis", lang),
    )


def holdout_section(
    models: Models,
    check: HoldoutCheck,
    errors: dict | None,
    quality: dict,
    v: ValueSettings,
    lang: str,
) -> Section:
    """The holdout check of the chosen model: why there is none, or the split, the ``errors``
    figures (``HoldoutCheck.errors``), every model ranked, purchases by earlier frequency and
    the tracking curve."""
    from kequn.models import clv_holdout as ch
    from kequn.render import plotting

    sec = Section()
    h = check.holds.get(models.chosen) if models.chosen else None
    if h is None:
        why = check.why
        reason = t(why[0], lang).format(**why[1]) if why else choice_sentence(models, lang)
        return sec.markdown(t("vsec.holdout_none", lang).format(reason=reason))
    cal_end = (pd.Timestamp(quality["as_of"]) - pd.Timedelta(weeks=v.holdout_weeks)).date()
    sec.markdown(
        t("vsec.holdout_note", lang).format(
            cal=cal_end, weeks=v.holdout_weeks, as_of=quality["as_of"]
        )
    )
    sec.facts(error_facts(errors, lang))
    sec.heading("v.holdout_models", lang, level=3).table(holdout_table(models, lang))
    actual_predicted = {t("v.actual", lang): "actual", t("v.predicted", lang): "predicted"}
    freq = ch.by_frequency(h)
    sec.chart(
        plotting.lines,
        freq,
        "x",
        actual_predicted,
        t("v.by_freq", lang),
        t("v.by_freq_x", lang).format(top=int(freq["x"].max())),
        t("v.per_customer", lang),
        integer_x=True,
    )
    return sec.chart(
        plotting.lines,
        ch.tracking(h, check.weekly),
        "period",
        actual_predicted,
        t("v.tracking", lang),
        t("v.week", lang),
        t("v.cum_purchases", lang),
        markers=False,
        integer_x=True,
    )


def truth_section(check: TruthCheck, lang: str) -> Section:
    """On the demo data only: P(alive) and churn risk against the planted alive/dead state."""
    from kequn.render import plotting

    sec = Section()
    truth = check.figures
    if truth is None:
        return sec
    sec.text("vsec.truth_note", lang)
    sec.markdown(
        t("v.truth_facts", lang).format(
            churn_auc=f"{truth['churn_auc']:.2f}",
            p_alive_auc=f"{truth['p_alive_auc']:.2f}",
            mean=fmt_pct(truth["mean_p_alive"], lang),
            share=fmt_pct(truth["share_alive"], lang),
            n=fmt_int(truth["customers"], lang),
            rep=fmt_int(truth["repeat_buyers"], lang),
        )
    )
    return sec.chart(
        plotting.lines,
        check.calibration,
        "p_alive",
        {t("v.alive_share", lang): "alive"},
        t("v.truth_chart", lang),
        t("v.p_alive_band", lang),
        t("v.alive_share", lang),
        diagonal=t("v.equality", lang),
        pct=True,
    )


def lifecycle_section(vt: ValueTable, v: ValueSettings, lang: str) -> Section:
    """The stage rules, customers per stage, the shares as bars."""
    from kequn.render import plotting

    tab = stage_table(vt.table, lang)
    return (
        Section()
        .markdown(stage_rules(v, lang))
        .table(tab)
        .chart(
            plotting.bar,
            tab,
            tab.columns[0],
            tab.columns[2],
            t("v.stage_chart", lang),
            t("v.stage", lang),
            t("share_of_customers", lang),
            pct=True,
        )
    )


def by_segment_section(vt: ValueTable, lang: str) -> Section:
    """Value and lifecycle mix per segment (per value tier while stage 02 has not run)."""
    from kequn.render import plotting

    sec = Section()
    if "segment" in vt.table:
        tab = by_group_table(vt.table, "segment", lang)
    else:
        sec.text("vsec.by_segment_none", lang)
        tab = by_group_table(vt.table, "tier", lang)
    stage_cols = [t(f"stage.{s}", lang) for s in lifecycle.STAGES]
    return sec.table(tab, pct=stage_cols).chart(
        plotting.heatmap,
        tab.set_index(tab.columns[0])[stage_cols],
        t("v.stage_chart", lang),
        t("v.stage", lang),
        tab.columns[0],
        fmt=".0%",
    )


def migration_section(
    prev: pd.DataFrame | None, vt: ValueTable, moved: Slipped | None, lang: str
) -> Section:
    """Customers who moved between lifecycle stages and value tiers since the previous run."""
    from kequn.data.runs import migration
    from kequn.render import plotting

    sec = Section()
    if moved is None:
        return sec.text("v.migration_none", lang)
    sec.markdown(
        t("v.migration_facts", lang).format(
            run=moved.run,
            both=fmt_int(moved.customers_both, lang),
            down=fmt_int(moved.tier_down, lang),
            lapsed=fmt_int(moved.lapsed, lang),
        )
    )
    for col, order, title in (
        ("stage", lifecycle.STAGES, "v.migration_stage"),
        ("tier", value.TIERS, "v.migration_tier"),
    ):
        sec.chart(
            plotting.heatmap,
            migration_table(migration(prev, vt.table, col, order), col, lang),
            t(title, lang),
            t("v.now", lang),
            t("v.before", lang),
            fmt=",.0f",
        )
    return sec
