"""The lifetime models of stage 03 and each buyer's figures from them.

- ``fit_models``: BG/NBD, MBG/NBD, Pareto/NBD, the NBD and Gamma-Gamma fitted on the whole
  history with the public API's estimators (``kequn.models.btyd``, exported from ``kequn``), so
  an analyst's notebook and the report get the same numbers; a model the data cannot identify
  is refused with its reason, never NaN. ``choose`` picks the one used (holdout, else AIC).
- ``score_buyers``: P(alive), the risk of no purchase in the run's window, expected purchases
  and spend, and the discounted CLV over the horizon. One function, run in this process and on
  each Spark executor's batch (``spark_scores.lifetime``), so both engines give the same
  numbers; ``lifetime`` hands it to Spark under ``engine: spark``.
- ``btyd_for_run``, ``margin_rate``, ``with_first_day_buyers``, ``clv_interval``, ``spend_independence`` and
  ``model_facts`` (value.json's account of the models).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kequn.data.settings import ValueSettings
from kequn.models import clv
from kequn.models.btyd import ESTIMATORS, BetaGeo, GammaGamma

WEEKS_PER_MONTH = 365.25 / 12 / 7


@dataclass
class Models:
    """The lifetime models fitted on the whole history and the one chosen.

    ``fits``: model key (``clv.MODELS``) → fitted estimator (``BetaGeo`` …) for the models
    accepted; ``gg``: the fitted ``GammaGamma`` (None when refused); ``errors``: model key →
    ``FitError`` code for those refused (``details``: the values their message names);
    ``chosen``: the key used for P(alive), churn risk and CLV, by ``rule`` ("holdout" or
    "likelihood"); ``scores``: per candidate, log_likelihood and aic, and mae, total_error,
    one_time_error on the holdout; ``weeks``: the longest history; ``bg`` is the chosen fit
    (None when nothing fits)."""

    fits: dict[str, BetaGeo] = field(default_factory=dict)
    gg: GammaGamma | None = None
    errors: dict = field(default_factory=dict)
    details: dict = field(default_factory=dict)
    chosen: str | None = None
    rule: str | None = None
    scores: dict = field(default_factory=dict)
    weeks: float = 0.0

    @property
    def bg(self) -> BetaGeo | None:
        return self.fits.get(self.chosen) if self.chosen else None


def btyd_for_run(processed_dir, as_of, calibration_end=None) -> pd.DataFrame:
    """The run's per-buyer BTYD summary in weeks (``features.btyd_summary`` of its clean
    tables), up to ``calibration_end`` when given."""
    from kequn.data.features import btyd_summary
    from kequn.data.paths import RunFolder

    return btyd_summary(RunFolder.of(processed_dir).clean, as_of, calibration_end)


def fit_models(btyd: pd.DataFrame) -> Models:
    """Every purchase model of ``clv.MODELS`` and Gamma-Gamma fitted on ``btyd`` (x, t_x, T, m
    per buyer, weeks); a model the data cannot identify is refused with its reason
    (``clv.FitError`` code and detail). The choice is by likelihood until ``choose`` sees a
    holdout."""
    m = Models(weeks=float(btyd["T"].max()) if len(btyd) else 0.0)
    fitted, failed = fit_purchase_models(btyd, clv.MODELS)
    m.fits = fitted
    for key, e in failed.items():
        m.errors[key], m.details[key] = e.code, e.detail
    try:
        m.gg = GammaGamma().fit(btyd["x"], btyd["m"])
    except clv.FitError as e:
        m.errors["gamma_gamma"] = e.code
    return choose(m, None)


def fit_purchase_models(btyd: pd.DataFrame, keys) -> tuple[dict, dict]:
    """The purchase models ``keys`` (of ``clv.MODELS``) fitted on ``btyd`` (x, t_x, T per
    buyer), checked and collapsed into distinct histories once for all of them
    (``clv.histories``): ({key: fitted estimator}, {key: ``clv.FitError``})."""
    try:
        hist = clv.histories(btyd["x"], btyd["t_x"], btyd["T"])
    except clv.FitError as e:  # the data every model would have refused
        return {}, {key: e for key in keys}
    fitted, failed = {}, {}
    for key in keys:
        try:
            fitted[key] = ESTIMATORS[key]().fit(hist)
        except clv.FitError as e:
            failed[key] = e
    return fitted, failed


def choose(models: Models, holds: dict | None) -> Models:
    """Set ``models.chosen``, ``rule`` and ``scores`` (and return ``models``). With holdout fits
    (``clv_holdout.holdout_check``) of accepted models: the best holdout prediction
    (``clv_holdout.choose``: lowest MAE per customer, ties within 1% to the smallest error of
    the total). Otherwise the lowest AIC (2k − 2 log L; the three models with dropout have four
    parameters, the NBD two)."""
    from kequn.models.clv_holdout import choose as by_holdout

    models.scores = {
        k: {"log_likelihood": f.log_likelihood_, "aic": f.aic_} for k, f in models.fits.items()
    }
    models.chosen, models.rule = None, None
    if not models.fits:
        return models
    ranked = {k: h for k, h in (holds or {}).items() if k in models.fits}
    if ranked:
        best, figs = by_holdout(ranked)
        for k, f in figs.items():
            models.scores[k].update(f)
        models.chosen, models.rule = best, "holdout"
    else:
        models.chosen = min(models.fits, key=lambda k: models.fits[k].aic_)
        models.rule = "likelihood"
    return models


@dataclass(frozen=True)
class Margin:
    """The share of spend that is profit, used for CLV, and where it comes from: "setting"
    (``value.margin``), "cost" (margin ÷ revenue of the whole base) or "revenue" (1: CLV in
    revenue)."""

    rate: float
    source: str


def margin_rate(features: pd.DataFrame, setting: float | None) -> Margin:
    """The setting when given, else margin ÷ revenue of the whole base (clipped to 0–1) when
    the data has cost, else 1."""
    if setting is not None:
        return Margin(float(setting), "setting")
    if "margin" in features and features["margin"].notna().any() and features["revenue"].sum() > 0:
        return Margin(
            float(np.clip(features["margin"].sum() / features["revenue"].sum(), 0, 1)), "cost"
        )
    return Margin(1.0, "revenue")


def score_buyers(btyd: pd.DataFrame, models: Models, v: ValueSettings, rate: float) -> pd.DataFrame:
    """``btyd`` (customer_id, x, t_x, T, m) with p_alive, churn_risk (P(no purchase in
    ``v.lifecycle.risk_days``)), expected_purchases (over ``v.horizon_months``), expected_spend
    and clv (discounted at ``v.annual_discount_rate`` a year, × the margin ``rate``) from
    ``models`` (the chosen estimator ``.bg`` and ``.gg``; all NaN without a fit)."""
    base = btyd[["customer_id", "x", "t_x", "T", "m"]]
    sc = dict.fromkeys(SCORES, np.full(len(base), np.nan))
    bg, gg = models.bg, models.gg
    if bg is not None and len(base):
        sc.update(_scores(base, bg, gg, v, rate))
    # one frame built at once (one block per dtype): adding five columns to a copy left
    # blocks that pandas merged again on every later copy (set_index, the truth check)
    return pd.DataFrame({**{c: base[c].array for c in base}, **sc}, index=base.index)


SCORES = ("p_alive", "churn_risk", "expected_purchases", "expected_spend", "clv")


def _scores(base: pd.DataFrame, bg, gg, v: ValueSettings, rate: float) -> dict:
    """``score_buyers``' columns (``SCORES``) of ``base`` from the fits ``bg`` and ``gg``."""
    x, tx, T = base["x"], base["t_x"], base["T"]
    # P(alive), churn risk and expected purchases depend on (x, t_x, T) alone: computed once per
    # distinct history and given to each buyer (the same numbers; at 10M buyers the per-buyer
    # scores were 1,049 s of 1,480 s, and 3M buyers had 2.2x fewer distinct histories)
    if not (x.isna().any() or tx.isna().any() or T.isna().any()):
        row, (hx, ht, hT) = clv._distinct(x, tx, T)
    else:
        row, (hx, ht, hT) = np.arange(len(base)), (x, tx, T)
    alive = np.asarray(bg.p_alive(hx, ht, hT))  # once: the other scores take it
    out = {
        "p_alive": alive[row],
        "churn_risk": np.asarray(
            bg.p_no_purchase(v.lifecycle.risk_days / 7, hx, ht, hT, alive=alive)
        )[row],
        "expected_purchases": np.asarray(
            bg.expected_purchases(v.horizon_months * WEEKS_PER_MONTH, hx, ht, hT, alive=alive)
        )[row],
    }
    if gg is not None:
        out["expected_spend"] = gg.expected_spend(x, base["m"])
        out["clv"] = bg.clv(
            x,
            tx,
            T,
            base["m"],
            spend=gg,
            horizon_months=v.horizon_months,
            annual_discount_rate=v.annual_discount_rate,
            margin=rate,
            freq="W",
            alive=out["p_alive"],
        )
    return out


