"""A run's settings as typed, read-only values: one dataclass per config section.

The defaults and the one-line meaning of every setting live in ``kequn/run/defaults.yaml`` (the
one source; ``kequn.run.params`` reads it and checks a run's values against it). Here the
checked values become attributes (``settings.clustering.k``, ``settings.value.lifecycle.risk_days``)
that an editor completes and a reader can follow, instead of ``cfg["clustering"]["k"]``.
``tests/test_params.py`` keeps the fields equal to the defaults file's keys.

The classes are frozen: a stage reads its settings, it never changes them. ``replace`` (from
``dataclasses``) gives a changed copy when an analyst wants one.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import functools
import typing
from dataclasses import dataclass
from pathlib import Path

import yaml


class _Section:
    """Shared by the sections: built from the nested mapping the checks read."""

    @classmethod
    def from_mapping(cls, d: dict):
        hints = typing.get_type_hints(cls)
        kw = {}
        for f in dataclasses.fields(cls):
            sub = hints[f.name]
            is_section = isinstance(sub, type) and issubclass(sub, _Section)
            kw[f.name] = sub.from_mapping(d[f.name]) if is_section else d[f.name]
        return cls(**kw)

    @classmethod
    def of(cls, value=None):
        """``value`` as this section: an instance as it is; a config file's mapping (or None)
        over the package's defaults. Library functions that take a section call this, so an
        analyst may pass ``{"invalid_rows": "drop"}`` as well as a run's settings."""
        if isinstance(value, cls):
            return value
        if value is not None and not isinstance(value, dict):
            raise TypeError(f"{cls.__name__}: a mapping or {cls.__name__}, not {type(value)}")
        base = defaults()
        for name in _PATHS[cls.__name__]:
            base = base[name]
        return cls.from_mapping(_merged(base, value or {}))

    def as_dict(self) -> dict:
        """The settings as the nested mapping of a config file's section."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class IntakeSettings(_Section):
    invalid_rows: str
    date_format: str | None


@dataclass(frozen=True)
class PrivacySettings(_Section):
    salt: str | None
    salt_file: str
    reid_dir: str


@dataclass(frozen=True)
class ProfilingSettings(_Section):
    age_edges: list
    income_edges: list
    top_n: int


@dataclass(frozen=True)
class ClusteringSettings(_Section):
    method: str
    feature_sets: list
    weights: dict
    k: int | None
    k_range: list
    criterion: str
    k_tolerance: float
    min_share: float
    sample_size: int
    min_cluster_size: int | None
    bootstrap: int
    rules: dict
    attractiveness: dict


@dataclass(frozen=True)
class LifecycleSettings(_Section):
    new_days: int
    sleeping_after: float
    churned_after: float
    min_rhythm_days: int
    churn_p_alive: float
    risk_days: int


@dataclass(frozen=True)
class ValueSettings(_Section):
    rfm_bins: int
    rfm_edges: dict
    rfm_cut: str
    tier_shares: list
    horizon_months: int
    annual_discount_rate: float
    margin: float | None
    holdout_weeks: int
    lifecycle: LifecycleSettings


@dataclass(frozen=True)
class NeedsSettings(_Section):
    kano_table: str
    kano_rule: str
    kano_margin: float
    kano_min_n: int
    min_score: float
    min_gap: float
    service_channels: list
    horizon_days: int
    top_categories: int
    target_share: float
    trend_measure: str
    trend_window: int
    trend_alpha: float
    forecast_months: int
    backtest_origins: int


@dataclass(frozen=True)
class FeedbackSettings(_Section):
    response_sla_hours: int
    resolution_sla_hours: int
    max_half_width: float
    min_answers: int
    topics: int
    alert_days: int


@dataclass(frozen=True)
class Settings(_Section):
    """Every setting of a run: where it is (``data_dir``, ``processed_dir``, ``run``), the
    run-wide ones, and one section per stage."""

    data_dir: str
    processed_dir: str
    run: str
    lang: str
    seed: int
    as_of: str | datetime.date | None
    column_map: str | Path | None
    currency: str
    currency_symbol: str | None
    engine: str
    spark_master: str
    intake: IntakeSettings
    privacy: PrivacySettings
    profiling: ProfilingSettings
    clustering: ClusteringSettings
    value: ValueSettings
    needs: NeedsSettings
    feedback: FeedbackSettings


# where each section sits in the defaults file
_PATHS = {
    "IntakeSettings": ("intake",),
    "PrivacySettings": ("privacy",),
    "ProfilingSettings": ("profiling",),
    "ClusteringSettings": ("clustering",),
    "ValueSettings": ("value",),
    "LifecycleSettings": ("value", "lifecycle"),
    "NeedsSettings": ("needs",),
    "FeedbackSettings": ("feedback",),
    "Settings": (),
}
# where a run is, when nothing says (the notebooks' own parameters)
RUN_DEFAULTS = {"data_dir": "data/demo", "processed_dir": "data/processed/lab", "run": "lab"}


def _merged(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merged(base[k], v) if isinstance(v, dict) and isinstance(base.get(k), dict) else v
    return out


@functools.cache
def _defaults_file() -> dict:
    from importlib import resources

    text = resources.files("kequn.run").joinpath("defaults.yaml").read_text("utf-8")
    return {**RUN_DEFAULTS, **yaml.safe_load(text)}


def defaults() -> dict:
    """The package's defaults (``kequn/run/defaults.yaml``, the one source ``kequn.run.params``
    reads too), as a nested mapping; read as a file, so the data layer imports no run code."""
    return copy.deepcopy(_defaults_file())
