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
                             [--steps intake ...] [--against 2fcece7] [--repeat N]
                             [--texts N] [--generator demo|sql]
The Spark rows (issue 19): --steps intake engine --sizes 1000000 — features and CLV scores on
local[2] against DuckDB on the same clean tables. The issue's 10M customers / ~80M orders:
--sizes 10000000 --steps engine --generator sql (the clean tables written straight from DuckDB
SQL by bench/gen_clean.py instead of the demo company and intake, which hold the company in
memory; kept and reused by later runs).
``--against COMMIT`` runs intake, features, stage 05 and ``make report`` (BASELINE_STEPS) a
second time with that commit's own code — its bench commands, its ``bench/feedback_step.py``,
its Makefile's ``report`` — from a git worktree in bench/out/.baseline-COMMIT on a virtualenv
of its own (``Baseline``), on the same generated files, its outputs in ``<size>@COMMIT``.
``--repeat N`` alternates ours, baseline, ours, baseline; each pair's speed-up (baseline
seconds / ours) and the median are printed: machines here vary 2x from day to day, so only
ratios compare. ``make report`` starts from empty folders every time and is followed by a
rerun with nothing changed. ``--texts N``: stage 05 on N texts instead of the million.
With ``--steps``, data generated earlier (``<size>/.generated``) is reused. Each run goes
through bench/measure.py (wall and CPU seconds, the largest process, the process tree's sum).
Writes bench/out/bench.json beside the printed table.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]

