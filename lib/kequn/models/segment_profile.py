"""Understanding segments: what sets each apart, a name and portrait, profiles, attractiveness.

- ``distinguishing``: per segment and feature, the standardised difference against everyone
  else (Cohen's d on the prepared scale: (mean in − mean out) / sd of all) and the lift
  (segment mean / base mean, in the feature's own units). |d| ≥ 0.5 is a clear difference,
  0.3 a noticeable one.
- ``name_segments``: a persona name from the two most distinguishing features ("高收入 ·
  高服务期望" / "High income · high service expectation") and a one-paragraph portrait with
  the figures behind it, in zh or en.
- ``profile_table``: key measures per segment against the whole base.
- ``segment_sizes``: customers, share, revenue share and membership strength per segment.
- ``attractiveness``: value (revenue share, lifetime value, spend per customer), size, growth
  (where two equal windows lie inside the data) and reach (where there is a channel), each
  scaled 0–1 across segments and weighted into a score for choosing target segments; the
  ranking and what it was computed from as one ``Attractiveness``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA

from kequn.lang.i18n import fmt_int, fmt_money, fmt_pct, t
from kequn.models.clustering import UNASSIGNED, segment_label

NOTICEABLE = 0.3

# Phrase templates (zh, en) for a high (+) or low (−) value of a column; None = not a trait
# worth naming (a segment is not described by the category it does not buy).
_PHRASES = {
    "age": (("年龄偏大", "older"), ("年轻", "younger")),
    "female": (("女性居多", "mostly women"), ("男性居多", "mostly men")),
    "family_size": (("大家庭", "large families"), ("小家庭", "small households")),
    "city_tier_rank": (("低线城市", "lower-tier cities"), ("一线及新一线", "top-tier cities")),
    "recency_days": (("久未购买", "long since last order"), ("近期下单", "ordered recently")),
    "orders": (("高频购买", "frequent buyers"), ("低频购买", "infrequent buyers")),
    "monetary": (("高消费", "high spend"), ("低消费", "low spend")),
    "avg_order_value": (("高客单价", "large baskets"), ("低客单价", "small baskets")),
    "discount_share": (("偏爱折扣", "discount-driven"), ("少用折扣", "rarely on discount")),
    "coupon_share": (("常用优惠券", "coupon users"), ("少用优惠券", "few coupons")),
    "complaints": (("投诉多", "many complaints"), None),
    "feedback": (("反馈多", "much feedback"), None),
    "return_rate": (("退货多", "frequent returns"), None),
    "tenure_days": (("老客户", "long-standing"), ("注册不久", "recently registered")),
}


# Traits the export's first date caps when history starts with the export (no sign-up dates).
HISTORY_CAPPED = ("tenure_days",)


def feature_label(col: str, lang: str, labels: dict | None = None) -> str:
    """Readable name of a prepared column in ``lang``."""
    labels = labels or {}
    if col.startswith("occupation="):
        return t(col.split("=", 1)[1], lang)
    if col.startswith(("cat_", "chan_", "ev_")):
        value = t(labels.get(col, col.split("_", 1)[1]), lang)
        kind = {"cat_": "f.cat", "chan_": "f.chan", "ev_": "f.ev"}[col[: col.index("_") + 1]]
        return t(kind, lang).format(value=value)
    return t(col if col.startswith("psy_") else f"f.{col}", lang)


def _phrase(col: str, d: float, lang: str, labels: dict) -> str | None:
    i = 0 if lang == "zh" else 1
    if col in _PHRASES:
        pair = _PHRASES[col][0 if d > 0 else 1]
        return None if pair is None else pair[i]
    if d < 0 and col.startswith(("occupation=", "cat_", "chan_")):
        return None
    label = feature_label(col, lang, labels)
    if col.startswith("occupation="):
        return f"{label}居多" if lang == "zh" else f"mostly {label.lower()}"
    if col.startswith(("cat_", "chan_", "ev_")):
        value = t(labels.get(col, col.split("_", 1)[1]), lang)
        if col.startswith("ev_"):
            if lang == "zh":
                return ("常" if d > 0 else "少") + value
            return ("many " if d > 0 else "few ") + value.lower() + " events"
        return f"偏好{value}" if lang == "zh" else f"favour {value}"
    if lang == "zh":
        return ("高" if d > 0 else "低") + label
    return ("high " if d > 0 else "low ") + label[0].lower() + label[1:]


def distinguishing(prep, labels: np.ndarray) -> pd.DataFrame:
    """Columns segment, column, std_diff (d), segment_mean, base_mean, lift (raw units), for
    every segment (not the unassigned group) and prepared column; sorted by |d| per segment."""
    Z = prep.standardised()
    raw = prep.raw
    base_raw = raw.mean().to_numpy(dtype="float64")
    total = Z.sum(axis=0, dtype="float64")
    n = len(Z)
    rows = []
    for s in sorted(int(x) for x in np.unique(labels) if x != UNASSIGNED):
        m = labels == s
        k = int(m.sum())
        if k == 0 or k == n:
            continue
        zin = Z[m].mean(axis=0, dtype="float64")
        zout = (total - zin * k) / (n - k)
        rin = raw[m].mean().to_numpy(dtype="float64")
        with np.errstate(divide="ignore", invalid="ignore"):
            lift = np.where(np.abs(base_raw) > 1e-12, rin / base_raw, np.nan)
        rows.append(
            pd.DataFrame(
                {
                    "segment": s,
                    "column": prep.columns,
                    "std_diff": zin - zout,
                    "segment_mean": rin,
                    "base_mean": base_raw,
                    "lift": lift,
                }
            )
        )
    out = pd.concat(rows, ignore_index=True)
    out["abs"] = out["std_diff"].abs()
    return (
        out.sort_values(["segment", "abs"], ascending=[True, False])
        .drop(columns="abs")
        .reset_index(drop=True)
    )


def _num(v: float) -> str:
    if v is None or pd.isna(v):
        return "—"
    v = float(v)
    return f"{v:,.0f}" if abs(v) >= 100 else (f"{v:,.1f}" if abs(v) >= 1 else f"{v:.2f}")


def format_value(col: str, v: float, lang: str) -> str:
    """A feature value in its unit: shares as %, other numbers rounded to their size."""
    if col in ("female", "discount_share", "coupon_share", "return_rate") or col.startswith(
        ("cat_", "chan_", "occupation=")
    ):
        return fmt_pct(v, lang, 0)
    return _num(v)


def name_segments(
    dist: pd.DataFrame,
    sizes: pd.Series,
    spend: pd.Series,
    lang: str,
    labels: dict | None = None,
    n_traits: int = 2,
    history: dict | None = None,
) -> pd.DataFrame:
    """Persona name and portrait per segment: columns segment, segment_name, portrait.

    ``dist`` is ``distinguishing``'s table, ``sizes`` customers per segment (index segment,
    0 = unassigned), ``spend`` net spend per customer per segment (index segment, 'all' =
    base). ``history`` (``profiling.history``): when it is ``truncated`` — tenure counts from
    the export's first order, not from sign-up — tenure names no segment and no portrait line
    ("recently registered" would be a guess the export caps)."""
    labels = labels or {}
    total = int(sizes.sum())
    rows, used = [], set()
    capped = set(HISTORY_CAPPED) if history and history.get("truncated") else set()
    for s, g in dist.groupby("segment", sort=True):
        g = g[(g["std_diff"].abs() >= NOTICEABLE) & ~g["column"].isin(capped)]
        traits = [
            (r.column, r.std_diff, r.segment_mean, r.base_mean, p)
            for r in g.itertuples()
            if (p := _phrase(r.column, r.std_diff, lang, labels))
        ]
        phrases = [p for *_, p in traits]
        name = " · ".join(phrases[:n_traits]) or t("seg.average", lang)
        extra = n_traits
        while name in used and extra < len(phrases):
            name = " · ".join(phrases[: extra + 1])
            extra += 1
        if name in used:
            name = f"{name} ({s})"
        used.add(name)
        sep = "；" if lang == "zh" else "; "
        facts = sep.join(
            t("seg.fact", lang).format(
                phrase=p,
                label=feature_label(c, lang, labels),
                seg=format_value(c, sm, lang),
                base=format_value(c, bm, lang),
            )
            for c, _, sm, bm, p in traits[:4]
        )
        if lang == "en" and facts:
            facts = facts[0].upper() + facts[1:]
        portrait = t("seg.portrait", lang).format(
            share=fmt_pct(sizes.get(s, 0) / total, lang),
            n=fmt_int(sizes.get(s, 0), lang),
            facts=facts or "—",
            spend=fmt_money(spend.get(s, np.nan), lang),
            base_spend=fmt_money(spend.get("all", np.nan), lang),
        )
        rows.append({"segment": int(s), "segment_name": name, "portrait": portrait})
    if UNASSIGNED in sizes.index and sizes.get(UNASSIGNED, 0) > 0:
        rows.append(
            {
                "segment": UNASSIGNED,
                "segment_name": t("seg.unassigned", lang),
                "portrait": t("seg.unassigned_portrait", lang).format(
                    share=fmt_pct(sizes[UNASSIGNED] / total, lang),
                    n=fmt_int(sizes[UNASSIGNED], lang),
                ),
            }
        )
    return (
        pd.DataFrame(rows, columns=["segment", "segment_name", "portrait"])
        .sort_values("segment")
        .reset_index(drop=True)
    )


def _top_label(features: pd.DataFrame, mask, prefix: str, labels: dict, lang: str) -> str:
    cols = [c for c in features.columns if c.startswith(prefix)]
    if not cols:
        return "—"
    m = features.loc[mask, cols].mean()
    return "—" if m.isna().all() else t(labels.get(m.idxmax(), m.idxmax()), lang)


def profile_table(
    features: pd.DataFrame,
    labels: np.ndarray,
    names: pd.DataFrame,
    lang: str,
    feature_labels: dict | None = None,
) -> pd.DataFrame:
    """Key measures (rows) per segment and for the whole base (columns, named by segment)."""
    fl = feature_labels or {}
    cols = {}
    groups = [
        (segment_label(r.segment, r.segment_name), labels == r.segment) for r in names.itertuples()
    ]
    groups.append((t("seg.all", lang), np.ones(len(labels), bool)))
    n = len(labels)
    for title, m in groups:
        f = features.loc[m]
        col = {
            t("customers", lang): fmt_int(m.sum(), lang),
            t("share_of_customers", lang): fmt_pct(m.sum() / n, lang),
        }
        if "age" in f:
            col[t("f.age", lang)] = _num(f["age"].mean())
        if "gender" in f:
            col[t("f.female", lang)] = fmt_pct(
                (f["gender"].astype("object") == "F").mean(), lang, 0
            )
        if "income" in f:
            col[t("seg.median_income", lang)] = fmt_money(f["income"].median(), lang)
        for c in ("orders", "monetary", "avg_order_value"):
            if c in f:
                col[t(f"f.{c}", lang)] = _num(f[c].mean())
        if "recency_days" in f:
            col[t("seg.median_recency", lang)] = _num(
                pd.to_numeric(f["recency_days"], errors="coerce").median()
            )
        if "discount_share" in f:
            col[t("f.discount_share", lang)] = fmt_pct(f["discount_share"].mean(), lang, 0)
        if "complaints" in f:
            col[t("seg.complaints_per_100", lang)] = _num(100 * f["complaints"].mean())
        col[t("seg.top_category", lang)] = _top_label(features, m, "cat_", fl, lang)
        col[t("seg.top_channel", lang)] = _top_label(features, m, "chan_", fl, lang)
        cols[title] = col
    out = pd.DataFrame(cols)
    out.index.name = t("figure", lang)
    return out.reset_index()


# Default weights of the attractiveness score, led by value (issue 16): the segment's share of
# net revenue and its customers' lifetime value (stage 03; left out until it is estimated), then
# net spend per customer, size, revenue growth (only when two equal windows lie inside the data)
# and reach (only when there is a channel to reach them: events, or orders in online channels).
ATTRACTIVENESS = {
    "revenue_share": 3.0,
    "clv": 2.0,
    "value": 1.0,
    "size": 1.0,
    "growth": 1.0,
    "reach": 1.0,
}
# component → column of the attractiveness table
COMPONENTS = {
    "revenue_share": "revenue_share",
    "clv": "clv",
    "value": "value",
    "size": "share",
    "growth": "growth",
    "reach": "reach",
}
# order channels through which a customer can be reached online (lower-case words matched in the value)
ONLINE_CHANNELS = (
    "app",
    "web",
    "online",
    "internet",
    "e-commerce",
    "ecommerce",
    "mobile",
    "官网",
    "网店",
    "网上",
    "线上",
    "小程序",
    "微信",
    "直播",
    "电商",
    "淘宝",
    "天猫",
    "京东",
    "抖音",
)


def online_channel_columns(features: pd.DataFrame, feature_labels: dict | None = None) -> list[str]:
    """The ``chan_`` columns whose channel is an online one (``ONLINE_CHANNELS``)."""
    fl = feature_labels or {}
    return [
        c
        for c in features.columns
        if c.startswith("chan_")
        and any(w in str(fl.get(c, c[5:])).lower() for w in ONLINE_CHANNELS)
    ]


def reach_basis(features: pd.DataFrame, feature_labels: dict | None = None) -> str | None:
    """What reach is measured from: "events" (an events table), "online_orders" (orders in an
    online channel) or None (no channel to reach customers through: reach is not shown)."""
    if "events" in features:
        return "events"
    return "online_orders" if online_channel_columns(features, feature_labels) else None


@dataclass(frozen=True)
class GrowthGap:
    """Why growth is not measured: the orders' first date (``first``, "—" when unknown) and
    the day the earlier of the two 6-month windows would need data from (``needed``)."""

    first: str
    needed: str


def growth_gap(quality: dict) -> GrowthGap | None:
    """None when the two 6-month windows of growth both lie inside the orders' span (growth is
    measured, ``features.window_complete``); else the ``GrowthGap``."""
    from kequn.data.features import GROWTH_WINDOW_DAYS, window_complete

    first = ((quality.get("span") or {}).get("orders") or {}).get("first")
    as_of = pd.Timestamp(quality["as_of"])
    if first is not None and window_complete(first, as_of, 2):
        return None
    needed = as_of.normalize() - pd.Timedelta(days=2 * GROWTH_WINDOW_DAYS - 1)
    return GrowthGap(first=first or "—", needed=str(needed.date()))


@dataclass(frozen=True)
class Attractiveness:
    """A ranking of segments (``attractiveness``, ``rank_attractiveness``) and what it rests on.

    ``table``: one row per segment (segment, segment_name, customers, share, revenue_share,
    value, clv, growth, reach, score, rank), best first; ``weights``: the weights used (the
    components measured); ``left_out``: components asked for but not measured for this data;
    ``asked``: every weight asked for; ``reach_basis``: what reach is measured from
    (``reach_basis``); ``growth_gap``: why growth is not measured, when it is not."""

    table: pd.DataFrame
    weights: dict = field(default_factory=dict)
    left_out: list = field(default_factory=list)
    asked: dict = field(default_factory=dict)
    reach_basis: str | None = None
    growth_gap: GrowthGap | None = None

    FIGURES = ("segment", "segment_name", "customers", "share", "revenue_share", "value",
               "growth", "reach")  # fmt: skip

    def figures(self) -> dict:
        """What stage 06 needs to rank again with lifetime value (``clustering.json``'s
        "attractiveness"): rows (the components per segment, missing as None), the weights
        asked for, the reach basis and the growth gap ({first, needed} or None)."""
        a = self.table[[c for c in self.FIGURES if c in self.table]]
        return {
            "rows": a.astype(object).where(a.notna(), None).to_dict("records"),
            "weights": self.asked,
            "reach_basis": self.reach_basis,
            "growth_gap": None if self.growth_gap is None else asdict(self.growth_gap),
        }


def segment_sizes(
    labels: np.ndarray, names: pd.DataFrame, features: pd.DataFrame, strength: np.ndarray
) -> pd.DataFrame:
    """Per segment of ``names`` (in its order): segment, segment_name, customers, share (of
    customers), revenue_share (of net spend, negative spend counted as 0; missing when there is
    none) and strength (mean membership strength; missing for an empty segment)."""
    m = (
        features["monetary"].clip(lower=0).to_numpy()
        if "monetary" in features
        else np.zeros(len(labels))
    )
    rows = []
    for r in names.itertuples():
        sel = labels == r.segment
        rows.append(
            {
                "segment": r.segment,
                "segment_name": r.segment_name,
                "customers": int(sel.sum()),
                "share": float(sel.mean()),
                "revenue_share": float(m[sel].sum() / m.sum()) if m.sum() > 0 else np.nan,
                "strength": float(strength[sel].mean()) if sel.any() else np.nan,
            }
        )
    return pd.DataFrame(
        rows,
        columns=["segment", "segment_name", "customers", "share", "revenue_share", "strength"],
    )


def most_distinct(dist: pd.DataFrame, top: int = 5) -> pd.DataFrame:
    """Per segment, its ``top`` most distinguishing features (``distinguishing``'s rows, sorted
    by |d|) among those with a noticeable difference (|d| ≥ ``NOTICEABLE``)."""
    return dist[dist["std_diff"].abs() >= NOTICEABLE].groupby("segment").head(top)


def run_attractiveness(
    features: pd.DataFrame,
    labels: np.ndarray,
    names: pd.DataFrame,
    weights: dict | None,
    quality: dict,
    feature_labels: dict | None = None,
) -> Attractiveness:
    """``attractiveness`` of a run's segments with the run's weights (``feature_labels``: the
    run's display labels of its value-named columns), and when growth is not measured the
    ``growth_gap`` of its orders' span (``quality``)."""
    a = attractiveness(features, labels, names, weights, feature_labels=feature_labels)
    if "growth" not in a.left_out:
        return a
    return replace(a, growth_gap=growth_gap(quality))


def attractiveness(
    features: pd.DataFrame,
    labels: np.ndarray,
    names: pd.DataFrame,
    weights: dict | None = None,
    clv: pd.Series | np.ndarray | None = None,
    feature_labels: dict | None = None,
) -> Attractiveness:
    """The ranking's ``table``: columns segment, segment_name, customers, share, revenue_share
    (of net revenue), value
    (net spend per customer), clv (mean lifetime value per customer, when ``clv`` is given per
    customer), growth (revenue of the last 6 months over the 6 before; missing when either
    window reaches before the data, see ``features.window_complete``), reach (share with any
    event, or any order in an online channel; missing without either), score, rank.

    score = Σ w·x / Σ w over the components measured for this data, each x scaled 0–1 across
    segments (``rank_attractiveness``); weights default to ``ATTRACTIVENESS``. With it the
    weights used, the components left out and the ``reach_basis`` (``Attractiveness``)."""
    f = features
    basis = reach_basis(f, feature_labels)
    online = online_channel_columns(f, feature_labels) if basis == "online_orders" else []
    money = (
        pd.to_numeric(f["monetary"], errors="coerce").astype("float64") if "monetary" in f else None
    )
    total = float(money.clip(lower=0).sum()) if money is not None else np.nan
    clv = None if clv is None else pd.Series(np.asarray(clv, dtype="float64"), index=f.index)
    rows = []
    for r in names.itertuples():
        if r.segment == UNASSIGNED:
            continue
        m = labels == r.segment
        g = f.loc[m]
        recent = g["revenue_last_6m"].sum(min_count=1) if "revenue_last_6m" in g else np.nan
        prior = g["revenue_prior_6m"].sum(min_count=1) if "revenue_prior_6m" in g else np.nan
        if basis == "events":
            reach = float((g["events"] > 0).mean())
        elif basis == "online_orders":
            reach = float((g[online].fillna(0).sum(axis=1) > 0).mean())
        else:
            reach = np.nan
        spend = money[m] if money is not None else None
        rows.append(
            {
                "segment": int(r.segment),
                "segment_name": r.segment_name,
                "customers": int(m.sum()),
                "share": float(m.mean()),
                "revenue_share": float(spend.clip(lower=0).sum() / total)
                if spend is not None and total > 0
                else np.nan,
                "value": float(spend.mean()) if spend is not None else np.nan,
                "clv": float(clv[m].mean()) if clv is not None and clv[m].notna().any() else np.nan,
                "growth": float(recent / prior - 1)
                if pd.notna(prior) and prior > 0 and pd.notna(recent)
                else np.nan,
                "reach": reach,
            }
        )
    out = pd.DataFrame(rows)
    if out.empty:
        return Attractiveness(out, reach_basis=basis)
    return replace(rank_attractiveness(out, weights), reach_basis=basis)


def rank_attractiveness(table: pd.DataFrame, weights: dict | None = None) -> Attractiveness:
    """``table`` (one row per segment, the columns of ``COMPONENTS``) with score and rank:
    Σ w·x / Σ w over the components with a figure for some segment and a weight above 0, each
    scaled 0–1 across segments (min to max; all equal: 0.5; a segment without the figure: 0).
    With it the weights used and the components that had no figure (``left_out``: named
    beside the ranking, never counted as 0 for everyone)."""
    w = {**ATTRACTIVENESS, **(weights or {})}
    out = table.copy()
    score, used, left = 0.0, {}, []
    for key, col in COMPONENTS.items():
        v = (
            pd.to_numeric(out[col], errors="coerce")
            if col in out
            else pd.Series(np.nan, index=out.index)
        )
        if not w.get(key):
            continue
        if v.notna().sum() == 0:
            left.append(key)
            continue
        span = v.max() - v.min()
        scaled = ((v - v.min()) / span if span > 0 else v * 0 + 0.5).fillna(0)
        score = score + w[key] * scaled
        used[key] = float(w[key])
    total_w = sum(used.values())
    out["score"] = score / total_w if total_w else np.nan
    out["rank"] = out["score"].rank(ascending=False, method="min").fillna(len(out)).astype(int)
    out = out.sort_values(["rank", "segment"]).reset_index(drop=True)
    return Attractiveness(out, weights=used, left_out=left, asked=w)


def segment_map(
    X: np.ndarray, labels: np.ndarray, seed: int, n: int = 4000
) -> tuple[pd.DataFrame, list]:
    """A 2-D map of the segments: the first two principal components of up to ``n``
    customers (columns x, y, segment) and the share of variance each axis explains."""
    from kequn.models.clustering import row_keys

    idx = np.argsort(row_keys(X, seed), kind="stable")[:n]
    pca = PCA(n_components=2, random_state=seed).fit(X)
    xy = pca.transform(X[idx])
    return pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "segment": labels[idx]}), list(
        pca.explained_variance_ratio_
    )


