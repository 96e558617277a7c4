"""Lifecycle stage (客户生命周期) and churn risk per customer, by stated rules.

Stages: ``potential`` (registered, never bought; a customer whose only orders in the data are
returns bought before the export began, so is staged as a buyer whose silence is at least the
history the data holds — never ``potential``, never ``new``), ``new`` (first purchase within
``new_days``), then by the silence since the last purchase measured in the customer's own
rhythm — their mean gap between purchase days, or the base's median gap for one-time buyers,
never below ``min_rhythm_days`` — ``active`` (silence ≤ ``sleeping_after`` rhythms),
``sleeping`` 沉睡 (up to ``churned_after`` rhythms) and ``churned`` 流失 (longer, or a
repeat buyer whose BG/NBD P(alive) is below ``churn_p_alive``).

Churn risk is P(no purchase in the next ``risk_days``) from BG/NBD (``clv.p_no_purchase``),
a probability the holdout check can verify, and it ranks one-time buyers too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kequn.data.keyed import take
from kequn.data.settings import LifecycleSettings

STAGES = ("potential", "new", "active", "sleeping", "churned")


def stages(
    features: pd.DataFrame,
    btyd: pd.DataFrame,
    p_alive: pd.Series | None,
    rules: LifecycleSettings | dict | None,
    unit_days: float = 7.0,
) -> pd.DataFrame:
    """Columns customer_id, stage (one of ``STAGES``, categorical in that order), rhythm_days,
    silence (days since the last purchase ÷ rhythm_days; missing for non-buyers).

    ``features``: customer_id, orders, recency_days, active_days (first to last purchase);
    ``btyd``: customer_id, x, t_x (``features.btyd_summary`` up to
    as_of); ``p_alive``: per customer_id, or None when no model could be fitted (then the
    rhythm rule alone decides)."""
    r = LifecycleSettings.of(rules)
    f = features[["customer_id", "orders", "recency_days"]].copy()
    first_ago = pd.to_numeric(features["recency_days"], errors="coerce") + pd.to_numeric(
        features.get("active_days", 0), errors="coerce"
    ).fillna(0)
    hist = take(f["customer_id"], btyd, ["x", "t_x"])
    x = hist["x"].to_numpy(dtype="float64", na_value=np.nan)
    span = hist["t_x"].to_numpy(dtype="float64", na_value=np.nan) * unit_days
    own = np.where(x > 0, span / np.where(x > 0, x, 1), np.nan)
    typical = float(np.nanmedian(own)) if np.isfinite(own).any() else float(r.min_rhythm_days)
    rhythm = np.maximum(np.where(np.isfinite(own), own, typical), r.min_rhythm_days)
    rec = pd.to_numeric(f["recency_days"], errors="coerce").to_numpy(dtype="float64")
    returns_only = (
        (f["orders"].to_numpy() <= 0)
        & (pd.to_numeric(features["returns"], errors="coerce").fillna(0).to_numpy() > 0)
        if "returns" in features
        else np.zeros(len(f), bool)
    )
    if returns_only.any() and np.isfinite(first_ago.to_numpy(dtype="float64")).any():
        # bought before the export's history: silent for at least the span the data covers
        rec = np.where(returns_only, np.nanmax(first_ago.to_numpy(dtype="float64")), rec)
    silence = rec / rhythm
    buyer = ((f["orders"].to_numpy() > 0) | returns_only) & np.isfinite(rec)
    pa = (
        take(f["customer_id"], p_alive.rename_axis("customer_id").rename("p").reset_index(), ["p"])[
            "p"
        ].to_numpy(dtype="float64", na_value=np.nan)
        if p_alive is not None
        else np.full(len(f), np.nan)
    )
    dead = (x > 0) & (pa < r.churn_p_alive)
    stage = np.select(
        [
            ~buyer,
            (first_ago.to_numpy() <= r.new_days) & ~returns_only,
            dead | (silence > r.churned_after),
            silence > r.sleeping_after,
        ],
        ["potential", "new", "churned", "sleeping"],
        "active",
    )
    return pd.DataFrame(
        {
            "customer_id": f["customer_id"].to_numpy(),
            "stage": pd.Categorical(stage, categories=STAGES, ordered=True),
            "rhythm_days": np.where(buyer, rhythm, np.nan),
            "silence": np.where(buyer, silence, np.nan),
        }
    )
