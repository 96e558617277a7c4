"""Is a segmentation sustainable (可持续性)? Stability under resampling, and drift between runs.

Stability follows Hennig (2007), "Cluster-wise assessment of cluster stability": refit the
same method on ``B`` resamples of the fitted sample; for each original segment take the best
Jaccard similarity with any segment of the refit (on the customers in both), and average over
the resamples. Hennig's reading: above 0.75 stable, 0.6–0.75 pattern but doubtful, below 0.6
dissolving. KMeans and GMM are refit on bootstrap samples; HDBSCAN on 80% subsets without
replacement, because repeated points in a bootstrap fake density (Hennig's "subsetting").

Drift compares this run's segments with the previous run's for the customers in both:
segments are matched by overlap (Hungarian assignment on the cross-table), and the share of
customers whose matched segment changed, plus the size change per segment, is reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from kequn.data.paths import RunFolder
from kequn.data.runs import previous_table
from kequn.models.clustering import UNASSIGNED, Segmentation, fit_segments, segment_label
from kequn.models.parallel import on_cores

STABLE, DISSOLVING = 0.75, 0.6


def _best_jaccard(orig: np.ndarray, boot: np.ndarray) -> dict[int, float]:
    """Per original segment, the best Jaccard with any refit segment (noise excluded)."""
    segs = [s for s in np.unique(orig) if s != UNASSIGNED]
    bsegs = [b for b in np.unique(boot) if b != UNASSIGNED]
    out = {}
    if not bsegs:
        return {int(s): 0.0 for s in segs}
    ct = pd.crosstab(orig, boot).reindex(index=segs, columns=bsegs, fill_value=0)
    inter = ct.to_numpy()
    a = (orig[:, None] == np.array(segs)[None, :]).sum(0)
    b = (boot[:, None] == np.array(bsegs)[None, :]).sum(0)
    jac = inter / (a[:, None] + b[None, :] - inter)
    for i, s in enumerate(segs):
        out[int(s)] = float(jac[i].max())
    return out


def _refit(Xs, Ls, method, k, seed, draw, args) -> dict[int, float]:
    """One bootstrap refit: the best Jaccard of each original segment on the drawn rows."""
    uniq = np.unique(draw)
    seg = fit_segments(Xs, method, k, seed, sample=draw, min_share=0.0, threads=1, **args)
    return _best_jaccard(Ls[uniq], seg.labels[uniq])


def stability(
    X: np.ndarray,
    labels: np.ndarray,
    method: str,
    k: int,
    seed: int,
    B: int = 20,
    max_n: int = 5000,
    min_cluster_size: int | None = None,
    **fit_args,
) -> pd.DataFrame:
    """Hennig's cluster-wise stability of ``labels`` (the segmentation of the rows of ``X``):
    columns segment, jaccard (mean over ``B`` resamples), jaccard_min, verdict (stable,
    doubtful, dissolving). At most ``max_n`` rows are resampled (a random subset); HDBSCAN's
    ``min_cluster_size`` (for the rows of X) is scaled to the resample's size."""
    rng = np.random.default_rng(seed)
    idx = (
        np.arange(len(X)) if len(X) <= max_n else np.sort(rng.choice(len(X), max_n, replace=False))
    )
    Xs, Ls = X[idx], labels[idx]
    scores: dict[int, list] = {int(s): [] for s in np.unique(Ls) if s != UNASSIGNED}
    calls = []
    for b in range(
        B
    ):  # the draws come from one generator in order, so they do not depend on the cores
        if method == "hdbscan":
            draw = np.sort(rng.choice(len(Xs), int(0.8 * len(Xs)), replace=False))
        else:
            draw = rng.integers(0, len(Xs), len(Xs))
        args = dict(fit_args)
        if method == "hdbscan" and min_cluster_size:
            args["min_cluster_size"] = max(5, round(min_cluster_size * len(draw) / len(X)))
        if method == "kmeans":
            args.setdefault("n_init", 4)  # 20 refits × 10 inits would dominate the stage's time
        calls.append((Xs, Ls, method, k, seed + 1 + b, draw, args))
    for result in on_cores(_refit, calls):
        for s, j in result.items():
            scores.setdefault(s, []).append(j)
    rows = []
    for s, js in sorted(scores.items()):
        m = float(np.mean(js)) if js else float("nan")
        rows.append(
            {
                "segment": s,
                "jaccard": m,
                "jaccard_min": float(np.min(js)) if js else float("nan"),
                "verdict": "stable"
                if m >= STABLE
                else ("dissolving" if m < DISSOLVING else "doubtful"),
            }
        )
    return pd.DataFrame(rows, columns=["segment", "jaccard", "jaccard_min", "verdict"])


