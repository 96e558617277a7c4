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

from kequn.data.io import write_table_atomic
from kequn.data.keyed import take
from kequn.data.paths import RunFolder
from kequn.data.problems import check_settings
from kequn.lang.i18n import fmt_int, fmt_money, fmt_pct, t
from kequn.models import clv, lifecycle, value
from kequn.models.clustering import segment_label
from kequn.models.lifetime import WEEKS_PER_MONTH
from kequn.models.lifetime import monthly_discount as _monthly
from kequn.models.lifetime import score_buyers as _lifetime  # one function for both engines
from kequn.render.section import Section


def settings_check(v: dict) -> None:
    """Values of the value settings no run can use, named before any work."""
    rules = [
        ("value.rfm_bins", v["rfm_bins"], 2 <= v["rfm_bins"] <= 10, "2–10"),
        ("value.rfm_cut", v["rfm_cut"], v["rfm_cut"] in ("mean", "median"), "mean / median"),
        (
            "value.tier_shares",
            v["tier_shares"],
            len(v["tier_shares"]) == 3
            and 0 < v["tier_shares"][0] < v["tier_shares"][1] < v["tier_shares"][2] < 1,
            "[0 < a < b < c < 1]",
        ),
        ("value.horizon_months", v["horizon_months"], v["horizon_months"] > 0, "> 0"),
        (
            "value.annual_discount_rate",
            v["annual_discount_rate"],
            0 <= v["annual_discount_rate"] < 1,
            "0–1",
        ),
        (
            "value.holdout_weeks",
            v["holdout_weeks"],
            v["holdout_weeks"] >= 0,
            "≥ 0 (0 = no holdout check)",
        ),
        ("value.margin", v["margin"], v["margin"] is None or 0 < v["margin"] <= 1, "0–1 or null"),
    ]
    lc = {**lifecycle.DEFAULTS, **v["lifecycle"]}
    unknown = sorted(set(v["lifecycle"]) - set(lifecycle.DEFAULTS))
    rules += [
        ("value.lifecycle", ", ".join(unknown), not unknown, ", ".join(lifecycle.DEFAULTS)),
        (
            "value.lifecycle.sleeping_after",
            lc["sleeping_after"],
            0 < lc["sleeping_after"] < lc["churned_after"],
            "0 < sleeping_after < churned_after",
        ),
        ("value.lifecycle.churn_p_alive", lc["churn_p_alive"], 0 <= lc["churn_p_alive"] < 1, "0–1"),
        ("value.lifecycle.risk_days", lc["risk_days"], lc["risk_days"] > 0, "> 0"),
        ("value.lifecycle.new_days", lc["new_days"], lc["new_days"] >= 0, "≥ 0"),
    ]
    check_settings(rules)


# --- lifetime models -------------------------------------------------------------------------


@dataclass
class Models:
    """The lifetime models fitted on the whole history and the one chosen.

    ``fits``: model key → Fit for the models accepted; ``errors``: model key → FitError code
    for those refused (``details``: the values their message names); ``chosen``: the key used
    for P(alive), churn risk and CLV, by ``rule`` ("holdout" or "likelihood"); ``scores``: per
    candidate, log_likelihood and aic, and mae, total_error, one_time_error on the holdout;
    ``bg`` is the chosen fit (None when nothing fits)."""

    fits: dict = field(default_factory=dict)
    gg: clv.Fit | None = None
    errors: dict = field(default_factory=dict)
    details: dict = field(default_factory=dict)
    chosen: str | None = None
    rule: str | None = None
    scores: dict = field(default_factory=dict)
    weeks: float = 0.0

    @property
    def bg(self) -> clv.Fit | None:
        return self.fits.get(self.chosen) if self.chosen else None


