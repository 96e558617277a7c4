"""Customer value: RFM scores, the eight-class RFM model, value tiers and concentration.

- ``rfm_scores``: R, F, M scores 1…``bins`` for buyers, from percentile ranks (ties share a
  score, so the result does not depend on row order) or from fixed edges.
- ``rfm_eight_classes``: the model Chinese CRM teams use — each of R, F, M above or below a
  cut (the mean by default) gives 重要价值 / 重要发展 / 重要保持 / 重要挽留 / 一般价值 /
  一般发展 / 一般保持 / 一般挽留.
- ``value_tiers``: the customer pyramid by net spend (or margin when the data has cost):
  大客户 (top 1%), 重要客户 (next 4%), 普通客户 (next 15%), 小客户 (the rest), and the
  response strategy per tier (屈从型, 关怀型, 适应型; 冷漠型 for customers whose margin is
  negative, who cost more than they bring — only when the data has cost: a negative net spend
  is returns of goods bought before the export as often as a loss, so without cost nobody is 冷漠型).
- ``concentration``: Lorenz curve, Gini coefficient, share of the top 20%.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

EIGHT = {  # (R high, F high, M high) -> class key
    (True, True, True): "important_value",
    (True, False, True): "important_develop",
    (False, True, True): "important_keep",
    (False, False, True): "important_winback",
    (True, True, False): "general_value",
    (True, False, False): "general_develop",
    (False, True, False): "general_keep",
    (False, False, False): "general_winback",
}
TIERS = ("key", "important", "ordinary", "small")
STRATEGY = {
    "key": "yielding",
    "important": "caring",
    "ordinary": "adaptive",
    "small": "adaptive",
    "negative": "indifferent",
}


def _score(v: pd.Series, bins: int, higher_is_better: bool) -> pd.Series:
    pct = v.rank(method="average", pct=True, ascending=higher_is_better)
    return np.ceil(pct * bins).clip(1, bins).astype("int64")


def rfm_scores(features: pd.DataFrame, bins: int = 5, edges: dict | None = None) -> pd.DataFrame:
    """Columns customer_id, recency_days, orders, monetary, R, F, M (1 = worst … bins = best),
    rfm (e.g. "545"), rfm_sum; buyers only (orders > 0). ``edges`` {"R": [...], "F": [...],
    "M": [...]} switches a dimension to fixed bins (recency edges in days, ascending)."""
    b = features.loc[
        features["orders"] > 0, ["customer_id", "recency_days", "orders", "monetary"]
    ].copy()
    b["recency_days"] = pd.to_numeric(b["recency_days"], errors="coerce").astype("float64")
    edges = edges or {}
    for key, col, better in (
        ("R", "recency_days", False),
        ("F", "orders", True),
        ("M", "monetary", True),
    ):
        if key in edges:
            e = np.asarray(edges[key], dtype="float64")
            idx = np.searchsorted(e, b[col].to_numpy(), side="right")  # 0 … len(e)
            b[key] = (len(e) + 1 - idx if not better else idx + 1).astype("int64")
        else:
            b[key] = _score(b[col], bins, better)
    n = max(bins, *(len(e) + 1 for e in edges.values())) if edges else bins
    codes = np.array(
        [f"{r}{f}{m}" for r in range(1, n + 1) for f in range(1, n + 1) for m in range(1, n + 1)],
        dtype=object,
    )
    b["rfm"] = codes[
        ((b["R"] - 1) * n + (b["F"] - 1)) * n + (b["M"] - 1)
    ]  # a lookup, not a million string joins
    b["rfm_sum"] = b["R"] + b["F"] + b["M"]
    return b.reset_index(drop=True)


def rfm_eight_classes(features: pd.DataFrame, cut: str = "mean") -> pd.DataFrame:
    """Columns customer_id, r_high, f_high, m_high, rfm_class (a key of ``EIGHT``'s values),
    for buyers; "high" = more recent / more orders / more spend than the ``cut`` (mean or
    median of buyers), stated in the report with its values (``attrs['cuts']``)."""
    if cut not in ("mean", "median"):
        raise ValueError("the RFM cut is 'mean' or 'median'")
    b = features.loc[
        features["orders"] > 0, ["customer_id", "recency_days", "orders", "monetary"]
    ].copy()
    rec = pd.to_numeric(b["recency_days"], errors="coerce").astype("float64")
    cuts = {
        c: float(getattr(v, cut)())
        for c, v in (("recency_days", rec), ("orders", b["orders"]), ("monetary", b["monetary"]))
    }
    out = pd.DataFrame(
        {
            "customer_id": b["customer_id"].to_numpy(),
            "r_high": (rec < cuts["recency_days"]).to_numpy(),
            "f_high": (b["orders"] > cuts["orders"]).to_numpy(),
            "m_high": (b["monetary"] > cuts["monetary"]).to_numpy(),
        }
    )
    out["rfm_class"] = [EIGHT[k] for k in zip(out["r_high"], out["f_high"], out["m_high"])]
    out.attrs["cuts"] = cuts
    return out


def value_tiers(features: pd.DataFrame, shares=(0.01, 0.05, 0.20)) -> pd.DataFrame:
    """Columns customer_id, value (margin when the data has it, else net spend), tier (key,
    important, ordinary, small; by rank: the top ⌈shares[0]·n⌉ customers, up to ⌈shares[1]·n⌉, …), strategy
    (yielding 屈从型, caring 关怀型, adaptive 适应型; indifferent 冷漠型 when value < 0)."""
    basis = "margin" if "margin" in features and features["margin"].notna().any() else "monetary"
    v = pd.to_numeric(features[basis], errors="coerce").fillna(0.0)
    pos = v.rank(method="min", ascending=False)  # 1 = most valuable; ties share a tier
    cut = [np.ceil(sh * len(v)) for sh in shares]  # ceil: a small base still has its top customer
    tier = np.select([pos <= cut[0], pos <= cut[1], pos <= cut[2]], list(TIERS[:3]), TIERS[3])
    negative = (
        (v < 0).to_numpy() if basis == "margin" else np.zeros(len(v), bool)
    )  # a negative margin needs cost
    strategy = np.where(negative, STRATEGY["negative"], pd.Series(tier).map(STRATEGY).to_numpy())
    out = pd.DataFrame(
        {
            "customer_id": features["customer_id"].to_numpy(),
            "value": v.to_numpy(),
            "tier": tier,
            "strategy": strategy,
        }
    )
    out.attrs["basis"] = basis
    return out


def top_share(values, share: float = 0.2) -> float | None:
    """Share of the total (negatives counted as 0) held by the top ``share`` of customers:
    the ⌈share·n⌉ largest values, as the value pyramid counts its tiers (a small base still has
    its top customer). The one computation of "the top 20% hold X%" (the headline, stage 03);
    None when nothing is positive."""
    v = np.sort(np.clip(np.asarray(values, dtype="float64"), 0, None))[::-1]
    if len(v) == 0 or v.sum() <= 0:
        return None
    return float(v[: int(np.ceil(share * len(v)))].sum() / v.sum())


def concentration(values, points: int = 101) -> tuple[pd.DataFrame, dict]:
    """Lorenz curve (customer share vs value share, customers sorted from the smallest) and
    figures: gini, top20_share (share of value from the top 20% of customers, ``top_share``)."""
    v = np.sort(np.clip(np.asarray(values, dtype="float64"), 0, None))
    n = len(v)
    if n == 0 or v.sum() <= 0:
        raise ValueError("no positive value to measure concentration on")
    cum = np.concatenate([[0.0], np.cumsum(v) / v.sum()])
    xs = np.linspace(0, 1, points)
    curve = pd.DataFrame(
        {"customer_share": xs, "value_share": np.interp(xs, np.arange(n + 1) / n, cum)}
    )
    gini = float(1 - 2 * np.trapezoid(cum, dx=1 / n))  # exact for the piecewise-linear curve
    return curve, {"gini": gini, "top20_share": top_share(v)}


def concentration_if_any(values, points: int = 101) -> tuple[pd.DataFrame | None, dict]:
    """``concentration`` of ``values``, or (None, {}) when no customer has a positive value."""
    if np.nansum(np.clip(np.asarray(values, dtype="float64"), 0, None)) <= 0:
        return None, {}
    return concentration(values, points)


# The widely used R × F grid of named RFM segments (scores 1–5; M follows F closely and is
# left to the eight-class model): each (R, F) cell belongs to exactly one name.
RF_GRID = (
    ("champions", (5,), (4, 5)),
    ("loyal", (3, 4), (4, 5)),
    ("potential_loyalists", (4, 5), (2, 3)),
    ("new_customers", (5,), (1,)),
    ("promising", (4,), (1,)),
    ("need_attention", (3,), (3,)),
    ("about_to_sleep", (3,), (1, 2)),
    ("cant_lose", (1, 2), (5,)),
    ("at_risk", (1, 2), (3, 4)),
    ("hibernating", (1, 2), (1, 2)),
)


def rfm_named(scores: pd.DataFrame) -> pd.Series:
    """Named RFM segment per row of ``rfm_scores(bins=5)`` (champions, loyal, … hibernating)
    from its R and F scores by ``RF_GRID``."""
    name = pd.Series(pd.NA, index=scores.index, dtype="object")
    for key, rs, fs in RF_GRID:
        name[scores["R"].isin(rs) & scores["F"].isin(fs)] = key
    return name


def margin_concentration(vt: pd.DataFrame) -> dict:
    """``{"top20_share_margin": …}`` when the value tiers rank by margin (``vt.attrs['basis']``),
    else {}: stage 03 states that share apart from the net-spend key figure."""
    if vt.attrs.get("basis") != "margin":
        return {}
    return {"top20_share_margin": top_share(vt["value"])}
