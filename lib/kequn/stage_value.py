"""Stage 03 glue: the steps of ``notebooks/03_value.ipynb`` as one call each, and the tables
they show, in the report's language.

Writes ``value.parquet`` (one row per customer: RFM, value tier and strategy, BG/NBD and
Gamma-Gamma figures, CLV, lifecycle stage, churn risk, segment) and ``value.json`` (figures
for the summary stage) into the run's folder.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import clv, lifecycle, value
from .clustering import segment_label
from .config import resolve
from .i18n import fmt_money, fmt_pct, t
from .io import write_table_atomic
from .keyed import take
from .problems import InputError, Problem

WEEKS_PER_MONTH = 365.25 / 12 / 7


def settings_check(v: dict) -> None:
    """Values of the value settings no run can use, named before any work."""
    rules = [("value.rfm_bins", v["rfm_bins"], 2 <= v["rfm_bins"] <= 10, "2–10"),
             ("value.rfm_cut", v["rfm_cut"], v["rfm_cut"] in ("mean", "median"), "mean / median"),
             ("value.tier_shares", v["tier_shares"], len(v["tier_shares"]) == 3
              and 0 < v["tier_shares"][0] < v["tier_shares"][1] < v["tier_shares"][2] < 1, "[0 < a < b < c < 1]"),
             ("value.horizon_months", v["horizon_months"], v["horizon_months"] > 0, "> 0"),
             ("value.annual_discount_rate", v["annual_discount_rate"], 0 <= v["annual_discount_rate"] < 1, "0–1"),
             ("value.holdout_weeks", v["holdout_weeks"], v["holdout_weeks"] >= 0, "≥ 0 (0 = no holdout check)"),
             ("value.margin", v["margin"], v["margin"] is None or 0 < v["margin"] <= 1, "0–1 or null")]
    lc = {**lifecycle.DEFAULTS, **v["lifecycle"]}
    unknown = sorted(set(v["lifecycle"]) - set(lifecycle.DEFAULTS))
    rules += [("value.lifecycle", ", ".join(unknown), not unknown, ", ".join(lifecycle.DEFAULTS)),
              ("value.lifecycle.sleeping_after", lc["sleeping_after"],
               0 < lc["sleeping_after"] < lc["churned_after"], "0 < sleeping_after < churned_after"),
              ("value.lifecycle.churn_p_alive", lc["churn_p_alive"], 0 <= lc["churn_p_alive"] < 1, "0–1"),
              ("value.lifecycle.risk_days", lc["risk_days"], lc["risk_days"] > 0, "> 0"),
              ("value.lifecycle.new_days", lc["new_days"], lc["new_days"] >= 0, "≥ 0")]
    problems = [Problem.of("bad_setting", "config", name=n, value=val, rule=r) for n, val, ok, r in rules if not ok]
    if problems:
        raise InputError(problems)


# --- lifetime models -------------------------------------------------------------------------

@dataclass
class Models:
    """BG/NBD and Gamma-Gamma fitted on the whole history, or why not (``errors``: model → code)."""
    bg: clv.Fit | None = None
    gg: clv.Fit | None = None
    errors: dict = field(default_factory=dict)


def fit_models(btyd: pd.DataFrame) -> Models:
    """Both fits; a model the data cannot identify is left out with its reason, never NaN."""
    m = Models()
    try:
        m.bg = clv.fit_bgnbd(btyd["x"], btyd["t_x"], btyd["T"])
    except clv.FitError as e:
        m.errors["bgnbd"] = e.code
    try:
        m.gg = clv.fit_gamma_gamma(btyd["x"], btyd["m"])
    except clv.FitError as e:
        m.errors["gamma_gamma"] = e.code
    return m


def margin_rate(features: pd.DataFrame, v: dict) -> tuple[float, str]:
    """The share of spend that is profit, for CLV: the setting, else margin ÷ revenue of the
    whole base when the data has cost, else 1 (CLV in revenue). Returns (rate, source)."""
    if v["margin"] is not None:
        return float(v["margin"]), "setting"
    if "margin" in features and features["margin"].notna().any() and features["revenue"].sum() > 0:
        return float(np.clip(features["margin"].sum() / features["revenue"].sum(), 0, 1)), "cost"
    return 1.0, "revenue"


def lifetime(btyd: pd.DataFrame, models: Models, v: dict, rate: float) -> pd.DataFrame:
    """Per buyer of the BTYD summary: p_alive, churn_risk (P(no purchase in risk_days)),
    expected_purchases and clv over the horizon, expected_spend; columns missing (NaN) for
    the parts whose model could not be fitted."""
    out = btyd[["customer_id", "x", "t_x", "T", "m"]].copy()
    for c in ("p_alive", "churn_risk", "expected_purchases", "expected_spend", "clv"):
        out[c] = np.nan
    if models.bg is None or out.empty:
        return out
    bg = list(models.bg.params.values())
    lc = {**lifecycle.DEFAULTS, **v["lifecycle"]}
    horizon = v["horizon_months"] * WEEKS_PER_MONTH
    x, tx, T = out["x"], out["t_x"], out["T"]
    out["p_alive"] = clv.bgnbd_p_alive(bg, x, tx, T)
    out["churn_risk"] = clv.p_no_purchase(bg, lc["risk_days"] / 7, x, tx, T)
    out["expected_purchases"] = clv.bgnbd_expected_purchases(bg, horizon, x, tx, T)
    if models.gg is not None:
        gg = list(models.gg.params.values())
        monthly = (1 + v["annual_discount_rate"]) ** (1 / 12) - 1
        out["expected_spend"] = clv.expected_spend(gg, x, out["m"])
        out["clv"] = clv.discounted_value(bg, gg, x, tx, T, out["m"], horizon=horizon, step=WEEKS_PER_MONTH,
                                          discount_rate=monthly, margin=rate)
    return out


# --- the value table ---------------------------------------------------------------------------

def value_frame(features: pd.DataFrame, life: pd.DataFrame, stages: pd.DataFrame, v: dict,
                segments: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per customer (value.parquet): customer_id, orders, recency_days, monetary,
    R, F, M, rfm, rfm_segment, rfm_class, value, tier, strategy, p_alive, churn_risk,
    expected_purchases, expected_spend, clv, stage, rhythm_days, silence, segment,
    segment_name (the last two when stage 02 ran)."""
    out = features[["customer_id", "orders", "recency_days", "monetary"]].reset_index(drop=True)
    ids = out["customer_id"]
    scores = value.rfm_scores(features, v["rfm_bins"], v["rfm_edges"] or None)
    if v["rfm_bins"] == 5:
        scores["rfm_segment"] = value.rfm_named(scores)
    eight = value.rfm_eight_classes(features, v["rfm_cut"])
    tiers = value.value_tiers(features, tuple(v["tier_shares"]))
    parts = [(scores, ["R", "F", "M", "rfm"] + (["rfm_segment"] if "rfm_segment" in scores else [])),
             (eight, ["rfm_class"]), (tiers, ["value", "tier", "strategy"]),
             (life, ["p_alive", "churn_risk", "expected_purchases", "expected_spend", "clv"]),
             (stages, ["stage", "rhythm_days", "silence"])]
    if segments is not None:
        parts.append((segments, ["segment", "segment_name"]))
    for frame, cols in parts:  # aligned by position, not merged: a million-row merge copies everything
        for c, col in take(ids, frame, cols).items():
            out[c] = col
    out.attrs = {"cuts": eight.attrs["cuts"], "basis": tiers.attrs["basis"]}
    return out