def fit_models(btyd: pd.DataFrame) -> Models:
    """BG/NBD, MBG/NBD, Pareto/NBD, the NBD and Gamma-Gamma; a model the data cannot identify is
    refused with its reason (``clv.FitError``), never NaN. The choice is by likelihood until
    ``choose`` sees a holdout."""
    from kequn.models.clv_holdout import FITTERS

    m = Models(weeks=float(btyd["T"].max()) if len(btyd) else 0.0)
    for key in clv.MODELS:
        try:
            m.fits[key] = FITTERS[key](btyd["x"], btyd["t_x"], btyd["T"])
        except clv.FitError as e:
            m.errors[key], m.details[key] = e.code, e.detail
    try:
        m.gg = clv.fit_gamma_gamma(btyd["x"], btyd["m"])
    except clv.FitError as e:
        m.errors["gamma_gamma"] = e.code
    choose(m, None)
    return m


def choose(models: Models, holds: dict | None) -> Models:
    """Set ``models.chosen`` and ``rule``. With holdout fits (``holdout_check``) of accepted
    models: the best holdout prediction (``clv_holdout.choose``: lowest MAE per customer, ties
    within 1% to the smallest error of the total). Otherwise the lowest AIC (2k − 2 log L; the
    three models with dropout have four parameters, the NBD two)."""
    models.scores = {
        k: {"log_likelihood": f.log_likelihood, "aic": f.aic} for k, f in models.fits.items()
    }
    models.chosen, models.rule = None, None
    if not models.fits:
        return models
    ranked = {k: h for k, h in (holds or {}).items() if k in models.fits}
    if ranked:
        from kequn.models.clv_holdout import choose as by_holdout

        best, figs = by_holdout(ranked)
        for k, f in figs.items():
            models.scores[k].update(f)
        models.chosen, models.rule = best, "holdout"
    else:
        models.chosen, models.rule = (
            min(models.fits, key=lambda k: models.fits[k].aic),
            "likelihood",
        )
    return models


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
    the parts whose model could not be fitted. With ``engine: spark`` the scores run on the
    executors (``spark_scores.lifetime``: the same function per batch), rows in ``btyd``'s
    order."""
    from kequn.data.engine import current

    if current()[0] == "spark" and models.bg is not None and len(btyd):
        from kequn.data.spark_engine import session_of_engine
        from kequn.models.spark_scores import lifetime as on_spark

        got = on_spark(session_of_engine(), btyd, models, v, rate).toPandas()
        got = got.set_index("customer_id").loc[btyd["customer_id"]].reset_index()
        return got.set_axis(btyd.index).astype(
            {c: btyd[c].dtype for c in ("x", "t_x", "T", "m") if c in btyd}
        )
    return _lifetime(btyd, models, v, rate)


def with_first_day_buyers(btyd: pd.DataFrame, features: pd.DataFrame) -> pd.DataFrame:
    """The BTYD summary plus the buyers whose first purchase is on the as-of day (T = 0: no
    history to fit on, but the fitted models give them P(alive), churn risk and CLV) as x = 0,
    t_x = 0, T = 0. Fits use ``btyd`` alone."""
    f = features[(features["orders"] > 0) & ~features["customer_id"].isin(btyd["customer_id"])]
    rec = pd.to_numeric(f["recency_days"], errors="coerce")
    span = pd.to_numeric(f["active_days"], errors="coerce") if "active_days" in f else rec * 0
    new = f.loc[(rec == 0) & (span.fillna(0) == 0), ["customer_id"]]
    if new.empty:
        return btyd
    add = pd.DataFrame(
        {"customer_id": new["customer_id"].to_numpy(), "x": 0, "t_x": 0.0, "T": 0.0, "m": np.nan}
    )
    return pd.concat(
        [btyd, add.astype({c: btyd[c].dtype for c in ("x", "t_x", "T", "m") if c in btyd})],
        ignore_index=True,
    )


def clv_interval(
    btyd: pd.DataFrame, models: Models, v: dict, rate: float, vt: pd.DataFrame, draws: int = 200
) -> pd.DataFrame | None:
    """Mean CLV per segment (or value tier without segments) and over all buyers, each with its
    95% interval from the parameters' sampling distribution (``clv.clv_interval``, ``draws``
    parameter sets); None without a chosen model, Gamma-Gamma or a covariance."""
    if models.bg is None or models.gg is None or btyd.empty:
        return None
    key = "segment" if "segment" in vt else "tier"
    g = take(btyd["customer_id"], vt, [key])[key]
    if pd.api.types.is_numeric_dtype(g):  # segment numbers as written on the cards: "3", not "3.0"
        g = g.astype("Int64")
    groups = g.astype(str).to_numpy()
    return clv.clv_interval(
        models.bg,
        models.gg,
        btyd["x"],
        btyd["t_x"],
        btyd["T"],
        btyd["m"],
        groups,
        horizon=v["horizon_months"] * WEEKS_PER_MONTH,
        step=WEEKS_PER_MONTH,
        discount_rate=_monthly(v),
        margin=rate,
        draws=draws,
    )


# --- the value table ---------------------------------------------------------------------------


def value_frame(
    features: pd.DataFrame,
    life: pd.DataFrame,
    stages: pd.DataFrame,
    v: dict,
    segments: pd.DataFrame | None = None,
) -> pd.DataFrame:
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
    parts = [
        (scores, ["R", "F", "M", "rfm"] + (["rfm_segment"] if "rfm_segment" in scores else [])),
        (eight, ["rfm_class"]),
        (tiers, ["value", "tier", "strategy"]),
        (life, ["p_alive", "churn_risk", "expected_purchases", "expected_spend", "clv"]),
        (stages, ["stage", "rhythm_days", "silence"]),
    ]
    if segments is not None:
        parts.append((segments, ["segment", "segment_name"]))
    for (
        frame,
        cols,
    ) in parts:  # aligned by position, not merged: a million-row merge copies everything
        for c, col in take(ids, frame, cols).items():
            out[c] = col
    out.attrs = {"cuts": eight.attrs["cuts"], "basis": tiers.attrs["basis"]}
    return out


def write_value(processed_dir, table: pd.DataFrame):
    return write_table_atomic(table, RunFolder.of(processed_dir).value)


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
        row = {
            label: t(f"{key}.{k}", lang) if isinstance(k, str) else k,
            t("customers", lang): len(g),
            t("share_of_customers", lang): len(g) / len(buyers),
            t("revenue_share", lang): g["monetary"].clip(lower=0).sum() / rev.sum()
            if rev.sum() > 0
            else np.nan,
            t("v.recency", lang): g["recency_days"].mean(),
            t("f.orders", lang): g["orders"].mean(),
            t("f.monetary", lang): g["monetary"].mean(),
        }
        for name, fn in (extra or {}).items():
            row[name] = fn(g)
        rows.append(row)
    return pd.DataFrame(rows)


def eight_class_table(vt: pd.DataFrame, lang: str) -> pd.DataFrame:
    keys = list(value.EIGHT.values())
    return _group_table(
        vt,
        "rfm_class",
        keys,
        t("v.class", lang),
        lang,
        {t("v.action", lang): lambda g: t(f"rfm_action.{g['rfm_class'].iloc[0]}", lang)},
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
        {t("v.rule", lang): lambda g: _grid_rule(g["rfm_segment"].iloc[0])},
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
    pos = vt["value"].clip(lower=0)
    rows = []
    for tier, rule in zip(value.TIERS, rules):
        g = vt[vt["tier"] == tier]
        if g.empty:
            continue
        neg = int((g["strategy"] == value.STRATEGY["negative"]).sum())
        rows.append(
            {
                t("v.tier", lang): t(f"tier.{tier}", lang),
                t("v.tier_rule", lang): rule,
                t("customers", lang): len(g),
                t("share_of_customers", lang): len(g) / len(vt),
                t("v.value_share", lang): g["value"].clip(lower=0).sum() / pos.sum()
                if pos.sum() > 0
                else np.nan,
                t("v.mean_value", lang): g["value"].mean(),
                t("v.strategy", lang): t(f"strategy.{value.STRATEGY[tier]}", lang)
                + (t("v.negative_note", lang).format(n=neg) if neg else ""),
            }
        )
    return pd.DataFrame(rows)


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
        for name, val in fit.params.items():
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
                ): f"{fit.log_likelihood:,.1f} ({fit.n:,} {t('v.histories', lang)})",
            }
        )
    return pd.DataFrame(rows)


def by_group(vt: pd.DataFrame, key: str, lang: str, label: str) -> pd.DataFrame:
    """Per segment (or other group): customers, mean CLV, share of total CLV, mean P(alive),
    mean churn risk, revenue share, and the lifecycle stage mix."""
    rows = []
    total = vt["clv"].sum()
    rev = vt["monetary"].clip(lower=0).sum()
    for k, g in vt.groupby(key, observed=True, sort=True):
        name = (
            segment_label(k, g["segment_name"].iloc[0])
            if key == "segment"
            else t(f"{key}.{k}", lang)
        )
        row = {
            label: name,
            t("customers", lang): len(g),
            t("revenue_share", lang): g["monetary"].clip(lower=0).sum() / rev
            if rev > 0
            else np.nan,
            t("v.clv_mean", lang): g["clv"].mean(),
            t("v.clv_share", lang): g["clv"].sum() / total if total > 0 else np.nan,
            t("v.p_alive", lang): g["p_alive"].mean(),
            t("v.churn_risk", lang): g["churn_risk"].mean(),
        }
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
        rows.append(
            {
                t("v.stage", lang): t(f"stage.{s}", lang),
                t("customers", lang): len(g),
                t("share_of_customers", lang): len(g) / len(vt),
                t("revenue_share", lang): g["monetary"].clip(lower=0).sum() / rev
                if rev > 0
                else np.nan,
                t("v.silence", lang): g["silence"].mean(),
                t("v.p_alive", lang): g["p_alive"].mean(),
                t("v.churn_risk", lang): g["churn_risk"].mean(),
                t("v.clv_mean", lang): g["clv"].mean(),
            }
        )
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
    lapsed = both["stage_b"].astype(str).isin(["new", "active"]) & both["stage_n"].astype(str).isin(
        ["sleeping", "churned"]
    )
    return {
        "customers_both": int(len(both)),
        "tier_down": int(top.sum()),
        "lapsed": int(lapsed.sum()),
    }


def _params(fit: clv.Fit | None) -> dict | None:
    return {k: float(v) for k, v in fit.params.items()} if fit else None


def model_facts(models: Models, interval: pd.DataFrame | None = None) -> dict:
    """value.json's account of the lifetime model: chosen, rule (stated), candidates' figures,
    the models refused with their reasons (English) and the basis of the CLV interval."""
    rule = {
        "holdout": "lowest mean absolute error of holdout purchases per customer (ties within 1%: "
        "smallest error of the total)",
        "likelihood": "lowest AIC = 2k - 2 log L on the whole history (no holdout: history too short)",
    }
    return {
        "chosen": models.chosen,
        "rule": models.rule,
        "rule_text": rule.get(models.rule),
        "candidates": {
            k: {n: (float(x) if x is not None else None) for n, x in s.items()}
            for k, s in models.scores.items()
        },
        "refused": {
            k: {"code": models.errors[k], "reason": refusal(models, k, "en")}
            for k in (*clv.MODELS, "gamma_gamma")
            if k in models.errors
        },
        "history_weeks": models.weeks,
        "interval": None
        if interval is None
        else {
            "level": 0.95,
            "draws": int(interval["draws"].iloc[0]),
            "method": "parameter sets drawn from a multivariate normal in log-parameter space with the "
            "inverse Hessian of the log-likelihood at the optimum (purchase model and "
            "Gamma-Gamma); 2.5/97.5 percentiles of the mean CLV",
        },
    }


def _interval_json(interval: pd.DataFrame | None) -> dict | None:
    if interval is None:
        return None
    return {
        str(g): {
            "customers": int(r["customers"]),
            "mean": float(r["mean"]),
            "low": float(r["low"]) if np.isfinite(r["low"]) else None,
            "high": float(r["high"]) if np.isfinite(r["high"]) else None,
        }
        for g, r in interval.iterrows()
    }


def summary(
    run: str,
    lang: str,
    vt: pd.DataFrame,
    conc: dict,
    models: Models,
    rate: tuple,
    check: dict | None,
    truth: dict | None,
    moved: dict | None,
    interval: pd.DataFrame | None = None,
) -> dict:
    """Figures of this stage for the summary stage and the nbval check (value.json)."""
    buyers = vt[vt["orders"] > 0]
    return {
        "run": run,
        "lang": lang,
        "customers": int(len(vt)),
        "buyers": int(len(buyers)),
        "revenue": float(vt["monetary"].clip(lower=0).sum()),
        **{k: round(v, 4) for k, v in conc.items()},
        "tiers": vt["tier"].value_counts().to_dict(),
        "stages": vt["stage"].value_counts().sort_index().to_dict(),
        "rfm_classes": vt["rfm_class"].value_counts().to_dict(),
        "bgnbd": _params(models.fits.get("bgnbd")),
        "mbgnbd": _params(models.fits.get("mbgnbd")),
        "pareto_nbd": _params(models.fits.get("pareto_nbd")),
        "nbd": _params(models.fits.get("nbd")),
        "gamma_gamma": models.gg.params if models.gg else None,
        "fit_errors": models.errors,
        "margin_rate": rate[0],
        "margin_source": rate[1],
        "model": model_facts(models, interval),
        "clv_mean": float(buyers["clv"].mean()) if buyers["clv"].notna().any() else None,
        "clv_interval": _interval_json(interval),
        "clv_total": float(buyers["clv"].sum()) if buyers["clv"].notna().any() else None,
        "holdout": check,
        "truth": truth,
        "migration": moved,
    }


# --- inputs, holdout and truth ------------------------------------------------------------------


def btyd_for_run(processed_dir, quality: dict, calibration_end=None) -> pd.DataFrame:
    """The run's per-buyer BTYD summary in weeks (``features.btyd_summary``)."""
    from kequn.data.features import btyd_summary

    return btyd_summary(RunFolder.of(processed_dir).clean, quality["as_of"], calibration_end)


