"""Stage 06: what stakeholders read first. Headline figures with the change since the previous
run of the same data set, one card per segment (who, how big, what worth, where in the
lifecycle, what they need, how they feel, what to do) and the index page that holds them.

Reads only what the earlier stages wrote into the run's folder (``profiling.json``,
``value.json``, ``feedback.json``, ``segments.parquet``, ``value.parquet``,
``needs.parquet``, ``feedback_scored.parquet``, ``clean/feedback.parquet``,
``features.parquet``); a stage that did not run leaves its part of a card empty, never an error.
Writes ``summary.json`` (headline, cards), from which ``publish`` builds ``index.html``.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np
import pandas as pd

from kequn.data.io import write_text_atomic
from kequn.data.paths import RunFolder, resolve
from kequn.data.runs import earlier_runs
from kequn.lang.currency import for_run
from kequn.lang.i18n import fmt_int, fmt_money, fmt_pct, t
from kequn.models.value import TIERS
from kequn.render.section import Section

# headline key → (file, path inside it, kind)
HEADLINE = {
    "customers": ("profiling.json", ("headline", "customers"), "int"),
    "active_90d": ("profiling.json", ("headline", "active_90d"), "int"),
    "revenue": ("profiling.json", ("headline", "revenue"), "money"),
    "top20_share": ("profiling.json", ("headline", "top20_share"), "pct"),
    "clv_mean": ("value.json", ("clv_mean",), "money"),
    "nps": ("feedback.json", ("nps",), "nps"),
    "sla_share": ("feedback.json", ("complaints", "resolution_within_sla"), "pct"),
}


# stage → the file it writes (its having run) and the catalogue key of its title
STAGE_FILES = (
    ("profiling", "profiling.json"),
    ("clustering", "clustering.json"),
    ("value", "value.json"),
    ("needs", "needs.json"),
    ("feedback", "feedback.json"),
)
TABLES = ("customers", "orders", "events", "feedback", "kano")


def _earlier(folder: Path, run: str) -> list[Path]:
    """Earlier runs of the same data set (oldest first), never this run's own folder."""
    return [
        p
        for p in earlier_runs(folder.parent, run, "profiling.json")
        if p.resolve() != folder.resolve()
    ]


def run_inputs(processed_dir, run: str, lang: str) -> tuple[dict, dict]:
    """(facts, quality): what this summary stands on — the run, its as-of date, the previous
    run it is compared with, which stages ran — and intake's quality figures for the caveats."""
    folder = resolve(processed_dir)
    quality = _read_json(folder, "quality.json")
    earlier = _earlier(folder, run)
    ran = [t(f"{stage}.title", lang) for stage, f in STAGE_FILES if (folder / f).exists()]
    facts = {
        t("run", lang): run,
        t("as_of", lang): quality.get("as_of", "—"),
        t("index.previous", lang): earlier[-1].name if earlier else "—",
        t("sum.stages_ran", lang): ("、" if lang == "zh" else ", ").join(ran) or "—",
    }
    return facts, quality


def _read_json(folder: Path, name: str) -> dict:
    p = folder / name
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else {}


def _dig(d: dict, path) -> float | None:
    for k in path:
        if not isinstance(d, dict) or d.get(k) is None:
            return None
        d = d[k]
    return float(d)


def _currency(folder: Path) -> str:
    """Code of the currency a run's amounts are in (intake's, else stage 01's parameters)."""
    return for_run(_read_json(folder, "profiling.json"), _read_json(folder, "quality.json")).code


def _figures(folder: Path) -> dict:
    files = {f: _read_json(folder, f) for f in {v[0] for v in HEADLINE.values()}}
    return {k: _dig(files[f], path) for k, (f, path, _) in HEADLINE.items()}


def headline(processed_dir, run: str) -> tuple[pd.DataFrame, str | None]:
    """(table, previous run): per headline figure its key, kind, value, previous value and
    change (absolute; for shares and NPS in points). Figures of stages that did not run are
    missing; without an earlier run of the same data set the previous column is empty."""
    folder = resolve(processed_dir)
    now = _figures(folder)
    earlier = _earlier(folder, run)
    before = _figures(earlier[-1]) if earlier else {}
    same_money = not earlier or _currency(folder) == _currency(
        earlier[-1]
    )  # no change from £ to 元
    from kequn.lang.glossary import headline_basis

    lang = _read_json(folder, "profiling.json").get("lang", "zh")
    basis = headline_basis(folder, lang)  # what each figure is over (glossary)
    rows = []
    for key, (_, _, kind) in HEADLINE.items():
        v, p = now.get(key), before.get(key) if kind != "money" or same_money else None
        change = None if v is None or p is None else (v - p) * (100 if kind == "pct" else 1)
        rows.append(
            {
                "key": key,
                "kind": kind,
                "value": v,
                "previous": p,
                "change": change,
                "basis": basis.get(key, ""),
            }
        )
    return pd.DataFrame(rows), (earlier[-1].name if earlier else None)


