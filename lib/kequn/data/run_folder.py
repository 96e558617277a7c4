"""A run's folder (``data/processed/<run>``): where each artifact lives, and getting the run ready
for a stage: intake (reused when its inputs did not change), the feature table, the segments.

Every stage, the public API and the command line name artifacts through ``RunFolder`` and reach
the clean tables through the functions here, so no stage needs another stage's module.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from kequn.data.features import feature_table
from kequn.data.intake import input_fingerprint, run_intake
from kequn.data.io import write_table_atomic, write_text_atomic
from kequn.data.paths import RunFolder, resolve
from kequn.data.reid import reid_file_of
from kequn.data.settings import IntakeSettings, PrivacySettings, ProfilingSettings


def intake_from_params(
    data_dir,
    processed_dir,
    column_map=None,
    as_of=None,
    intake=None,
    privacy=None,
    currency=None,
    **_,
) -> dict:
    """Run intake for a stage's parameters (``intake``, ``privacy``: the run's settings
    sections or a config file's mappings); returns quality.json's content."""
    intake, privacy = IntakeSettings.of(intake), PrivacySettings.of(privacy)
    res = run_intake(
        resolve(data_dir),
        resolve(processed_dir),
        column_map=resolve(column_map),
        as_of=as_of,
        invalid_rows=intake.invalid_rows,
        salt=privacy.salt,
        date_format=intake.date_format,
        currency=currency,
        reid_file=reid_file_of(processed_dir, privacy),
        salt_file=resolve(privacy.salt_file or "data/.salt"),
    )
    return res.quality


def load_or_run_intake(
    data_dir, processed_dir, column_map=None, as_of=None, intake=None, **params
) -> dict:
    """quality.json of this run; intake runs first when it has not run yet or its inputs or
    settings changed since (an analyst re-running the notebook in JupyterLab)."""
    out = resolve(processed_dir)
    stamp = RunFolder(out).intake_stamp
    intake = IntakeSettings.of(intake)
    now = input_fingerprint(
        resolve(data_dir),
        resolve(column_map),
        as_of,
        intake.invalid_rows,
        intake.date_format,
        params.get("currency"),
    )
    if stamp.exists() and stamp.read_text().strip() == now and RunFolder(out).quality.exists():
        return json.loads(RunFolder(out).quality.read_text(encoding="utf-8"))
    return intake_from_params(
        data_dir, processed_dir, column_map=column_map, as_of=as_of, intake=intake, **params
    )


def features_for_run(processed_dir, quality: dict, top_n: int = 10) -> pd.DataFrame:
    """Build the feature table from the run's clean tables and write features.parquet."""
    out = resolve(processed_dir)
    table = feature_table(RunFolder(out).clean, quality["as_of"], top_n=top_n)
    write_table_atomic(table.frame, RunFolder(out).features)
    write_text_atomic(
        json.dumps(table.labels, ensure_ascii=False, indent=1), RunFolder(out).feature_labels
    )
    return table.frame


def save_figures(processed_dir, name: str, figures: dict) -> Path:
    """A stage's figures as JSON, under the name ``RunFolder.figures`` gives them."""
    return write_text_atomic(
        json.dumps(figures, ensure_ascii=False, indent=1, default=str),
        RunFolder.of(processed_dir).figures(name),
    )


def run_features(
    data_dir,
    processed_dir,
    column_map=None,
    as_of=None,
    intake=None,
    privacy=None,
    profiling=None,
    currency=None,
    **_,
) -> tuple[pd.DataFrame, dict]:
    """The run's feature table and quality figures; built first (intake, features) when an
    analyst opens this notebook before stage 01 has run for ``processed_dir``."""

    quality = load_or_run_intake(
        data_dir,
        processed_dir,
        column_map=column_map,
        as_of=as_of,
        intake=intake,
        privacy=privacy,
        currency=currency,
    )
    return features_of(processed_dir, quality, profiling), quality


def features_of(processed_dir, quality: dict, profiling=None) -> pd.DataFrame:
    """The run's feature table (features.parquet), built first unless it is newer than the
    run's intake."""
    from kequn.data.features import load_features

    ensure_features(processed_dir, quality, profiling)
    return load_features(resolve(processed_dir))


def ensure_features(processed_dir, quality: dict, profiling=None) -> None:
    """Build features.parquet unless it is newer than the run's intake (the runner calls this
    before stages that run side by side, which both read it)."""
    out = resolve(processed_dir)
    stamp = RunFolder(out).intake_stamp
    feats = RunFolder(out).features
    if not feats.exists() or feats.stat().st_mtime < stamp.stat().st_mtime:
        features_for_run(processed_dir, quality, top_n=ProfilingSettings.of(profiling).top_n)


def load_segments(processed_dir) -> pd.DataFrame | None:
    p = RunFolder.of(processed_dir).segments
    return pd.read_parquet(p) if p.exists() else None