def holdout_check(processed_dir, quality: dict, weeks: int, models: Models | None = None):
    """({model key: Holdout}, weekly tracking table, None) or ({}, None, reason sentence key and
    values) for the calibration/holdout split ``weeks`` before as_of: every model accepted on
    the whole history (``models``; all when None) fitted on the calibration period."""
    from kequn.data.features import holdout_weekly
    from kequn.models.clv_holdout import compare

    if weeks <= 0:
        return {}, None, ("v.holdout_off", {})
    as_of = pd.Timestamp(quality["as_of"])
    cal_end = as_of - pd.Timedelta(weeks=weeks)
    cal = btyd_for_run(processed_dir, quality, cal_end)
    if cal.empty or cal["T"].max() < weeks:
        return {}, None, ("v.holdout_short", {"weeks": weeks})
    keys = list(models.fits) if models is not None else list(clv.MODELS)
    holds, failed = compare(cal, (as_of.normalize() - cal_end.normalize()).days / 7, keys)
    if not holds:
        e = next(iter(failed.values()), None)
        return {}, None, (f"fiterr.{e.code}" if e else "v.holdout_none_fit", {})
    weekly = holdout_weekly(RunFolder.of(processed_dir).clean, as_of, cal_end)
    return holds, weekly, None


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


def truth_check(data_dir, privacy: dict, life: pd.DataFrame):
    """On generated data (``_truth/customers.parquet`` beside the export), P(alive) against the
    planted alive/dead state: (figures, calibration table), or (None, None) for real data."""
    from kequn.data.runs import planted
    from kequn.models.clv_holdout import against_truth

    alive = planted(data_dir, privacy, "alive_at_end")
    if alive is None or life["p_alive"].isna().all():
        return None, None
    return against_truth(life, alive)


