"""Stage 06: this period's priorities — at most five actions, ranked by the value at stake, each
with the figure it rests on and the action list (``kequn.data.crm``) that carries it out — and the
two pictures that open the index: the segment map and the priorities' value as bars.

The ranking rule, in one currency unit: the value at stake is the customer lifetime value over
the run's horizon (CLV, stage 03, ``value.horizon_months``; in margin when the data has cost or a margin is set, else in revenue) of
the customers the action reaches — key and important customers sleeping or lapsed (win back),
key customers still active (keep close), customers whose negative feedback raised a complaint
topic (fix it) — and for a category offer (stage 04) the expected spend of its target list
(purchase probability × the average spend of the category's buyers in it, times the margin rate
when CLV is in margin). A priority whose inputs or action list are absent is not shown.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from kequn.data.paths import RunFolder, resolve
from kequn.lang.glossary import settings_basis
from kequn.lang.i18n import fmt_int, fmt_money, fmt_pct, t

TOP = 5
_FEEDBACK_USED = ("feedback_id", "customer_id", "nps")  # of the clean feedback table


def _figures(folder, stage: str) -> dict:
    """A stage's JSON figures in the run's folder, {} when the stage did not run."""
    p = RunFolder.of(folder).figures(stage)
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else {}


def clv_basis(folder) -> str:
    """What CLV is over: ``margin`` or ``revenue`` (stage 03's ``margin_source``)."""
    src = _figures(folder, "value").get("margin_source")
    return "revenue" if src == "revenue" else "margin"


def _winback_and_care(folder: Path, lang: str) -> list[dict]:
    from kequn.data import crm

    p = RunFolder(folder).value
    if not p.exists():
        return []
    v = pd.read_parquet(p)
    if not {"tier", "stage", "clv"} <= set(v.columns) or v["clv"].isna().all():
        return []
    out = []
    for name, rows in (("winback", crm.winback(v, lang)), ("key_care", crm.key_care(v, lang))):
        if rows.empty:
            continue
        ids = set(rows["customer_id"])
        value = float(v.loc[v["customer_id"].isin(ids), "clv"].clip(lower=0).sum())
        out.append(
            {
                "action": name,
                "value": value,
                "customers": len(rows),
                "text": t(f"prio.{name}", lang).format(n=fmt_int(len(rows), lang)),
                "short": t(f"prio.short.{name}", lang),
                "basis": t("prio.basis.clv", lang).format(
                    **settings_basis(folder), money=fmt_money(value, lang)
                ),
            }
        )
    return out


def _complaints(folder: Path, lang: str, topics: int = 2) -> list[dict]:
    """The commonest complaint topics of negative feedback (stage 05), when its alert list
    exists: share of negative feedback, NPS among the customers who raised it, their CLV."""
    from kequn.models.satisfaction import nps as nps_of

    alerts = RunFolder(folder).action_list("feedback_alerts")
    if not alerts.exists() or len(pd.read_csv(alerts, encoding="utf-8-sig", usecols=[0])) == 0:
        return []
    fb, sc, val = (
        RunFolder(folder).table("feedback"),
        RunFolder(folder).feedback_scored,
        RunFolder(folder).value,
    )
    if not (fb.exists() and sc.exists() and val.exists()):
        return []
    import pyarrow.parquet as pq

    f = pd.read_parquet(fb, columns=[c for c in pq.read_schema(fb).names if c in _FEEDBACK_USED])
    if not {"feedback_id", "sentiment", "topic"} <= set(pq.read_schema(sc).names):
        return []
    s = pd.read_parquet(sc, columns=["feedback_id", "sentiment", "topic"])
    d = f.merge(s, on="feedback_id")
    neg = d[d["sentiment"] == "negative"]
    counts = neg["topic"].dropna().value_counts()
    v = pd.read_parquet(val, columns=["customer_id", "clv"]).set_index("customer_id")["clv"]
    out = []
    for topic, n in counts.head(topics).items():
        who = set(neg.loc[neg["topic"] == topic, "customer_id"])
        value = float(v.reindex(list(who)).clip(lower=0).sum())
        score = nps_of(d.loc[d["customer_id"].isin(who), "nps"])["nps"] if "nps" in d else np.nan
        nps = "" if pd.isna(score) else t("prio.basis.nps", lang).format(nps=f"{score:+.0f}")
        out.append(
            {
                "action": "complaint_followup",
                "value": value,
                "customers": len(who),
                "text": t("prio.complaint", lang).format(topic=topic, n=fmt_int(len(who), lang)),
                "short": t("prio.short.complaint", lang).format(topic=topic),
                "basis": t("prio.basis.complaint", lang).format(
                    **settings_basis(folder),
                    share=fmt_pct(n / len(neg), lang),
                    nps=nps,
                    money=fmt_money(value, lang),
                ),
            }
        )
    return out


def _categories(folder: Path, lang: str, top: int = 2) -> list[dict]:
    """Stage 04's target lists by expected spend: per category the purchase probabilities of
    its targets × the average spend of the category's buyers in it (× the margin rate)."""
    tp = RunFolder(folder).action_list("propensity_targets")
    feats = RunFolder(folder).features
    if not (tp.exists() and feats.exists()):
        return []
    wanted = {"category", "score", "segment_name"}  # 1M customers: a 100 MB list, 3 columns used
    tg = pd.read_csv(tp, encoding="utf-8-sig", usecols=lambda c: c in wanted)
    if tg.empty or not {"category", "score"} <= set(tg.columns):
        return []
    import pyarrow.parquet as pq

    cats = [c for c in pq.read_schema(feats).names if c.startswith("cat_")]
    if not cats or "monetary" not in pq.read_schema(feats).names:
        return []
    fe = pd.read_parquet(feats, columns=["monetary", *cats])
    rate = _figures(folder, "value").get("margin_rate")
    rate = 1.0 if rate is None or clv_basis(folder) == "revenue" else float(rate)
    out = []
    for cat, g in tg.groupby("category"):
        col = f"cat_{cat}"
        if col not in fe:
            continue
        spend = (fe[col] * fe["monetary"].clip(lower=0))[fe[col] > 0]
        if spend.empty:
            continue
        value = float(g["score"].clip(0, 1).sum() * spend.mean() * rate)
        seg = (
            g["segment_name"].astype(str).value_counts()
            if "segment_name" in g
            else pd.Series(dtype=int)
        )
        text = (
            t("prio.category_seg", lang).format(
                segment=seg.index[0],
                category=cat,
                n=fmt_int(len(g), lang),
                k=fmt_int(seg.iloc[0], lang),
            )
            if len(seg)
            else t("prio.category", lang).format(category=cat, n=fmt_int(len(g), lang))
        )
        out.append(
            {
                "action": "category_targets",
                "value": value,
                "customers": len(g),
                "text": text,
                "short": t("prio.short.category", lang).format(category=cat),
                "basis": t("prio.basis.category", lang).format(money=fmt_money(value, lang)),
            }
        )
    return sorted(out, key=lambda r: -r["value"])[:top]


def priorities(processed_dir, lang: str, top: int = TOP) -> pd.DataFrame:
    """At most ``top`` actions ranked by value at stake (module docstring): columns rank, action
    (the action list's name, ``actions/<action>.csv``), value, customers, text, basis, short
    (a label for the chart). The best of each action list comes first, so that a second
    complaint topic or category fills a place only when fewer than ``top`` lists have one."""
    folder = resolve(processed_dir)
    rows = _winback_and_care(folder, lang) + _complaints(folder, lang) + _categories(folder, lang)
    cols = ["rank", "action", "value", "customers", "text", "basis", "short"]
    d = pd.DataFrame(rows, columns=cols[1:])
    d = d[d["value"].notna() & (d["value"] > 0)]
    d = d.sort_values("value", ascending=False, kind="stable")
    first = ~d["action"].duplicated()
    d = pd.concat([d[first], d[~first]]).head(top)
    d = d.sort_values("value", ascending=False, kind="stable").reset_index(drop=True)
    d.insert(0, "rank", range(1, len(d) + 1))
    return d
