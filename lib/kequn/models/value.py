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
- ``value_frame``: stage 03's one row per customer (``ValueTable``: the table, the eight-class
  cuts and the tiers' basis), and the figures stage 03 states from it (``by_group``,
  ``clv_figures``, ``slipped`` / ``migration_figures``, ``figures``: value.json).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from kequn.data.keyed import take
from kequn.data.settings import ValueSettings
from kequn.models import lifecycle

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
    b.index = pd.RangeIndex(len(b))  # b is this function's copy: reset_index would copy it again
    return b


def _buyers_rfm(features: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    b = features.loc[
        features["orders"] > 0, ["customer_id", "recency_days", "orders", "monetary"]
    ].copy()
    return b, pd.to_numeric(b["recency_days"], errors="coerce").astype("float64")


def rfm_cuts(features: pd.DataFrame, cut: str = "mean") -> dict:
    """Where the eight-class model splits high from low: the ``cut`` (mean or median) of the
    buyers' recency_days, orders and monetary (stated in the report with its values)."""
    if cut not in ("mean", "median"):
        raise ValueError("the RFM cut is 'mean' or 'median'")
    b, rec = _buyers_rfm(features)
    return {
        c: float(getattr(v, cut)())
        for c, v in (("recency_days", rec), ("orders", b["orders"]), ("monetary", b["monetary"]))
    }


def rfm_eight_classes(features: pd.DataFrame, cut: str = "mean") -> pd.DataFrame:
    """Columns customer_id, r_high, f_high, m_high, rfm_class (a key of ``EIGHT``'s values),
    for buyers; "high" = more recent / more orders / more spend than the ``cut`` (mean or
    median of buyers: ``rfm_cuts``)."""
    cuts = rfm_cuts(features, cut)
    b, rec = _buyers_rfm(features)
    out = pd.DataFrame(
        {
            "customer_id": b["customer_id"].to_numpy(),
            "r_high": (rec < cuts["recency_days"]).to_numpy(),
            "f_high": (b["orders"] > cuts["orders"]).to_numpy(),
            "m_high": (b["monetary"] > cuts["monetary"]).to_numpy(),
        }
    )
    out["rfm_class"] = [EIGHT[k] for k in zip(out["r_high"], out["f_high"], out["m_high"])]
    return out


def value_tiers(features: pd.DataFrame, shares=(0.01, 0.05, 0.20)) -> pd.DataFrame:
    """Columns customer_id, value (margin when the data has it, else net spend), tier (key,
    important, ordinary, small; by rank: the top ⌈shares[0]·n⌉ customers, up to ⌈shares[1]·n⌉, …), strategy
    (yielding 屈从型, caring 关怀型, adaptive 适应型; indifferent 冷漠型 when value < 0); value is
    the column ``value_basis`` names."""
    basis = value_basis(features)
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
    return out


def value_basis(features: pd.DataFrame) -> str:
    """What the value tiers rank by: "margin" when the data has cost, else "monetary" (net
    spend)."""
    return "margin" if "margin" in features and features["margin"].notna().any() else "monetary"


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


# --- stage 03's value table and its figures ----------------------------------------------------


@dataclass
class ValueTable:
    """Stage 03's value table (``table``: one row per customer, written as value.parquet), with
    the eight-class model's ``cuts`` (``rfm_cuts``) and the ``basis`` the tiers rank by
    (``value_basis``: "margin" or "monetary")."""

    table: pd.DataFrame
    cuts: dict
    basis: str


def value_frame(
    features: pd.DataFrame,
    life: pd.DataFrame,
    stages: pd.DataFrame,
    v: ValueSettings,
    segments: pd.DataFrame | None = None,
) -> ValueTable:
    """One row per customer (value.parquet): customer_id, orders, recency_days, monetary,
    R, F, M, rfm, rfm_segment (5 bins), rfm_class, value, tier, strategy, p_alive, churn_risk,
    expected_purchases, expected_spend, clv (``lifetime.score_buyers``), stage, rhythm_days,
    silence (``lifecycle.stages``), segment, segment_name (when stage 02 ran)."""
    out = features[["customer_id", "orders", "recency_days", "monetary"]].reset_index(drop=True)
    ids = out["customer_id"]
    scores = rfm_scores(features, v.rfm_bins, v.rfm_edges or None)
    if v.rfm_bins == 5:
        scores["rfm_segment"] = rfm_named(scores)
    parts = [
        (scores, ["R", "F", "M", "rfm"] + (["rfm_segment"] if "rfm_segment" in scores else [])),
        (rfm_eight_classes(features, v.rfm_cut), ["rfm_class"]),
        (value_tiers(features, tuple(v.tier_shares)), ["value", "tier", "strategy"]),
        (life, ["p_alive", "churn_risk", "expected_purchases", "expected_spend", "clv"]),
        (stages, ["stage", "rhythm_days", "silence"]),
    ]
    if segments is not None:
        parts.append((segments, ["segment", "segment_name"]))
    for frame, cols in parts:  # aligned by position, not merged: a million-row merge copies all
        for c, col in take(ids, frame, cols).items():
            out[c] = col
    return ValueTable(out, rfm_cuts(features, v.rfm_cut), value_basis(features))


def margin_concentration(vt: ValueTable) -> dict:
    """``{"top20_share_margin": …}`` when the value tiers rank by margin (``vt.basis``), else
    {}: stage 03 states that share apart from the net-spend key figure."""
    if vt.basis != "margin":
        return {}
    return {"top20_share_margin": top_share(vt.table["value"])}


def by_group(vt: pd.DataFrame, key: str) -> pd.DataFrame:
    """Per value of ``key`` (segment, tier …; sorted): customers, revenue_share (net spend,
    returns as 0), clv_mean, clv_share (of the total CLV), p_alive and churn_risk (means), and
    the share of each lifecycle stage (columns ``lifecycle.STAGES``); ``segment_name`` too
    when ``key`` is segment. Shares are NaN when the total is not positive."""
    g = vt.groupby(key, observed=True, sort=True)
    total, rev = vt["clv"].sum(), vt["monetary"].clip(lower=0).sum()
    out = pd.DataFrame(
        {
            "customers": g.size(),
            "revenue_share": vt["monetary"].clip(lower=0).groupby(vt[key], observed=True).sum()
            / rev
            if rev > 0
            else np.nan,
            "clv_mean": g["clv"].mean(),
            "clv_share": g["clv"].sum() / total if total > 0 else np.nan,
            "p_alive": g["p_alive"].mean(),
            "churn_risk": g["churn_risk"].mean(),
        }
    )
    mix = g["stage"].value_counts(normalize=True).unstack(fill_value=0.0)
    mix.columns = mix.columns.astype(str)
    for s in lifecycle.STAGES:
        out[s] = mix[s].reindex(out.index).fillna(0.0).astype(float) if s in mix else 0.0
    if key == "segment" and "segment_name" in vt:
        out.insert(0, "segment_name", g["segment_name"].agg(lambda n: n.iloc[0]))
    return out.rename_axis(key).reset_index()


def group_figures(vt: pd.DataFrame, key: str, order) -> pd.DataFrame:
    """Per value of ``key`` among the customers that have one (RFM class, named RFM segment),
    in ``order`` (values nobody has left out): customers, share (of those customers),
    revenue_share (net spend, returns as 0; NaN when nobody spent), mean recency_days, orders
    and monetary."""
    b = vt[vt[key].notna()]
    rev = b["monetary"].clip(lower=0)
    g = pd.DataFrame(
        {
            "rev": rev,
            "recency_days": pd.to_numeric(b["recency_days"], errors="coerce").astype("float64"),
            "orders": b["orders"].astype("float64"),
            "monetary": b["monetary"].astype("float64"),
        }
    ).groupby(b[key].astype(object).to_numpy())
    n = g.size()
    out = pd.DataFrame(
        {
            "customers": n,
            "share": n / len(b),
            "revenue_share": g["rev"].sum() / rev.sum() if rev.sum() > 0 else np.nan,
            "recency_days": g["recency_days"].mean(),
            "orders": g["orders"].mean(),
            "monetary": g["monetary"].mean(),
        }
    )
    return out.reindex([k for k in order if k in out.index]).rename_axis(key).reset_index()


def tier_figures(vt: pd.DataFrame) -> pd.DataFrame:
    """Per value tier present (``TIERS`` order): customers, share, value_share (of the positive
    value; NaN when nobody has any), mean_value and negative (customers whose value is negative:
    strategy indifferent)."""
    pos = vt["value"].clip(lower=0)
    g = pd.DataFrame(
        {
            "pos": pos,
            "value": vt["value"].astype("float64"),
            "negative": vt["strategy"] == STRATEGY["negative"],
        }
    ).groupby(vt["tier"].to_numpy())
    n = g.size()
    out = pd.DataFrame(
        {
            "customers": n,
            "share": n / len(vt),
            "value_share": g["pos"].sum() / pos.sum() if pos.sum() > 0 else np.nan,
            "mean_value": g["value"].mean(),
            "negative": g["negative"].sum().astype(int),
        }
    )
    return out.reindex([k for k in TIERS if k in out.index]).rename_axis("tier").reset_index()


def stage_figures(vt: pd.DataFrame) -> pd.DataFrame:
    """Per lifecycle stage (every one of ``lifecycle.STAGES``, empty ones too): customers,
    share, revenue_share (net spend, returns as 0), mean silence, p_alive, churn_risk and
    clv_mean (NaN for an empty stage)."""
    rev = vt["monetary"].clip(lower=0)
    g = pd.DataFrame(
        {
            "rev": rev,
            **{c: vt[c].astype("float64") for c in ("silence", "p_alive", "churn_risk", "clv")},
        }
    ).groupby(vt["stage"].astype(object).to_numpy())
    n = g.size()
    out = pd.DataFrame(
        {
            "customers": n,
            "share": n / len(vt),
            "revenue_share": g["rev"].sum() / rev.sum() if rev.sum() > 0 else np.nan,
            "silence": g["silence"].mean(),
            "p_alive": g["p_alive"].mean(),
            "churn_risk": g["churn_risk"].mean(),
            "clv_mean": g["clv"].mean(),
        }
    ).reindex(list(lifecycle.STAGES))
    out["customers"] = out["customers"].fillna(0).astype(int)
    out["share"] = out["share"].fillna(0.0)
    if rev.sum() > 0:
        out["revenue_share"] = out["revenue_share"].fillna(0.0)
    return out.rename_axis("stage").reset_index()


@dataclass(frozen=True)
class ClvFigures:
    """The CLV of the customers who have one: mean, total and the share of the total held by
    the top tenth (⌊n/10⌋ customers, at least one; NaN when the total is not positive)."""

    mean: float
    total: float
    top_tenth_share: float


def clv_figures(clv: pd.Series) -> ClvFigures:
    c = clv.dropna().sort_values(ascending=False)
    top = c.iloc[: max(1, len(c) // 10)].sum() / c.sum() if c.sum() > 0 else np.nan
    return ClvFigures(float(c.mean()), float(c.sum()), float(top))


@dataclass(frozen=True)
class Slipped:
    """Against the previous run ``run`` of the data set: customers in both runs, how many
    slipped from the key/important tier to ordinary/small (``tier_down``) and from new/active
    to sleeping/churned (``lapsed``)."""

    run: str | None
    customers_both: int
    tier_down: int
    lapsed: int

    def as_json(self) -> dict:
        """value.json's ``migration``: run, customers_both, tier_down, lapsed."""
        return asdict(self)


def slipped(prev: pd.DataFrame, now: pd.DataFrame, run: str | None = None) -> Slipped:
    """Customers in both ``prev`` and ``now`` (customer_id, tier, stage) who slipped."""
    both = prev.merge(now, on="customer_id", suffixes=("_b", "_n"))
    top = both["tier_b"].isin(["key", "important"]) & both["tier_n"].isin(["ordinary", "small"])
    lapsed = both["stage_b"].astype(str).isin(["new", "active"]) & both["stage_n"].astype(str).isin(
        ["sleeping", "churned"]
    )
    return Slipped(run, int(len(both)), int(top.sum()), int(lapsed.sum()))


def migration_figures(prev_run: str | None, prev: pd.DataFrame | None, vt: pd.DataFrame):
    """``slipped`` against the previous run of the data set; None on a data set's first run."""
    return None if prev is None else slipped(prev, vt, prev_run)


def clv_groups(ids: pd.Series, vt: pd.DataFrame) -> np.ndarray:
    """The group of each customer of ``ids`` for the CLV interval: the segment when stage 02
    ran (numbers as written on the cards: "3", not "3.0"), else the value tier; as text."""
    key = "segment" if "segment" in vt else "tier"
    g = take(ids, vt, [key])[key]
    if pd.api.types.is_numeric_dtype(g):
        g = g.astype("Int64")
    return g.astype(str).to_numpy()


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


def figures(
    run: str,
    lang: str,
    vt: pd.DataFrame,
    conc: dict,
    models,
    margin,
    check: dict | None,
    truth: dict | None,
    moved: Slipped | None,
    interval: pd.DataFrame | None,
    reasons: dict,
) -> dict:
    """Stage 03's figures for the summary stage and the nbval check (value.json): ``vt`` the
    value table, ``conc`` the concentration figures, ``models`` (``lifetime.Models``),
    ``margin`` (``lifetime.Margin``), the holdout errors ``check``, the ``truth`` figures, the
    migration, the CLV ``interval`` and the refused models' ``reasons`` (English)."""
    from kequn.models.lifetime import model_facts, params_of

    buyers = vt[vt["orders"] > 0]
    has_clv = buyers["clv"].notna().any()
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
        **{k: params_of(models.fits.get(k)) for k in ("bgnbd", "mbgnbd", "pareto_nbd", "nbd")},
        "gamma_gamma": params_of(models.gg),
        "fit_errors": models.errors,
        "margin_rate": margin.rate,
        "margin_source": margin.source,
        "model": model_facts(models, reasons, interval),
        "clv_mean": float(buyers["clv"].mean()) if has_clv else None,
        "clv_interval": _interval_json(interval),
        "clv_total": float(buyers["clv"].sum()) if has_clv else None,
        "holdout": check,
        "truth": truth,
        "migration": None if moved is None else moved.as_json(),
    }
