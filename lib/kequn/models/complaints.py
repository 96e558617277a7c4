"""Complaint handling by the three standards of the seeds: timeliness, comprehensiveness and
effectiveness.

- ``timeliness``: hours to first response and to resolution (median, 90th percentile), share
  within the SLA, and the backlog (still open at the as-of date, and how old). Records whose
  response or resolution comes before their creation are counted and left out, not averaged in.
- ``effectiveness``: resolution rate, reopen rate, and satisfaction after resolution (top-box
  share of the ratings of resolved complaints).
- ``coverage``: per group (segment, channel …), the share of customers who gave any feedback
  and who complained; groups with customers but almost no voice (below ``silent_share``) are
  named "silent" — the comprehensiveness standard asks that no group go unheard.
- ``handling``: the first two over the complaints of a feedback table, with the impossible
  timestamps intake set missing counted in; ``rating_apart``: a complaint's rating judges its
  handling, not the product.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

DONE = ("resolved", "closed")


def _hours(a: pd.Series, b: pd.Series) -> pd.Series:
    return (pd.to_datetime(b) - pd.to_datetime(a)).dt.total_seconds() / 3600


def _with_optional(c: pd.DataFrame) -> pd.DataFrame:
    """``c`` with the handling columns an export may lack added as all-missing."""
    add = {
        k: pd.Series(
            pd.NaT if k.endswith("_at") else pd.NA,
            index=c.index,
            dtype="datetime64[ns]" if k.endswith("_at") else "string",
        )
        for k in ("first_response_at", "resolved_at", "status")
        if k not in c
    }
    return c.assign(**add) if add else c


def timeliness(
    c: pd.DataFrame, as_of, response_sla_h: float = 24, resolution_sla_h: float = 72
) -> dict:
    """Figures over complaints ``c`` (created_at; first_response_at, resolved_at and status
    when the export has them: a missing column counts as never answered / never resolved, and
    the backlog is None when neither status nor resolved_at is there to tell what is open)."""
    known = "status" in c or "resolved_at" in c
    c = _with_optional(c)
    resp, res = (
        _hours(c["created_at"], c["first_response_at"]),
        _hours(c["created_at"], c["resolved_at"]),
    )
    bad = (resp < 0) | (res < 0)
    resp, res = resp.mask(bad), res.mask(bad)
    open_ = ~c["status"].astype("string").isin(DONE).fillna(False) & c["resolved_at"].isna()
    age = (pd.Timestamp(as_of) - pd.to_datetime(c["created_at"])).dt.total_seconds() / 3600
    return {
        "complaints": int(len(c)),
        "time_travel": int(bad.sum()),
        "response_median_h": float(resp.median()),
        "response_p90_h": float(resp.quantile(0.9)),
        "response_within_sla": float((resp <= response_sla_h).sum() / resp.notna().sum())
        if resp.notna().any()
        else np.nan,
        "resolution_median_h": float(res.median()),
        "resolution_p90_h": float(res.quantile(0.9)),
        "resolution_within_sla": float((res <= resolution_sla_h).sum() / res.notna().sum())
        if res.notna().any()
        else np.nan,
        "backlog": int(open_.sum()) if known else None,
        "backlog_over_sla": int((open_ & (age > resolution_sla_h)).sum()) if known else None,
    }


def effectiveness(c: pd.DataFrame, top=(4, 5), rating: str = "rating") -> dict:
    """Resolution rate, reopen rate and the top-box share of the ``rating`` column on resolved
    complaints (the customer's verdict on the handling)."""
    status = _with_optional(c)["status"].astype("string")
    resolved = status.isin(DONE).fillna(False)
    rated = c.loc[resolved & c[rating].notna(), rating] if rating in c else pd.Series(dtype=float)
    known = len(c) and status.notna().any()  # without any status there is no rate to tell
    return {
        "resolution_rate": float(resolved.mean()) if known else np.nan,
        "reopen_rate": float((status == "reopened").fillna(False).mean()) if known else np.nan,
        "satisfied_after": float(rated.isin(top).mean()) if len(rated) else np.nan,
        "rated_after": int(len(rated)),
    }


def coverage(
    customers: pd.DataFrame, feedback: pd.DataFrame, group: str, silent_share: float = 0.02
) -> pd.DataFrame:
    """Per ``group`` of ``customers`` (customer_id, group): customers, share who gave feedback,
    share who complained (when the feedback has a kind column), silent (feedback share below
    ``silent_share``)."""
    fb = feedback.dropna(subset=["customer_id"])
    c = customers[["customer_id", group]].dropna()
    # each customer's flags once (one hash look-up of all ids), then means per group
    flags = {"feedback_share": c["customer_id"].isin(fb["customer_id"].unique())}
    if "kind" in fb:  # without it complaints cannot be told apart: no complaint share
        complaint = (fb["kind"].astype("string") == "complaint").fillna(False).to_numpy()
        flags["complaint_share"] = c["customer_id"].isin(fb.loc[complaint, "customer_id"].unique())
    by = pd.DataFrame({group: c[group], **flags}).groupby(group, observed=True)
    out = by.size().rename("customers").to_frame().join(by.mean()).reset_index()
    out["silent"] = out["feedback_share"] < silent_share
    return out


def is_complaint(fb: pd.DataFrame) -> np.ndarray:
    """True per row whose kind is "complaint" (all False without a kind column)."""
    if "kind" not in fb:
        return np.zeros(len(fb), dtype=bool)
    return (fb["kind"].astype("string") == "complaint").fillna(False).to_numpy()


def rating_apart(fb: pd.DataFrame) -> pd.DataFrame:
    """``fb`` with a complaint's rating moved to ``handling_rating``: it judges the handling,
    not the product, so it stays out of CSAT and the sentiment labels and serves the
    effectiveness figures. Unchanged without a rating or kind column."""
    if "rating" not in fb or "kind" not in fb:
        return fb
    complaint = is_complaint(fb)
    return fb.assign(
        handling_rating=fb["rating"].where(complaint), rating=fb["rating"].mask(complaint)
    )


# intake's rules that set a complaint's impossible answer or resolution time missing
TIME_TRAVEL_RULES = (
    "first_response_at_before_creation_set_missing",
    "resolved_at_before_creation_set_missing",
)


def fixed_at_intake(quality: dict | None) -> int:
    """Feedback rows whose answer or resolution intake found dated before their complaint."""
    return sum(
        c["rows"]
        for c in (quality or {}).get("cleaning", [])
        if c["table"] == "feedback" and c["rule"] in TIME_TRAVEL_RULES
    )


@dataclass(frozen=True)
class Handling:
    """Complaint handling of a feedback table (``handling``).

    Attributes
    ----------
    timeliness : dict
        ``timeliness`` over the complaints (its ``time_travel`` counts this step's finds only).
    effectiveness : dict
        ``effectiveness`` over the complaints, on their handling rating.
    time_travel : int
        Answers and resolutions dated before their complaint, whether intake (``quality``) or
        ``timeliness`` found them.
    """

    timeliness: dict
    effectiveness: dict
    time_travel: int


def handling(
    fb: pd.DataFrame,
    as_of,
    response_sla_h: float = 24,
    resolution_sla_h: float = 72,
    quality: dict | None = None,
) -> Handling:
    """``timeliness`` and ``effectiveness`` of the complaints in ``fb`` (``handling_rating``
    judges the handling when ``rating_apart`` made it, else ``rating``)."""
    c = fb[is_complaint(fb)]
    tm = timeliness(c, as_of, response_sla_h, resolution_sla_h)
    ef = effectiveness(c, rating="handling_rating" if "handling_rating" in c else "rating")
    return Handling(tm, ef, tm["time_travel"] + fixed_at_intake(quality))
