"""Rewrite the stage notebooks' parameters cells from lib/kequn/run/defaults.yaml.

Usage: .venv/bin/python tools/refresh_parameters.py [notebooks/02_clustering.ipynb ...]

Only the first code cell (tagged ``parameters``) of each notebook changes: one line per
setting, ``name = default  # comment`` (``kequn.run.params.parameters_cell``), formatted by ruff.
tests/test_params.py checks that the cells agree with defaults.yaml.
"""

import subprocess
import sys
from pathlib import Path

import nbformat
from kequn.run import params

ROOT = Path(__file__).resolve().parents[1]


def refresh(path: Path) -> None:
    source = params.parameters_cell(path.stem)
    source = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "ruff"), "format", "--line-length", "100", "-"],
        input=source,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.rstrip("\n")
    nb = nbformat.read(path, as_version=4)  # read right before the write: others edit too
    cell = next(c for c in nb.cells if c.cell_type == "code")
    if "parameters" not in cell.metadata.get("tags", []):
        raise SystemExit(f"{path}: the first code cell is not tagged 'parameters'")
    if cell.source != source:
        cell.source = source
        nbformat.write(nb, path)
        print(f"{path}: parameters cell rewritten")


if __name__ == "__main__":
    paths = [Path(a) for a in sys.argv[1:]] or [
        ROOT / "notebooks" / f"{s}.ipynb" for s in params.STAGES
    ]
    for p in paths:
        refresh(p)
