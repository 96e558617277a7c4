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
  one that predicts the holdout best (``RULE``);
- ``holdout_check`` / ``truth_check``: both for a run's folder, as stage 03 shows them;
  ``fit_with_holdout``: the models and their holdout check at once, on two cores.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, roc_auc_score

from kequn.models import clv
from kequn.models.btyd import ESTIMATORS, BetaGeo, GammaGamma

# The holdout rule: the lowest mean absolute error of holdout purchases per customer; models within
# 1% of it are tied, and the tie goes to the smallest error of the total.
RULE_TIE = 0.01


@dataclass
class Holdout:
    """The calibration summary (with predictions), its fits and the holdout length (time units);
    ``bg`` is the lifetime model fitted (an estimator of ``btyd``, key ``model``: BG/NBD unless
    asked otherwise), ``gg`` the Gamma-Gamma fit (None when refused)."""

    cal: pd.DataFrame
    bg: BetaGeo
    gg: GammaGamma | None
    length: float
    model: str = "bgnbd"


def fit_calibration(cal: pd.DataFrame, length: float, model: str = "bgnbd") -> Holdout:
    """Fit ``model`` (a key of ``clv.MODELS``; Gamma-Gamma too when possible) on ``cal``
    (``features.btyd_summary`` with a calibration end) and add predicted, naive, p_none
    (P(no purchase)) and, with spend, value_predicted columns for the holdout of ``length``
    time units."""
    bg = ESTIMATORS[model]().fit(cal["x"], cal["t_x"], cal["T"])
    return predicted(cal, length, bg, spend_fit(cal), model)


def spend_fit(cal: pd.DataFrame) -> GammaGamma | None:
    """Gamma-Gamma fitted on the calibration period (x, m), None when refused."""
    try:
        return GammaGamma().fit(cal["x"], cal["m"])
    except clv.FitError:
        return None


def predicted(cal: pd.DataFrame, length: float, bg: BetaGeo, gg: GammaGamma | None,
              model: str) -> Holdout:  # fmt: skip
    """The ``Holdout`` of the purchase model ``bg`` (key ``model``) and spend model ``gg``
    fitted on ``cal``: its predictions for the holdout of ``length`` time units."""
    out = cal.copy()
    # both depend on (x, t_x, T) alone: once per distinct history, given to each customer (the
    # same numbers; 830k calibration customers share ~540k histories)
    x, tx, T = out["x"], out["t_x"], out["T"]
    if x.isna().any() or tx.isna().any() or T.isna().any():
        row, (hx, ht, hT) = np.arange(len(out)), (x, tx, T)
    else:
        row, (hx, ht, hT) = clv._distinct(x, tx, T)
    alive = np.asarray(bg.p_alive(hx, ht, hT))  # once for both
    out["predicted"] = np.asarray(bg.expected_purchases(length, hx, ht, hT, alive=alive))[row]
    out["naive"] = out["x"] / out["T"] * length
    out["p_none"] = np.asarray(bg.p_no_purchase(length, hx, ht, hT, alive=alive))[row]
    if gg is not None:
        out["value_predicted"] = out["predicted"] * gg.expected_spend(out["x"], out["m"])
    return Holdout(out, bg, gg, length, model)


def compare(cal: pd.DataFrame, length: float, models=clv.MODELS) -> tuple[dict, dict]:
    """Each of ``models`` fitted on the same calibration period: ({key: Holdout}, {key:
    FitError}) for those that fitted and those the calibration data could not identify. The
    histories are collapsed once and Gamma-Gamma (the same for every model) fitted once."""
    from kequn.models.lifetime import fit_purchase_models

    fits, failed = fit_purchase_models(cal, models)
    if not fits:
        return {}, failed
    gg = spend_fit(cal)
    return {key: predicted(cal, length, bg, gg, key) for key, bg in fits.items()}, failed


def choose(holds: dict) -> tuple[str | None, dict]:
    """The model that predicts the holdout best, and each model's figures (mae, total_error,
    one_time_error: mean predicted − actual holdout purchases of one-time buyers): the lowest
    per-customer MAE; models within ``RULE_TIE`` (relative) of it are tied and the tie goes to
    the smallest absolute error of the total."""
    scores = {}
    for key, h in holds.items():
        e = _point_errors(h)  # not ``errors``: its AUC sorts every customer, per model
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
    p = list(h.bg.params_.values())
    pred = clv.expected_total_purchases(
        p, weekly["period"].to_numpy(dtype="float64"), c["x"], c["t_x"], c["T"], h.model
    )
    return pd.DataFrame(
        {"period": weekly["period"], "actual": weekly["purchases"].cumsum(), "predicted": pred}
    )


def _point_errors(h: Holdout) -> dict:
    """The errors of the holdout purchases that rank the models (``choose``): total_error and
    mae, as ``errors`` computes them."""
    a, pr = (h.cal[k].to_numpy(dtype="float64") for k in ("x_holdout", "predicted"))
    return {
        "total_error": float(pr.sum() / a.sum() - 1) if a.sum() > 0 else float("nan"),
        "mae": float(np.abs(pr - a).mean()),
    }