def write_value(processed_dir, table: pd.DataFrame):
    return write_table_atomic(table, resolve(processed_dir) / "value.parquet")


def load_segments(processed_dir) -> pd.DataFrame | None:
    p = resolve(processed_dir) / "segments.parquet"
    return pd.read_parquet(p) if p.exists() else None


# --- tables in the report's language ----------------------------------------------------------------

def _group_table(vt: pd.DataFrame, key: str, order, label, lang: str, extra=None) -> pd.DataFrame:
    """Per group of ``key``: customers, share, revenue share, mean recency / orders / spend, and
    the columns of ``extra`` (name → function of the group)."""
    buyers = vt[vt[key].notna()]
    rev = buyers["monetary"].clip(lower=0)
    rows = []
    for k in order:
        g = buyers[buyers[key] == k]
        if g.empty:
            continue
        row = {label: t(f"{key}.{k}", lang) if isinstance(k, str) else k, t("customers", lang): len(g),
               t("share_of_customers", lang): len(g) / len(buyers),
               t("revenue_share", lang): g["monetary"].clip(lower=0).sum() / rev.sum() if rev.sum() > 0 else np.nan,
               t("v.recency", lang): g["recency_days"].mean(), t("f.orders", lang): g["orders"].mean(),
               t("f.monetary", lang): g["monetary"].mean()}
        for name, fn in (extra or {}).items():
            row[name] = fn(g)
        rows.append(row)
    return pd.DataFrame(rows)