def clv_facts(vt: pd.DataFrame, lang: str) -> dict:
    c = vt["clv"].dropna().sort_values(ascending=False)
    top = c.iloc[: max(1, len(c) // 10)].sum() / c.sum() if c.sum() > 0 else np.nan
    return {
        t("v.clv_facts_mean", lang): fmt_money(c.mean(), lang),
        t("v.clv_facts_total", lang): fmt_money(c.sum(), lang),
        t("v.clv_facts_top", lang): fmt_pct(top, lang),
    }


def save_summary(processed_dir, figures: dict):
    from kequn.data.run_folder import save_figures

    return save_figures(processed_dir, "value", figures)


def spend_independence(btyd: pd.DataFrame) -> float | None:
    """Pearson correlation of repeat purchases and mean spend among repeat buyers: Gamma-Gamma
    assumes the two are independent (Fader & Hardie 2013 check it this way; CDNOW: 0.11)."""
    rep = btyd[(btyd["x"] > 0) & (btyd["m"] > 0)]
    if len(rep) < 3 or rep["x"].nunique() < 2 or rep["m"].nunique() < 2:
        return None
    return float(np.corrcoef(rep["x"], rep["m"])[0, 1])


# --- sections: what the notebook shows, one call per section (kequn.render.section) -----------


def inputs_section(run: str, quality: dict, features: pd.DataFrame, v: dict, lang: str) -> Section:
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
            t("v.horizon", lang): t("v.months", lang).format(n=v["horizon_months"]),
            t("v.discount", lang): fmt_pct(v["annual_discount_rate"], lang),
        }
    )
    sec.caveats(caveats(quality, ("customers", "orders"), lang), lang)
    if buyers == 0:
        sec.text("v.no_buyers", lang)
    return sec


