"""Where things are: the project root, paths in settings resolved against it, and the check that
a path a column map names stays inside the data folder. Every layer resolves paths here."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kequn.data.problems import InputError, Problem


def project_root() -> Path:
    env = os.environ.get("KEQUN_ROOT")
    return Path(env) if env else Path(__file__).resolve().parents[3]


def resolve(path: str | Path | None) -> Path | None:
    """``path`` against the project root; a database URL (``DATA=postgresql://…``) as it is."""
    if path is None or path == "":
        return None
    from kequn.data.database import is_url

    if is_url(path):
        return path
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


def clean_table(clean_dir, name: str) -> Path:
    """A clean table in a folder of clean tables (``RunFolder.clean``, or a folder a query is
    given directly): ``orders`` → ``<clean_dir>/orders.parquet``."""
    return Path(clean_dir) / f"{name}.parquet"


@dataclass(frozen=True)
class RunFolder:
    """A run's processed folder (``data/processed/<run>``): the one place that names its
    artifacts, so a renamed file is renamed everywhere. ``RunFolder.of(processed_dir)``
    resolves a settings path; ``RunFolder(path)`` takes a path as it is.

    Examples
    --------
    >>> RunFolder(Path("/runs/demo")).segments.as_posix()
    '/runs/demo/segments.parquet'
    >>> RunFolder(Path("/runs/demo")).figures("value").name
    'value.json'
    """

    root: Path

    def __post_init__(self):
        object.__setattr__(self, "root", Path(self.root))  # a str path works too

    @classmethod
    def of(cls, processed_dir) -> RunFolder:
        return cls(resolve(processed_dir))

    @property
    def clean(self) -> Path:
        """Intake's clean tables, one Parquet file each."""
        return self.root / "clean"

    def table(self, name: str) -> Path:
        """A clean table (``orders``, ``customers``, ``events``, ``feedback``, ``kano``)."""
        return clean_table(self.clean, name)

    @property
    def quality(self) -> Path:
        return self.root / "quality.json"

    @property
    def intake_stamp(self) -> Path:
        return self.root / "intake.stamp"

    @property
    def params(self) -> Path:
        return self.root / "params.yaml"

    @property
    def features(self) -> Path:
        return self.root / "features.parquet"

    @property
    def feature_labels(self) -> Path:
        return self.root / "feature_labels.json"

    @property
    def segments(self) -> Path:
        return self.root / "segments.parquet"

    @property
    def value(self) -> Path:
        return self.root / "value.parquet"

    @property
    def needs(self) -> Path:
        return self.root / "needs.parquet"

    @property
    def feedback(self) -> Path:
        return self.root / "feedback.parquet"

    @property
    def feedback_scored(self) -> Path:
        return self.root / "feedback_scored.parquet"

    @property
    def actions(self) -> Path:
        """The stages' pseudonymous lists (the CRM lists are in ``reports/<run>/actions``)."""
        return self.root / "actions"

    def figures(self, stage: str) -> Path:
        """A stage's figures for the pages and the next run (``profiling``, ``clustering``,
        ``value``, ``needs``, ``feedback``, ``summary``)."""
        return self.root / f"{stage}.json"

    # --- the stages' action lists (issue 18: their readers name them here too) -------------

    def action_list(self, name: str) -> Path:
        """A stage's pseudonymous action list, ``actions/<name>.csv`` (``feedback_alerts``,
        ``propensity_targets`` …), which ``kequn.data.crm`` turns into the CRM lists."""
        return self.actions / f"{name}.csv"

    @property
    def propensity_targets(self) -> Path:
        """Stage 04's purchase-propensity target lists (pseudonymous)."""
        return self.action_list("propensity_targets")

    @property
    def feedback_alerts(self) -> Path:
        """Stage 05's list of valuable customers to follow up (pseudonymous)."""
        return self.action_list("feedback_alerts")
