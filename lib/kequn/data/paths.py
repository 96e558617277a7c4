"""Where things are: the project root, paths in settings resolved against it, and the check that
a path a column map names stays inside the data folder. Every layer resolves paths here."""

from __future__ import annotations

import os
from pathlib import Path

from kequn.data.problems import InputError, Problem


def project_root() -> Path:
    env = os.environ.get("KEQUN_ROOT")
    return Path(env) if env else Path(__file__).resolve().parents[3]


def resolve(path: str | Path | None) -> Path | None:
    if path is None or path == "":
        return None
    p = Path(path)
    return p if p.is_absolute() else project_root() / p


def reports_root() -> Path:
    """The reports folder: ``KQ_REPORTS`` (which make exports, ``REPORTS=``) or ``reports``,
    resolved against the project root."""
    return resolve(os.environ.get("KQ_REPORTS") or "reports")


def inside(folder: str | Path, name: str | Path, what: str = "files:") -> Path:
    """``folder / name`` resolved (symlinks followed); ``InputError`` (``path_outside``) when
    it lies outside ``folder``: a column map or config must not make Kequn read other files."""
    base = Path(folder).resolve()
    p = (base / Path(name)).resolve()
    if not p.is_relative_to(base):
        raise InputError([Problem.of("path_outside", str(name), what=what, name=str(name))])
    return p


def check_data_files(data_dir: str | Path, files: dict) -> None:
    """Every file named under a column map's ``files:`` lies inside ``data_dir``; all
    offending entries are reported together (names only, never the files' content)."""
    problems = []
    for table, name in (files or {}).items():
        try:
            inside(data_dir, str(name), what=f"files: {table}")
        except InputError as e:
            problems += e.problems
    if problems:
        raise InputError(problems)