STEPS = {
    "generate": "from kequn.demo import synth; synth.write(synth.generate({n}, 7, {k}), '{d}/raw', fmt='{fmt}')",
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
MEASURE = ROOT / "bench" / "measure.py"  # wall time, peak of the largest process and of the tree


def command(step: str, n: int, k: float, d: Path) -> list[str]:
    if STEPS[step] == "gen_clean":
        return [sys.executable, str(ROOT / "bench" / "gen_clean.py"), str(n), str(d)]
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
    if step.startswith("engine: "):
        return [sys.executable, str(ROOT / "bench" / "engine_step.py"), *STEPS[step], str(d)]
    if step.startswith("05 "):  # a fixed million texts, whatever the company's size
        return [sys.executable, str(ROOT / "bench" / "feedback_step.py"), str(d)]
    return [
        sys.executable,
        "-c",
        STEPS[step].format(n=n, k=k, d=d, fmt="csv" if n <= 200_000 else "parquet"),
    ]


# Steps an older commit also has under the same name, measured side by side with its own code.
BASELINE_STEPS = (
    "intake",
    "features (duckdb)",
    "05 sentiment + topics: 1M texts",
    "all stages (make report)",
)
RERUN = "all stages (make report): no-change rerun"


@dataclass(frozen=True)
class Baseline:
    """An older commit set up to run beside ours: its tree (a git worktree), a virtualenv whose
    python sees our installed packages but the commit's own ``lib`` (its Jupyter kernel
    ``kequn`` and its sentiment model cache live there, apart from ours), and its bench."""

    commit: str
    tree: Path
    venv: Path
    bench: ModuleType

    @property
    def python(self) -> str:
        return str(self.venv / "bin" / "python")

    def command(self, step: str, n: int, k: float, d: Path) -> list[str]:
        """The commit's own bench command for ``step``, on its python (``make report`` in its
        tree, with its Makefile and this virtualenv)."""
        cmd = [self.python if c == sys.executable else c for c in self.bench.command(step, n, k, d)]
        if cmd[0] == "make":
            cmd.insert(cmd.index("report") + 1, f"VENV={self.venv}")
        return cmd

    def env(self) -> dict:
        return dict(os.environ, PYTHONPATH=str(self.tree / "lib"))


def baseline(commit: str, out: Path) -> Baseline:
    """``commit`` checked out once as a git worktree under ``out``, with a virtualenv of its own
    set up as its ``make setup`` would (kernel, sentiment model) but on our packages.

    Why a virtualenv: the sentiment model cache and the kernel spec live in ``sys.prefix``, and
    each side deletes the other's model cache after training its own (a retraining on every
    run); and the kernel spec names the python the kernels run on."""
    tree = (out / f".baseline-{commit}").resolve()
    if not tree.exists():
        out.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(tree), commit],
            check=True,
            capture_output=True,
        )
    venv = (out / f".baseline-{commit}-venv").resolve()
    stamp = venv / ".kequn-setup"  # the commit's Makefile then sees the setup as done
    if not stamp.exists():
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
        site = subprocess.run(
            [
                str(venv / "bin" / "python"),
                "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
        # the commit's lib first (what its editable install would add), then our packages; our
        # site-packages' own .pth files (our editable kequn) are not read from there
        Path(site, "kequn-baseline.pth").write_text(
            "\n".join([str(tree / "lib"), *sorted(ours)]) + "\n"
        )
        py = str(venv / "bin" / "python")
        missing = _missing_requirements(tree / "requirements.txt")
        if missing:  # e.g. 2fcece7's jieba and pandera, which ours no longer pin
            subprocess.run(
                [sys.executable, "-m", "pip", "--python", py, "install", "--quiet",
                 "--disable-pip-version-check", *missing],
                check=True,
            )  # fmt: skip
        subprocess.run(
            [py, "-m", "ipykernel", "install", "--sys-prefix", "--name", "kequn"],
            check=True,
            capture_output=True,
        )
        share = Path(sys.prefix, "share", "jupyter")  # nbconvert's templates: ours, shared
        for entry in share.iterdir():
            if entry.name != "kernels" and not (venv / "share" / "jupyter" / entry.name).exists():
                (venv / "share" / "jupyter" / entry.name).symlink_to(entry)
        for module in ("kequn.models.sentiment", "kequn.sentiment"):  # trains its model cache
            if not subprocess.run([py, "-m", module], capture_output=True).returncode:
                break
        stamp.touch()
    spec = importlib.util.spec_from_file_location(f"bench_{commit}", tree / "bench" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return Baseline(commit, tree, venv, module)


def _missing_requirements(requirements: Path) -> list[str]:
    """The pinned requirements of an older commit that our environment does not have
    installed at all (a package it used that ours replaced); installed into the baseline's
    virtualenv, where pip sees our packages through its .pth and adds only what is missing."""
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for line in requirements.read_text().splitlines():
        req = line.split("#")[0].strip()
        if "==" not in req:
            continue
        name = req.split("==")[0].split("[")[0].strip()
        try:
            version(name)
        except PackageNotFoundError:
            out.append(req)
    return out


def measure(cmd: list[str], env: dict | None = None) -> tuple[dict, str]:
    """Run ``cmd`` under bench/measure.py: its figures and the command's stderr."""
    p = subprocess.run(
        [sys.executable, str(MEASURE), *cmd], capture_output=True, text=True, env=env
    )
    if p.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{p.stdout[-2000:]}\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1]), p.stderr


def stage_seconds(detail: str) -> float | None:
    """Stage 05's own seconds from feedback_step.py's line (cleaning + sentiment + topics),
    without the text generation, the imports and the separate scoring-speed check."""
    m = re.search(
        r"cleaning \+ language (\d+) s, sentiment .*? (\d+) s \(CV.*topics (\d+) s", detail
    )
    return float(sum(map(int, m.groups()))) if m else None


SPEEDUP_OF = {"seconds": "", "cpu_seconds": " (CPU time)", "stage_seconds": " (stage only)"}


def compare(rows: list[dict], step: str, n: int, commit: str) -> dict:
    """Pair the i-th run of ours with the i-th of the baseline: each pair's speed-up
    (baseline seconds / ours) and the median, printed and returned as a row."""
    ours = [r for r in rows if r["step"] == step and r["customers"] == n and r["side"] == "ours"]
    base = [r for r in rows if r["step"] == step and r["customers"] == n and r["side"] == commit]
    out = {"customers": n, "step": step, "against": commit}
    for key in ("seconds", "cpu_seconds", "stage_seconds"):
        pairs = [(o[key], b[key]) for o, b in zip(ours, base) if o.get(key) and b.get(key)]
        if not pairs:
            continue
        speedups = [b / o for o, b in pairs]
        out[f"speedups_{key}"] = [round(s, 2) for s in speedups]
        out[f"median_speedup_{key}"] = round(statistics.median(speedups), 2)
        print(
            f"{'':>10} {step + SPEEDUP_OF[key]:>40}  "
            f"{commit} / ours, per pair: {', '.join(f'{s:.2f}' for s in speedups)}; "
            f"median {statistics.median(speedups):.2f}x",
            flush=True,
        )
    if ours and base:
        out["tree_mib"] = {
            "ours": max(r["tree_mib"] for r in ours),
            commit: max(r["tree_mib"] for r in base),
        }
    return out


def run_step(
    step: str, n: int, k: float, d: Path, base: Baseline | None, texts: int | None = None
) -> tuple[dict, str]:
    """One measured run of ``step`` (ours, or the baseline's with ``base``); ``make report``
    starts from empty processed and report folders so that every run does all the work;
    ``texts``: stage 05's number of texts when not the million."""
    if base is not None:
        d = d.parent / f"{d.name}@{base.commit}"  # its own outputs; the same raw files
        d.mkdir(exist_ok=True)
        if not (d / "raw").is_symlink() and not (d / "raw").exists():
            (d / "raw").symlink_to(d.parent / d.name.split("@")[0] / "raw")
    if step == RERUN:  # the same make report again, nothing changed
        cmd = (
            base.command(BASELINE_STEPS[-1], n, k, d)
            if base
            else command(BASELINE_STEPS[-1], n, k, d)
        )
    else:
        if STEPS[step] is None:
            shutil.rmtree(d / "processed", ignore_errors=True)
            shutil.rmtree(d / "reports", ignore_errors=True)
        cmd = base.command(step, n, k, d) if base else command(step, n, k, d)
    if step.startswith("05 ") and texts:
        cmd.append(str(texts))  # feedback_step.py RUN_DIR [N], here and in older commits
    return measure(cmd, base.env() if base else None)


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
        "--repeat",
        type=int,
        default=1,
        help="runs of each step; side by side they alternate: ours, baseline, ours, baseline",
    )
    ap.add_argument("--texts", type=int, default=None, help="stage 05's texts (default 1M)")
    ap.add_argument(
        "--generator",
        choices=("demo", "sql"),
        default="demo",
        help="demo: the demo company as raw files (then intake); sql: clean tables straight from "
        "DuckDB SQL (bench/gen_clean.py: customers and orders only, for 10M customers)",
    )
    a = ap.parse_args()
    base = baseline(a.against, Path(a.out)) if a.against else None
    chosen = [
        s
        for s in STEPS
        if (a.steps is None or s == "generate" or any(s.startswith(x) for x in a.steps))
        and STEPS[s] != "gen_clean"  # run in place of "generate" with --generator sql
    ]
    if "all stages (make report)" in chosen:  # the second make report, with nothing changed
        chosen.insert(chosen.index("all stages (make report)") + 1, RERUN)
    rows = []
    print(
        f"{'customers':>10} {'step':>40} {'orders':>11} {'events':>11} {'seconds':>8} {'CPU s':>8} "
        f"{'peak MiB':>9} {'tree MiB':>9}"
    )
    for size in a.sizes:
        n, _, k = size.partition("x")
        n, k = int(n), float(k or 1)
        d = Path(a.out).resolve() / size
        d.mkdir(parents=True, exist_ok=True)
        for step in chosen:
            if (
                step.startswith("05 ") and size != a.sizes[-1]
            ):  # the same million texts at every size: measure once
                continue
            if a.generator == "sql" and step == "intake":  # nothing raw to take in
                continue
            if a.generator == "sql" and step == "generate":
                q = d / "proc" / "quality.json"
                if q.exists() and json.loads(q.read_text()).get("generator"):
                    print(f"{size:>10} {'clean tables (gen_clean.py)':>40} reused", flush=True)
                    continue
                step = "generate clean tables (DuckDB SQL)"
            if step == "generate" and a.steps is not None and (d / ".generated").exists():
                print(f"{size:>10} {'generate: reusing ' + str(d / 'raw'):>40}", flush=True)
                continue
            side_by_side = base is not None and (step in BASELINE_STEPS or step == RERUN)
            sides = [None, base] if side_by_side else [None]
            runs = 1 if step.startswith("generate") else a.repeat
            for i in range(runs):
                for side in sides:
                    try:
                        fig, err = run_step(step, n, k, d, side, a.texts)
                    except RuntimeError as e:
                        print(e)
                        return 1
                    if step == "generate":
                        (d / ".generated").touch()
                    rows.append(record(step, n, k, d, side, i, fig, err))
            if side_by_side:
                rows.append(compare(rows, step, n, base.commit))
    Path(a.out).mkdir(parents=True, exist_ok=True)
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


