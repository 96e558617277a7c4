"""Stage 06's run-level figures: what a summary stands on (``run_inputs``), the headline figures
with their change since the previous run of the same data set (``headline``), what changed
between the two runs (``changes``: segment sizes paired by their customers, tier migration,
customers who slipped from high value) and the complaint topics on the rise (``rising_topics``).

Reads only what the earlier stages wrote into the run's folder (``kequn.data.paths.RunFolder``
names every file); a stage that did not run leaves its figures missing, never an error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kequn.data.paths import RunFolder, resolve
from kequn.data.runs import earlier_runs
from kequn.models.value import TIERS

# headline key → (stage whose figures hold it, path inside them, kind)
HEADLINE = {
    "customers": ("profiling", ("headline", "customers"), "int"),
    "active_90d": ("profiling", ("headline", "active_90d"), "int"),
    "revenue": ("profiling", ("headline", "revenue"), "money"),
    "top20_share": ("profiling", ("headline", "top20_share"), "pct"),
    "clv_mean": ("value", ("clv_mean",), "money"),
    "nps": ("feedback", ("nps",), "nps"),
    "sla_share": ("feedback", ("complaints", "resolution_within_sla"), "pct"),
}
# the stages a summary reads, in pipeline order: their figures' file is their having run
STAGES = ("profiling", "clustering", "value", "needs", "feedback")
HIGH_VALUE = ("key", "important")
LAPSING = ("sleeping", "churned")


# ---- reading a run's artifacts


def read_figures(path: Path) -> dict:
    """A stage's JSON figures, or {} when the stage did not write them."""
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def read_columns(path: Path, cols: list[str]) -> pd.DataFrame | None:
    """The columns of ``cols`` that the table at ``path`` has, or None when no stage wrote it."""
    if not path.exists():
        return None
    import pyarrow.parquet as pq

    present = [c for c in cols if c in pq.read_schema(path).names]
    return pd.read_parquet(path, columns=present)


def earlier(folder: Path, run: str) -> list[Path]:
    """Earlier runs of the same data set (oldest first), never this run's own folder."""
    marker = RunFolder(folder).figures("profiling").name  # stage 01 ran there
    return [p for p in earlier_runs(folder.parent, run, marker) if p.resolve() != folder.resolve()]


# ---- what a summary stands on


@dataclass(frozen=True)
class RunInputs:
    """What a summary stands on: the run, its as-of date (None before intake), the previous run
    of the same data set it is compared with (None on a first run), the stages that ran (of
    ``STAGES``) and intake's quality figures (for the caveats)."""

    run: str
    as_of: str | None
    previous: str | None
    stages_ran: tuple[str, ...]
    quality: dict


def run_inputs(processed_dir, run: str) -> RunInputs:
    folder = resolve(processed_dir)
    rf = RunFolder(folder)
    quality = read_figures(rf.quality)
    before = earlier(folder, run)
    return RunInputs(
        run=run,
        as_of=quality.get("as_of"),
        previous=before[-1].name if before else None,
        stages_ran=tuple(s for s in STAGES if rf.figures(s).exists()),
        quality=quality,
    )


# ---- the headline figures


@dataclass(frozen=True, eq=False)
class Headline:
    """Per headline figure (``table``, one row each of ``HEADLINE``): key, kind, value,
    previous value, change (absolute; for shares and NPS in points) and basis (what the figure
    is over, ``glossary.headline_basis``); ``previous`` names the run compared with."""

    table: pd.DataFrame
    previous: str | None


def _dig(d: dict, path) -> float | None:
    for k in path:
        if not isinstance(d, dict) or d.get(k) is None:
            return None
        d = d[k]
    return float(d)


def headline_figures(folder: Path) -> dict[str, float | None]:
    """Headline key → this run's figure (None when its stage did not run or has none)."""
    rf = RunFolder(folder)
    figures = {s: read_figures(rf.figures(s)) for s in {v[0] for v in HEADLINE.values()}}
    return {k: _dig(figures[s], path) for k, (s, path, _) in HEADLINE.items()}


def currency_code(folder: Path) -> str:
    """Code of the currency a run's amounts are in (intake's, else stage 01's parameters)."""
    from kequn.lang.currency import for_run

    rf = RunFolder(folder)
    return for_run(read_figures(rf.figures("profiling")), read_figures(rf.quality)).code


def change(now: float | None, before: float | None, kind: str) -> float | None:
    """A headline figure's change: absolute, shares in percentage points; None without both."""
    if now is None or before is None:
        return None
    return (now - before) * (100 if kind == "pct" else 1)


