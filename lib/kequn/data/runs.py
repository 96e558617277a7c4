"""Runs are named ``<data folder>-<yyyymmdd>``; finding the earlier runs of the same data set."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def dataset_of(run: str) -> str:
    return run.rsplit("-", 1)[0]


def earlier_runs(parent: Path, run: str, marker: str) -> list[Path]:
    """Folders under ``parent`` of the same data set as ``run``, named before it and holding
    ``marker`` (a file a finished stage wrote), oldest first; symlinks such as latest skipped."""
    if not parent.exists():
        return []
    return sorted(
        p
        for p in parent.iterdir()
        if p.is_dir()
        and not p.is_symlink()
        and p.name < run
        and dataset_of(p.name) == dataset_of(run)
        and (p / marker).exists()
    )


def previous_table(processed_dir, run: str, name: str):
    """(run name, table) of the latest earlier run of the same data set that wrote ``name``
    (e.g. segments.parquet), or (None, None) when there is none."""
    from kequn.data.paths import resolve

    here = resolve(processed_dir)  # relative to the project root, not to the notebook's folder
    earlier = [p for p in earlier_runs(here.parent, run, name) if p.resolve() != here.resolve()]
    if not earlier:
        return None, None
    return earlier[-1].name, pd.read_parquet(earlier[-1] / name)


def migration(previous, current, column: str, order) -> pd.DataFrame:
    """Customers in both runs, cross-tabulated: rows = ``column`` in the previous run, columns
    = in this one, every category of ``order`` present (zeros included), counts."""
    both = previous[["customer_id", column]].merge(
        current[["customer_id", column]], on="customer_id", suffixes=("_before", "_now")
    )
    cat = pd.CategoricalDtype(list(order))
    return pd.crosstab(
        both[f"{column}_before"].astype(str).astype(cat),
        both[f"{column}_now"].astype(str).astype(cat),
        dropna=False,
    )


def planted(data_dir, privacy, column: str):
    """On generated data, the planted ``column`` of ``_truth/customers.parquet`` indexed by the
    run's pseudonyms (so a stage can compare its results with the truth); None for real data."""
    from kequn.data.database import is_url
    from kequn.data.paths import resolve
    from kequn.data.privacy import load_salt, pseudonymize
    from kequn.data.settings import PrivacySettings

    if is_url(data_dir):  # a database holds no planted truth
        return None
    p = resolve(data_dir) / "_truth" / "customers.parquet"
    if not p.exists():
        return None
    truth = pd.read_parquet(p, columns=["customer_id", column])
    privacy = PrivacySettings.of(privacy)  # the run's section or a config file's mapping
    salt = load_salt(privacy.salt, resolve(privacy.salt_file or "data/.salt"))
    return pd.Series(
        truth[column].to_numpy(),
        index=pseudonymize(truth["customer_id"], salt).to_numpy(),
        name=column,
    )