def record(
    step: str, n: int, k: float, d: Path, side: Baseline | None, i: int, fig: dict, err: str
) -> dict:
    """A run's row, printed as a line of the table (and the step's own split of its time)."""
    peak = fig["peak_mib"]
    if step.startswith("engine: "):  # the process tree's peak (a JVM and its workers)
        peak = float(err.rsplit("process tree", 1)[1].split()[0].replace(",", ""))
    q = d / "proc" / "quality.json"
    if not q.exists():  # make report's own intake
        q = next(d.glob("processed/*/quality.json"), q)
    counts = json.loads(q.read_text())["rows_clean"] if q.exists() else {}
    label = f"{step} @{side.commit}" if side else step
    row = {
        "customers": n,
        "intensity": k,
        "step": step,
        "side": side.commit if side else "ours",
        "run": i + 1,
        "orders": counts.get("orders"),
        "events": counts.get("events"),
        "seconds": round(fig["seconds"], 2),
        "cpu_seconds": round(fig["cpu_seconds"], 1),
        "peak_mib": round(peak),
        "tree_mib": round(fig["tree_mib"]),
        "largest_sampled_mib": round(fig["largest_sampled_mib"]),
        "tree_at_peak": fig["tree_at_peak"],
    }
    size = f"{n}" if k == 1 else f"{n}x{k:g}"
    print(
        f"{size:>10} {label:>40} {row['orders'] or 0:>11,} {row['events'] or 0:>11,} "
        f"{fig['seconds']:>8.1f} {fig['cpu_seconds']:>8.1f} {peak:>9.0f} {fig['tree_mib']:>9.0f}",
        flush=True,
    )
    if step.startswith(("03 ", "04 ", "05 ", "engine: ")) and err.strip():
        row["detail"] = err.strip().splitlines()[-1].strip()  # the step's own split of its time
        print(row["detail"], flush=True)
        if step.startswith("05 "):
            row["stage_seconds"] = stage_seconds(row["detail"])
    return row


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
