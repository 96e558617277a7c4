"""Refresh the stored outputs that nbval compares, after a deliberate change of the demo data.

Usage: .venv/bin/python tools/refresh_checks.py notebooks/01_profiling.ipynb ...

Executes each notebook on its default parameters (the demo data), keeps the outputs of the
cells tagged ``nbval-check-output`` and strips every other output, so the committed notebook
stays small and ``make test`` (nbval --nbval-lax) checks exactly those figures.
"""

import sys
import tempfile
from pathlib import Path

import nbformat
import papermill as pm


def refresh(path: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / path.name
        pm.execute_notebook(
            str(path), str(out), kernel_name="kequn", progress_bar=False, cwd=str(path.parent)
        )
        executed = {
            c.source: c for c in nbformat.read(out, as_version=4).cells if c.cell_type == "code"
        }
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        checked = "nbval-check-output" in cell.metadata.get("tags", [])
        cell.outputs = executed[cell.source].outputs if checked else []
        cell.execution_count = 1 if checked else None
    nbformat.write(nb, path)
    print(f"{path}: check outputs refreshed")


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        refresh(Path(arg))