def lifetime(btyd: pd.DataFrame, models: Models, v: ValueSettings, rate: float) -> pd.DataFrame:
    """``score_buyers``, on the executors under ``engine: spark`` (``spark_scores.lifetime``:
    the same function per batch), rows in ``btyd``'s order either way."""
    from kequn.data.engine import current

    if current()[0] == "spark" and models.bg is not None and len(btyd):
        from kequn.data.spark_engine import session_of_engine
        from kequn.models.spark_scores import lifetime as on_spark

        got = on_spark(session_of_engine(), btyd, models, v, rate).toPandas()
        got = got.set_index("customer_id").loc[btyd["customer_id"]].reset_index()
        return got.set_axis(btyd.index).astype(
            {c: btyd[c].dtype for c in ("x", "t_x", "T", "m") if c in btyd}
        )
    return score_buyers(btyd, models, v, rate)


def with_first_day_buyers(btyd: pd.DataFrame, features: pd.DataFrame) -> pd.DataFrame:
    """The BTYD summary plus the buyers whose first purchase is on the as-of day (T = 0: no
    history to fit on, but the fitted models give them P(alive), churn risk and CLV) as x = 0,
    t_x = 0, T = 0. Fits use ``btyd`` alone."""
    rec = pd.to_numeric(features["recency_days"], errors="coerce")
    span = (
        pd.to_numeric(features["active_days"], errors="coerce") if "active_days" in features
        else rec * 0
    )  # fmt: skip
    f = features.loc[(features["orders"] > 0) & (rec == 0) & (span.fillna(0) == 0), ["customer_id"]]
    # the few first-day buyers looked up among the buyers, not a million customers
    new = f[~f["customer_id"].isin(btyd["customer_id"])]
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
    btyd: pd.DataFrame, models: Models, v: ValueSettings, rate: float, groups, draws: int = 200
) -> pd.DataFrame | None:
    """Mean CLV per group (``groups``: a label per row of ``btyd``) and over all buyers (row
    "all"), each with its 95% interval from the parameters' sampling distribution
    (``BetaGeo.clv_interval``, ``draws`` parameter sets); None without a chosen model,
    Gamma-Gamma or a covariance."""
    if models.bg is None or models.gg is None or btyd.empty:
        return None
    return models.bg.clv_interval(
        btyd["x"],
        btyd["t_x"],
        btyd["T"],
        btyd["m"],
        spend=models.gg,
        groups=groups,
        horizon_months=v.horizon_months,
        annual_discount_rate=v.annual_discount_rate,
        margin=rate,
        freq="W",
        draws=draws,
    )