def errors(h: Holdout) -> dict:
    """Error figures of the holdout forecast (see the module docstring)."""
    c = h.cal
    a, pr, nv = (c[k].to_numpy(dtype="float64") for k in ("x_holdout", "predicted", "naive"))
    none = a == 0
    out = {
        "customers": int(len(c)),
        "actual_total": float(a.sum()),
        "predicted_total": float(pr.sum()),
        **_point_errors(h),
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
        life[["customer_id", "x", "p_alive", "churn_risk"]]
        .set_index("customer_id")  # the columns first: set_index copies the whole frame
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


@dataclass
class HoldoutCheck:
    """The holdout check of a run: ``holds`` (model key → ``Holdout``, the models fitted on the
    calibration period), ``weekly`` (purchases per holdout week, ``features.holdout_weekly``),
    or, when there is none, ``why``: the catalogue key of the reason and its values."""

    holds: dict = field(default_factory=dict)
    weekly: pd.DataFrame | None = None
    why: tuple[str, dict] | None = None

    def errors(self, model: str | None) -> dict | None:
        """``errors`` of ``model``'s holdout (the chosen one's, for value.json), None without."""
        h = self.holds.get(model) if model else None
        return None if h is None else errors(h)


def holdout_check(processed_dir, as_of, weeks: int, models=None) -> HoldoutCheck:
    """The calibration/holdout split ``weeks`` before ``as_of`` of the run in ``processed_dir``:
    every model accepted on the whole history (``models.fits``; all of ``clv.MODELS`` when
    None) fitted on the calibration period. No holdout when ``weeks`` is 0, the history is
    shorter than the holdout or no model fits the calibration period (``why`` says which)."""
    keys = list(models.fits) if models is not None else list(clv.MODELS)
    return calibration_fits(processed_dir, as_of, weeks, keys).check(keys)


def fit_with_holdout(btyd: pd.DataFrame, processed_dir, as_of, weeks: int):
    """``lifetime.fit_models(btyd)`` and ``holdout_check(processed_dir, as_of, weeks, models)``
    on two cores: (models, check), the same as one after the other.

    The two are independent until the check keeps the models the whole history accepted: the
    whole history's fits run in a worker (``parallel.beside``) while this process fits every
    model on the calibration period; a model refused on the whole history (rare) was fitted on
    the calibration period for nothing and is dropped. Stage 03 at 1M customers: ~17 s one
    after the other, ~12 s side by side."""
    from kequn.models.lifetime import fit_models
    from kequn.models.parallel import beside

    whole = beside(fit_models, btyd)
    cal = calibration_fits(processed_dir, as_of, weeks, list(clv.MODELS))
    models = whole.result()
    return models, cal.check(list(models.fits))


@dataclass
class CalibrationFits:
    """``holdout_check``'s fits on the calibration period, before it keeps those of the models
    the whole history accepted (``check``)."""

    holds: dict = field(default_factory=dict)
    failed: dict = field(default_factory=dict)
    why: tuple[str, dict] | None = None
    processed_dir: object = None
    end: pd.Timestamp | None = None
    cal_end: pd.Timestamp | None = None

    def check(self, keys) -> HoldoutCheck:
        """The ``HoldoutCheck`` of the models ``keys``: their holdouts and the weekly curve;
        without one, the reason (the first refusal among ``keys``, in ``clv.MODELS`` order)."""
        from kequn.data.features import holdout_weekly
        from kequn.data.paths import RunFolder

        if self.why is not None:
            return HoldoutCheck(why=self.why)
        holds = {k: h for k, h in self.holds.items() if k in keys}
        if not holds:
            e = next((e for k, e in self.failed.items() if k in keys), None)
            return HoldoutCheck(why=(f"fiterr.{e.code}" if e else "v.holdout_none_fit", {}))
        weekly = holdout_weekly(RunFolder.of(self.processed_dir).clean, self.end, self.cal_end)
        return HoldoutCheck(holds, weekly, None)


def calibration_fits(processed_dir, as_of, weeks: int, keys) -> CalibrationFits:
    """The models ``keys`` (of ``clv.MODELS``) fitted on the calibration period ``weeks``
    before ``as_of``, with their holdout predictions (``compare``); ``why`` when there is no
    holdout (``weeks`` 0, a history shorter than the holdout)."""
    from kequn.models.lifetime import btyd_for_run

    if weeks <= 0:
        return CalibrationFits(why=("v.holdout_off", {}))
    end = pd.Timestamp(as_of)
    cal_end = end - pd.Timedelta(weeks=weeks)
    cal = btyd_for_run(processed_dir, as_of, cal_end)
    if cal.empty or cal["T"].max() < weeks:
        return CalibrationFits(why=("v.holdout_short", {"weeks": weeks}))
    holds, failed = compare(cal, (end.normalize() - cal_end.normalize()).days / 7, keys)
    return CalibrationFits(holds, failed, None, processed_dir, end, cal_end)


@dataclass
class TruthCheck:
    """P(alive) and churn risk against the planted alive/dead state (``against_truth``):
    ``figures`` (customers, repeat_buyers, churn_auc, p_alive_auc, mean_p_alive, share_alive)
    and ``calibration`` (per P(alive) band, the share truly alive); both None for real data."""

    figures: dict | None = None
    calibration: pd.DataFrame | None = None


def truth_check(data_dir, privacy, life: pd.DataFrame) -> TruthCheck:
    """On generated data (``_truth/customers.parquet`` beside the export), ``life`` against the
    planted state; an empty ``TruthCheck`` for real data or without P(alive)."""
    from kequn.data.runs import planted

    alive = planted(data_dir, privacy, "alive_at_end")
    if alive is None or life["p_alive"].isna().all():
        return TruthCheck()
    return TruthCheck(*against_truth(life, alive))