def describe_segments(
    features: pd.DataFrame,
    prep,
    labels: np.ndarray,
    lang: str,
    feature_labels: dict | None = None,
    history: dict | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``distinguishing``'s table and ``name_segments``' names and portraits in one call
    (``history``: ``profiling.history`` of the run, see ``name_segments``)."""
    dist = distinguishing(prep, labels)
    sizes = pd.Series(labels).value_counts()
    money = (
        pd.to_numeric(features["monetary"], errors="coerce")
        if "monetary" in features
        else pd.Series(np.nan, index=features.index)
    )
    spend = pd.Series(money.to_numpy()).groupby(labels).mean()
    spend["all"] = money.mean()
    return dist, name_segments(dist, sizes, spend, lang, feature_labels, history=history)


def component_label(key: str, lang: str, reach_basis: str | None = None) -> str:
    """Name of an attractiveness component in ``lang`` (reach names what it is measured from)."""
    if key == "reach" and reach_basis:
        return t(f"attr.c.reach.{reach_basis}", lang)
    return t(f"attr.c.{key}", lang)


def attract_note(a: Attractiveness, lang: str, clv_later: bool = False) -> str:
    """The formula and weights of the ranking ``a`` (``attractiveness``, ``rank_attractiveness``),
    and each component left out with the reason and the input that would enable it
    (``clv_later``: stage 02, before stage 03 estimated lifetime value)."""
    sep = "、" if lang == "zh" else ", "
    used = sep.join(
        f"{component_label(k, lang, a.reach_basis)} {v:g}" for k, v in a.weights.items()
    )
    parts = [t("attr.formula", lang).format(used=used or "—")]
    for k in a.left_out:
        if k == "growth":
            g = a.growth_gap or GrowthGap(first="—", needed="—")
            parts.append(t("attr.left.growth", lang).format(**asdict(g)))
        elif k == "clv":
            parts.append(t("attr.left.clv_later" if clv_later else "attr.left.clv", lang))
        else:
            parts.append(t(f"attr.left.{k}", lang))
    return " ".join(parts)
