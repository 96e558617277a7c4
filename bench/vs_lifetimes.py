"""BG/NBD, MBG/NBD + Gamma-Gamma: Kequn's fits against lifetimes', on the same CDNOW master data.

lifetimes is unmaintained; it lives only in the bench's own environment (``bench/.venv-
lifetimes``, made by ``make bench`` with the last versions of pandas/numpy it still runs on)
and is never a dependency of Kequn. The data (23,570 customers) ships in its wheel.

    python bench/vs_lifetimes.py lifetimes SUMMARY.csv   # in the lifetimes venv: summary (if
                                                         # missing) + fits, JSON on stdout
    python bench/vs_lifetimes.py kequn SUMMARY.csv       # in Kequn's venv: fits on that summary
    python bench/vs_lifetimes.py compare OURS.json THEIRS.json  # MBG/NBD side by side

Both sides fit the same weekly summary (lifetimes' own ``summary_data_from_transaction_data``),
best of three timed runs each; the orchestrator compares parameters to 4 significant figures.
"""

import json
import sys
import time
import warnings
from pathlib import Path


def best_of(fn, n=3):
    best, out = float("inf"), None
    for _ in range(n):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def lifetimes_side(summary: Path) -> dict:
    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter
    from lifetimes.datasets import load_dataset
    from lifetimes.utils import summary_data_from_transaction_data

    warnings.filterwarnings("ignore")
    if not summary.exists():
        tx = load_dataset("CDNOW_master.txt", sep=r"\s+", dtype={"customer_id": str})
        tx["date"] = pd.to_datetime(tx["date"].astype(str), format="%Y%m%d")
        s = summary_data_from_transaction_data(
            tx,
            "customer_id",
            "date",
            monetary_value_col="dollar_value",
            observation_period_end="1998-06-30",
            freq="W",
        )
        s.to_csv(summary)
    s = pd.read_csv(summary)
    rep = s[
        (s["frequency"] > 0) & (s["monetary_value"] > 0)
    ]  # a few repeat buyers spent 0; both sides drop them

    def fit():
        bg = BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
        gg = GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"])
        return bg, gg

    sec, (bg, gg) = best_of(fit)
    mbg_sec, mbg = best_of(
        lambda: ModifiedBetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    )
    return {
        "seconds": sec,
        "customers": len(s),
        "bgnbd": {k: float(v) for k, v in bg.params_.items()},
        "gamma_gamma": {k: float(v) for k, v in gg.params_.items()},
        "mbgnbd": {k: float(v) for k, v in mbg.params_.items()},
        "mbgnbd_seconds": mbg_sec,
    }


def kequn_side(summary: Path) -> dict:
    import pandas as pd
    from kequn.models import clv

    s = pd.read_csv(summary)

    def fit():
        return clv.fit_bgnbd(s["frequency"], s["recency"], s["T"]), clv.fit_gamma_gamma(
            s["frequency"], s["monetary_value"]
        )

    sec, (bg, gg) = best_of(fit)
    mbg_sec, mbg = best_of(lambda: clv.fit_mbgnbd(s["frequency"], s["recency"], s["T"]))
    return {
        "seconds": sec,
        "customers": len(s),
        "bgnbd": bg.params,
        "gamma_gamma": gg.params,
        "mbgnbd": mbg.params,
        "mbgnbd_seconds": mbg_sec,
    }


def compare(ours: dict, theirs: dict) -> str:
    """MBG/NBD side by side: both fits' parameters, whether they agree to 4 significant figures,
    and the times (BG/NBD + Gamma-Gamma are compared by bench/bench.py)."""
    a, b = ours["mbgnbd"], theirs["mbgnbd"]
    agree = all(f"{a[k]:.4g}" == f"{b[k]:.4g}" for k in a)
    worst = max(abs(a[k] / b[k] - 1) for k in a)
    return (
        f"MBG/NBD: Kequn {ours['mbgnbd_seconds']:.3f} s, lifetimes {theirs['mbgnbd_seconds']:.3f} s; "
        f"parameters agree to 4 significant figures: {agree} (largest relative difference {worst:.1e})\n  "
        + ", ".join(f"{k} {a[k]:.5g} / {b[k]:.5g}" for k in a)
    )


if __name__ == "__main__":
    side, path = sys.argv[1], Path(sys.argv[2])
    if side == "compare":
        print(compare(json.loads(path.read_text()), json.loads(Path(sys.argv[3]).read_text())))
        sys.exit(0)
    out = lifetimes_side(path) if side == "lifetimes" else kequn_side(path)
    print(json.dumps(out, default=float))