def segment_stability(X: np.ndarray, seg: Segmentation, seed: int, B: int = 20) -> pd.DataFrame:
    """``stability`` of ``seg`` on the rows its model was fitted on (``seg.sample`` of ``X``),
    refitting the same method at the same k (HDBSCAN at its minimum cluster size)."""
    return stability(
        X[seg.sample],
        seg.labels[seg.sample],
        seg.method,
        seg.k,
        seed,
        B=B,
        min_cluster_size=getattr(seg.model, "min_cluster_size", None),
    )


def previous_segments(
    processed_dir: str | Path, run: str
) -> tuple[str | None, pd.DataFrame | None]:
    """The latest earlier run of the same data set (runs are named <data>-<yyyymmdd>) that
    wrote its segments (``RunFolder.segments``), and those segments; (None, None) when there is
    none."""
    return previous_table(processed_dir, run, RunFolder.of(processed_dir).segments.name)


@dataclass(frozen=True)
class Drift:
    """This run's segments against a previous run's (``drift``): ``previous_run`` (None on a data
    set's first run), ``figures`` (customers_both, new_customers, gone_customers,
    changed_share; empty on a first run) and ``moves`` (one row per segment; None on a first
    run)."""

    previous_run: str | None = None
    figures: dict = field(default_factory=dict)
    moves: pd.DataFrame | None = None


def drift_since(previous_run: str | None, previous: pd.DataFrame | None, current: pd.DataFrame):
    """``Drift`` of ``current`` against the ``previous`` run's segments (``previous_segments``);
    nothing to compare on a data set's first run (``previous`` None)."""
    if previous is None:
        return Drift()
    figures, moves = drift(previous, current)
    return Drift(previous_run, figures, moves)


def drift(previous: pd.DataFrame, current: pd.DataFrame) -> tuple[dict, pd.DataFrame]:
    """Movement between two runs' segments (each: customer_id, segment, segment_name).

    Returns figures (customers_both, new_customers, gone_customers, changed_share) and a
    table per current segment: segment, segment_name, matched_previous (segment and name of the
    previous run it overlaps most under a one-to-one matching), share_now, share_before,
    stayed (share of its customers who were in the matched previous segment)."""
    both = current.merge(previous, on="customer_id", suffixes=("", "_prev"))
    figures = {
        "customers_both": int(len(both)),
        "new_customers": int((~current["customer_id"].isin(previous["customer_id"])).sum()),
        "gone_customers": int((~previous["customer_id"].isin(current["customer_id"])).sum()),
    }
    if both.empty:
        figures["changed_share"] = float("nan")
        return figures, pd.DataFrame()
    ct = pd.crosstab(both["segment"], both["segment_prev"])
    r, c = linear_sum_assignment(-ct.to_numpy())
    match = {ct.index[i]: ct.columns[j] for i, j in zip(r, c)}
    same = sum(ct.iloc[i, j] for i, j in zip(r, c))
    figures["changed_share"] = float(1 - same / len(both))
    prev_names = previous.drop_duplicates("segment").set_index("segment")["segment_name"]
    share_now = current["segment"].value_counts(normalize=True)
    share_before = previous["segment"].value_counts(normalize=True)
    rows = []
    for s, name in (
        current.drop_duplicates("segment")
        .sort_values("segment")[["segment", "segment_name"]]
        .itertuples(index=False)
    ):
        p = match.get(s)
        n_s = int((both["segment"] == s).sum())
        rows.append(
            {
                "segment": int(s),
                "segment_name": name,
                "matched_previous": None
                if p is None
                else segment_label(int(p), prev_names.get(p, "")),
                "share_now": float(share_now.get(s, 0.0)),
                "share_before": float(share_before.get(p, np.nan)) if p is not None else np.nan,
                "stayed": float(ct.loc[s, p] / n_s) if p is not None and n_s else np.nan,
            }
        )
    return figures, pd.DataFrame(rows)