def eight_class_table(vt: pd.DataFrame, lang: str) -> pd.DataFrame:
    keys = list(value.EIGHT.values())
    return _group_table(vt, "rfm_class", keys, t("v.class", lang), lang,
                        {t("v.action", lang): lambda g: t(f"rfm_action.{g['rfm_class'].iloc[0]}", lang)})


def rfm_segment_table(vt: pd.DataFrame, lang: str) -> pd.DataFrame:
    if "rfm_segment" not in vt:
        return pd.DataFrame()
    keys = [k for k, _, _ in value.RF_GRID]
    return _group_table(vt, "rfm_segment", keys, t("v.rfm_segment", lang), lang,
                        {t("v.rule", lang): lambda g: _grid_rule(g["rfm_segment"].iloc[0])})


def _grid_rule(key: str) -> str:
    _, rs, fs = next(r for r in value.RF_GRID if r[0] == key)
    span = lambda v: str(v[0]) if len(v) == 1 else f"{v[0]}–{v[-1]}"  # noqa: E731
    return f"R {span(rs)}, F {span(fs)}"


def cuts_sentence(cuts: dict, rule: str, lang: str) -> str:
    return t("v.cuts", lang).format(rule=t(f"v.cut_{rule}", lang), r=f"{cuts['recency_days']:.0f}",
                                    f=f"{cuts['orders']:.1f}", m=fmt_money(cuts["monetary"], lang))


def tier_table(vt: pd.DataFrame, shares, lang: str) -> pd.DataFrame:
    """Per tier: rule, customers, share, value share, mean value, strategy and what it means."""
    rules = [f"≤ {fmt_pct(shares[0], lang, 0)}", f"{fmt_pct(shares[0], lang, 0)}–{fmt_pct(shares[1], lang, 0)}",
             f"{fmt_pct(shares[1], lang, 0)}–{fmt_pct(shares[2], lang, 0)}", f"> {fmt_pct(shares[2], lang, 0)}"]
    pos = vt["value"].clip(lower=0)
    rows = []
    for tier, rule in zip(value.TIERS, rules):
        g = vt[vt["tier"] == tier]
        if g.empty:
            continue
        neg = int((g["strategy"] == value.STRATEGY["negative"]).sum())
        rows.append({t("v.tier", lang): t(f"tier.{tier}", lang), t("v.tier_rule", lang): rule,
                     t("customers", lang): len(g), t("share_of_customers", lang): len(g) / len(vt),
                     t("v.value_share", lang): g["value"].clip(lower=0).sum() / pos.sum() if pos.sum() > 0 else np.nan,
                     t("v.mean_value", lang): g["value"].mean(),
                     t("v.strategy", lang): t(f"strategy.{value.STRATEGY[tier]}", lang)
                     + (t("v.negative_note", lang).format(n=neg) if neg else "")})
    return pd.DataFrame(rows)


def strategy_table(lang: str) -> pd.DataFrame:
    return pd.DataFrame({t("v.strategy", lang): [t(f"strategy.{s}", lang) for s in ("yielding", "caring", "adaptive", "indifferent")],
                         t("v.for", lang): [t(f"strategy_for.{s}", lang) for s in ("yielding", "caring", "adaptive", "indifferent")],
                         t("v.what", lang): [t(f"strategy_what.{s}", lang) for s in ("yielding", "caring", "adaptive", "indifferent")]})