def rfm_section(vt: pd.DataFrame, v: dict, lang: str) -> Section:
    """The named R × F segments: how scores are given, the table, the shares as bars."""
    from kequn.render import plotting

    tab = rfm_segment_table(vt, lang)
    sec = Section().markdown(t("vsec.rfm_note", lang).format(bins=v["rfm_bins"])).table(tab)
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


def eight_class_section(vt: pd.DataFrame, v: dict, lang: str) -> Section:
    """The eight RFM classes: where high and low are split (when anyone bought), the table."""
    sec = Section()
    if (vt["orders"] > 0).any():
        sec.markdown(cuts_sentence(vt.attrs["cuts"], v["rfm_cut"], lang))
    return sec.table(eight_class_table(vt, lang))


def tiers_section(vt: pd.DataFrame, v: dict, lang: str) -> Section:
    """The value pyramid: how customers are ranked, the tier table, customers against value."""
    from kequn.render import plotting

    basis = t(f"v.basis_{vt.attrs['basis']}", lang)
    tiers = tier_table(vt, v["tier_shares"], lang)
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


def concentration_section(vt: pd.DataFrame, curve, conc: dict, lang: str) -> Section:
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
    vt: pd.DataFrame,
    btyd: pd.DataFrame,
    models: Models,
    v: dict,
    rate: tuple[float, str],
    interval: pd.DataFrame | None,
    lang: str,
) -> Section:
    """How CLV is computed and which lifetime model was chosen, every model's parameters, the
    Gamma-Gamma independence check, the CLV figures with their interval and distribution."""
    from kequn.render import plotting

    sec = Section().markdown(
        t("vsec.clv_note", lang).format(
            rate=fmt_pct(v["annual_discount_rate"], lang),
            months=v["horizon_months"],
            margin=t(f"v.margin_{rate[1]}", lang).format(rate=fmt_pct(rate[0], lang)),
        )
    )
    sec.markdown(choice_sentence(models, lang))
    sec.heading("vsec.fits", lang, level=3).table(fits_table(models, lang))
    indep = spend_independence(btyd)
    if indep is not None and models.gg is not None:
        verdict = t("v.indep_ok" if abs(indep) < 0.3 else "v.indep_weak", lang)
        sec.markdown(t("v.independence", lang).format(r=f"{indep:.2f}", verdict=verdict))
    if not vt["clv"].notna().any():
        return sec.text("v.clv_missing", lang)
    facts = clv_facts(vt, lang)
    if interval is not None:
        facts[t("v.clv_facts_mean", lang)] = interval_text(interval.loc["all"], lang)
    sec.facts(facts)
    if interval is not None:
        sec.markdown(t("v.ci_note", lang).format(draws=int(interval["draws"].iloc[0])))
    return sec.chart(
        plotting.histogram,
        vt["clv"].clip(lower=1),
        t("v.clv_hist", lang),
        t("v.clv_axis", lang),
        t("v.customers_axis", lang),
    )


