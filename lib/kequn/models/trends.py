"""Demand trends (需求趋势预测): monthly demand per category (and segment), whether it is
growing, stable or declining, and a short forecast with an interval, backtested.

- ``monthly``: demand per calendar month from the orders (DuckDB): revenue, orders and
  buyers; only complete months (a month the as-of date cuts short would look like a fall).
- ``trend``: the Mann–Kendall test (Kendall's τ of demand against time) on the last
  ``window`` months with the Theil–Sen slope as a share of the mean level: "growing" or
  "declining" when p < ``alpha``, else "stable" — robust to one odd month.
- ``forecast``: exponential smoothing from statsmodels (additive errors, damped additive trend,
  additive yearly season when two full years exist) for the next ``periods`` months with an
  80% prediction interval; ``backtest`` replays it month by month over the last months and
  compares with the naive forecast (next month = this month, or the same month last year when
  seasonal): MAPE of each and the share of actual values inside the interval.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import kendalltau, theilslopes

from kequn.data.engine import money_sum, runner
from kequn.data.features import _ident
from kequn.data.paths import clean_table
from kequn.models.parallel import scipy_blas_one_thread

MEASURES = ("revenue", "orders", "buyers")


def monthly(
    clean_dir,
    as_of,
    by: str | None = "category",
    segments: pd.DataFrame | None = None,
    threads: int = 2,
    engine: str | None = None,
) -> pd.DataFrame:
    """Columns month (first day), ``by`` (and segment when ``segments`` are given), revenue,
    orders, buyers — complete months up to as_of, every month present (0 when nothing sold)."""
    as_of = pd.Timestamp(as_of).normalize()
    last_full = (as_of + pd.Timedelta(days=1)).to_period(
        "M"
    ) - 1  # as_of on a month's last day completes it
    run = runner(threads, engine)
    run.view_parquet("o", clean_table(clean_dir, "orders"))
    keys = [by] if by else []
    if segments is not None:
        run.register("seg", segments[["customer_id", "segment"]])
        keys.append("segment")
        src = "o JOIN seg USING (customer_id)"
    else:
        src = "o"
    sel = ", ".join(_ident(k) for k in keys)
    df = run.df(
        f"""
        SELECT date_trunc('month', order_date)::DATE AS month{", " + sel if sel else ""},
               {money_sum()} AS revenue, count(*) FILTER (WHERE amount >= 0)::DOUBLE AS orders,
               count(DISTINCT customer_id) FILTER (WHERE amount >= 0)::DOUBLE AS buyers
        FROM {src} WHERE order_date::DATE <= $as_of::DATE {f"AND {_ident(by)} IS NOT NULL" if by else ""}
        GROUP BY ALL ORDER BY ALL""",
        {"as_of": as_of.date()},
    )
    run.close()
    df["month"] = pd.to_datetime(df["month"])
    df = df[df["month"].dt.to_period("M") <= last_full]
    if df.empty:
        return df
    months = pd.date_range(df["month"].min(), last_full.to_timestamp(), freq="MS")
    groups = df[keys].drop_duplicates() if keys else pd.DataFrame(index=[0])
    full = groups.merge(pd.DataFrame({"month": months}), how="cross")
    out = full.merge(df, on=["month"] + keys, how="left").fillna({m: 0.0 for m in MEASURES})
    return out.sort_values(keys + ["month"]).reset_index(drop=True)


def trend(values, window: int = 12, alpha: float = 0.05) -> dict:
    """Direction of the last ``window`` values: tau, p, slope (per month, Theil–Sen),
    slope_share (slope ÷ mean level), direction (growing / stable / declining / too_short)."""
    y = np.asarray(values, dtype="float64")[-window:]
    if len(y) < 6 or np.allclose(y, y[0]):
        return {
            "tau": np.nan,
            "p": np.nan,
            "slope": 0.0,
            "slope_share": 0.0,
            "direction": "too_short" if len(y) < 6 else "stable",
            "months": int(len(y)),
        }
    x = np.arange(len(y))
    tau, p = kendalltau(x, y)
    slope = theilslopes(y, x).slope
    level = float(np.mean(np.abs(y))) or 1.0
    direction = "stable" if not p < alpha else ("growing" if slope > 0 else "declining")
    return {
        "tau": float(tau),
        "p": float(p),
        "slope": float(slope),
        "slope_share": float(slope / level),
        "direction": direction,
        "months": int(len(y)),
    }


def _model(y: np.ndarray, season: int):
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    seasonal = len(y) >= 2 * season
    model = ETSModel(
        pd.Series(y),
        error="add",
        trend="add",
        damped_trend=True,
        seasonal="add" if seasonal else None,
        seasonal_periods=season if seasonal else None,
    )
    with (
        warnings.catch_warnings()
    ):  # convergence chatter on short series; the backtest judges the result
        warnings.simplefilter("ignore")
        return model.fit(disp=False), seasonal


def forecast(values, periods: int = 3, level: float = 0.8, season: int = 12) -> pd.DataFrame | None:
    """Next ``periods`` values with a ``level`` prediction interval: columns step, mean,
    lower, upper (lower clipped at 0); None when fewer than 8 values are known. ``season`` is
    the number of periods in a year (12 for months, 52 for weeks); the model is seasonal
    once two full years are known."""
    y = np.asarray(values, dtype="float64")
    if len(y) < 8:
        return None
    with scipy_blas_one_thread():  # L-BFGS-B's steps on one thread (parallel.py)
        fit, _ = _model(y, season)
        pred = fit.get_prediction(start=len(y), end=len(y) + periods - 1)
        frame = pred.summary_frame(alpha=1 - level)
    return pd.DataFrame(
        {
            "step": np.arange(1, periods + 1),
            "mean": frame["mean"].to_numpy(),
            "lower": frame["pi_lower"].clip(lower=0).to_numpy(),
            "upper": frame["pi_upper"].to_numpy(),
        }
    )


def backtest(values, origins: int = 6, level: float = 0.8, season: int = 12) -> dict | None:
    """One-month-ahead forecasts from each of the last ``origins`` months, each fitted only on
    the months before it: MAPE of the model and of the naive forecast, interval coverage."""
    y = np.asarray(values, dtype="float64")
    if len(y) < 8 + origins:
        return None
    rows = []
    for k in range(len(y) - origins, len(y)):
        f = forecast(y[:k], 1, level, season)
        seasonal = k >= 2 * season
        naive = y[k - season] if seasonal else y[k - 1]
        rows.append((y[k], f["mean"].iloc[0], f["lower"].iloc[0], f["upper"].iloc[0], naive))
    a, m, lo, hi, nv = map(np.array, zip(*rows))
    ok = a != 0
    return {
        "origins": origins,
        "mape": float(np.mean(np.abs(m[ok] - a[ok]) / np.abs(a[ok]))) if ok.any() else np.nan,
        "naive_mape": float(np.mean(np.abs(nv[ok] - a[ok]) / np.abs(a[ok])))
        if ok.any()
        else np.nan,
        "coverage": float(np.mean((a >= lo) & (a <= hi))),
    }


# --- every category of a run ----------------------------------------------------------------

MIN_MONTHS = 8  # fewer complete months: no trends


@dataclass(frozen=True)
class TrendRun:
    """Demand per category of a run (``category_trends``).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per category, most demand first: category, last (the last month's demand),
        ``trend``'s figures, next, next_lower, next_upper (the first forecast month and its
        interval; missing without a forecast) and, where a backtest could be made, bt_origins,
        bt_mape, bt_naive_mape, bt_coverage.
    history : dict
        Category → its monthly demand (a Series indexed by month).
    forecasts : dict
        Category → ``forecast`` with a month column, or None.
    last_month : datetime.date
        The last complete month.
    months : int
        Complete months known.
    by_segment : pandas.DataFrame or None
        With segments: one row per category and segment, ``trend``'s figures.
    """

    table: pd.DataFrame
    history: dict
    forecasts: dict
    last_month: object
    months: int
    by_segment: pd.DataFrame | None = None


def category_trends(
    clean_dir,
    as_of,
    measure: str = "revenue",
    window: int = 12,
    alpha: float = 0.05,
    periods: int = 3,
    origins: int = 6,
    segments: pd.DataFrame | None = None,
) -> TrendRun | None:
    """Per category (and, with ``segments``, per segment × category) the monthly ``measure``,
    its trend, the forecast of the next ``periods`` months and the backtest over ``origins``
    months; None when the orders have no category or fewer than ``MIN_MONTHS`` complete months."""
    import pyarrow.parquet as pq

    if "category" not in pq.read_schema(clean_table(clean_dir, "orders")).names:
        return None
    m = monthly(clean_dir, as_of, "category")
    if m.empty or m["month"].nunique() < MIN_MONTHS:
        return None
    rows, history, forecasts = [], {}, {}
    top = m.groupby("category")[measure].sum().sort_values(ascending=False).index
    for c in top:
        g = m[m["category"] == c].set_index("month")[measure]
        trd = trend(g.to_numpy(), window, alpha)
        fc = forecast(g.to_numpy(), periods)
        bt = backtest(g.to_numpy(), origins)
        if fc is not None:
            fc["month"] = pd.date_range(
                g.index.max() + pd.offsets.MonthBegin(1), periods=len(fc), freq="MS"
            )
        history[c], forecasts[c] = g, fc
        rows.append(
            {
                "category": c,
                "last": float(g.iloc[-1]),
                **trd,
                "next": float(fc["mean"].iloc[0]) if fc is not None else np.nan,
                "next_lower": float(fc["lower"].iloc[0]) if fc is not None else np.nan,
                "next_upper": float(fc["upper"].iloc[0]) if fc is not None else np.nan,
                **({f"bt_{k}": v for k, v in bt.items()} if bt else {}),
            }
        )
    by_segment = None
    if segments is not None:
        ms = monthly(clean_dir, as_of, "category", segments=segments)
        by_segment = pd.DataFrame(
            [
                {"category": c, "segment": s, **trend(g[measure].to_numpy(), window, alpha)}
                for (c, s), g in ms.groupby(["category", "segment"])
            ]
        )
    return TrendRun(
        table=pd.DataFrame(rows),
        history=history,
        forecasts=forecasts,
        last_month=m["month"].max().date(),
        months=int(m["month"].nunique()),
        by_segment=by_segment,
    )


def significant_slopes(by_segment: pd.DataFrame) -> pd.DataFrame:
    """Segment × category: the monthly slope as a share of the level where the trend is
    significant (growing or declining), missing where it is stable or too short."""
    sig = by_segment.assign(
        v=np.where(
            by_segment["direction"].isin(["growing", "declining"]),
            by_segment["slope_share"],
            np.nan,
        )
    )
    return sig.pivot(index="segment", columns="category", values="v")
