"""Where a report's time went: python bench/cells.py REPORT_DIR [REPORT_DIR ...] [--top N]

Reads the executed stage notebooks of each report folder (``reports/<run>/0*.ipynb``; papermill
stores each cell's duration in its metadata) and prints each stage's total and its slowest
cells, so that two runs (ours and an older commit's, ``bench.py --against``) can be read side
by side."""

import argparse
import json
from pathlib import Path


def cell_times(nb: Path) -> list[tuple[float, str]]:
    """(seconds, first line of source) of each executed code cell."""
    cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
    out = []
    for c in cells:
        d = (c.get("metadata", {}).get("papermill") or {}).get("duration")
        if c["cell_type"] == "code" and d is not None:
            src = [x for x in "".join(c["source"]).splitlines() if x.strip()]
            work = [x for x in src if not x.lstrip().startswith(("#", "show.heading"))]
            out.append((float(d), (work or src or [""])[0].strip()[:90]))
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("reports", nargs="+")
    ap.add_argument("--top", type=int, default=3)
    a = ap.parse_args()
    for folder in a.reports:
        print(folder)
        for nb in sorted(Path(folder).glob("0*.ipynb")):
            times = cell_times(nb)
            print(f"  {nb.stem:<16} {sum(t for t, _ in times):7.1f} s in {len(times)} cells")
            for t, src in sorted(times, reverse=True)[: a.top]:
                print(f"  {'':<16} {t:7.1f} s  {src}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
