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

from .config import resolve
from .i18n import fmt_int, fmt_money, fmt_pct, t
from .io import write_text_atomic
from .runs import earlier_runs

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


def _read_json(folder: Path, name: str) -> dict:
    p = folder / name
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else {}


def _dig(d: dict, path) -> float | None:
    for k in path:
        if not isinstance(d, dict) or d.get(k) is None:
            return None
        d = d[k]
    return float(d)


def _figures(folder: Path) -> dict:
    files = {f: _read_json(folder, f) for f in {v[0] for v in HEADLINE.values()}}
    return {k: _dig(files[f], path) for k, (f, path, _) in HEADLINE.items()}


def headline(processed_dir, run: str) -> tuple[pd.DataFrame, str | None]:
    """(table, previous run): per headline figure its key, kind, value, previous value and
    change (absolute; for shares and NPS in points). Figures of stages that did not run are
    missing; without an earlier run of the same data set the previous column is empty."""
    folder = resolve(processed_dir)
    now = _figures(folder)
    earlier = [p for p in earlier_runs(folder.parent, run, "profiling.json") if p.resolve() != folder.resolve()]
    before = _figures(earlier[-1]) if earlier else {}
    rows = []
    for key, (_, _, kind) in HEADLINE.items():
        v, p = now.get(key), before.get(key)
        change = None if v is None or p is None else (v - p) * (100 if kind == "pct" else 1)
        rows.append({"key": key, "kind": kind, "value": v, "previous": p, "change": change})
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
    high_value_share (key + important tier) and high_value_revenue_share, n_<strategy> (customers
    per value-tier response: yielding, caring, adaptive, indifferent), stage shares (stage_new,
    stage_active, stage_sleeping, stage_churned), churn_risk, need (most common needs group)
    and need_share, nps and nps_n, negative_share (of its feedback), topics (the two commonest
    topics of its negative feedback), rank (attractiveness, from stage 02). Columns of stages
    that did not run are missing."""
    folder = resolve(processed_dir)
    seg = _table(folder, "segments.parquet", ["customer_id", "segment", "segment_name"])
    if seg is None or seg.empty:
        return pd.DataFrame()
    seg = seg[seg["segment"] >= 0]
    d = seg.copy()
    val = _table(folder, "value.parquet", ["customer_id", "monetary", "clv", "tier", "strategy", "stage", "churn_risk"])
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
        out["high_value_share"] = g["tier"].apply(lambda s: s.isin(["key", "important"]).mean())
        high = d["tier"].isin(["key", "important"])
        out["high_value_revenue_share"] = money[high].groupby(d["segment"][high]).sum().reindex(out.index, fill_value=0.0) \
            / money.groupby(d["segment"]).sum().replace(0, np.nan)
        counts = pd.crosstab(d["segment"], d["strategy"])
        for s in STRATEGIES:
            out[f"n_{s}"] = counts[s] if s in counts else 0
        stages = pd.crosstab(d["segment"], d["stage"], normalize="index")
        for s in ("new", "active", "sleeping", "churned"):
            out[f"stage_{s}"] = stages[s] if s in stages else 0.0
        out["churn_risk"] = g["churn_risk"].mean()
    if need is not None:
        mix = pd.crosstab(d["segment"], d["needs_group"]).div(out["customers"], axis=0)  # share of all its customers
        out["need"] = mix.idxmax(axis=1)
        out["need_share"] = mix.max(axis=1)
    fb = _table(folder, "clean/feedback.parquet", ["feedback_id", "customer_id", "nps"])
    scored = _table(folder, "feedback_scored.parquet", ["feedback_id", "sentiment", "topic"])
    if fb is not None:
        f = fb.merge(seg[["customer_id", "segment"]], on="customer_id")
        if scored is not None:
            f = f.merge(scored, on="feedback_id", how="left")
        from .satisfaction import nps as nps_of
        out["nps"] = f.groupby("segment")["nps"].apply(lambda s: nps_of(s)["nps"])
        out["nps_n"] = f.groupby("segment")["nps"].count()
        if "sentiment" in f:
            rated = f[f["sentiment"].notna()]
            out["negative_share"] = rated.groupby("segment")["sentiment"].apply(lambda s: (s == "negative").mean())
            neg = f[(f["sentiment"] == "negative") & f["topic"].notna()]
            out["topics"] = neg.groupby("segment")["topic"].agg(lambda s: list(s.value_counts().index[:2]))
    rank = _read_json(folder, "clustering.json").get("attractiveness_rank", {})
    out["rank"] = [rank.get(str(i)) for i in out.index]
    return out.reset_index()


STRATEGIES = ("yielding", "caring", "adaptive", "indifferent")
# Needs group → the customised offer that answers it (catalogue keys plan.custom.<group>).
NEED_PLANS = ("price", "quality", "service", "balanced")


def plan(card: pd.Series, lang: str) -> list[tuple[str, str, str]]:
    """The segment's service plan as (kind, what to do, the figure behind it): the value-tier
    response (屈从型 / 关怀型 / 适应型 / 冷漠型), per value tier, how many customers get which response; a customised service for its commonest need; a flexible service for where it stands in the
    lifecycle; an interactive service for how it feels. Parts whose stage did not run are left out."""
    out = []
    if "n_yielding" in card:
        what = "\n".join(t("plan.response_part", lang).format(kind=t(f"strategy.{s}", lang), who=t(f"plan.who.{s}", lang),
                                                             n=fmt_int(card[f"n_{s}"], lang), what=t(f"strategy_what.{s}", lang))
                        for s in STRATEGIES if card[f"n_{s}"] > 0)
        out.append(("plan.response", what, t("plan.why.response", lang).format(
            share=fmt_pct(card["high_value_revenue_share"], lang))))
    if isinstance(card.get("need"), str):
        n = card["need"]
        out.append(("plan.custom", t(f"plan.custom.{n}", lang),
                    t("plan.why.need", lang).format(share=fmt_pct(card["need_share"], lang), need=t(f"need.{n}", lang))))
    if "stage_sleeping" in card:
        lapsing = card["stage_sleeping"] + card["stage_churned"]
        key = "winback" if lapsing >= 0.4 else ("onboard" if card["stage_new"] >= 0.2 else "rhythm")
        out.append(("plan.flexible", t(f"plan.flexible.{key}", lang),
                    t("plan.why.stage", lang).format(lapsing=fmt_pct(lapsing, lang), new=fmt_pct(card["stage_new"], lang),
                                                    risk=fmt_pct(card["churn_risk"], lang))))
    if "negative_share" in card and pd.notna(card.get("negative_share")):
        topics = card.get("topics") if isinstance(card.get("topics"), list) else []
        unhappy = card["negative_share"] >= 0.5 or (pd.notna(card.get("nps")) and card["nps"] < 0)
        what = (t("plan.interactive.fix", lang).format(topics="、".join(topics) if lang == "zh" else ", ".join(topics))
                if unhappy and topics else t("plan.interactive.engage", lang))
        nps = "—" if pd.isna(card.get("nps")) else f"{card['nps']:+.0f}"
        out.append(("plan.interactive", what, t("plan.why.feel", lang).format(neg=fmt_pct(card["negative_share"], lang),
                                                                               nps=nps)))
    return out


def portrait(card: pd.Series, lang: str) -> str:
    """One line: size, revenue, value and need in words."""
    parts = [t("card.size", lang).format(share=fmt_pct(card["share"], lang), n=fmt_int(card["customers"], lang))]
    if "revenue_share" in card:
        parts.append(t("card.revenue", lang).format(share=fmt_pct(card["revenue_share"], lang)))
    if pd.notna(card.get("clv_mean")):
        parts.append(t("card.clv", lang).format(clv=fmt_money(card["clv_mean"], lang)))
    if isinstance(card.get("need"), str):
        parts.append(t("card.need", lang).format(need=t(f"need.{card['need']}", lang)))
    return ("；" if lang == "zh" else "; ").join(parts)


def cards_html(cards: pd.DataFrame, lang: str) -> str:
    """The segment cards as HTML (ids ``segment-<n>``), most attractive first."""
    if cards.empty:
        return f"<p>{t('card.none', lang)}</p>"
    order = cards.sort_values(["rank", "segment"], na_position="last") if "rank" in cards else cards
    blocks = []
    for _, c in order.iterrows():
        rows = "".join(f"<tr><th>{html.escape(t(k, lang))}</th><td>{html.escape(what).replace(chr(10), '<br>')}</td>"
                       f"<td class='why'>{html.escape(why)}</td></tr>" for k, what, why in plan(c, lang))
        rank = "" if pd.isna(c.get("rank")) else f" · {t('card.rank', lang).format(rank=int(c['rank']))}"
        blocks.append(f"<div class='card' id='segment-{int(c['segment'])}'><h3>{int(c['segment'])} · "
                      f"{html.escape(str(c['segment_name']))}{rank}</h3><p>{html.escape(portrait(c, lang))}</p>"
                      f"<table class='kq-facts plan'>{rows}</table></div>")
    return "".join(blocks)


def headline_html(table: pd.DataFrame, previous: str | None, lang: str) -> str:
    """The headline figures with their change since ``previous`` (id ``headline``)."""
    def show(v, kind):
        if v is None or pd.isna(v):
            return "—"
        return {"int": fmt_int(v, lang), "money": fmt_money(v, lang), "pct": fmt_pct(v, lang), "nps": f"{v:+.0f}"}[kind]

    def delta(r):
        if r["change"] is None or pd.isna(r["change"]):
            return ""
        unit = {"pct": t("card.points", lang), "nps": t("card.points", lang)}.get(r["kind"], "")
        c = 0.0 if abs(r["change"]) < 0.05 else r["change"]  # no "-0" from rounding noise
        num = f"{c:+,.1f}" if r["kind"] in ("pct", "nps") else f"{c:+,.0f}"
        return f"{num}{unit}"
    rows = "".join(f"<tr><th>{html.escape(t(f'h.{r.key}', lang))}</th><td>{show(r.value, r.kind)}</td>"
                   f"<td>{delta(r._asdict())}</td></tr>" for r in table.itertuples())
    head = (f"<tr><th></th><th>{t('card.now', lang)}</th><th>{t('card.change', lang).format(run=previous)}</th></tr>"
            if previous else "")
    note = "" if previous else f"<p>{t('index.previous_none', lang)}</p>"
    return f"<div class='card' id='headline'><table class='kq-facts'>{head}{rows}</table>{note}</div>"


def save_summary(processed_dir, run: str, lang: str, table: pd.DataFrame, previous: str | None,
                 cards: pd.DataFrame) -> dict:
    """Write the headline and the cards as HTML fragments into ``summary.json`` (the index page
    embeds them) with the figures a check needs."""
    summary = {"run": run, "lang": lang, "previous": previous, "headline_html": headline_html(table, previous, lang),
               "cards_html": cards_html(cards, lang), "segments": int(len(cards))}
    write_text_atomic(json.dumps(summary, ensure_ascii=False, indent=1), resolve(processed_dir) / "summary.json")
    return summary


def attractiveness_table(cards: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Segments ranked by attractiveness (stage 02's score of size, value, growth and reach)
    with the figures a choice of target segments weighs."""
    if cards.empty:
        return cards
    c = cards.sort_values(["rank", "segment"], na_position="last")
    out = pd.DataFrame({t("seg.rank", lang): c["rank"], t("v.segment", lang): [f"{int(s)} · {n}" for s, n in
                                                                              zip(c["segment"], c["segment_name"])],
                        t("customers", lang): c["customers"], t("card.share", lang): c["share"]})
    for col, key in (("revenue_share", "card.revenue_share"), ("clv_mean", "h.clv_mean"),
                     ("high_value_share", "card.high_value"), ("churn_risk", "card.churn_risk"), ("nps", "h.nps")):
        if col in c:
            out[t(key, lang)] = c[col].round(1) if col in ("clv_mean", "nps") else c[col]
    return out