def spend_independence(btyd: pd.DataFrame) -> float | None:
    """Pearson correlation of repeat purchases and mean spend among repeat buyers: Gamma-Gamma
    assumes the two are independent (Fader & Hardie 2013 check it this way; CDNOW: 0.11)."""
    rep = btyd[(btyd["x"] > 0) & (btyd["m"] > 0)]
    if len(rep) < 3 or rep["x"].nunique() < 2 or rep["m"].nunique() < 2:
        return None
    return float(np.corrcoef(rep["x"], rep["m"])[0, 1])


RULE_TEXT = {
    "holdout": "lowest mean absolute error of holdout purchases per customer (ties within 1%: "
    "smallest error of the total)",
    "likelihood": "lowest AIC = 2k - 2 log L on the whole history (no holdout: history too short)",
}
INTERVAL_METHOD = (
    "parameter sets drawn from a multivariate normal in log-parameter space with the "
    "inverse Hessian of the log-likelihood at the optimum (purchase model and "
    "Gamma-Gamma); 2.5/97.5 percentiles of the mean CLV"
)


def model_facts(models: Models, reasons: dict, interval: pd.DataFrame | None = None) -> dict:
    """value.json's account of the lifetime model: chosen, rule (stated), candidates' figures,
    the models refused with ``reasons`` (model key → sentence) and the basis of the CLV
    interval."""
    return {
        "chosen": models.chosen,
        "rule": models.rule,
        "rule_text": RULE_TEXT.get(models.rule),
        "candidates": {
            k: {n: (float(x) if x is not None else None) for n, x in s.items()}
            for k, s in models.scores.items()
        },
        "refused": {
            k: {"code": models.errors[k], "reason": reasons[k]}
            for k in (*clv.MODELS, "gamma_gamma")
            if k in models.errors
        },
        "history_weeks": models.weeks,
        "interval": None
        if interval is None
        else {
            "level": 0.95,
            "draws": int(interval["draws"].iloc[0]),
            "method": INTERVAL_METHOD,
        },
    }


def params_of(fit) -> dict | None:
    """A fitted estimator's parameters as floats, None for a model refused."""
    return {k: float(x) for k, x in fit.params_.items()} if fit is not None else None


def fit_distinct(hist: pd.DataFrame, spend: pd.DataFrame) -> Models:
    """``fit_models`` on distinct purchase histories, as ``spark_engine.distinct_histories``
    collects them from a cluster: every purchase model on ``hist`` (x, t_x, T, n: n buyers
    each) and Gamma-Gamma on ``spend`` (x, m, n). The same fits as on the per-buyer summary
    (the likelihoods are sums over distinct rows either way), through the same estimators."""
    m = Models(weeks=float(hist["T"].max()) if len(hist) else 0.0)
    for key in clv.MODELS:
        try:
            m.fits[key] = ESTIMATORS[key]().fit(
                hist["x"], hist["t_x"], hist["T"], weights=hist["n"]
            )
        except clv.FitError as e:
            m.errors[key], m.details[key] = e.code, e.detail
    try:
        m.gg = GammaGamma().fit(spend["x"], spend["m"], weights=spend["n"])
    except clv.FitError as e:
        m.errors["gamma_gamma"] = e.code
    return choose(m, None)