def headline(processed_dir, run: str) -> Headline:
    """The headline figures with their change since the previous run of the same data set.
    Figures of stages that did not run are missing; without an earlier run the previous column
    is empty; money is not compared across currencies (no change from £ to 元)."""
    from kequn.lang.glossary import headline_basis

    folder = resolve(processed_dir)
    now = headline_figures(folder)
    before_runs = earlier(folder, run)
    before = headline_figures(before_runs[-1]) if before_runs else {}
    same_money = not before_runs or currency_code(folder) == currency_code(before_runs[-1])
    lang = read_figures(RunFolder(folder).figures("profiling")).get("lang", "zh")
    basis = headline_basis(folder, lang)  # what each figure is over (glossary)
    rows = []
    for key, (_, _, kind) in HEADLINE.items():
        v = now.get(key)
        p = before.get(key) if kind != "money" or same_money else None
        rows.append(
            {
                "key": key,
                "kind": kind,
                "value": v,
                "previous": p,
                "change": change(v, p, kind),
                "basis": basis.get(key, ""),
            }
        )
    return Headline(pd.DataFrame(rows), before_runs[-1].name if before_runs else None)


# ---- what changed since the previous run


@dataclass(frozen=True, eq=False)
class Changes:
    """What changed since the previous run of the same data set: ``previous`` (its name, None
    without one), ``sizes`` (segment_name, customers before and now; ``segment_sizes``),
    ``tiers`` (tier migration counts, rows before, columns now, by tier key), ``slipped``
    (customers key or important before who have since become sleeping or churned, or dropped
    to ordinary or small). A part whose tables are missing in either run is None."""

    previous: str | None = None
    sizes: pd.DataFrame | None = None
    tiers: pd.DataFrame | None = None
    slipped: int | None = None


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


def slipped(before: pd.DataFrame, now: pd.DataFrame) -> int:
    """Customers in both runs who were key or important before and have since become sleeping
    or churned (not already so before) or dropped to ordinary or small (``before`` may lack
    ``stage``: a run before the lifecycle)."""
    cols = ["customer_id", "tier"] + (["stage"] if "stage" in before else [])
    both = before[cols].merge(now, on="customer_id", suffixes=("_before", ""))
    newly_lapsing = both["stage"].isin(LAPSING) & ~(
        both["stage_before"].isin(LAPSING) if "stage_before" in both else False
    )
    out = both["tier_before"].isin(HIGH_VALUE) & (
        newly_lapsing | both["tier"].isin(["ordinary", "small"])
    )
    return int(out.sum())


def changes(processed_dir, run: str) -> Changes:
    """What changed since the previous run of the same data set that wrote segments
    (``segment_sizes``) and value tiers (tier migration, ``slipped``)."""
    from kequn.data.runs import migration, previous_table

    folder = resolve(processed_dir)
    rf = RunFolder(folder)
    previous, sizes, tiers, lost = None, None, None, None
    prev_run, prev_seg = previous_table(folder, run, rf.segments.name)
    if prev_seg is not None and rf.segments.exists():
        now = pd.read_parquet(rf.segments, columns=["customer_id", "segment", "segment_name"])
        previous, sizes = prev_run, segment_sizes(prev_seg, now)
    prev_run2, prev_val = previous_table(folder, run, rf.value.name)
    if prev_val is not None and rf.value.exists():
        now = pd.read_parquet(rf.value, columns=["customer_id", "tier", "stage"])
        tiers = migration(prev_val, now, "tier", TIERS)
        previous, lost = previous or prev_run2, slipped(prev_val, now)
    return Changes(previous=previous, sizes=sizes, tiers=tiers, slipped=lost)


# ---- complaint topics on the rise


@dataclass(frozen=True)
class RisingTopics:
    """Topics of negative feedback and complaints whose share rose in the last three months
    against the three before, largest rise first: ``new`` (next to absent before) and
    ``rising`` (the others)."""

    new: tuple[str, ...] = ()
    rising: tuple[str, ...] = ()


def rising_topics(processed_dir) -> RisingTopics:
    """Stage 05's two-proportion test (``topics.topic_trend``) over the run's negative feedback
    and complaints; no topics without feedback topics."""
    from kequn.models.topics import topic_trend

    rf = RunFolder(resolve(processed_dir))
    scored = read_columns(rf.feedback_scored, ["feedback_id", "sentiment", "topic"])
    fb = read_columns(rf.table("feedback"), ["feedback_id", "created_at", "kind"])
    if scored is None or fb is None or "topic" not in scored:
        return RisingTopics()
    d = fb.merge(scored, on="feedback_id")
    negative = d["sentiment"] == "negative" if "sentiment" in d else pd.Series(False, index=d.index)
    unhappy = (
        negative | (d["kind"].astype("string") == "complaint").fillna(False)
        if "kind" in d
        else negative
    )
    tr = topic_trend(d[unhappy])
    if tr.empty:
        return RisingTopics()
    return RisingTopics(
        new=tuple(tr.loc[tr["new"], "topic"]),
        rising=tuple(tr.loc[tr["rising"] & ~tr["new"], "topic"]),
    )
