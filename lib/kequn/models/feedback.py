"""What the feedback stage (05) finds across its models: the valuable customers to follow up
now (``alerts``), and the stage's figures as one record (``figures``: ``feedback.json``, read
by the summary stage and the next run)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kequn.models import complaints, satisfaction
from kequn.models.sentiment_model import SentimentRun

# why a customer is on the alert list (catalogue: f.a.<reason>)
ALERT_REASONS = ("negative", "unresolved", "both")


def alerts(fb: pd.DataFrame, as_of, days: int) -> pd.DataFrame:
    """Valuable customers (key or important tier, or the top decile of CLV) with negative
    feedback in the last ``days`` days or a complaint still open (told by status, or by
    resolved_at without one), one row each for their latest such feedback: customer_id, tier,
    clv, segment, segment_name, reason (``ALERT_REASONS``), last_feedback, feedback_id — most
    valuable first. Empty without a tier column (the value stage did not run)."""
    if "tier" not in fb:
        return pd.DataFrame()
    recent = pd.to_datetime(fb["created_at"]) >= pd.Timestamp(as_of) - pd.Timedelta(days=days)
    negative = recent & (fb.get("sentiment", pd.Series(None, index=fb.index)) == "negative")
    unresolved = pd.Series(False, index=fb.index)
    if "kind" in fb and ("status" in fb or "resolved_at" in fb):  # what is still open
        done = (
            fb["status"].astype("string").isin(complaints.DONE).fillna(False)
            if "status" in fb
            else fb["resolved_at"].notna()
        )
        unresolved = (fb["kind"].astype("string") == "complaint").fillna(False) & ~done
    clv_cut = fb["clv"].quantile(0.9) if "clv" in fb and fb["clv"].notna().any() else np.inf
    valuable = fb["tier"].isin(["key", "important"]) | (
        fb.get("clv", pd.Series(np.nan, index=fb.index)) >= clv_cut
    )
    hit = fb[valuable & (negative | unresolved) & fb["customer_id"].notna()].copy()
    if hit.empty:
        return pd.DataFrame()
    hit["reason"] = np.where(
        unresolved[hit.index] & negative[hit.index],
        "both",
        np.where(unresolved[hit.index], "unresolved", "negative"),
    )
    hit = hit.sort_values("created_at").groupby("customer_id").tail(1)
    cols = [
        "customer_id",
        "tier",
        "clv",
        "segment",
        "segment_name",
        "reason",
        "created_at",
        "feedback_id",
    ]
    out = hit[[c for c in cols if c in hit]].rename(columns={"created_at": "last_feedback"})
    return out.sort_values("clv", ascending=False).reset_index(drop=True)


def _rounded(v, digits: int = 4):
    """A figure for JSON: None for NaN, floats rounded."""
    if isinstance(v, float):
        return None if np.isnan(v) else round(v, digits)
    return v


def figures(
    fb: pd.DataFrame,
    sent: SentimentRun,
    timeliness: dict | None,
    effectiveness: dict | None,
    alert_table: pd.DataFrame,
) -> dict:
    """The stage's figures (``feedback.json``): texts per language, NPS and CSAT (None without
    answers), the sentiment model's source, figures and coverage (None when nothing was
    scored), the complaint handling figures and the number of alerts."""
    n = satisfaction.nps(fb["nps"]) if "nps" in fb else {"nps": None}
    c = satisfaction.csat(fb["rating"]) if "rating" in fb else {"csat": None}
    return {
        "languages": fb["language"].value_counts().to_dict(),
        "nps": None if n["nps"] is None or pd.isna(n["nps"]) else round(float(n["nps"]), 1),
        "csat": None if c["csat"] is None or pd.isna(c["csat"]) else round(float(c["csat"]), 4),
        "sentiment": None
        if sent.why_none
        else {
            "source": sent.source,
            **{k: round(v, 4) for k, v in (sent.figures or {}).items()},
            "scored": sent.scored,
            "by_emoji": sent.by_emoji,
            "not_scored": sent.not_scored,
        },
        "complaints": {
            k: _rounded(v) for k, v in {**(timeliness or {}), **(effectiveness or {})}.items()
        },
        "alerts": int(len(alert_table)),
    }