def _table(folder: Path, name: str, cols: list[str]) -> pd.DataFrame | None:
    """The columns of ``cols`` that the table has, or None when the stage did not write it."""
    p = folder / name
    if not p.exists():
        return None
    import pyarrow.parquet as pq

    present = [c for c in cols if c in pq.read_schema(p).names]
    return pd.read_parquet(p, columns=present)


def segment_cards(processed_dir) -> pd.DataFrame:
    """One row per segment: segment, segment_name, customers, share, revenue_share, clv_mean,
    high_value_share (key + important tier) and high_value_revenue_share, tier_<tier> (share of its
    customers per value tier), n_<strategy> (customers
    per value-tier response: yielding, caring, adaptive, indifferent), stage shares (stage_new,
    stage_active, stage_sleeping, stage_churned), churn_risk, need (most common needs group)
    and need_share, nps and nps_n, negative_share (of its feedback), topics (the two commonest
    topics of its negative feedback), rank (attractiveness) and portrait (one line, both from
    stage 02), kano (stage 04's Kano view of the segment, see ``stage_needs.segment_kano``).
    Columns of stages that did not run are missing."""
    folder = resolve(processed_dir)
    seg = _table(folder, "segments.parquet", ["customer_id", "segment", "segment_name"])
    if seg is None or seg.empty:
        return pd.DataFrame()
    seg = seg[seg["segment"] >= 0]
    d = seg.copy()
    val = _table(
        folder,
        "value.parquet",
        ["customer_id", "monetary", "clv", "tier", "strategy", "stage", "churn_risk"],
    )
    if val is not None:
        d = d.merge(val, on="customer_id", how="left")
    need = _table(folder, "needs.parquet", ["customer_id", "needs_group"])
    if need is not None:
        d = d.merge(need, on="customer_id", how="left")
    g = d.groupby("segment")
    out = pd.DataFrame({"segment_name": g["segment_name"].first(), "customers": g.size()})
    out["share"] = out["customers"] / out["customers"].sum()
    if val is not None:
        money = d["monetary"].clip(lower=0)
        out["revenue_share"] = money.groupby(d["segment"]).sum() / money.sum()
        out["clv_mean"] = g["clv"].mean()
        out["clv_low"], out["clv_high"] = _clv_bounds(folder, out.index)  # stage 03's 95% interval
        out["high_value_share"] = g["tier"].apply(lambda s: s.isin(["key", "important"]).mean())
        high = d["tier"].isin(["key", "important"])
        out["high_value_revenue_share"] = money[high].groupby(d["segment"][high]).sum().reindex(
            out.index, fill_value=0.0
        ) / money.groupby(d["segment"]).sum().replace(0, np.nan)
        tiers = pd.crosstab(d["segment"], d["tier"], normalize="index")
        for x in TIERS:
            out[f"tier_{x}"] = tiers[x] if x in tiers else 0.0
        counts = pd.crosstab(d["segment"], d["strategy"])
        for s in STRATEGIES:
            out[f"n_{s}"] = counts[s] if s in counts else 0
        stages = pd.crosstab(d["segment"], d["stage"], normalize="index")
        for s in ("new", "active", "sleeping", "churned"):
            out[f"stage_{s}"] = stages[s] if s in stages else 0.0
        out["churn_risk"] = g["churn_risk"].mean()
        out["spend_mean"] = money.groupby(d["segment"]).mean()  # net spend per customer
        lapsing = high & d["stage"].astype(str).isin(["sleeping", "churned"])
        out["n_winback"] = lapsing.groupby(d["segment"]).sum().astype(int)
        out["clv_winback"] = d["clv"].where(lapsing).clip(lower=0).groupby(d["segment"]).sum()
        out["n_new"] = (d["stage"].astype(str) == "new").groupby(d["segment"]).sum().astype(int)
        from kequn.models.priorities import clv_basis

        out["clv_basis"] = clv_basis(folder)  # 12-month CLV in margin or in revenue
    if (
        need is not None and d["needs_group"].notna().any()
    ):  # no needs signal in the data: no needs group, no plan on it
        mix = pd.crosstab(
            d["segment"], d["needs_group"], normalize="index"
        )  # share of its buyers (the glossary's denominator of needs groups, as on page 04)
        out["need"] = mix.idxmax(axis=1)
        out["need_share"] = mix.max(axis=1)
        feats = RunFolder(folder).features
        if (
            feats.exists()
        ):  # the balanced plan recommends by category only when orders have categories
            import pyarrow.parquet as pq

            out["has_categories"] = any(c.startswith("cat_") for c in pq.read_schema(feats).names)
    fb = _table(folder, "clean/feedback.parquet", ["feedback_id", "customer_id", "nps"])
    scored = _table(folder, "feedback_scored.parquet", ["feedback_id", "sentiment", "topic"])
    if fb is not None:
        f = fb.merge(seg[["customer_id", "segment"]], on="customer_id")
        if scored is not None:
            f = f.merge(scored, on="feedback_id", how="left")
        from kequn.models.satisfaction import nps as nps_of

        if "nps" in f:  # an export without NPS answers has no NPS per segment (not a missing one)
            out["nps"] = f.groupby("segment")["nps"].apply(lambda s: nps_of(s)["nps"])
            out["nps_n"] = f.groupby("segment")["nps"].count()
        if "sentiment" in f:
            rated = f[f["sentiment"].notna()]
            out["negative_share"] = rated.groupby("segment")["sentiment"].apply(
                lambda s: (s == "negative").mean()
            )
            neg = f[(f["sentiment"] == "negative") & f["topic"].notna()]
            out["topics"] = neg.groupby("segment")["topic"].agg(
                lambda s: list(s.value_counts().index[:2])
            )
            n_neg = f[f["sentiment"] == "negative"].groupby("segment").size()
            out["topic_shares"] = pd.Series(
                {
                    sg: [[k, n / n_neg[sg]] for k, n in s.value_counts().head(2).items()]
                    for sg, s in neg.groupby("segment")["topic"]
                },
                dtype=object,
            )  # [topic, share of the segment's negative feedback]
    clustering = _read_json(folder, "clustering.json")
    rank, portraits = clustering.get("attractiveness_rank", {}), clustering.get("portraits", {})
    ranking = attractiveness_ranking(out.reset_index(), clustering)
    if (
        ranking is not None
    ):  # stage 02's figures with stage 03's lifetime value: the ranking the index shows
        rank = {str(s): int(r) for s, r in zip(ranking["segment"], ranking["rank"])}
    out["rank"] = [rank.get(str(i)) for i in out.index]
    out["portrait"] = [portraits.get(str(i)) for i in out.index]
    kano_seg = _read_json(folder, "needs.json").get("kano_segments")
    if kano_seg:
        out["kano"] = [kano_seg.get(str(i)) for i in out.index]
    from kequn.lang.glossary import settings_basis

    for k, v in settings_basis(folder).items():  # the run's CLV horizon, risk window, SLA hours
        out[k] = v
    return out.reset_index()


