"""Runs are named ``<data folder>-<yyyymmdd>``; finding the earlier runs of the same data set."""
from __future__ import annotations

from pathlib import Path


def dataset_of(run: str) -> str:
    return run.rsplit("-", 1)[0]


def earlier_runs(parent: Path, run: str, marker: str) -> list[Path]:
    """Folders under ``parent`` of the same data set as ``run``, named before it and holding
    ``marker`` (a file a finished stage wrote), oldest first; symlinks such as latest skipped."""
    if not parent.exists():
        return []
    return sorted(p for p in parent.iterdir()
                  if p.is_dir() and not p.is_symlink() and p.name < run
                  and dataset_of(p.name) == dataset_of(run) and (p / marker).exists())
