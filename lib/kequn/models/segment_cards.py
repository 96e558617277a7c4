"""Stage 06's segment cards: one card per segment with the figures of every stage that ran
(``segment_cards``: who, how big, what worth, where in the lifecycle, what they need, how they
feel), what a card says about its segment (``facts``), the service plan its own figures call
for (``plan``) and the attractiveness ranking the cards are ordered by
(``attractiveness_ranking``, ``attractiveness_note``).

A card is a row of the ``segment_cards`` table (``facts`` and ``plan`` take it as a Series);
columns of stages that did not run are missing, and a card without them says less, never
fails. The HTML of the cards is the stage's (``kequn.stages.summary.cards_html``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kequn.data.keyed import take
from kequn.data.paths import RunFolder, resolve
from kequn.lang.i18n import fmt_int, fmt_money, fmt_pct, t
from kequn.models.summary import HIGH_VALUE, LAPSING, read_columns, read_figures
from kequn.models.value import TIERS

# the value-tier responses (屈从型 / 关怀型 / 适应型 / 冷漠型), as value.parquet's strategy
STRATEGIES = ("yielding", "caring", "adaptive", "indifferent")
# the lifecycle stages a card shows (potential customers have no orders, so no segment)
LIFECYCLE = ("new", "active", "sleeping", "churned")
# Needs group → what its customised offer (catalogue keys plan.custom.<group>) pushes, by words
# a Kano feature's name may hold: an offer is not made to a segment that rates such a feature
# reverse (balanced falls back to refill reminders).
NEED_TOUCHES = {
    "price": ("优惠", "满减", "coupon", "discount"),
    "quality": ("试用", "保修", "trial", "warranty"),
    "service": ("顾问", "上门", "advisor", "home service"),
    "balanced": ("推荐", "recommend"),
}
# Kano class → the plan line it calls for (catalogue keys plan.kano.<class>), in this order.
KANO_PLANS = ("M", "A", "O", "R")


# ---- the cards' figures


def _value_figures(out: pd.DataFrame, d: pd.DataFrame, folder) -> None:
    """Stage 03's columns of the cards (``out``), from its customers' rows ``d``."""
    from kequn.models.priorities import clv_basis

    g, by = d.groupby("segment"), d["segment"]
    money = d["monetary"].clip(lower=0)
    out["revenue_share"] = money.groupby(by).sum() / money.sum()
    out["clv_mean"] = g["clv"].mean()
    out["clv_low"], out["clv_high"] = clv_bounds(folder, out.index)  # stage 03's 95% interval
    high = d["tier"].isin(HIGH_VALUE)
    out["high_value_share"] = high.groupby(by).mean()
    out["high_value_revenue_share"] = money[high].groupby(by[high]).sum().reindex(
        out.index, fill_value=0.0
    ) / money.groupby(by).sum().replace(0, np.nan)
    tiers = pd.crosstab(by, d["tier"], normalize="index")
    for x in TIERS:
        out[f"tier_{x}"] = tiers[x] if x in tiers else 0.0
    counts = pd.crosstab(by, d["strategy"])
    for s in STRATEGIES:
        out[f"n_{s}"] = counts[s] if s in counts else 0
    stages = pd.crosstab(by, d["stage"], normalize="index")
    for s in LIFECYCLE:
        out[f"stage_{s}"] = stages[s] if s in stages else 0.0
    out["churn_risk"] = g["churn_risk"].mean()
    out["spend_mean"] = money.groupby(by).mean()  # net spend per customer
    lapsing = high & d["stage"].astype(str).isin(LAPSING)
    out["n_winback"] = lapsing.groupby(by).sum().astype(int)
    out["clv_winback"] = d["clv"].where(lapsing).clip(lower=0).groupby(by).sum()
    out["n_new"] = (d["stage"].astype(str) == "new").groupby(by).sum().astype(int)
    out["clv_basis"] = clv_basis(folder)  # 12-month CLV in margin or in revenue


def _needs_figures(out: pd.DataFrame, d: pd.DataFrame, rf: RunFolder) -> None:
    """Stage 04's columns: the commonest needs group and its share of the segment's buyers (the
    glossary's denominator of needs groups, as on page 04); whether orders have categories."""
    mix = pd.crosstab(d["segment"], d["needs_group"], normalize="index")
    out["need"] = mix.idxmax(axis=1)
    out["need_share"] = mix.max(axis=1)
    if rf.features.exists():  # the balanced plan recommends by category only with categories
        import pyarrow.parquet as pq

        out["has_categories"] = any(c.startswith("cat_") for c in pq.read_schema(rf.features).names)


def _feedback_figures(out: pd.DataFrame, f: pd.DataFrame) -> None:
    """Stage 05's columns from the segment's feedback ``f`` (with its scores when stage 05 ran):
    NPS and how many answers it is over (none without NPS answers: not a missing one), the share
    of negative feedback, the two commonest topics of the negative feedback and their shares."""
    from kequn.models.satisfaction import nps as nps_of

    if "nps" in f:
        out["nps"] = f.groupby("segment")["nps"].apply(lambda s: nps_of(s)["nps"])
        out["nps_n"] = f.groupby("segment")["nps"].count()
    if "sentiment" not in f:
        return
    rated = f[f["sentiment"].notna()]
    out["negative_share"] = rated.groupby("segment")["sentiment"].apply(
        lambda s: (s == "negative").mean()
    )
    neg = f[(f["sentiment"] == "negative") & f["topic"].notna()]
    out["topics"] = neg.groupby("segment")["topic"].agg(lambda s: list(s.value_counts().index[:2]))
    n_neg = f[f["sentiment"] == "negative"].groupby("segment").size()
    out["topic_shares"] = pd.Series(
        {
            sg: [[k, n / n_neg[sg]] for k, n in s.value_counts().head(2).items()]
            for sg, s in neg.groupby("segment")["topic"]
        },
        dtype=object,
    )  # [topic, share of the segment's negative feedback]


def _add_by_customer(d: pd.DataFrame, frame: pd.DataFrame) -> None:
    """``frame``'s columns added to ``d`` by customer_id, in ``d``'s order: the left join
    ``d.merge(frame, on="customer_id", how="left")`` of one row per customer, without copying
    either frame when both list the same customers in the same order, as the stages write
    them (``keyed.take``; 1M customers: 1.2 s of merges → 0.05 s)."""
    cols = [c for c in frame.columns if c != "customer_id"]
    for c, s in take(d["customer_id"], frame, cols).items():
        d[c] = s


def segment_cards(processed_dir) -> pd.DataFrame:
    """One row per segment: segment, segment_name, customers, share, revenue_share, clv_mean
    (with clv_low, clv_high: stage 03's 95% interval), high_value_share (key + important tier)
    and high_value_revenue_share, tier_<tier> (share of its customers per value tier),
    n_<strategy> (customers per value-tier response: yielding, caring, adaptive, indifferent),
    stage shares (stage_new, stage_active, stage_sleeping, stage_churned), churn_risk,
    spend_mean, n_winback and clv_winback (high-value customers lapsing, their CLV), n_new,
    clv_basis, need (most common needs group) and need_share, has_categories, nps and nps_n,
    negative_share (of its feedback), topics (the two commonest topics of its negative
    feedback) and topic_shares, rank (attractiveness, ``attractiveness_ranking``) and portrait
    (one line, stage 02), kano (stage 04's Kano view of the segment) and the settings its
    figures are stated on (``glossary.settings_basis``). Columns of stages that did not run
    are missing; no segments (stage 02 did not run): an empty table."""
    from kequn.lang.glossary import settings_basis

    folder = resolve(processed_dir)
    rf = RunFolder(folder)
    seg = read_columns(rf.segments, ["customer_id", "segment", "segment_name"])
    if seg is None or seg.empty:
        return pd.DataFrame()
    seg = seg[seg["segment"] >= 0].reset_index(drop=True)
    d = seg.copy()
    value_cols = ["customer_id", "monetary", "clv", "tier", "strategy", "stage", "churn_risk"]
    val = read_columns(rf.value, value_cols)
    if val is not None:
        _add_by_customer(d, val)
    need = read_columns(rf.needs, ["customer_id", "needs_group"])
    if need is not None:
        _add_by_customer(d, need)
    g = d.groupby("segment")
    out = pd.DataFrame({"segment_name": g["segment_name"].first(), "customers": g.size()})
    out["share"] = out["customers"] / out["customers"].sum()
    if val is not None:
        _value_figures(out, d, folder)
    if need is not None and d["needs_group"].notna().any():  # no needs signal: no needs group
        _needs_figures(out, d, rf)
    fb = read_columns(rf.table("feedback"), ["feedback_id", "customer_id", "nps"])
    if fb is not None:
        of = take(fb["customer_id"], seg, ["segment"])["segment"]  # feedback of segmented buyers
        f = fb.assign(segment=of)[of.notna().to_numpy()].reset_index(drop=True)
        f["segment"] = f["segment"].astype(seg["segment"].dtype)
        scored = read_columns(rf.feedback_scored, ["feedback_id", "sentiment", "topic"])
        if scored is not None:
            f = f.merge(scored, on="feedback_id", how="left")
        _feedback_figures(out, f)
    clustering = read_figures(rf.figures("clustering"))
    rank, portraits = clustering.get("attractiveness_rank", {}), clustering.get("portraits", {})
    ranking = attractiveness_ranking(out.reset_index(), clustering)
    if ranking is not None:  # stage 02's figures with stage 03's lifetime value
        table = ranking.table
        rank = {str(s): int(r) for s, r in zip(table["segment"], table["rank"])}
    out["rank"] = [rank.get(str(i)) for i in out.index]
    out["portrait"] = [portraits.get(str(i)) for i in out.index]
    kano_seg = read_figures(rf.figures("needs")).get("kano_segments")
    if kano_seg:
        out["kano"] = [kano_seg.get(str(i)) for i in out.index]
    for k, v in settings_basis(folder).items():  # the run's CLV horizon, risk window, SLA hours
        out[k] = v
    return out.reset_index()


def clv_bounds(folder, segments) -> tuple[list, list]:
    """Per segment, the low and high end of stage 03's 95% interval of mean CLV (value.json
    ``clv_interval``), NaN where it has none."""
    ci = read_figures(RunFolder(folder).figures("value")).get("clv_interval") or {}
    rows = [ci.get(str(s)) or {} for s in segments]
    return (
        [np.nan if r.get("low") is None else r["low"] for r in rows],
        [np.nan if r.get("high") is None else r["high"] for r in rows],
    )


# ---- the attractiveness ranking


def attractiveness_ranking(cards: pd.DataFrame, clustering: dict):
    """Stage 02's attractiveness figures per segment (``clustering.json``) scored again with the
    mean lifetime value of each segment's customers (``cards``' clv_mean, when stage 03 estimated
    it), by the weights stage 02 was given (``segment_profile.rank_attractiveness``): an
    ``Attractiveness`` with stage 02's reach basis and growth gap; None when stage 02 wrote no
    such figures (its rank is used as it is)."""
    import dataclasses

    from kequn.models.segment_profile import GrowthGap, rank_attractiveness

    fig = clustering.get("attractiveness") or {}
    if not fig.get("rows"):
        return None
    a = pd.DataFrame(fig["rows"])
    for c in ("share", "revenue_share", "value", "growth", "reach"):
        a[c] = pd.to_numeric(a[c], errors="coerce").astype("float64") if c in a else np.nan
    a["clv"] = (
        a["segment"].map(cards.set_index("segment")["clv_mean"]).astype("float64")
        if "clv_mean" in cards and "segment" in cards
        else np.nan
    )
    gap = fig.get("growth_gap")
    return dataclasses.replace(
        rank_attractiveness(a, fig.get("weights") or None),
        reach_basis=fig.get("reach_basis"),
        growth_gap=GrowthGap(**gap) if gap else None,
    )


def attractiveness_note(processed_dir, cards: pd.DataFrame, lang: str) -> str:
    """The formula and weights of the ranking the cards are ordered by, and what it leaves out
    and why ("" when stage 02 wrote no attractiveness figures)."""
    from kequn.models.segment_profile import attract_note

    clustering = read_figures(RunFolder.of(processed_dir).figures("clustering"))
    ranking = attractiveness_ranking(cards, clustering) if len(cards) else None
    return "" if ranking is None else attract_note(ranking, lang)


# ---- what a card says


def card_basis(card: pd.Series) -> dict:
    """The settings a card's figures are stated on (``glossary.settings_basis``; the defaults
    for a card made without them)."""
    from kequn.lang.glossary import settings_basis

    return {k: card[k] if k in card else v for k, v in settings_basis().items()}


def _names(items, lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(str(x) for x in items)


def _join(parts: list[str], lang: str) -> str:
    return ("；" if lang == "zh" else "; ").join(p for p in parts if p)


def mix(card: pd.Series, prefix: str, keys, label: str, lang: str) -> str:
    """'Key 12% · Important 20% · …' for the shares ``<prefix><key>`` of one card (the
    catalogue's ``<label>.<key>`` names them); keys the card lacks or has no figure for are
    left out."""
    return " · ".join(
        f"{t(f'{label}.{k}', lang)} {fmt_pct(card[f'{prefix}{k}'], lang)}"
        for k in keys
        if f"{prefix}{k}" in card and pd.notna(card[f"{prefix}{k}"])
    )


def clv_line(card: pd.Series, lang: str) -> str:
    """ "average CLV 171 CNY (95% CI 150–190)", or without the interval when there is none."""
    basis = card.get("clv_basis")
    if basis not in ("margin", "revenue"):
        basis = "margin"
    over = t(f"card.clv_over.{basis}", lang).format(**card_basis(card))  # horizon, margin/revenue
    if pd.notna(card.get("clv_low")) and pd.notna(card.get("clv_high")):
        return t("card.clv12_ci", lang).format(
            over=over,
            clv=fmt_money(card["clv_mean"], lang),
            low=fmt_money(card["clv_low"], lang),
            high=fmt_money(card["clv_high"], lang),
        )
    return t("card.clv12", lang).format(over=over, clv=fmt_money(card["clv_mean"], lang))


def _kano_needs(k, lang: str) -> list[str]:
    """The segment's own Kano key needs and where it departs from the whole base (at most two);
    that its answers were too few when it has none."""
    if not isinstance(k, dict):
        return []
    if not k.get("key"):
        return [t("card.kano_few", lang)]
    out = [
        t("card.kano", lang).format(
            n=fmt_int(k["answers"], lang),
            key=" · ".join(f"{t(f'kano.word.{c}', lang)} {f}" for f, c in k["key"]),
        )
    ]
    if k.get("differs"):
        diffs = (
            t("card.kano_diff", lang).format(
                feature=f, seg=t(f"kano.word.{c}", lang), all=t(f"kano.word.{a}", lang)
            )
            for f, c, a in k["differs"][:2]
        )
        out.append(t("card.kano_differs", lang).format(items=_names(diffs, lang)))
    return out


def _feelings(card: pd.Series, lang: str) -> list[str]:
    """NPS (with how many scores), the share of negative feedback, the commonest complaints."""
    feel = []
    if "nps" in card:
        nps = "—" if pd.isna(card.get("nps")) else f"{card['nps']:+.0f}"
        feel.append(t("card.nps", lang).format(nps=nps, n=fmt_int(card.get("nps_n", 0), lang)))
    if pd.notna(card.get("negative_share")):
        feel.append(t("card.negative", lang).format(share=fmt_pct(card["negative_share"], lang)))
    if isinstance(card.get("topics"), list) and card["topics"]:
        feel.append(t("card.topics", lang).format(topics=_names(card["topics"], lang)))
    return feel


def facts(card: pd.Series, lang: str) -> list[tuple[str, str]]:
    """What a card says about its segment, as (row label key, text): size; value (revenue
    share, CLV, tier mix); lifecycle mix and churn risk; needs (needs group, the segment's own
    Kano key needs and where it departs from the whole base); feeling (NPS, share of negative
    feedback, commonest complaint topics). Rows of stages that did not run are left out."""
    size = t("card.size", lang).format(
        share=fmt_pct(card["share"], lang), n=fmt_int(card["customers"], lang)
    )
    rows = [("card.f.size", size)]
    if "revenue_share" in card:
        revenue = t("card.revenue", lang).format(share=fmt_pct(card["revenue_share"], lang))
        clv = clv_line(card, lang) if pd.notna(card.get("clv_mean")) else ""
        tiers = mix(card, "tier_", TIERS, "tier", lang)
        rows.append(("card.f.value", _join([revenue, clv, tiers], lang)))
    if "stage_active" in card:
        risk = (
            t("card.risk", lang).format(**card_basis(card), risk=fmt_pct(card["churn_risk"], lang))
            if pd.notna(card.get("churn_risk"))
            else ""
        )
        stages = mix(card, "stage_", LIFECYCLE, "stage", lang)
        rows.append(("card.f.lifecycle", _join([stages, risk], lang)))
    needs = []
    if isinstance(card.get("need"), str):
        needs.append(
            t("plan.why.need", lang).format(
                share=fmt_pct(card["need_share"], lang), need=t(f"need.{card['need']}", lang)
            )
        )
    needs += _kano_needs(card.get("kano"), lang)
    if needs:
        rows.append(("card.f.needs", _join(needs, lang)))
    feel = _feelings(card, lang)
    if feel:
        rows.append(("card.f.feel", _join(feel, lang)))
    return rows


# ---- the service plan


def kano_classes(k) -> dict[str, str]:
    """Feature → the segment's own Kano class, from its key needs and where it departs from
    the base (stage 04's ``kano_segments``); empty when its answers were too few."""
    if not isinstance(k, dict) or not k.get("key"):
        return {}
    out = {f: c for f, c in k.get("key") or []}
    out.update({f: c for f, c, _ in k.get("differs") or []})
    return out


def _response_line(card: pd.Series, lang: str) -> list[tuple[str, str, str]]:
    """The value-tier response with how many customers of each tier get it."""
    what = "\n".join(
        t("plan.response_part", lang).format(
            kind=t(f"strategy.{s}", lang),
            who=t(f"plan.who.{s}", lang),
            n=fmt_int(card[f"n_{s}"], lang),
            what=t(f"strategy_what.{s}", lang),
        )
        for s in STRATEGIES
        if card[f"n_{s}"] > 0
    )
    if not what:
        return []
    why = t("plan.why.response", lang).format(share=fmt_pct(card["high_value_revenue_share"], lang))
    return [("plan.response", what, why)]


def _kano_lines(card: pd.Series, kano: dict, lang: str) -> list[tuple[str, str, str]]:
    """Secure the must-be, offer the attractive, do well the one-dimensional, never push what
    the segment rates reverse."""
    out = []
    for c in KANO_PLANS:
        feats = [f for f, k in kano.items() if k == c]
        if feats:
            what = t(f"plan.kano.{c}", lang).format(features=_names(feats, lang))
            why = t("plan.why.kano", lang).format(
                n=fmt_int(card["kano"]["answers"], lang), kind=t(f"kano.word.{c}", lang)
            )
            out.append(("plan.custom", what, why))
    return out


def _need_line(card: pd.Series, kano: dict, lang: str) -> list[tuple[str, str, str]]:
    """The commonest needs group's offer, unless it pushes a feature the segment rates reverse
    (balanced then falls back to refill reminders; by category only when orders have them)."""
    n = card.get("need")
    if not isinstance(n, str):
        return []
    key = "balanced_rhythm" if n == "balanced" and card.get("has_categories") is False else n
    reverse = [f for f, k in kano.items() if k == "R"]
    clash = [f for f in reverse if any(w in f.lower() for w in NEED_TOUCHES.get(n, ()))]
    if clash and n == "balanced":
        key = "balanced_reverse"
    if clash and n != "balanced":
        return []
    what = t(f"plan.custom.{key}", lang).format(features=_names(clash, lang))
    why = t("plan.why.need", lang).format(
        share=fmt_pct(card["need_share"], lang), need=t(f"need.{n}", lang)
    )
    return [("plan.custom", what, why)]


def lifecycle_plan(card: pd.Series) -> str:
    """Where the segment stands in the lifecycle, as the flexible plan's key: ``winback`` (40%
    or more sleeping or churned; ``winback_high`` when high-value customers are among them),
    else ``onboard`` (20% or more new), else ``rhythm``."""
    lapsing = card["stage_sleeping"] + card["stage_churned"]
    key = "winback" if lapsing >= 0.4 else ("onboard" if card["stage_new"] >= 0.2 else "rhythm")
    return "winback_high" if key == "winback" and card.get("n_winback", 0) > 0 else key


def _lifecycle_line(card: pd.Series, basis: dict, lang: str) -> list[tuple[str, str, str]]:
    if "stage_sleeping" not in card:
        return []
    what = t(f"plan.flexible.{lifecycle_plan(card)}", lang).format(
        **basis,
        n=fmt_int(card.get("n_winback", 0), lang),
        clv=fmt_money(card.get("clv_winback", 0) or 0, lang),
        new=fmt_int(card.get("n_new", 0), lang),
        active=fmt_pct(card.get("stage_active"), lang),
    )
    why = t("plan.why.stage", lang).format(
        **basis,
        lapsing=fmt_pct(card["stage_sleeping"] + card["stage_churned"], lang),
        new=fmt_pct(card["stage_new"], lang),
        risk=fmt_pct(card["churn_risk"], lang),
    )
    return [("plan.flexible", what, why)]


def _interactive_lines(card: pd.Series, basis: dict, lang: str) -> list[tuple[str, str, str]]:
    """Fix the segment's own complaint topics (none without complaints); engage the promoters
    when they outnumber the detractors and most feedback is not negative."""
    out = []
    nps, neg = card.get("nps"), card.get("negative_share")
    nps_txt = "—" if nps is None or pd.isna(nps) else f"{nps:+.0f}"
    shares = card.get("topic_shares")
    if not isinstance(shares, list):
        topics = card.get("topics") if isinstance(card.get("topics"), list) else []
        shares = [[x, None] for x in topics]
    if shares and pd.notna(neg):
        topics = (
            x if s is None else t("plan.topic_share", lang).format(topic=x, share=fmt_pct(s, lang))
            for x, s in shares
        )
        what = t("plan.interactive.fix", lang).format(**basis, topics=_names(topics, lang))
        why = (
            t("plan.why.feel", lang).format(neg=fmt_pct(neg, lang), nps=nps_txt)
            if "nps" in card
            else t("plan.why.feel_neg", lang).format(neg=fmt_pct(neg, lang))
        )  # no NPS asked
        out.append(("plan.interactive", what, why))
    if nps is not None and pd.notna(nps) and nps > 0 and not (pd.notna(neg) and neg >= 0.5):
        why = t("plan.why.promoters", lang).format(
            nps=nps_txt, n=fmt_int(card.get("nps_n", 0), lang)
        )
        out.append(("plan.interactive", t("plan.interactive.engage", lang), why))
    return out


def plan(card: pd.Series, lang: str) -> list[tuple[str, str, str]]:
    """The segment's service plan from its own findings, as (kind, what to do, the figure
    behind it): the value-tier response (屈从型 / 关怀型 / 适应型 / 冷漠型) with how many
    customers of each tier get it; customised lines from its Kano classes (secure the must-be,
    offer the attractive, do well the one-dimensional, never push what it rates reverse) and
    from its commonest needs group (unless the offer pushes a feature it rates reverse); a
    flexible line for where it stands in the lifecycle, with its own counts; interactive lines
    for its own complaint topics (none without complaints) or, when promoters outnumber
    detractors, for engaging them. A finding the segment lacks gives no line."""
    basis, kano = card_basis(card), kano_classes(card.get("kano"))
    return (
        (_response_line(card, lang) if "n_yielding" in card else [])
        + _kano_lines(card, kano, lang)
        + _need_line(card, kano, lang)
        + _lifecycle_line(card, basis, lang)
        + _interactive_lines(card, basis, lang)
    )
