"""make bench: wall time and peak memory of each step on generated companies of several sizes.

Each (size, step) runs in a fresh subprocess so peak RSS belongs to that step alone.
Usage: python bench/bench.py [--sizes 20000 200000 1000000] [--out bench/out]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

STEPS = {
    "generate": "from kequn import synth; synth.write(synth.generate({n}, 7), '{d}/raw', fmt='{fmt}')",
    "intake": "from kequn.intake import run_intake; run_intake('{d}/raw', '{d}/proc', salt='bench')",
    "features": ("import json; from kequn.features import build_features; "
                 "q = json.load(open('{d}/proc/quality.json')); build_features('{d}/proc/clean', q['as_of'])"),
}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[20_000, 200_000, 1_000_000])
    ap.add_argument("--out", default="bench/out")
    a = ap.parse_args()
    rows = []
    print(f"{'customers':>10} {'step':>9} {'rows':>12} {'seconds':>8} {'peak MiB':>9}")
    for n in a.sizes:
        d = Path(a.out) / str(n)
        d.mkdir(parents=True, exist_ok=True)
        fmt = "csv" if n <= 200_000 else "parquet"
        for step, tmpl in STEPS.items():
            # ru_maxrss of children is a running maximum: measure each step in its own wrapper
            code = tmpl.format(n=n, d=d, fmt=fmt)
            wrapper = (f"import resource, subprocess, sys, time; t=time.perf_counter(); "
                       f"r=subprocess.run([sys.executable, '-c', {code!r}]); "
                       f"print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024); "
                       f"sys.exit(r.returncode)")
            p = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True)
            if p.returncode:
                print(p.stderr[-3000:])
                return 1
            wall, peak = map(float, p.stdout.split()[-2:])
            nrows = ""
            if step == "intake":
                q = json.loads((d / "proc" / "quality.json").read_text())
                nrows = f"{q['rows_clean']['orders']:,} ord"
            rows.append({"customers": n, "step": step, "seconds": round(wall, 1), "peak_mib": round(peak)})
            print(f"{n:>10,} {step:>9} {nrows:>12} {wall:>8.1f} {peak:>9.0f}", flush=True)
    Path(a.out, "bench.json").write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
