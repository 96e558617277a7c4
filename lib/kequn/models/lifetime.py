"""Each buyer's lifetime figures from fitted models: P(alive), the risk of no purchase in the
run's window, expected purchases and spend, and the discounted CLV over the horizon. One
function, run in this process by stage 03 and on each Spark executor's batch
(``spark_scores.lifetime``), so both engines give the same numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kequn.models import clv, lifecycle

WEEKS_PER_MONTH = 365.25 / 12 / 7


def score_buyers(btyd: pd.DataFrame, models, v: dict, rate: float) -> pd.DataFrame:
    """``btyd`` (customer_id, x, t_x, T, m) with p_alive, churn_risk, expected_purchases,
    expected_spend and clv from ``models`` (``.bg``/``.gg`` fits with ``.params``, ``.chosen``
    the purchase model's key; all NaN without a fit), the value settings ``v`` (horizon,
    lifecycle risk window, yearly discount rate) and the margin ``rate``."""
    out = btyd[["customer_id", "x", "t_x", "T", "m"]].copy()
    for c in ("p_alive", "churn_risk", "expected_purchases", "expected_spend", "clv"):
        out[c] = np.nan
    if models.bg is None or out.empty:
        return out
    bg, key = list(models.bg.params.values()), models.chosen
    lc = {**lifecycle.DEFAULTS, **v["lifecycle"]}
    horizon = v["horizon_months"] * WEEKS_PER_MONTH
    x, tx, T = out["x"], out["t_x"], out["T"]
    out["p_alive"] = clv.p_alive(bg, x, tx, T, key)
    out["churn_risk"] = clv.p_no_purchase(bg, lc["risk_days"] / 7, x, tx, T, key)
    out["expected_purchases"] = clv.expected_purchases(bg, horizon, x, tx, T, key)
    if models.gg is not None:
        gg = list(models.gg.params.values())
        out["expected_spend"] = clv.expected_spend(gg, x, out["m"])
        out["clv"] = clv.discounted_value(
            bg,
            gg,
            x,
            tx,
            T,
            out["m"],
            horizon=horizon,
            step=WEEKS_PER_MONTH,
            discount_rate=monthly_discount(v),
            margin=rate,
            model=key,
        )
    return out


def monthly_discount(v: dict) -> float:
    """The monthly discount rate of the value settings' yearly one."""
    from kequn.models.clv import monthly_rate  # one conversion of the yearly rate, the public API's

    return monthly_rate(v["annual_discount_rate"])


def fit_distinct(hist: pd.DataFrame, spend: pd.DataFrame) -> dict:
    """The lifetime models on distinct purchase histories: every purchase model of
    ``clv_holdout.FITTERS`` on ``hist`` (x, t_x, T, n: n buyers each) and Gamma-Gamma on
    ``spend`` (x, m, n), as ``spark_engine.distinct_histories`` collects them from a cluster.
    The same fits as on the per-buyer summary (the likelihoods are sums over distinct rows
    either way). Returns the fields of stage 03's ``Models``: fits, gg, errors (model key →
    ``FitError`` code), details, weeks (the longest history, T)."""
    from kequn.models.clv_holdout import FITTERS

    out = {
        "fits": {},
        "gg": None,
        "errors": {},
        "details": {},
        "weeks": float(hist["T"].max()) if len(hist) else 0.0,
    }
    for key in clv.MODELS:
        try:
            out["fits"][key] = FITTERS[key](hist["x"], hist["t_x"], hist["T"], weights=hist["n"])
        except clv.FitError as e:
            out["errors"][key], out["details"][key] = e.code, e.detail
    try:
        out["gg"] = clv.fit_gamma_gamma(spend["x"], spend["m"], weights=spend["n"])
    except clv.FitError as e:
        out["errors"]["gamma_gamma"] = e.code
    return out
