"""Where a run's re-identification table (pseudonym → the export's CRM id) lives, and where it
may not: never under the processed data or the reports, which are handed on pseudonymous.

The standard library only: ``make report`` checks the place before any work, also on a run with
nothing to redo (``kequn.data.crm`` writes and reads the table itself).
"""

from __future__ import annotations

from pathlib import Path

from kequn.data.paths import resolve
from kequn.data.problems import Problem, SettingsError
from kequn.data.settings import PrivacySettings


def reid_path(reid_dir: str | Path, run_dir: str | Path) -> Path:
    """The re-identification table of a run: ``<reid_dir>/<run>.parquet``."""
    return Path(reid_dir) / f"{Path(run_dir).name}.parquet"


def check_reid_place(
    path: str | Path,
    processed_root: str | Path | None = None,
    reports_root: str | Path | None = None,
) -> None:
    """Refuse a re-identification table under the processed data (every artifact there stays
    pseudonymous) or under the reports (pages and lists handed to stakeholders): a
    ``SettingsError`` naming ``privacy.reid_dir``, raised before any work."""
    p = Path(path).resolve()
    for where, root in (("processed", processed_root), ("reports", reports_root)):
        if root is not None and p.is_relative_to(Path(root).resolve()):
            raise SettingsError(
                [
                    Problem.of(
                        f"reid_under_{where}",
                        "privacy.reid_dir",
                        name=str(Path(path).parent),
                        folder=str(Path(root)),
                    )
                ]
            )


def reid_file_of(processed_dir, privacy) -> Path:
    """The run's re-identification table (``privacy.reid_dir``, default ``data/.reid``)."""
    return reid_path(
        resolve(PrivacySettings.of(privacy).reid_dir or "data/.reid"), resolve(processed_dir)
    )
