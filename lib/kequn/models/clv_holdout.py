"""Does the lifetime model predict? A calibration/holdout check by date, as in the BTYD
literature: fit on purchases up to a calibration end, predict the holdout that followed,
compare with what customers actually did.

- ``by_frequency``: mean holdout purchases, actual vs predicted, per calibration frequency
  (0, 1, … ``top``+), the conditional-expectations plot of Fader, Hardie & Lee (2005);
- ``tracking``: cumulative holdout purchases per period, actual vs predicted;
- ``errors``: per-customer MAE / RMSE / correlation against a naive "same rate as before"
  forecast, total purchases and value, and churn risk (P(no purchase)) as a classifier
  (AUC, Brier score);
- ``against_truth``: on generated data, P(alive) against the planted alive/dead state;
- ``compare`` / ``choose``: every lifetime model fitted on the same calibration period and the
  one that predicts the holdout best (``RULE``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, roc_auc_score

from kequn.models import clv

FITTERS = {
    "bgnbd": clv.fit_bgnbd,
    "mbgnbd": clv.fit_mbgnbd,
    "pareto_nbd": clv.fit_pareto_nbd,
    "nbd": clv.fit_nbd,
}
# The holdout rule: the lowest mean absolute error of holdout purchases per customer; models within
# 1% of it are tied, and the tie goes to the smallest error of the total.
RULE_TIE = 0.01


@dataclass
class Holdout:
    """The calibration summary (with predictions), its fits and the holdout length (time units);
    ``bg`` is the lifetime model fitted (key ``model``: BG/NBD unless asked otherwise)."""

    cal: pd.DataFrame
    bg: clv.Fit
    gg: clv.Fit | None
    length: float
    model: str = "bgnbd"


def fit_calibration(cal: pd.DataFrame, length: float, model: str = "bgnbd") -> Holdout:
    """Fit ``model`` (a key of ``clv.MODELS``; Gamma-Gamma too when possible) on ``cal``
    (``features.btyd_summary`` with a calibration end) and add predicted, naive, p_none
    (P(no purchase)) and, with spend, value_predicted columns for the holdout of ``length``
    time units."""
    bg = FITTERS[model](cal["x"], cal["t_x"], cal["T"])
    p = list(bg.params.values())
    out = cal.copy()
    out["predicted"] = clv.expected_purchases(p, length, out["x"], out["t_x"], out["T"], model)
    out["naive"] = out["x"] / out["T"] * length
    out["p_none"] = clv.p_no_purchase(p, length, out["x"], out["t_x"], out["T"], model)
    try:
        gg = clv.fit_gamma_gamma(out["x"], out["m"])
        out["value_predicted"] = out["predicted"] * clv.expected_spend(
            list(gg.params.values()), out["x"], out["m"]
        )
    except clv.FitError:
        gg = None
    return Holdout(out, bg, gg, length, model)


def compare(cal: pd.DataFrame, length: float, models=clv.MODELS) -> tuple[dict, dict]:
    """Each of ``models`` fitted on the same calibration period: ({key: Holdout}, {key:
    FitError}) for those that fitted and those the calibration data could not identify."""
    fitted, failed = {}, {}
    for key in models:
        try:
            fitted[key] = fit_calibration(cal, length, key)
        except clv.FitError as e:
            failed[key] = e
    return fitted, failed


def choose(holds: dict) -> tuple[str | None, dict]:
    """The model that predicts the holdout best, and each model's figures (mae, total_error,
    one_time_error: mean predicted − actual holdout purchases of one-time buyers): the lowest
    per-customer MAE; models within ``RULE_TIE`` (relative) of it are tied and the tie goes to
    the smallest absolute error of the total."""
    scores = {}
    for key, h in holds.items():
        e = errors(h)
        one = h.cal[h.cal["x"] == 0]
        scores[key] = {
            "mae": e["mae"],
            "total_error": e["total_error"],
            "one_time_error": float(one["predicted"].mean() - one["x_holdout"].mean())
            if len(one)
            else None,
        }
    if not scores:
        return None, scores
    best = min(s["mae"] for s in scores.values())
    tied = [k for k, s in scores.items() if s["mae"] <= best * (1 + RULE_TIE)]
    return min(tied, key=lambda k: abs(scores[k]["total_error"])), scores


def by_frequency(h: Holdout, top: int = 7) -> pd.DataFrame:
    """Columns x (calibration repeat purchases; ``top`` stands for top and more), customers,
    actual, predicted (mean holdout purchases per customer)."""
    c = h.cal
    bucket = np.minimum(c["x"], top)
    g = c.groupby(bucket).agg(
        customers=("x", "size"), actual=("x_holdout", "mean"), predicted=("predicted", "mean")
    )
    return g.rename_axis("x").reset_index()


def tracking(h: Holdout, weekly: pd.DataFrame) -> pd.DataFrame:
    """Columns period, actual, predicted: cumulative holdout purchases of all calibration
    customers after each period (``weekly`` from ``features.holdout_weekly``)."""
    c = h.cal
    p = list(h.bg.params.values())
    pred = clv.expected_total_purchases(
        p, weekly["period"].to_numpy(dtype="float64"), c["x"], c["t_x"], c["T"], h.model
    )
    return pd.DataFrame(
        {"period": weekly["period"], "actual": weekly["purchases"].cumsum(), "predicted": pred}
    )


def errors(h: Holdout) -> dict:
    """Error figures of the holdout forecast (see the module docstring)."""
    c = h.cal
    a, pr, nv = (c[k].to_numpy(dtype="float64") for k in ("x_holdout", "predicted", "naive"))
    none = a == 0
    out = {
        "customers": int(len(c)),
        "actual_total": float(a.sum()),
        "predicted_total": float(pr.sum()),
        "total_error": float(pr.sum() / a.sum() - 1) if a.sum() > 0 else float("nan"),
        "mae": float(np.abs(pr - a).mean()),
        "rmse": float(np.sqrt(((pr - a) ** 2).mean())),
        "naive_mae": float(np.abs(nv - a).mean()),
        "correlation": float(np.corrcoef(pr, a)[0, 1])
        if a.std() > 0 and pr.std() > 0
        else float("nan"),
        "churn_auc": float(roc_auc_score(none, c["p_none"]))
        if 0 < none.sum() < len(none)
        else float("nan"),
        "churn_brier": float(brier_score_loss(none, c["p_none"])),
        "quiet_share": float(none.mean()),
        "quiet_predicted": float(c["p_none"].mean()),
    }
    if "value_predicted" in c and "m_holdout" in c:
        v = c["m_holdout"].to_numpy(dtype="float64")
        out["value_actual"] = float(v.sum())
        out["value_predicted"] = float(c["value_predicted"].sum())
        out["value_error"] = (
            float(out["value_predicted"] / v.sum() - 1) if v.sum() > 0 else float("nan")
        )
    return out


def against_truth(
    life: pd.DataFrame, alive: pd.Series, bins: int = 10
) -> tuple[dict, pd.DataFrame]:
    """The lifetime figures against the planted truth (``alive`` indexed by customer_id).

    ``life``: customer_id, x, p_alive, churn_risk per buyer. Figures: AUC of churn risk for
    the truly inactive (all buyers), AUC of P(alive) for the truly active among repeat buyers,
    mean P(alive) vs the share truly active (repeat buyers), and per P(alive) decile of repeat
    buyers the share truly active. One-time buyers are left out of the P(alive) figures: BG/NBD
    lets customers drop out only after a repeat purchase, so their P(alive) is 1 by assumption."""
    df = (
        life.set_index("customer_id")[["x", "p_alive", "churn_risk"]]
        .join(alive.rename("alive").astype(float), how="inner")
        .dropna()
    )
    rep = df[df["x"] > 0]
    auc = lambda y, s: float(roc_auc_score(y, s)) if y.nunique() == 2 else float("nan")  # noqa: E731
    figs = {
        "customers": int(len(df)),
        "repeat_buyers": int(len(rep)),
        "churn_auc": auc(1 - df["alive"], df["churn_risk"]),
        "p_alive_auc": auc(rep["alive"], rep["p_alive"]),
        "mean_p_alive": float(rep["p_alive"].mean()),
        "share_alive": float(rep["alive"].mean()),
    }
    band = pd.qcut(rep["p_alive"].rank(method="first"), min(bins, len(rep)), labels=False)
    cal = (
        rep.groupby(band)
        .agg(p_alive=("p_alive", "mean"), alive=("alive", "mean"), customers=("p_alive", "size"))
        .reset_index(drop=True)
    )
    return figs, cal
