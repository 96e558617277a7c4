"""Satisfaction figures with their uncertainty: NPS and CSAT, overall and per group.

- NPS (Reichheld): promoters score 9–10, passives 7–8, detractors 0–6; NPS = %promoters −
  %detractors, from −100 to 100. Its 95% interval uses the variance of a difference of two
  shares of one multinomial sample, (p + d − (p − d)²) / n — no library offers it.
- CSAT: the share of ratings in the top box (4–5 of 5), with Wilson's interval
  (statsmodels' ``proportion_confint``).
- A figure is worth showing when its 95% interval is no wider than ``max_half_width`` either
  side (default ±10 NPS points, ±10 CSAT percentage points); ``min_sample`` says how many answers
  that takes for the observed spread, so a report can say "n too small" instead of a number.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

Z = 1.959963984540054


def nps(scores) -> dict:
    """n, promoters, passives, detractors (shares), nps (−100…100), low, high (95% interval),
    half_width (points)."""
    s = pd.to_numeric(pd.Series(scores), errors="coerce").dropna()
    s = s[(s >= 0) & (s <= 10)]
    n = len(s)
    if n == 0:
        return {
            "n": 0,
            "promoters": np.nan,
            "passives": np.nan,
            "detractors": np.nan,
            "nps": np.nan,
            "low": np.nan,
            "high": np.nan,
            "half_width": np.nan,
        }
    p, d = float((s >= 9).mean()), float((s <= 6).mean())
    half = 100 * Z * np.sqrt(max(p + d - (p - d) ** 2, 0.0) / n)
    value = 100 * (p - d)
    return {
        "n": n,
        "promoters": p,
        "passives": 1 - p - d,
        "detractors": d,
        "nps": value,
        "low": max(value - half, -100.0),
        "high": min(value + half, 100.0),
        "half_width": float(half),
    }


def csat(ratings, top=(4, 5)) -> dict:
    """n, csat (share in the top box), low, high (Wilson 95%), half_width (points)."""
    r = pd.to_numeric(pd.Series(ratings), errors="coerce").dropna()
    n = len(r)
    if n == 0:
        return {"n": 0, "csat": np.nan, "low": np.nan, "high": np.nan, "half_width": np.nan}
    k = int(r.isin(top).sum())
    lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    return {
        "n": n,
        "csat": k / n,
        "low": float(lo),
        "high": float(hi),
        "half_width": float(100 * (hi - lo) / 2),
    }


def min_sample(figure: dict, kind: str, max_half_width: float = 10.0) -> int:
    """Answers needed for a 95% half-width of ``max_half_width`` points at the observed spread."""
    if kind == "nps":
        p, d = figure["promoters"], figure["detractors"]
        var = max(p + d - (p - d) ** 2, 1e-9) * 100**2
    else:
        q = figure["csat"]
        var = max(q * (1 - q), 1e-9) * 100**2
    return int(np.ceil(Z**2 * var / max_half_width**2))


def by_group(
    df: pd.DataFrame, group: str, max_half_width: float = 10.0, min_n: int = 30
) -> pd.DataFrame:
    """Per value of ``group`` (``df`` has nps and/or rating): NPS and CSAT with intervals, and
    shown (False with fewer than ``min_n`` answers — where the normal approximation itself
    fails, e.g. 12 promoters out of 12 — or an interval wider than ``max_half_width``)."""
    rows = []
    for g, part in df.groupby(group, observed=True, sort=True):
        row = {group: g}
        if "nps" in part:
            f = nps(part["nps"])
            row.update(
                {
                    "nps_n": f["n"],
                    "nps": f["nps"],
                    "nps_low": f["low"],
                    "nps_high": f["high"],
                    "nps_shown": bool(f["n"] >= min_n and f["half_width"] <= max_half_width),
                }
            )
        if "rating" in part:
            c = csat(part["rating"])
            row.update(
                {
                    "csat_n": c["n"],
                    "csat": c["csat"],
                    "csat_low": c["low"],
                    "csat_high": c["high"],
                    "csat_shown": bool(c["n"] >= min_n and c["half_width"] <= max_half_width),
                }
            )
        rows.append(row)
    return pd.DataFrame(rows)


def drivers(fb: pd.DataFrame, min_answers: int = 50, min_topic: int = 10) -> pd.DataFrame:
    """Which topics move NPS: ordinary least squares of the NPS answer (0–10) on one indicator
    per topic (texts without a topic are the base), robust (HC1) standard errors. Needs
    ``min_answers`` NPS answers, 20 of them with a topic, and keeps the topics of at least
    ``min_topic`` answers. Columns topic, effect (points on the 0–10 scale), low, high (95%),
    p, texts; lowest effect first. Empty when ``fb`` has no nps or topic column, or too few
    answers."""
    import statsmodels.api as sm

    if "nps" not in fb or "topic" not in fb:
        return pd.DataFrame()
    d = fb[fb["nps"].notna()]
    if len(d) < min_answers or d["topic"].notna().sum() < 20:
        return pd.DataFrame()
    X = pd.get_dummies(d["topic"], dtype=float)
    X = X.loc[:, X.sum() >= min_topic]
    if X.empty:
        return pd.DataFrame()
    res = sm.OLS(d["nps"].astype(float), sm.add_constant(X)).fit(cov_type="HC1")
    ci = res.conf_int()
    rows = [
        {
            "topic": c,
            "effect": res.params[c],
            "low": ci.loc[c, 0],
            "high": ci.loc[c, 1],
            "p": res.pvalues[c],
            "texts": int(X[c].sum()),
        }
        for c in X.columns
    ]
    return pd.DataFrame(rows).sort_values("effect").reset_index(drop=True)
