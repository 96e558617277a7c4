"""Needs-based groups (客户需求分群): a score per need for every buyer, from stated rules.

Each need is the mean percentile (among buyers, 0–1) of the signals the data has for it —
behaviour the customer showed, and survey scales they stated:

- price-seeking (价格敏感型): share of orders on discount, share with a coupon, stated price
  sensitivity;
- service-seeking (服务导向型): feedback and complaints per year, share of orders in assisted
  channels (``service_channels``: store, phone), stated service expectation;
- quality-seeking (品质导向型): order value, number of categories bought, stated quality focus.

A need is scored only from signals that speak for it: order value alone says how much a
customer buys at once (a wholesaler's large baskets), not that they seek quality, so it counts
only beside the categories bought or a stated quality focus (``SUPPORTING``). A need without
such a signal has no score and no customer in its group; when no need has one, nobody gets a
group (not even "balanced"), and the report names the inputs that would give one.

A customer's group is the need with the highest score when it is at least ``min_score`` and
leads the next by ``min_gap``; otherwise "balanced" (no dominant need). Percentiles, not raw
values, so that one extreme order or a skewed scale does not decide; the signals behind each
score are returned so every label can be explained.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kequn.data.settings import NeedsSettings

NEEDS = ("price", "service", "quality")
# signals that sharpen a need's score but cannot make one on their own
SUPPORTING = {"avg_order_value"}


def signals(features: pd.DataFrame, service_channels=()) -> dict[str, dict[str, pd.Series]]:
    """The columns behind each need (name → values per customer); absent columns are skipped."""
    f = features
    years = (
        (pd.to_numeric(f.get("tenure_days"), errors="coerce") / 365.25).clip(lower=0.25)
        if "tenure_days" in f
        else 1.0
    )
    out: dict[str, dict[str, pd.Series]] = {n: {} for n in NEEDS}
    for col in ("discount_share", "coupon_share", "psy_price_sensitivity"):
        if col in f:
            out["price"][col] = f[col]
    for col in ("feedback", "complaints"):
        if col in f:
            out["service"][col] = f[col] / years
    chans = [
        c
        for c in f.columns
        if c.startswith("chan_") and c[5:].lower() in {s.lower() for s in service_channels}
    ]
    if chans:
        out["service"]["assisted_channel_share"] = f[chans].sum(axis=1)
    if "psy_service_expectation" in f:
        out["service"]["psy_service_expectation"] = f["psy_service_expectation"]
    if "avg_order_value" in f:
        out["quality"]["avg_order_value"] = f["avg_order_value"]
    cats = [c for c in f.columns if c.startswith("cat_")]
    if cats:
        out["quality"]["categories_bought"] = (
            (f[cats] > 0).sum(axis=1).where(f[cats].notna().any(axis=1))
        )
    if "psy_quality_focus" in f:
        out["quality"]["psy_quality_focus"] = f["psy_quality_focus"]
    for need, cols in out.items():
        if (
            set(cols) <= SUPPORTING
        ):  # nothing that speaks for this need: no score from a bystander signal
            out[need] = {}
    return out


def needs_scores(
    features: pd.DataFrame, settings: NeedsSettings | dict | None = None
) -> pd.DataFrame:
    """Columns customer_id, score_price, score_service, score_quality (0–1, missing for
    customers who never bought), needs_group (price / service / quality / balanced; missing for
    non-buyers), reason (the group's strongest signal and its percentile). ``signal_names``
    lists the signals used per need. ``settings``: the run's needs settings (``min_score``,
    ``min_gap``, ``service_channels``), a mapping of some of them, or None for the defaults."""
    s = NeedsSettings.of(settings)
    buyer = (
        (features["orders"] > 0).to_numpy()
        if "orders" in features
        else np.ones(len(features), bool)
    )
    sig = signals(features, s.service_channels)
    out = pd.DataFrame({"customer_id": features["customer_id"].to_numpy()})
    pct: dict[str, pd.DataFrame] = {}
    for need, cols in sig.items():
        if not cols:
            out[f"score_{need}"] = np.nan
            continue
        ranks = pd.DataFrame(
            {
                c: pd.to_numeric(v, errors="coerce").where(buyer).rank(pct=True)
                for c, v in cols.items()
            }
        )
        pct[need] = ranks.reset_index(drop=True)
        out[f"score_{need}"] = ranks.mean(axis=1, skipna=True).to_numpy()
    scores = out[[f"score_{n}" for n in NEEDS]].to_numpy()
    filled = np.where(np.isnan(scores), -1.0, scores)
    order = np.argsort(-filled, axis=1)
    best, second = (
        np.take_along_axis(filled, order[:, :1], 1)[:, 0],
        np.take_along_axis(filled, order[:, 1:2], 1)[:, 0],
    )
    dominant = (best >= s.min_score) & (best - np.maximum(second, 0) >= s.min_gap)
    group = np.where(dominant, np.array(NEEDS)[order[:, 0]], "balanced")
    scored = any(
        bool(c) for c in sig.values()
    )  # no need has a signal: no group at all, not "balanced"
    out["needs_group"] = pd.Series(np.where(buyer & scored, group, None), dtype="object")
    reason = np.full(len(out), None, dtype=object)
    for i, need in enumerate(NEEDS):
        if need not in pct:
            continue
        sel = np.flatnonzero(buyer & dominant & (order[:, 0] == i))
        if len(sel):
            top = pct[need].iloc[sel]
            col = top.idxmax(axis=1)
            val = top.max(axis=1)
            reason[sel] = [f"{c} P{round(100 * v)}" for c, v in zip(col, val)]
    out["reason"] = reason
    return out


def signal_names(features: pd.DataFrame, service_channels=()) -> dict[str, list[str]]:
    """Per need, the names of the signals its score is made of in this data (empty: no score)."""
    return {n: list(c) for n, c in signals(features, service_channels).items()}


GROUPS = NEEDS + ("balanced",)


def group_table(scores: pd.DataFrame) -> pd.DataFrame:
    """Per needs group (``GROUPS`` order; buyers only): group, customers, share of buyers (missing
    when nobody has a group), and the mean score of each need (score_price …)."""
    s = scores[scores["needs_group"].notna()]
    rows = []
    for g in GROUPS:
        sel = s[s["needs_group"] == g]
        row = {"group": g, "customers": len(sel), "share": len(sel) / len(s) if len(s) else np.nan}
        for need in NEEDS:
            row[f"score_{need}"] = sel[f"score_{need}"].mean()
        rows.append(row)
    return pd.DataFrame(rows)


def group_shares(scores: pd.DataFrame, by) -> pd.DataFrame:
    """Share of each needs group (columns in ``GROUPS`` order) among the buyers of each value
    of ``by`` (a Series or list of Series aligned with ``scores``); rows sorted by ``by``."""
    has = scores["needs_group"].notna().to_numpy()
    keys = [k[has] for k in by] if isinstance(by, list) else by[has]
    tab = pd.crosstab(keys, scores["needs_group"][has], normalize="index")
    return tab.reindex(columns=list(GROUPS), fill_value=0.0)


def groups_by_segment(scores: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """``group_shares`` per segment: rows indexed by (segment, segment_name)."""
    m = scores.merge(segments[["customer_id", "segment", "segment_name"]], on="customer_id")
    return group_shares(m, [m["segment"], m["segment_name"]])