def holdout_errors(models: Models, hold: dict | None) -> dict | None:
    """The chosen model's holdout errors (``clv_holdout.errors``), None without a holdout."""
    from kequn.models.clv_holdout import errors

    h = hold.get(models.chosen) if hold else None
    return None if h is None else errors(h)


def holdout_section(
    models: Models,
    hold: dict | None,
    weekly: pd.DataFrame | None,
    why,
    check: dict | None,
    quality: dict,
    v: dict,
    lang: str,
) -> Section:
    """The holdout check of the chosen model: why there is none, or the split, the error
    figures, every model ranked, purchases by earlier frequency and the tracking curve."""
    from kequn.models import clv_holdout as ch
    from kequn.render import plotting

    sec = Section()
    h = hold.get(models.chosen) if hold else None
    if h is None:
        reason = t(why[0], lang).format(**why[1]) if why else choice_sentence(models, lang)
        return sec.markdown(t("vsec.holdout_none", lang).format(reason=reason))
    cal_end = (pd.Timestamp(quality["as_of"]) - pd.Timedelta(weeks=v["holdout_weeks"])).date()
    sec.markdown(
        t("vsec.holdout_note", lang).format(
            cal=cal_end, weeks=v["holdout_weeks"], as_of=quality["as_of"]
        )
    )
    sec.facts(error_facts(check, lang))
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
        ch.tracking(h, weekly),
        "period",
        actual_predicted,
        t("v.tracking", lang),
        t("v.week", lang),
        t("v.cum_purchases", lang),
        markers=False,
        integer_x=True,
    )