def pyramid_frame(tiers: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Long form for the pyramid chart: tier, measure (customers / value), share."""
    label, cust, val = t("v.tier", lang), t("share_of_customers", lang), t("v.value_share", lang)
    return tiers[[label, cust, val]].melt(id_vars=label, var_name=t("v.measure", lang), value_name=t("v.share", lang))


def fits_table(models: Models, lang: str) -> pd.DataFrame:
    rows = []
    for key, fit in (("bgnbd", models.bg), ("gamma_gamma", models.gg)):
        if fit is None:
            rows.append({t("v.model", lang): t(f"model.{key}", lang), t("v.parameter", lang): "—",
                         t("v.estimate", lang): t(f"fiterr.{models.errors[key]}", lang)})
            continue
        for name, val in fit.params.items():
            rows.append({t("v.model", lang): t(f"model.{key}", lang), t("v.parameter", lang): name,
                         t("v.estimate", lang): f"{val:.4g}"})
        rows.append({t("v.model", lang): t(f"model.{key}", lang), t("v.parameter", lang): t("v.loglik", lang),
                     t("v.estimate", lang): f"{fit.log_likelihood:,.1f} ({fit.n:,} {t('v.histories', lang)})"})
    return pd.DataFrame(rows)


def by_group(vt: pd.DataFrame, key: str, lang: str, label: str) -> pd.DataFrame:
    """Per segment (or other group): customers, mean CLV, share of total CLV, mean P(alive),
    mean churn risk, revenue share, and the lifecycle stage mix."""
    rows = []
    total = vt["clv"].sum()
    rev = vt["monetary"].clip(lower=0).sum()
    for k, g in vt.groupby(key, observed=True, sort=True):
        name = segment_label(k, g["segment_name"].iloc[0]) if key == "segment" else t(f"{key}.{k}", lang)
        row = {label: name, t("customers", lang): len(g), t("revenue_share", lang): g["monetary"].clip(lower=0).sum() / rev if rev > 0 else np.nan,
               t("v.clv_mean", lang): g["clv"].mean(), t("v.clv_share", lang): g["clv"].sum() / total if total > 0 else np.nan,
               t("v.p_alive", lang): g["p_alive"].mean(), t("v.churn_risk", lang): g["churn_risk"].mean()}
        mix = g["stage"].value_counts(normalize=True)
        for s in lifecycle.STAGES:
            row[t(f"stage.{s}", lang)] = float(mix.get(s, 0.0))
        rows.append(row)
    return pd.DataFrame(rows)


def stage_table(vt: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Per lifecycle stage: customers, share, revenue share, mean silence, P(alive), churn risk, CLV."""
    rows = []
    rev = vt["monetary"].clip(lower=0).sum()
    for s in lifecycle.STAGES:
        g = vt[vt["stage"] == s]
        rows.append({t("v.stage", lang): t(f"stage.{s}", lang), t("customers", lang): len(g),
                     t("share_of_customers", lang): len(g) / len(vt),
                     t("revenue_share", lang): g["monetary"].clip(lower=0).sum() / rev if rev > 0 else np.nan,
                     t("v.silence", lang): g["silence"].mean(), t("v.p_alive", lang): g["p_alive"].mean(),
                     t("v.churn_risk", lang): g["churn_risk"].mean(), t("v.clv_mean", lang): g["clv"].mean()})
    return pd.DataFrame(rows)


def stage_rules(v: dict, lang: str) -> str:
    return t("v.stage_rules", lang).format(**{**lifecycle.DEFAULTS, **v["lifecycle"]})


def migration_table(matrix: pd.DataFrame, prefix: str, lang: str) -> pd.DataFrame:
    """A migration matrix with translated row and column names."""
    m = matrix.copy()
    m.index = [t(f"{prefix}.{k}", lang) for k in m.index]
    m.columns = [t(f"{prefix}.{k}", lang) for k in m.columns]
    return m


def slipped(prev: pd.DataFrame, now: pd.DataFrame) -> dict:
    """Customers in both runs who slipped: from key/important tier to ordinary/small, and from
    new/active to sleeping/churned."""
    both = prev.merge(now, on="customer_id", suffixes=("_b", "_n"))
    top = both["tier_b"].isin(["key", "important"]) & both["tier_n"].isin(["ordinary", "small"])
    lapsed = both["stage_b"].astype(str).isin(["new", "active"]) & both["stage_n"].astype(str).isin(["sleeping", "churned"])
    return {"customers_both": int(len(both)), "tier_down": int(top.sum()), "lapsed": int(lapsed.sum())}


def summary(run: str, lang: str, vt: pd.DataFrame, conc: dict, models: Models, rate: tuple, check: dict | None,
            truth: dict | None, moved: dict | None) -> dict:
    """Figures of this stage for the summary stage and the nbval check (value.json)."""
    buyers = vt[vt["orders"] > 0]
    return {"run": run, "lang": lang, "customers": int(len(vt)), "buyers": int(len(buyers)),
            "revenue": float(vt["monetary"].clip(lower=0).sum()), **{k: round(v, 4) for k, v in conc.items()},
            "tiers": vt["tier"].value_counts().to_dict(), "stages": vt["stage"].value_counts().sort_index().to_dict(),
            "rfm_classes": vt["rfm_class"].value_counts().to_dict(),
            "bgnbd": models.bg.params if models.bg else None, "gamma_gamma": models.gg.params if models.gg else None,
            "fit_errors": models.errors, "margin_rate": rate[0], "margin_source": rate[1],
            "clv_mean": float(buyers["clv"].mean()) if buyers["clv"].notna().any() else None,
            "clv_total": float(buyers["clv"].sum()) if buyers["clv"].notna().any() else None,
            "active_customers": int(vt["stage"].isin(["new", "active"]).sum()),
            "holdout": check, "truth": truth, "migration": moved}


# --- inputs, holdout and truth ------------------------------------------------------------------

def btyd_for_run(processed_dir, quality: dict, calibration_end=None) -> pd.DataFrame:
    """The run's per-buyer BTYD summary in weeks (``features.btyd_summary``)."""
    from .features import btyd_summary
    return btyd_summary(resolve(processed_dir) / "clean", quality["as_of"], calibration_end)


def holdout_check(processed_dir, quality: dict, weeks: int):
    """(Holdout, weekly tracking table, None) or (None, None, reason sentence key and values)
    for the calibration/holdout split ``weeks`` before as_of."""
    from .clv_holdout import fit_calibration
    from .features import holdout_weekly
    if weeks <= 0:
        return None, None, ("v.holdout_off", {})
    as_of = pd.Timestamp(quality["as_of"])
    cal_end = as_of - pd.Timedelta(weeks=weeks)
    cal = btyd_for_run(processed_dir, quality, cal_end)
    if cal.empty or cal["T"].max() < weeks:
        return None, None, ("v.holdout_short", {"weeks": weeks})
    try:
        h = fit_calibration(cal, (as_of.normalize() - cal_end.normalize()).days / 7)
    except clv.FitError as e:
        return None, None, (f"fiterr.{e.code}", {})
    weekly = holdout_weekly(resolve(processed_dir) / "clean", as_of, cal_end)
    return h, weekly, None


def error_facts(e: dict, lang: str) -> dict:
    """The holdout error figures as label → text."""
    out = {t("v.err.total", lang): f"{e['actual_total']:,.0f} / {e['predicted_total']:,.0f} ({e['total_error']:+.1%})"}
    if "value_actual" in e:
        out[t("v.err.value", lang)] = (f"{fmt_money(e['value_actual'], lang)} / {fmt_money(e['value_predicted'], lang)} "
                                       f"({e['value_error']:+.1%})")
    out[t("v.err.mae", lang)] = f"{e['mae']:.2f} / {e['naive_mae']:.2f}"
    out[t("v.err.rmse", lang)] = f"{e['rmse']:.2f}"
    out[t("v.err.corr", lang)] = f"{e['correlation']:.2f}"
    out[t("v.err.churn", lang)] = f"{e['churn_auc']:.2f} ({e['churn_brier']:.3f})"
    out[t("v.err.quiet", lang)] = f"{fmt_pct(e['quiet_share'], lang)} / {fmt_pct(e['quiet_predicted'], lang)}"
    return out


def truth_check(data_dir, privacy: dict, life: pd.DataFrame):
    """On generated data (``_truth/customers.parquet`` beside the export), P(alive) against the
    planted alive/dead state: (figures, calibration table), or (None, None) for real data."""
    from .clv_holdout import against_truth
    from .runs import planted
    alive = planted(data_dir, privacy, "alive_at_end")
    if alive is None or life["p_alive"].isna().all():
        return None, None
    return against_truth(life, alive)


def clv_facts(vt: pd.DataFrame, lang: str) -> dict:
    c = vt["clv"].dropna().sort_values(ascending=False)
    top = c.iloc[: max(1, len(c) // 10)].sum() / c.sum() if c.sum() > 0 else np.nan
    return {t("v.clv_facts_mean", lang): fmt_money(c.mean(), lang), t("v.clv_facts_total", lang): fmt_money(c.sum(), lang),
            t("v.clv_facts_top", lang): fmt_pct(top, lang)}


def save_summary(processed_dir, figures: dict):
    from .stage_profiling import save_figures
    return save_figures(processed_dir, "value", figures)


def spend_independence(btyd: pd.DataFrame) -> float | None:
    """Pearson correlation of repeat purchases and mean spend among repeat buyers: Gamma-Gamma
    assumes the two are independent (Fader & Hardie 2013 check it this way; CDNOW: 0.11)."""
    rep = btyd[(btyd["x"] > 0) & (btyd["m"] > 0)]
    if len(rep) < 3 or rep["x"].nunique() < 2 or rep["m"].nunique() < 2:
        return None
    return float(np.corrcoef(rep["x"], rep["m"])[0, 1])