STRATEGIES = ("yielding", "caring", "adaptive", "indifferent")
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


def _kano_classes(k) -> dict[str, str]:
    """Feature → the segment's own Kano class, from its key needs and where it departs from
    the base (``stage_needs.segment_kano``); empty when its answers were too few."""
    if not isinstance(k, dict) or not k.get("key"):
        return {}
    out = {f: c for f, c in k.get("key") or []}
    out.update({f: c for f, c, _ in k.get("differs") or []})
    return out


def _basis(card: pd.Series) -> dict:
    """The settings a card's figures are stated on (``glossary.settings_basis``; the defaults
    for a card made without them)."""
    from kequn.lang.glossary import settings_basis

    return {k: card[k] if k in card else v for k, v in settings_basis().items()}


def _names(items, lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(str(x) for x in items)


def plan(card: pd.Series, lang: str) -> list[tuple[str, str, str]]:
    """The segment's service plan from its own findings, as (kind, what to do, the figure
    behind it): the value-tier response (屈从型 / 关怀型 / 适应型 / 冷漠型) with how many
    customers of each tier get it; customised lines from its Kano classes (secure the must-be,
    offer the attractive, do well the one-dimensional, never push what it rates reverse) and
    from its commonest needs group (unless the offer pushes a feature it rates reverse); a
    flexible line for where it stands in the lifecycle, with its own counts; interactive lines
    for its own complaint topics (none without complaints) or, when promoters outnumber
    detractors, for engaging them. A finding the segment lacks gives no line."""
    out, basis = [], _basis(card)
    if "n_yielding" in card:
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
        if what:
            out.append(
                (
                    "plan.response",
                    what,
                    t("plan.why.response", lang).format(
                        share=fmt_pct(card["high_value_revenue_share"], lang)
                    ),
                )
            )
    kano = _kano_classes(card.get("kano"))
    for c in KANO_PLANS:
        feats = [f for f, k in kano.items() if k == c]
        if feats:
            out.append(
                (
                    "plan.custom",
                    t(f"plan.kano.{c}", lang).format(features=_names(feats, lang)),
                    t("plan.why.kano", lang).format(
                        n=fmt_int(card["kano"]["answers"], lang), kind=t(f"kano.word.{c}", lang)
                    ),
                )
            )
    reverse = [f for f, k in kano.items() if k == "R"]
    if isinstance(card.get("need"), str):
        n = card["need"]
        key = "balanced_rhythm" if n == "balanced" and card.get("has_categories") is False else n
        clash = [f for f in reverse if any(w in f.lower() for w in NEED_TOUCHES.get(n, ()))]
        if clash and n == "balanced":
            key = "balanced_reverse"
        if not clash or n == "balanced":
            out.append(
                (
                    "plan.custom",
                    t(f"plan.custom.{key}", lang).format(features=_names(clash, lang)),
                    t("plan.why.need", lang).format(
                        share=fmt_pct(card["need_share"], lang), need=t(f"need.{n}", lang)
                    ),
                )
            )
    if "stage_sleeping" in card:
        lapsing = card["stage_sleeping"] + card["stage_churned"]
        key = "winback" if lapsing >= 0.4 else ("onboard" if card["stage_new"] >= 0.2 else "rhythm")
        if key == "winback" and card.get("n_winback", 0) > 0:
            key = "winback_high"
        out.append(
            (
                "plan.flexible",
                t(f"plan.flexible.{key}", lang).format(
                    **basis,
                    n=fmt_int(card.get("n_winback", 0), lang),
                    clv=fmt_money(card.get("clv_winback", 0) or 0, lang),
                    new=fmt_int(card.get("n_new", 0), lang),
                    active=fmt_pct(card.get("stage_active"), lang),
                ),
                t("plan.why.stage", lang).format(
                    **basis,
                    lapsing=fmt_pct(lapsing, lang),
                    new=fmt_pct(card["stage_new"], lang),
                    risk=fmt_pct(card["churn_risk"], lang),
                ),
            )
        )
    nps = card.get("nps")
    nps_txt = "—" if nps is None or pd.isna(nps) else f"{nps:+.0f}"
    shares = card.get("topic_shares")
    if not isinstance(shares, list):
        topics = card.get("topics") if isinstance(card.get("topics"), list) else []
        shares = [[x, None] for x in topics]
    if shares and pd.notna(card.get("negative_share")):
        what = t("plan.interactive.fix", lang).format(
            **basis,
            topics=_names(
                (
                    x
                    if s is None
                    else t("plan.topic_share", lang).format(topic=x, share=fmt_pct(s, lang))
                    for x, s in shares
                ),
                lang,
            ),
        )
        why = (
            t("plan.why.feel", lang).format(neg=fmt_pct(card["negative_share"], lang), nps=nps_txt)
            if "nps" in card
            else t("plan.why.feel_neg", lang).format(neg=fmt_pct(card["negative_share"], lang))
        )  # no NPS asked
        out.append(("plan.interactive", what, why))
    neg = card.get("negative_share")
    if (
        nps is not None and pd.notna(nps) and nps > 0 and not (pd.notna(neg) and neg >= 0.5)
    ):  # promoters outnumber detractors and most feedback is not negative: engage them
        out.append(
            (
                "plan.interactive",
                t("plan.interactive.engage", lang),
                t("plan.why.promoters", lang).format(
                    nps=nps_txt, n=fmt_int(card.get("nps_n", 0), lang)
                ),
            )
        )
    return out


def _clv_bounds(folder: Path, segments) -> tuple[list, list]:
    """Per segment, the low and high end of stage 03's 95% interval of mean CLV (value.json
    ``clv_interval``), NaN where it has none."""
    p = RunFolder(folder).figures("value")
    ci = (json.loads(p.read_text(encoding="utf-8")).get("clv_interval") or {}) if p.exists() else {}
    rows = [ci.get(str(s)) or {} for s in segments]
    return (
        [np.nan if r.get("low") is None else r["low"] for r in rows],
        [np.nan if r.get("high") is None else r["high"] for r in rows],
    )


def _clv_line(card: pd.Series, lang: str) -> str:
    """ "average CLV 171 CNY (95% CI 150–190)", or without the interval when there is none."""
    basis = card.get("clv_basis")
    if basis not in ("margin", "revenue"):
        basis = "margin"
    over = t(f"card.clv_over.{basis}", lang).format(**_basis(card))  # horizon, margin or revenue
    if pd.notna(card.get("clv_low")) and pd.notna(card.get("clv_high")):
        return t("card.clv12_ci", lang).format(
            over=over,
            clv=fmt_money(card["clv_mean"], lang),
            low=fmt_money(card["clv_low"], lang),
            high=fmt_money(card["clv_high"], lang),
        )
    return t("card.clv12", lang).format(over=over, clv=fmt_money(card["clv_mean"], lang))


def _join(parts: list[str], lang: str) -> str:
    return ("；" if lang == "zh" else "; ").join(p for p in parts if p)


def _mix(card: pd.Series, prefix: str, keys, label: str, lang: str) -> str:
    """'Key 12% · Important 20% · …' for the shares ``<prefix><key>`` of one card."""
    return " · ".join(
        f"{t(f'{label}.{k}', lang)} {fmt_pct(card[f'{prefix}{k}'], lang)}"
        for k in keys
        if f"{prefix}{k}" in card and pd.notna(card[f"{prefix}{k}"])
    )


def facts(card: pd.Series, lang: str) -> list[tuple[str, str]]:
    """What a card says about its segment, as (row label key, text): size; value (revenue
    share, CLV, tier mix); lifecycle mix and churn risk; needs (needs group, the segment's own
    Kano key needs and where it departs from the whole base); feeling (NPS, share of negative
    feedback, commonest complaint topics). Rows of stages that did not run are left out."""
    rows = [
        (
            "card.f.size",
            t("card.size", lang).format(
                share=fmt_pct(card["share"], lang), n=fmt_int(card["customers"], lang)
            ),
        )
    ]
    if "revenue_share" in card:
        clv = _clv_line(card, lang) if pd.notna(card.get("clv_mean")) else ""
        rows.append(
            (
                "card.f.value",
                _join(
                    [
                        t("card.revenue", lang).format(share=fmt_pct(card["revenue_share"], lang)),
                        clv,
                        _mix(card, "tier_", TIERS, "tier", lang),
                    ],
                    lang,
                ),
            )
        )
    if "stage_active" in card:
        risk = (
            t("card.risk", lang).format(**_basis(card), risk=fmt_pct(card["churn_risk"], lang))
            if pd.notna(card.get("churn_risk"))
            else ""
        )
        rows.append(
            (
                "card.f.lifecycle",
                _join(
                    [
                        _mix(
                            card, "stage_", ("new", "active", "sleeping", "churned"), "stage", lang
                        ),
                        risk,
                    ],
                    lang,
                ),
            )
        )
    needs = []
    if isinstance(card.get("need"), str):
        needs.append(
            t("plan.why.need", lang).format(
                share=fmt_pct(card["need_share"], lang), need=t(f"need.{card['need']}", lang)
            )
        )
    k = card.get("kano")
    if isinstance(k, dict) and k.get("key"):
        needs.append(
            t("card.kano", lang).format(
                n=fmt_int(k["answers"], lang),
                key=" · ".join(f"{t(f'kano.word.{c}', lang)} {f}" for f, c in k["key"]),
            )
        )
        if k.get("differs"):
            needs.append(
                t("card.kano_differs", lang).format(
                    items=_names(
                        (
                            t("card.kano_diff", lang).format(
                                feature=f,
                                seg=t(f"kano.word.{c}", lang),
                                all=t(f"kano.word.{a}", lang),
                            )
                            for f, c, a in k["differs"][:2]
                        ),
                        lang,
                    )
                )
            )
    elif isinstance(k, dict):
        needs.append(t("card.kano_few", lang))
    if needs:
        rows.append(("card.f.needs", _join(needs, lang)))
    feel = []
    if "nps" in card:
        nps = "—" if pd.isna(card.get("nps")) else f"{card['nps']:+.0f}"
        feel.append(t("card.nps", lang).format(nps=nps, n=fmt_int(card.get("nps_n", 0), lang)))
    if pd.notna(card.get("negative_share")):
        feel.append(t("card.negative", lang).format(share=fmt_pct(card["negative_share"], lang)))
    if isinstance(card.get("topics"), list) and card["topics"]:
        feel.append(
            t("card.topics", lang).format(
                topics="、".join(card["topics"]) if lang == "zh" else ", ".join(card["topics"])
            )
        )
    if feel:
        rows.append(("card.f.feel", _join(feel, lang)))
    return rows


def attractiveness_ranking(cards: pd.DataFrame, clustering: dict) -> pd.DataFrame | None:
    """Stage 02's attractiveness figures per segment (``clustering.json``) scored again with the
    mean lifetime value of each segment's customers (``cards``' clv_mean, when stage 03 estimated
    it), by the weights stage 02 was given (``segment_profile.score_attractiveness``); None when
    stage 02 wrote no such figures (its rank is used as it is)."""
    from kequn.models.segment_profile import score_attractiveness

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
    out = score_attractiveness(a, fig.get("weights") or None)
    out.attrs["reach_basis"], out.attrs["growth_gap"] = (
        fig.get("reach_basis"),
        fig.get("growth_gap"),
    )
    return out


def attractiveness_note(processed_dir, cards: pd.DataFrame, lang: str) -> str:
    """The formula and weights of the ranking the cards are ordered by, and what it leaves out
    and why ("" when stage 02 wrote no attractiveness figures)."""
    from kequn.models.segment_profile import attract_note

    ranking = (
        attractiveness_ranking(cards, _read_json(resolve(processed_dir), "clustering.json"))
        if len(cards)
        else None
    )
    return "" if ranking is None else attract_note(ranking, lang)


def cards_html(cards: pd.DataFrame, lang: str, note: str = "") -> str:
    """The segment cards as HTML (ids ``segment-<n>``), most attractive first; ``note`` (the
    ranking's formula and weights, ``attractiveness_note``) above them."""
    if cards.empty:
        return f"<p>{t('card.none', lang)}</p>"
    order = cards.sort_values(["rank", "segment"], na_position="last") if "rank" in cards else cards
    blocks = []
    for _, c in order.iterrows():
        rows = "".join(
            f"<tr><th>{html.escape(t(k, lang))}</th><td>{html.escape(what).replace(chr(10), '<br>')}</td>"
            f"<td class='why'>{html.escape(why)}</td></tr>"
            for k, what, why in plan(c, lang)
        )
        who = (
            f"<p class='portrait'>{html.escape(c['portrait'])}</p>"
            if isinstance(c.get("portrait"), str)
            else ""
        )
        about = "".join(
            f"<tr><th>{html.escape(t(k, lang))}</th><td>{html.escape(v)}</td></tr>"
            for k, v in facts(c, lang)
            if not (who and k == "card.f.size")
        )  # stage 02's portrait opens with the size
        rank = (
            ""
            if pd.isna(c.get("rank"))
            else f"{t('card.rank_label', lang).format(rank=int(c['rank']))} · "
        )
        seg_id = t("card.seg_id", lang).format(n=int(c["segment"]))
        blocks.append(
            f"<div class='card' id='segment-{int(c['segment'])}'><h3>{rank}"
            f"{html.escape(str(c['segment_name']))} <span class='seg-id'>{seg_id}</span></h3>{who}"
            f"<table class='kq-facts plan'>{about}</table>"
            f"<h4>{t('card.plan', lang)}</h4><table class='kq-facts plan'>{rows}</table></div>"
        )
    basis = f"<p class='attract-basis' id='attract-basis'>{html.escape(note)}</p>" if note else ""
    terms = f"<p class='terms' id='card-terms'>{html.escape(t('card.terms', lang))}</p>"
    return basis + terms + "".join(blocks)


def _basis_span(basis) -> str:
    """A headline figure's basis under its label ("" when none)."""
    return (
        f"<br><small class='basis'>{html.escape(basis)}</small>"
        if isinstance(basis, str) and basis
        else ""
    )


def headline_html(table: pd.DataFrame, previous: str | None, lang: str) -> str:
    """The headline figures with their change since ``previous`` (id ``headline``)."""

    def show(v, kind):
        if v is None or pd.isna(v):
            return "—"
        return {
            "int": fmt_int(v, lang),
            "money": fmt_money(v, lang),
            "pct": fmt_pct(v, lang),
            "nps": f"{v:+.0f}",
        }[kind]

    def delta(r):
        if r["change"] is None or pd.isna(r["change"]):
            return ""
        unit = {"pct": t("card.points", lang), "nps": t("card.points", lang)}.get(r["kind"], "")
        c = 0.0 if abs(r["change"]) < 0.05 else r["change"]  # no "-0" from rounding noise
        num = f"{c:+,.1f}" if r["kind"] in ("pct", "nps") else f"{c:+,.0f}"
        return f"{num}{unit}"

    rows = "".join(
        f"<tr><th>{html.escape(t(f'h.{r.key}', lang))}"
        f"{_basis_span(getattr(r, 'basis', ''))}</th><td>{show(r.value, r.kind)}</td>"
        f"<td>{delta(r._asdict())}</td></tr>"
        for r in table.itertuples()
    )
    head = (
        f"<tr><th></th><th>{t('card.now', lang)}</th>"
        f"<th>{html.escape(t('card.change', lang).format(run=previous))}</th></tr>"
        if previous
        else ""
    )
    note = "" if previous else f"<p>{t('index.previous_none', lang)}</p>"
    return (
        f"<div class='card' id='headline'><table class='kq-facts'>{head}{rows}</table>{note}</div>"
    )


def save_summary(
    processed_dir,
    run: str,
    lang: str,
    table: pd.DataFrame,
    previous: str | None,
    cards: pd.DataFrame,
    changes: str = "",
    attract_note: str = "",
    priorities: str = "",
    segment_map: str = "",
) -> dict:
    """Write the headline, what changed (``changes_html``) and the cards (with the ranking's
    formula, ``attract_note``) as HTML fragments into ``summary.json`` (the index page embeds
    them) with the figures a check needs; ``priorities`` and ``segment_map`` (``kequn.models.priorities``)
    open the index."""
    summary = {
        "run": run,
        "lang": lang,
        "previous": previous,
        "headline_html": headline_html(table, previous, lang),
        "changes_html": changes,
        "cards_html": cards_html(cards, lang, attract_note),
        "priorities_html": priorities,
        "map_html": segment_map,
        "segments": int(len(cards)),
    }
    write_text_atomic(
        json.dumps(summary, ensure_ascii=False, indent=1),
        RunFolder.of(processed_dir).figures("summary"),
    )
    return summary


def attractiveness_table(cards: pd.DataFrame, lang: str, processed_dir=None) -> pd.DataFrame:
    """Segments ranked by attractiveness (``attractiveness_ranking``) with the figures a choice
    of target segments weighs, and the score (when ``processed_dir`` holds stage 02's figures);
    ``attrs['pct']`` names the columns that are shares."""
    if cards.empty:
        return cards
    c = cards.sort_values(["rank", "segment"], na_position="last")
    basis = _basis(c.iloc[0])
    ranking = (
        attractiveness_ranking(cards, _read_json(resolve(processed_dir), "clustering.json"))
        if processed_dir is not None
        else None
    )
    out = pd.DataFrame(
        {
            t("seg.rank", lang): c["rank"],
            t("v.segment", lang): [
                f"{int(s)} · {n}" for s, n in zip(c["segment"], c["segment_name"])
            ],
            t("customers", lang): c["customers"],
            t("card.share", lang): c["share"],
        }
    )
    for col, key in (
        ("revenue_share", "card.revenue_share"),
        ("clv_mean", "h.clv_mean"),
        ("high_value_share", "card.high_value"),
        ("churn_risk", "card.churn_risk"),
        ("nps", "h.nps"),
    ):
        if col in c:
            label = t(key, lang).format(**basis)
            out[label] = c[col].round(1) if col in ("clv_mean", "nps") else c[col]
    if ranking is not None:
        score = ranking.set_index("segment")["score"]
        if ranking["growth"].notna().any():
            out[t("seg.growth", lang)] = [
                ("—" if pd.isna(v) else f"{v:+.1%}")
                for v in c["segment"].map(ranking.set_index("segment")["growth"])
            ]
        out[t("seg.score", lang)] = c["segment"].map(score).round(2).to_numpy()
    shares = ("card.share", "card.revenue_share", "card.high_value", "card.churn_risk")
    out.attrs["pct"] = [x for x in (t(k, lang).format(**basis) for k in shares) if x in out]
    return out


def segment_sizes(before: pd.DataFrame, now: pd.DataFrame) -> pd.DataFrame:
    """Segment sizes in the previous run and this one: columns segment_name, before, now.

    Segment numbers and even names are not kept from run to run (a name follows the traits that
    stand out, and the previous run may have been in the other language), so a previous segment
    is paired with the current one that holds most of its customers, when each is the other's
    best match; a segment without a partner shows 0 on the other side (new or dissolved)."""
    b, n = before[before["segment"] >= 0], now[now["segment"] >= 0]
    both = b[["customer_id", "segment"]].merge(
        n[["customer_id", "segment"]], on="customer_id", suffixes=("_b", "_n")
    )
    overlap = pd.crosstab(both["segment_b"], both["segment_n"])
    pairs = {}
    if not overlap.empty:
        best_n, best_b = overlap.idxmax(axis=1), overlap.idxmax(axis=0)
        pairs = {sb: sn for sb, sn in best_n.items() if best_b.get(sn) == sb}
    size_b, size_n = b["segment"].value_counts(), n["segment"].value_counts()
    name_b = b.drop_duplicates("segment").set_index("segment")["segment_name"].astype(str)
    name_n = n.drop_duplicates("segment").set_index("segment")["segment_name"].astype(str)
    partner = {sn: sb for sb, sn in pairs.items()}
    rows = [
        {
            "segment_name": name_n[s],
            "before": int(size_b.get(partner[s], 0)) if s in partner else 0,
            "now": int(size_n[s]),
        }
        for s in size_n.index
    ]
    rows += [
        {"segment_name": name_b[s], "before": int(size_b[s]), "now": 0}
        for s in size_b.index
        if s not in pairs
    ]
    return (
        pd.DataFrame(rows, columns=["segment_name", "before", "now"])
        .sort_values(["now", "before"], ascending=False)
        .reset_index(drop=True)
    )


def changes(processed_dir, run: str, lang: str) -> dict:
    """What changed since the previous run of the same data set: ``previous`` (its name or
    None), ``sizes`` (segment_name, customers before and now), ``tiers`` (tier migration
    counts, rows before, columns now), ``slipped`` (customers key or important before who have
    since become sleeping or churned, or dropped to ordinary or small)."""
    from kequn.data.runs import migration, previous_table

    folder = resolve(processed_dir)
    out = {"previous": None}
    prev_run, prev_seg = previous_table(folder, run, "segments.parquet")
    if prev_seg is not None and RunFolder(folder).segments.exists():
        now = pd.read_parquet(
            RunFolder(folder).segments, columns=["customer_id", "segment", "segment_name"]
        )
        out.update(previous=prev_run, sizes=segment_sizes(prev_seg, now))
    prev_run2, prev_val = previous_table(folder, run, "value.parquet")
    if prev_val is not None and RunFolder(folder).value.exists():
        now = pd.read_parquet(RunFolder(folder).value, columns=["customer_id", "tier", "stage"])
        tiers = migration(prev_val, now, "tier", TIERS)
        tiers.index = [t(f"tier.{x}", lang) for x in tiers.index]
        tiers.columns = [t(f"tier.{x}", lang) for x in tiers.columns]
        cols = ["customer_id", "tier"] + (["stage"] if "stage" in prev_val else [])
        both = prev_val[cols].merge(now, on="customer_id", suffixes=("_before", ""))
        lapsing = ["sleeping", "churned"]
        newly_lapsing = both["stage"].isin(lapsing) & ~(
            both["stage_before"].isin(lapsing) if "stage_before" in both else False
        )
        slipped = both["tier_before"].isin(["key", "important"]) & (
            newly_lapsing | both["tier"].isin(["ordinary", "small"])
        )
        out.update(previous=out["previous"] or prev_run2, tiers=tiers, slipped=int(slipped.sum()))
    return out


def rising_topics(processed_dir) -> dict:
    """Topics of negative feedback and complaints whose share rose in the last three months
    against the three before (stage 05's two-proportion test), largest rise first: ``new``
    (next to absent before) and ``rising`` (the others); empty lists without feedback topics."""
    from kequn.models.topics import topic_trend

    folder = resolve(processed_dir)
    scored = _table(folder, "feedback_scored.parquet", ["feedback_id", "sentiment", "topic"])
    fb = _table(folder, "clean/feedback.parquet", ["feedback_id", "created_at", "kind"])
    if scored is None or fb is None or "topic" not in scored:
        return {"new": [], "rising": []}
    d = fb.merge(scored, on="feedback_id")
    negative = d["sentiment"] == "negative" if "sentiment" in d else pd.Series(False, index=d.index)
    unhappy = (
        negative | (d["kind"].astype("string") == "complaint").fillna(False)
        if "kind" in d
        else negative
    )
    tr = topic_trend(d[unhappy])
    if tr.empty:
        return {"new": [], "rising": []}
    return {
        "new": tr.loc[tr["new"], "topic"].tolist(),
        "rising": tr.loc[tr["rising"] & ~tr["new"], "topic"].tolist(),
    }


def changes_html(ch: dict, topics: dict, lang: str, top: int = 3) -> str:
    """What changed since the previous run, in a few sentences for the index page (id
    ``changes``): the segments that grew or shrank most, customers who slipped from high value,
    new and rising complaint topics (those compare months within this run, so the first run has
    them too; the headline says when there is no previous run)."""
    items = []
    if "sizes" in ch:
        sz = ch["sizes"].assign(delta=lambda d: d["now"] - d["before"])
        moved = sz.loc[sz["delta"].abs().nlargest(top).index]
        moved = moved[moved["delta"] != 0]
        items.append(
            t("sum.size_moves", lang).format(
                moves=", ".join(f"{m.segment_name} {m.delta:+,}" for m in moved.itertuples())
            )
            if len(moved)
            else t("sum.size_same", lang)
        )
    if "slipped" in ch:
        items.append(t("sum.slipped", lang).format(n=fmt_int(ch["slipped"], lang)))
    sep = "、" if lang == "zh" else ", "
    if topics.get("new"):
        items.append(t("sum.new_topics", lang).format(topics=sep.join(topics["new"])))
    items.append(
        t("sum.rising", lang).format(topics=sep.join(topics["rising"]))
        if topics.get("rising")
        else t("sum.rising_none", lang)
    )
    return (
        "<div id='changes'><ul>"
        + "".join(f"<li>{html.escape(i)}</li>" for i in items)
        + "</ul></div>"
    )


def overview(processed_dir, cards: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, str, str]:
    """(priorities, their HTML with the bars, the segment map's HTML): what opens the index."""
    from kequn.lang.glossary import settings_basis
    from kequn.models.priorities import clv_basis, priorities
    from kequn.render.overview import priorities_html, segment_map_html

    prios = priorities(processed_dir, lang)
    settings = settings_basis(resolve(processed_dir))
    return (
        prios,
        priorities_html(prios, lang, clv_basis(processed_dir), settings),
        segment_map_html(cards, lang, settings),
    )


# --- sections: what the notebook shows, one call per section (kequn.render.section) -----------


def inputs_section(facts: dict, quality: dict, lang: str) -> Section:
    """What the summary stands on (``run_inputs``) and the run's data caveats."""
    from kequn.models.profiling import caveats

    return Section().facts(facts).caveats(caveats(quality, TABLES, lang), lang)


def headline_section(table: pd.DataFrame, previous: str | None, lang: str) -> Section:
    """The headline figures and their change since the previous run."""
    return Section().html(headline_html(table, previous, lang))


def fragment_section(fragment: str) -> Section:
    """An HTML fragment built for the index too (priorities, the segment map); nothing when
    the run has none."""
    sec = Section()
    if fragment:
        sec.html(fragment)
    return sec


def attractiveness_section(cards: pd.DataFrame, note: str, processed_dir, lang: str) -> Section:
    """Segments ranked by attractiveness, with the formula and weights (``note``)."""
    sec = Section().text("sum.attr_note", lang)
    ranking = attractiveness_table(cards, lang, processed_dir)
    sec.table(ranking, pct=ranking.attrs.get("pct", []))  # shares shown as %
    if note:
        sec.markdown(note)
    return sec


def cards_section(cards: pd.DataFrame, lang: str) -> Section:
    """One card per segment with its portrait, figures and service plan."""
    return Section().text("sum.cards_note", lang).html(cards_html(cards, lang))


def changes_section(ch: dict, changes: str, lang: str) -> Section:
    """What changed since the previous run: the summary (``changes_html``), segment sizes
    before and now, the migration between value tiers."""
    from kequn.render import plotting

    sec = Section().html(changes)
    if "sizes" in ch:
        sec.heading("sum.sizes", lang, level=3)
        sec.table(
            ch["sizes"].rename(
                columns={
                    "segment_name": t("v.segment", lang),
                    "before": t("sum.before", lang),
                    "now": t("sum.now", lang),
                }
            )
        )
    if "tiers" in ch:
        sec.chart(
            plotting.heatmap,
            ch["tiers"],
            t("sum.tiers", lang),
            t("sum.now", lang),
            t("sum.before", lang),
        )
    return sec


def glossary_section(processed_dir, lang: str) -> Section:
    """The terms the pages use, one definition each, with what each figure is over."""
    from kequn.lang import glossary

    sec = Section().text("glossary.intro", lang)
    return sec.html(glossary.html(lang, **glossary.run_basis(processed_dir)))