def changes(processed_dir, run: str, lang: str) -> dict:
    """What changed since the previous run of the same data set: ``previous`` (its name or
    None), ``sizes`` (segment_name, customers before and now), ``tiers`` (tier migration
    counts, rows before, columns now), ``slipped`` (customers key or important before who have
    since become sleeping or churned, or dropped to ordinary or small)."""
    from .runs import migration, previous_table
    from .value import TIERS
    folder = resolve(processed_dir)
    out = {"previous": None}
    prev_run, prev_seg = previous_table(folder, run, "segments.parquet")
    if prev_seg is not None and (folder / "segments.parquet").exists():
        now = pd.read_parquet(folder / "segments.parquet", columns=["segment", "segment_name"])
        # segment numbers are not kept from run to run; the names (what sets a segment apart) are
        a = prev_seg["segment_name"].astype(str).value_counts().rename("before")
        b = now["segment_name"].astype(str).value_counts().rename("now")
        sizes = pd.concat([a, b], axis=1).fillna(0).astype(int).rename_axis("segment_name").reset_index()
        out.update(previous=prev_run, sizes=sizes.sort_values("now", ascending=False).reset_index(drop=True))
    prev_run2, prev_val = previous_table(folder, run, "value.parquet")
    if prev_val is not None and (folder / "value.parquet").exists():
        now = pd.read_parquet(folder / "value.parquet", columns=["customer_id", "tier", "stage"])
        tiers = migration(prev_val, now, "tier", TIERS)
        tiers.index = [t(f"tier.{x}", lang) for x in tiers.index]
        tiers.columns = [t(f"tier.{x}", lang) for x in tiers.columns]
        cols = ["customer_id", "tier"] + (["stage"] if "stage" in prev_val else [])
        both = prev_val[cols].merge(now, on="customer_id", suffixes=("_before", ""))
        lapsing = ["sleeping", "churned"]
        newly_lapsing = both["stage"].isin(lapsing) & ~(both["stage_before"].isin(lapsing) if "stage_before" in both else False)
        slipped = both["tier_before"].isin(["key", "important"]) & (newly_lapsing | both["tier"].isin(["ordinary", "small"]))
        out.update(previous=out["previous"] or prev_run2, tiers=tiers, slipped=int(slipped.sum()))
    return out


def rising_topics(processed_dir) -> list[str]:
    """Topics of negative feedback and complaints whose share rose in the last three months
    against the three before (stage 05's two-proportion test), largest rise first; [] without
    feedback topics."""
    from .stage_feedback import topic_trend
    folder = resolve(processed_dir)
    scored = _table(folder, "feedback_scored.parquet", ["feedback_id", "sentiment", "topic"])
    fb = _table(folder, "clean/feedback.parquet", ["feedback_id", "created_at", "kind"])
    if scored is None or fb is None or "topic" not in scored:
        return []
    d = fb.merge(scored, on="feedback_id")
    unhappy = (d["sentiment"] == "negative") | (d["kind"].astype("string") == "complaint").fillna(False) if "kind" in d \
        else d["sentiment"] == "negative"
    tr = topic_trend(d[unhappy])
    return [] if tr.empty else tr.loc[tr["rising"], "topic"].tolist()