def truth_section(truth: dict | None, calibration: pd.DataFrame | None, lang: str) -> Section:
    """On the demo data only: P(alive) and churn risk against the planted alive/dead state."""
    from kequn.render import plotting

    sec = Section()
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
        calibration,
        "p_alive",
        {t("v.alive_share", lang): "alive"},
        t("v.truth_chart", lang),
        t("v.p_alive_band", lang),
        t("v.alive_share", lang),
        diagonal=t("v.equality", lang),
        pct=True,
    )


def lifecycle_section(vt: pd.DataFrame, v: dict, lang: str) -> Section:
    """The stage rules, customers per stage, the shares as bars."""
    from kequn.render import plotting

    tab = stage_table(vt, lang)
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


def by_segment_section(vt: pd.DataFrame, lang: str) -> Section:
    """Value and lifecycle mix per segment (per value tier while stage 02 has not run)."""
    from kequn.render import plotting

    sec = Section()
    if "segment" in vt:
        tab = by_group(vt, "segment", lang, t("v.segment", lang))
    else:
        sec.text("vsec.by_segment_none", lang)
        tab = by_group(vt, "tier", lang, t("v.tier", lang))
    stage_cols = [t(f"stage.{s}", lang) for s in lifecycle.STAGES]
    return sec.table(tab, pct=stage_cols).chart(
        plotting.heatmap,
        tab.set_index(tab.columns[0])[stage_cols],
        t("v.stage_chart", lang),
        t("v.stage", lang),
        tab.columns[0],
        fmt=".0%",
    )


def migration_figures(prev_run: str | None, prev: pd.DataFrame | None, vt: pd.DataFrame):
    """Against the previous run of the data set: its name, customers in both, how many slipped
    to a lower tier or lapsed (``slipped``); None on a data set's first run."""
    return None if prev is None else {"run": prev_run, **slipped(prev, vt)}


def migration_section(prev: pd.DataFrame | None, vt: pd.DataFrame, moved, lang: str) -> Section:
    """Customers who moved between lifecycle stages and value tiers since the previous run."""
    from kequn.data.runs import migration
    from kequn.render import plotting

    sec = Section()
    if moved is None:
        return sec.text("v.migration_none", lang)
    sec.markdown(
        t("v.migration_facts", lang).format(
            run=moved["run"],
            both=fmt_int(moved["customers_both"], lang),
            down=fmt_int(moved["tier_down"], lang),
            lapsed=fmt_int(moved["lapsed"], lang),
        )
    )
    for col, order, title in (
        ("stage", lifecycle.STAGES, "v.migration_stage"),
        ("tier", value.TIERS, "v.migration_tier"),
    ):
        sec.chart(
            plotting.heatmap,
            migration_table(migration(prev, vt, col, order), col, lang),
            t(title, lang),
            t("v.now", lang),
            t("v.before", lang),
            fmt=",.0f",
        )
    return sec
