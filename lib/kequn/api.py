"""Kequn's public API, in the shape scikit-learn and lifetimes users expect.

Everything here is exported from ``kequn`` (``import kequn; kequn.BetaGeo()``). The estimators
live in ``kequn.models`` (``segmenter``, ``btyd``, ``sentiment_model``), where the stages use them
too, over the computing modules (``segment_prep``, ``clustering``, ``clv``, ``kano``,
``sentiment``), so an analyst's own notebook gets the same numbers as the report.

- ``open_run(path)``: a finished run's tables by name.
- ``Preparer``: customer features → the clustering matrix (fit / transform).
- ``Segmenter``: segments with the number chosen inside (fit / predict / fit_predict).
- ``BetaGeo``, ``ModifiedBetaGeo``, ``ParetoNBD``, ``NBD``, ``GammaGamma``: buy-till-you-die
  purchase and spend models; ``clv`` takes a YEARLY discount rate and a horizon in months.
- ``Sentiment``: P(positive) of feedback texts (fit / predict_proba / predict; ``shipped()``).

The Kano evaluation is ``kequn.kano.evaluate``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from kequn.data.paths import RunFolder
from kequn.models.btyd import NBD, BetaGeo, GammaGamma, ModifiedBetaGeo, ParetoNBD
from kequn.models.clv import (
    monthly_rate,  # noqa: F401  (public: the yearly-to-monthly discount rate)
)
from kequn.models.segmenter import Preparer, Segmenter
from kequn.models.sentiment_model import Sentiment

__all__ = [
    "Run",
    "open_run",
    "Preparer",
    "Segmenter",
    "BetaGeo",
    "ModifiedBetaGeo",
    "ParetoNBD",
    "NBD",
    "GammaGamma",
    "Sentiment",
    "monthly_rate",
]


# ---------------------------------------------------------------------------------- runs


_HERE = RunFolder(Path())  # a run folder's files relative to it


class Run:
    """A run's folder under ``data/processed/<run>``: its tables by name.

    Use ``open_run``. ``run["features"]`` (or ``run.table("features")``) reads a table;
    ``run.names()`` lists those the run has; ``run.quality`` is intake's ``quality.json``.
    """

    # name -> file inside the run folder (as RunFolder names it); the clean tables come first
    FILES = {
        **{n: _HERE.table(n).as_posix() for n in ("customers", "orders", "events", "kano")},
        "clean_feedback": _HERE.table("feedback").as_posix(),
        "features": _HERE.features.as_posix(),
        "segments": _HERE.segments.as_posix(),
        "value": _HERE.value.as_posix(),
        "needs": _HERE.needs.as_posix(),
        "feedback": _HERE.feedback_scored.as_posix(),
    }

    def __init__(self, path: str | Path):
        self.path = Path(path).expanduser().absolute()
        if not RunFolder(self.path).quality.exists():
            raise FileNotFoundError(
                f"{path}: no Kequn run here (no quality.json); a run's folder is "
                "data/processed/<run>, written by `make report` or stage 01"
            )

    def __repr__(self) -> str:
        return f"Run({str(self.path)!r}: {', '.join(self.names())})"

    def names(self) -> list[str]:
        """The tables this run has, in pipeline order."""
        return [n for n, f in self.FILES.items() if (self.path / f).exists()]

    @property
    def quality(self) -> dict:
        """Intake's figures (``quality.json``): rows kept, cleaning rules, as-of date …"""
        return json.loads(RunFolder(self.path).quality.read_text(encoding="utf-8"))

    @property
    def feature_labels(self) -> dict:
        """Display labels of the feature table's value-named columns (``cat_食品`` → ``食品``)."""
        from kequn.data.features import feature_labels

        return feature_labels(self.path)

    def table(self, name: str) -> pd.DataFrame:
        """The table ``name`` (one of ``Run.FILES``); the display labels of the features'
        value-named columns are ``feature_labels``."""
        if name not in self.FILES:
            raise KeyError(f"{name!r}: not a run table; one of {', '.join(self.FILES)}")
        if name == "features":
            from kequn.data.features import load_features

            return load_features(self.path)
        f = self.path / self.FILES[name]
        if not f.exists():
            raise FileNotFoundError(
                f"{f}: this run has no {name} table yet (its stage has not run); "
                f"it has {', '.join(self.names())}"
            )
        return pd.read_parquet(f)

    __getitem__ = table

    def btyd(self, unit_days: float = 7.0) -> pd.DataFrame:
        """Per buyer, the inputs of the lifetime models from the clean orders: ``x`` (repeat
        purchase days), ``t_x`` (first to last purchase), ``T`` (first purchase to the as-of
        date), both in units of ``unit_days`` (weeks by default), ``m`` (mean spend of the
        repeat purchase days)."""
        from kequn.data.features import btyd_summary

        return btyd_summary(RunFolder(self.path).clean, self.quality["as_of"], unit_days=unit_days)


def open_run(path: str | Path, data: str | Path | None = None) -> Run:
    """Open a run's folder and read its tables by name.

    Parameters
    ----------
    path : str or pathlib.Path
        The run's folder, ``data/processed/<run>``: relative to the current directory, or
        absolute.
    data : str or pathlib.Path, optional
        An export folder or a database URL (as for ``make report DATA=…``): when given, intake
        and the feature table are built into ``path`` first unless they are there and up to
        date (default settings of ``config/default.yaml``).

    Returns
    -------
    Run
        ``run["features"]``, ``run["segments"]``, ``run["value"]``, ``run["needs"]``,
        ``run["feedback"]`` (scored feedback) and the clean tables ``customers``, ``orders``,
        ``events``, ``kano``, ``clean_feedback``; ``run.names()`` lists what the run has.

    Examples
    --------
    A run of stage 01 (intake and features) on a small generated demo:

    >>> import tempfile, kequn
    >>> from pathlib import Path
    >>> from kequn.demo.synth import generate, write
    >>> from kequn.data.run_folder import run_features
    >>> tmp = Path(tempfile.mkdtemp())
    >>> _ = write(generate(500, seed=1), tmp / "demo")
    >>> privacy = {"salt": "doctest", "reid_dir": tempfile.mkdtemp()}  # apart from the data
    >>> _ = run_features(tmp / "demo", tmp / "run", privacy=privacy)
    >>> run = kequn.open_run(tmp / "run")  # or kequn.open_run(tmp / "run", data=tmp / "demo")
    >>> run.names()
    ['customers', 'orders', 'events', 'kano', 'clean_feedback', 'features']
    >>> len(run["features"]), "monetary" in run["features"]
    (500, True)
    """
    if data is not None:
        from kequn.data.database import is_url
        from kequn.data.run_folder import run_features

        # absolute: the stage helpers resolve relative paths against the project root
        source = data if is_url(data) else Path(data).expanduser().absolute()  # or a database
        run_features(source, Path(path).expanduser().absolute())
    return Run(path)
