"""make bench: wall time and peak memory of each step on generated companies of several sizes.

Steps: generate the demo company; intake (read, validate, clean, pseudonymise, write);
features in DuckDB, and the same RFM core in pandas as the baseline it replaces; the whole
profiling stage as `make report` runs it (intake reused, notebook, HTML, index).
Clustering (stage 02) per algorithm: preparation, fit on a 20,000-customer sample, assignment
of everyone, segment names; and the stability check; stage 03's BTYD summary, fits and CLV;
stage 05's sentiment and topics on a million texts; then all stages end to end. Last, our BG/NBD + Gamma-Gamma against lifetimes' on the
CDNOW master (bench/vs_lifetimes.py; lifetimes only in bench/.venv-lifetimes), and sentiment
on the public labelled sets (bench/sentiment_public.py → bench/out/sentiment.json).
Each step runs in its own process so its peak RSS is its own.

Usage: python bench/bench.py [--sizes 20000 200000 1000000 1000000x4] [--out bench/out]
                             [--steps intake ...] [--against 2fcece7]
The Spark rows (issue 19): --steps intake engine --sizes 1000000 — features and CLV scores on
local[2] against DuckDB on the same clean tables. The issue's 10M customers / ~80M orders:
--sizes 10000000 --steps engine --generator sql (the clean tables written straight from DuckDB
SQL by bench/gen_clean.py, a few GB, instead of the demo company and intake, which hold the
company in memory; kept and reused by later runs).
``--against COMMIT`` runs each step that exists there a second time with the library of that
commit (a git worktree in bench/out/.baseline-COMMIT), on the same data in the same bench, and
prints the ratio: machines here vary 2x from day to day, so only ratios compare. Writes
bench/out/bench.json beside the printed table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

STEPS = {
    "generate": "from kequn import synth; synth.write(synth.generate({n}, 7, {k}), '{d}/raw', fmt='{fmt}')",
    "generate clean tables (DuckDB SQL)": "gen_clean",
    "intake": "from kequn.data.intake import run_intake; run_intake('{d}/raw', '{d}/proc', salt='bench')",
    "features (duckdb)": (
        "import json; from kequn.data.features import build_features; "
        "q = json.load(open('{d}/proc/quality.json')); "
        "build_features('{d}/proc/clean', q['as_of']).to_parquet('{d}/proc/features.parquet')"
    ),
    # The floor for "features": one bare GROUP BY customer_id over orders and one over events,
    # results in pandas (issue 19: the feature table within 4x of this).
    "features: bare scan (duckdb)": (
        "import duckdb; con = duckdb.connect(config={{'threads': 2}}); "
        "con.execute('SET enable_progress_bar = false'); "
        "c = '{d}/proc/clean'; "
        'con.execute(f"SELECT customer_id, count(*) AS n, sum(amount) AS s, min(order_date) AS a, '
        "max(order_date) AS b FROM read_parquet('{{c}}/orders.parquet') GROUP BY 1\").df(); "
        "con.execute(f\"SELECT customer_id, count(*) AS n FROM read_parquet('{{c}}/events.parquet') "
        'GROUP BY 1").df()'
    ),
    "rfm (pandas baseline)": (
        "import pandas as pd; o = pd.read_parquet('{d}/proc/clean/orders.parquet'); p = o[o.amount > 0]; "
        "g = p.groupby('customer_id'); pd.DataFrame({{'orders': g.order_id.nunique(), 'revenue': g.amount.sum(), "
        "'last': g.order_date.max(), 'first': g.order_date.min()}}).join(o.groupby('customer_id').amount.sum())"
    ),
    "02 kmeans: prepare, k scan, fit, assign": "kmeans",
    "02 gmm: prepare, fit, assign": "gmm",
    "02 hdbscan: prepare, fit, assign": "hdbscan",
    "02 stability (20 refits)": "stability",
    "03 btyd summary, BG/NBD, Gamma-Gamma, CLV": "clv",
    "04 kano: 1M answer pairs": "kano",
    "04 propensity: splits, fits, scores, lists": "propensity",
    "05 sentiment + topics: 1M texts": "feedback",
    "all stages (make report)": None,
    # issue 19: the same queries and scores on Spark (local[2]) against DuckDB, on the same
    # clean tables, results written as Parquet; the peak is the process tree's (JVM included)
    "engine: features (duckdb)": ("features", "duckdb"),
    "engine: features (spark local[2])": ("features", "spark"),
    "engine: btyd, fits, CLV scores (duckdb)": ("clv", "duckdb"),
    "engine: btyd, fits, CLV scores (spark local[2])": ("clv", "spark"),
}
# Runs a step in a child and reports its wall time and the child's peak RSS (MiB).
WRAPPER = (
    "import resource, subprocess, sys, time; t = time.perf_counter(); r = subprocess.run({cmd!r}); "
    "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024); "
    "sys.exit(r.returncode)"
)


def command(step: str, n: int, k: float, d: Path) -> list[str]:
    if STEPS[step] is None:
        return [
            "make",
            "--no-print-directory",
            "-s",
            "-C",
            str(ROOT),
            "report",
            f"DATA={d}/raw",
            f"RUN=bench-{d.name}",
            f"PROCESSED={d}/processed",
            f"REPORTS={d}/reports",
        ]
    if step.startswith("02 "):
        return [sys.executable, str(ROOT / "bench" / "clustering_step.py"), STEPS[step], str(d)]
    if step.startswith("03 "):
        return [sys.executable, str(ROOT / "bench" / "clv_step.py"), str(d)]
    if step.startswith("04 "):
        return [sys.executable, str(ROOT / "bench" / "needs_step.py"), STEPS[step], str(d)]
    if STEPS[step] == "gen_clean":
        return [sys.executable, str(ROOT / "bench" / "gen_clean.py"), str(n), str(d)]
    if step.startswith("engine: "):
        return [sys.executable, str(ROOT / "bench" / "engine_step.py"), *STEPS[step], str(d)]
    if step.startswith("05 "):  # a fixed million texts, whatever the company's size
        return [sys.executable, str(ROOT / "bench" / "feedback_step.py"), str(d)]
    return [
        sys.executable,
        "-c",
        STEPS[step].format(n=n, k=k, d=d, fmt="csv" if n <= 200_000 else "parquet"),
    ]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--sizes",
        nargs="+",
        default=["20000", "200000", "1000000", "1000000x4"],
        help="customers, optionally xK for K times the purchase rate (1000000x4: ~30M orders)",
    )
    ap.add_argument("--out", default=str(ROOT / "bench" / "out"))
    ap.add_argument(
        "--steps", nargs="+", default=None, help="only these steps (names as printed, or a prefix)"
    )
    ap.add_argument(
        "--against", default=None, help="a commit to measure side by side (e.g. 2fcece7)"
    )
    ap.add_argument(
        "--generator",
        choices=("demo", "sql"),
        default="demo",
        help="demo: the demo company as raw files (then intake); sql: clean tables straight from "
        "DuckDB SQL (bench/gen_clean.py: customers and orders only, for 10M customers)",
    )
    a = ap.parse_args()
    base_lib = baseline(a.against, Path(a.out)) if a.against else None
    chosen = [
        s
        for s in STEPS
        if (a.steps is None or s == "generate" or any(s.startswith(x) for x in a.steps))
        and STEPS[s] != "gen_clean"  # run in place of "generate" with --generator sql
    ]
    rows = []
    print(
        f"{'customers':>10} {'step':>40} {'orders':>11} {'events':>11} {'seconds':>8} {'peak MiB':>9}"
    )
    for size in a.sizes:
        n, _, k = size.partition("x")
        n, k = int(n), float(k or 1)
        d = Path(a.out).resolve() / size
        d.mkdir(parents=True, exist_ok=True)
        runs = [(s, None) for s in chosen]
        if base_lib:  # the baseline right after ours, on the same files (python -c steps only)
            runs = [
                r
                for s in chosen
                for r in ([(s, None), (s, base_lib)] if s in BASELINE_STEPS else [(s, None)])
            ]
        for step, lib in runs:
            if a.generator == "sql" and step == "intake":  # nothing raw to take in
                continue
            if a.generator == "sql" and step == "generate":
                q = d / "proc" / "quality.json"
                if q.exists() and json.loads(q.read_text()).get("generator"):
                    print(f"{size:>10} {'clean tables (gen_clean.py)':>40} reused", flush=True)
                    continue
                step = "generate clean tables (DuckDB SQL)"
            if (
                step.startswith("05 ") and size != a.sizes[-1]
            ):  # the same million texts at every size: measure once
                continue
            env = dict(os.environ, PYTHONPATH=str(lib)) if lib else None
            p = subprocess.run(
                [sys.executable, "-c", WRAPPER.format(cmd=command(step, n, k, d))],
                capture_output=True,
                text=True,
                env=env,
            )
            if p.returncode:
                print(p.stdout[-2000:], p.stderr[-3000:])
                return 1
            wall, peak = map(float, p.stdout.split()[-2:])
            if step.startswith("engine: "):  # the process tree's peak (a JVM and its workers)
                peak = float(p.stderr.rsplit("process tree", 1)[1].split()[0].replace(",", ""))
            q = d / "proc" / "quality.json"
            counts = json.loads(q.read_text())["rows_clean"] if q.exists() else {}
            label = f"{step} @{a.against}" if lib else step
            row = {
                "customers": n,
                "intensity": k,
                "step": label,
                "orders": counts.get("orders"),
                "events": counts.get("events"),
                "seconds": round(wall, 1),
                "peak_mib": round(peak),
            }
            if lib:
                ours = next(r for r in reversed(rows) if r["step"] == step and r["customers"] == n)
                row["ratio_ours_to_baseline"] = round(ours["seconds"] / max(wall, 1e-9), 2)
            rows.append(row)
            ratio = f"  ours/baseline {row['ratio_ours_to_baseline']:.2f}" if lib else ""
            print(
                f"{size:>10} {label:>40} {row['orders'] or 0:>11,} {row['events'] or 0:>11,} {wall:>8.1f} {peak:>9.0f}"
                + ratio,
                flush=True,
            )
            if (
                step.startswith(("03 ", "04 ", "05 ", "engine: ", "generate clean"))
                and p.stderr.strip()
            ):  # the step's own split of its time
                print(p.stderr.strip().splitlines()[-1], flush=True)
                row["detail"] = p.stderr.strip().splitlines()[-1].strip()
    if a.steps is not None:
        Path(a.out, "bench.json").write_text(json.dumps(rows, indent=1))
        return 0
    rows.append(vs_lifetimes(Path(a.out)))
    Path(a.out, "bench.json").write_text(json.dumps(rows, indent=1))
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "sentiment_public.py"),
            str(Path(a.out, "sentiment.json")),
        ],
        check=True,
    )
    return 0


# Steps whose code is a library call that an older commit also has (measured side by side).
BASELINE_STEPS = ("intake", "features (duckdb)")


def baseline(commit: str, out: Path) -> Path:
    """The ``lib`` folder of ``commit``, checked out once as a git worktree under ``out``."""
    tree = (out / f".baseline-{commit}").resolve()
    if not tree.exists():
        out.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(tree), commit],
            check=True,
            capture_output=True,
        )
    return tree / "lib"


def vs_lifetimes(out: Path) -> dict:
    """Our BG/NBD + Gamma-Gamma fit against lifetimes' on the CDNOW master (23,570 customers),
    same summary, best of 3 each; lifetimes in its own venv, pinned to versions it runs on."""
    venv = ROOT / "bench" / ".venv-lifetimes"
    py = venv / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [
                str(py),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "lifetimes==0.11.3",
                "pandas<2.2",
                "numpy<2",
            ],
            check=True,
        )
    summary = out / "cdnow_master_summary.csv"
    script = str(ROOT / "bench" / "vs_lifetimes.py")
    theirs = json.loads(
        subprocess.run(
            [str(py), script, "lifetimes", str(summary)], check=True, capture_output=True, text=True
        ).stdout
    )
    ours = json.loads(
        subprocess.run(
            [sys.executable, script, "kequn", str(summary)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    theirs["gamma_gamma"]["gamma"] = theirs["gamma_gamma"].pop("v")  # lifetimes calls γ "v"
    worst = max(
        abs(ours[m][k] / theirs[m][k] - 1) for m in ("bgnbd", "gamma_gamma") for k in ours[m]
    )
    agree = all(
        f"{ours[m][k]:.4g}" == f"{theirs[m][k]:.4g}"
        for m in ("bgnbd", "gamma_gamma")
        for k in ours[m]
    )
    speedup = theirs["seconds"] / ours["seconds"]
    print(
        f"\nCDNOW master, {ours['customers']:,} customers, BG/NBD + Gamma-Gamma fit: Kequn {ours['seconds']:.3f} s, "
        f"lifetimes {theirs['seconds']:.3f} s ({speedup:.0f}x); parameters agree to 4 significant figures: {agree} "
        f"(largest relative difference {worst:.1e})"
    )
    for m in ("bgnbd", "gamma_gamma"):
        print(
            "  "
            + m
            + ": "
            + ", ".join(f"{k} {ours[m][k]:.5g} / {theirs[m][k]:.5g}" for k in ours[m])
        )
    from vs_lifetimes import compare  # MBG/NBD side by side (issue 16)

    print("  " + compare(ours, theirs))
    return {
        "step": "BG/NBD + Gamma-Gamma vs lifetimes (CDNOW master)",
        "customers": ours["customers"],
        "kequn_seconds": ours["seconds"],
        "lifetimes_seconds": theirs["seconds"],
        "speedup": speedup,
        "agree_4_significant": agree,
        "largest_relative_difference": worst,
        "kequn": ours,
        "lifetimes": theirs,
    }


if __name__ == "__main__":
    raise SystemExit(main())
