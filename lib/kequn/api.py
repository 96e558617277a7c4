"""Kequn's public API, in the shape scikit-learn and lifetimes users expect.

Everything here is exported from ``kequn`` (``import kequn; kequn.BetaGeo()``) and wraps the
computing modules the stage notebooks use (``segment_prep``, ``clustering``, ``clv``,
``kano``, ``sentiment``), so an analyst's own notebook gets the same numbers as the report.

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

import numpy as np
import pandas as pd

from kequn.data.paths import RunFolder
from kequn.models.clv import (
    monthly_rate,  # noqa: F401  (public: the yearly-to-monthly discount rate)
)

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


class Run:
    """A run's folder under ``data/processed/<run>``: its tables by name.

    Use ``open_run``. ``run["features"]`` (or ``run.table("features")``) reads a table;
    ``run.names()`` lists those the run has; ``run.quality`` is intake's ``quality.json``.
    """

    # name -> file inside the run folder; the clean tables come first
    FILES = {
        "customers": "clean/customers.parquet",
        "orders": "clean/orders.parquet",
        "events": "clean/events.parquet",
        "kano": "clean/kano.parquet",
        "clean_feedback": "clean/feedback.parquet",
        "features": "features.parquet",
        "segments": "segments.parquet",
        "value": "value.parquet",
        "needs": "needs.parquet",
        "feedback": "feedback_scored.parquet",
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

    def table(self, name: str) -> pd.DataFrame:
        """The table ``name`` (one of ``Run.FILES``); ``features`` carries its display labels
        in ``attrs['labels']``."""
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


# ------------------------------------------------------------------------------ segments


class Preparer:
    """Customer features → the standardised, weighted matrix the segmenters see.

    Wraps ``kequn.models.segment_prep``: named feature sets, shares shrunk toward the base's mix,
    skewed columns log-scaled, extremes clipped, missing values set to the median, columns
    standardised and each set given its total weight. ``fit`` remembers all of it, so
    ``transform`` prepares new customers exactly as the ones fitted on.

    Parameters
    ----------
    sets : list of str, optional
        Feature sets by name (``segment_prep.SETS``: demographic, geographic, psychographic,
        behaviour, channel, category, online, service); default all. A set the table lacks
        is skipped (``skipped_sets_``).
    weights : dict, optional
        Total weight per set, e.g. ``{"behaviour": 2}``; unnamed sets keep
        ``segment_prep.DEFAULT_WEIGHTS``.
    clip : float
        Share clipped at each end of every column.
    prior_orders : float
        Orders' worth of the base mix in a customer's shares (empirical Bayes).

    Attributes
    ----------
    columns_ : list of str
        The matrix's columns.
    steps_ : pandas.DataFrame
        What was done to each column (set, source, transform, missing share, weight).
    medians_, clips_, scales_ : dict
        Per column: the median for missing values, the (low, high) clip limits, the
        (mean, sd) standardisation.
    weights_ : dict
        The weight of each set used.

    Examples
    --------
    Mall Customers (200 shoppers): age and income are demographic; the spending score is an
    attitude, so a ``psy_`` column:

    >>> import pandas as pd, kequn
    >>> mall = pd.read_csv("tests/data/mall/Mall_Customers.csv").rename(columns={
    ...     "CustomerID": "customer_id", "Age": "age", "Annual_Income": "income",
    ...     "Spending_Score": "psy_spending"})
    >>> prep = kequn.Preparer(sets=["demographic", "psychographic"]).fit(mall)
    >>> prep.columns_
    ['age', 'income', 'psy_spending']
    >>> X = prep.transform(mall)
    >>> X.shape
    (200, 3)
    >>> prep.transform(mall.head(2).drop(columns="income")).round(2)  # income missing: median
    array([[-1.42,  0.04, -0.61],
           [-1.28,  0.04,  1.69]], dtype=float32)
    """

    def __init__(self, sets=None, weights: dict | None = None, clip: float = 0.005,
                 prior_orders: float = 5.0):  # fmt: skip
        self.sets = sets
        self.weights = weights
        self.clip = clip
        self.prior_orders = prior_orders

    def fit(self, features: pd.DataFrame, y=None) -> "Preparer":
        """Learn the preparation from ``features`` (one row per customer); returns self."""
        self.fit_transform(features)
        return self

    def fit_transform(self, features: pd.DataFrame, y=None) -> np.ndarray:
        """``fit`` and the prepared matrix of ``features`` (float32, one row per customer)."""
        from kequn.models.segment_prep import DEFAULT_WEIGHTS, prepare

        if "customer_id" not in features:
            features = features.assign(customer_id=np.arange(len(features)))
        p = prepare(features, self.sets, self.weights, self.clip, self.prior_orders)
        self.prepared_ = p
        self.columns_ = list(p.columns)
        self.steps_ = p.steps
        self.skipped_sets_ = list(p.skipped_sets)
        cols = p.fitted["columns"]
        self.medians_ = {c: v["median"] for c, v in cols.items()}
        self.clips_ = {c: (v["lo"], v["hi"]) for c, v in cols.items()}
        self.scales_ = {c: (v["mean"], v["sd"]) for c, v in cols.items()}
        used = list(dict.fromkeys(p.steps["set"]))
        self.weights_ = {s: float({**DEFAULT_WEIGHTS, **(self.weights or {})}[s]) for s in used}
        return p.X

    def transform(self, features: pd.DataFrame) -> np.ndarray:
        """The matrix of (other) customers, prepared as the fitted ones were."""
        from kequn.models.segment_prep import transform

        self._check_fitted()
        return transform(self.prepared_.fitted, features)

    def _check_fitted(self) -> None:
        if not hasattr(self, "prepared_"):
            raise RuntimeError("Preparer is not fitted yet: call fit(features) first")


class Segmenter:
    """Customer segments, with the number of segments chosen inside.

    Wraps ``kequn.models.clustering``: with ``k="auto"`` the k scan over ``k_range`` runs on (a
    sample of) the rows and ``criterion`` picks k; the model is fitted on the sample, every
    row assigned, segments under ``min_share`` merged into their nearest, and segments
    numbered 1, 2, … by size (0 = unassigned, HDBSCAN's noise).

    Parameters
    ----------
    method : {"kmeans", "gmm", "hdbscan"}
        KMeans, a Gaussian mixture, or HDBSCAN (density; k is found by the method).
    k : int or "auto"
        Number of segments, or "auto" (the criterion's choice within ``k_range``).
    k_range : tuple of int
        Smallest and largest k scanned.
    criterion : str
        "prediction_strength" (default), "silhouette", "calinski_harabasz",
        "davies_bouldin" or "bic".
    k_tolerance : float
        Silhouette, CH, DB: the largest k within this share of the best score.
    min_share : float
        Segments smaller than this share of rows are merged.
    sample_size : int
        Fit on at most this many rows (chosen by a hash of each row), assign the rest.
    seed : int
        Seed of every random step.

    Attributes
    ----------
    labels_ : numpy.ndarray
        Segment of each fitted row (1 … k_, by size; 0 = unassigned).
    k_ : int
        Number of segments found.
    scan_ : pandas.DataFrame or None
        The k scan (one row per k, every criterion), when k was "auto".
    reason_ : str
        Catalogue key of why this k (``kequn.lang.i18n``).

    Examples
    --------
    >>> import pandas as pd, kequn
    >>> mall = pd.read_csv("tests/data/mall/Mall_Customers.csv").rename(columns={
    ...     "Annual_Income": "income", "Spending_Score": "psy_spending"})
    >>> X = kequn.Preparer(sets=["demographic", "psychographic"]).fit_transform(mall)
    >>> seg = kequn.Segmenter(k=5, seed=7).fit(X)
    >>> seg.k_, sorted(pd.Series(seg.labels_).value_counts().tolist())
    (5, [22, 23, 35, 39, 81])
    >>> bool((seg.predict(X) == seg.labels_).all())
    True

    Choosing k on the generated demo's customers (who they are, where, what they value):

    >>> from kequn.demo.synth import generate
    >>> customers = generate(500, seed=1).customers
    >>> X = kequn.Preparer(sets=["demographic", "geographic", "psychographic"]).fit_transform(
    ...     customers)
    >>> seg = kequn.Segmenter(k="auto", k_range=(3, 8)).fit(X)
    >>> seg.k_, seg.reason_
    (3, 'k.reason.ps_none')
    """

    def __init__(self, method: str = "kmeans", k="auto", k_range=(3, 10),
                 criterion: str = "prediction_strength", k_tolerance: float = 0.1,
                 min_share: float = 0.03, sample_size: int = 20000,
                 min_cluster_size: int | None = None, seed: int = 7):  # fmt: skip
        self.method = method
        self.k = k
        self.k_range = k_range
        self.criterion = criterion
        self.k_tolerance = k_tolerance
        self.min_share = min_share
        self.sample_size = sample_size
        self.min_cluster_size = min_cluster_size
        self.seed = seed

    def fit(self, X, y=None) -> "Segmenter":
        """Choose k (when "auto"), fit on a sample of ``X``, assign every row; returns self."""
        from kequn.models import clustering as cl

        X = np.asarray(X, dtype="float32")
        if self.method not in cl.METHODS:
            raise ValueError(f"method {self.method!r}: one of {', '.join(cl.METHODS)}")
        order = np.argsort(cl.row_keys(X, self.seed), kind="stable")
        sample = order[: int(self.sample_size)] if len(X) > self.sample_size else order
        self.scan_, k = None, None
        if self.method == "hdbscan":
            self.reason_ = "k.reason.hdbscan"
        elif self.k in (None, "auto"):
            lo, hi = self.k_range
            self.scan_ = cl.scan_k(X[sample], range(int(lo), int(hi) + 1), self.seed)
            k, self.reason_ = cl.choose_k(self.scan_, self.criterion, self.k_tolerance)
        else:
            k, self.reason_ = int(self.k), "k.reason.given"
        seg = cl.fit_segments(
            X,
            self.method,
            k,
            self.seed,
            sample=sample,
            min_share=self.min_share,
            min_cluster_size=self.min_cluster_size,
        )
        self.segmentation_ = seg
        self.labels_ = seg.labels
        self.strength_ = seg.strength
        self.k_ = seg.k
        keep = [s for s in np.unique(seg.labels) if s != cl.UNASSIGNED]
        self.segments_ = np.asarray(keep)
        self.centroids_ = np.vstack([X[seg.labels == s].mean(axis=0) for s in keep])
        return self

    def predict(self, X) -> np.ndarray:
        """Segment of each row of ``X`` (prepared as the fitted rows were, e.g. by the same
        ``Preparer``): the nearest segment's centre for KMeans; the mixture's most probable
        component, as its fitted members were labelled, for "gmm"."""
        from kequn.models import clustering as cl

        if not hasattr(self, "labels_"):
            raise RuntimeError("Segmenter is not fitted yet: call fit(X) first")
        X = np.asarray(X, dtype="float32")
        if self.method == "hdbscan":
            raise NotImplementedError("predict for hdbscan: refit on all rows instead")
        if self.method == "gmm":
            seg = self.segmentation_
            raw_fit = seg.model.predict(X[seg.sample])
            mapping = (
                pd.Series(seg.labels[seg.sample]).groupby(raw_fit).agg(lambda s: s.mode().iloc[0])
            )
            return mapping.reindex(seg.model.predict(X)).fillna(cl.UNASSIGNED).to_numpy("int64")
        d = ((X[:, None, :] - self.centroids_[None, :, :]) ** 2).sum(axis=2)
        return self.segments_[d.argmin(axis=1)]

    def fit_predict(self, X, y=None) -> np.ndarray:
        """``fit(X).labels_``."""
        return self.fit(X).labels_


# ------------------------------------------------------------------- lifetime value (BTYD)

_PERIODS_PER_MONTH = {"D": 365.25 / 12, "W": 365.25 / 12 / 7, "M": 1.0}


def _col(v, name: str) -> np.ndarray:
    if isinstance(v, pd.DataFrame):
        raise TypeError(
            f"{name}: pass one column (a Series or array), e.g. df['T'] — df.T is the transpose"
        )
    if v is None:
        raise TypeError(f"{name} is required")
    return np.asarray(v, dtype="float64")


def _rft(frequency, recency, T):
    """(frequency, recency, T) as arrays; a DataFrame as first argument gives all three from its
    columns frequency/recency/T (or x/t_x/T)."""
    if isinstance(frequency, pd.DataFrame):
        df = frequency
        f = "frequency" if "frequency" in df else "x"
        r = "recency" if "recency" in df else "t_x"
        return _col(df[f], f), _col(df[r], r), _col(df["T"], "T")
    return _col(frequency, "frequency"), _col(recency, "recency"), _col(T, "T")


class _BTYD:
    _key = ""
    _names: tuple = ()

    def __init__(self, params: dict | None = None):
        self.params = params
        if params is not None:
            self._set_params(params)

    def _set_params(self, params) -> None:
        p = dict(params)
        if set(p) != set(self._names):
            raise ValueError(
                f"{type(self).__name__} params: {', '.join(self._names)}; got {', '.join(p)}"
            )
        self.params_ = {n: float(p[n]) for n in self._names}

    def _values(self) -> list[float]:
        if not hasattr(self, "params_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted yet: call fit(...) first")
        return [self.params_[n] for n in self._names]

    def __repr__(self) -> str:
        if not hasattr(self, "params_"):
            return f"{type(self).__name__}()"
        shown = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"{type(self).__name__}({shown})"


class BetaGeo(_BTYD):
    """BG/NBD purchase model (Fader, Hardie & Lee 2005), as ``lifetimes.BetaGeoFitter``.

    Parameters
    ----------
    params : dict, optional
        Fitted parameters (``params_`` of an earlier fit: r, alpha, a, b) to use without
        fitting.

    Attributes
    ----------
    params_ : dict
        The fitted parameters by name; ``BetaGeo(params=model.params_)`` rebuilds the model.
    fit_ : kequn.models.clv.Fit
        Log-likelihood, convergence, covariance of the fit.

    Examples
    --------
    CDNOW (2,357 customers, time in weeks); the same parameters as lifetimes:

    >>> import pandas as pd, kequn
    >>> cd = pd.read_csv("tests/data/cdnow/cdnow_customers_summary.csv")
    >>> bgf = kequn.BetaGeo().fit(cd["frequency"], cd["recency"], cd["T"])
    >>> {k: round(v, 3) for k, v in bgf.params_.items()}
    {'r': 0.243, 'alpha': 4.414, 'a': 0.793, 'b': 2.426}
    >>> bgf.p_alive(cd["frequency"], cd["recency"], cd["T"])[:3].round(3)
    array([0.727, 0.212, 1.   ])
    >>> same = kequn.BetaGeo(params=bgf.params_)  # fitted parameters can be passed back
    >>> round(float(same.expected_purchases(52, 2, 30.43, 38.86)), 3)
    1.559
    """

    _key = "bgnbd"
    _names = ("r", "alpha", "a", "b")

    def fit(self, frequency, recency=None, T=None) -> "BetaGeo":
        """Fit on each customer's repeat purchases (``frequency``), time of the last purchase
        since the first (``recency``) and time observed since the first purchase (``T``), all
        in one time unit; a DataFrame with those columns may be passed alone. Returns self."""
        from kequn.models import clv

        x, t_x, TT = _rft(frequency, recency, T)
        fitter = {
            "bgnbd": clv.fit_bgnbd,
            "mbgnbd": clv.fit_mbgnbd,
            "pareto_nbd": clv.fit_pareto_nbd,
            "nbd": clv.fit_nbd,
        }[self._key]
        self.fit_ = fitter(x, t_x, TT)
        self.params_ = {n: float(self.fit_.params[n]) for n in self._names}
        return self

    def p_alive(self, frequency, recency=None, T=None) -> np.ndarray:
        """P(still a customer at T) per customer."""
        from kequn.models import clv

        x, t_x, TT = _rft(frequency, recency, T)
        return clv.p_alive(self._values(), x, t_x, TT, self._key)

    def expected_purchases(self, t, frequency, recency=None, T=None) -> np.ndarray:
        """Expected purchases in the next ``t`` time units, per customer (lifetimes'
        ``conditional_expected_number_of_purchases_up_to_time``)."""
        from kequn.models import clv

        x, t_x, TT = _rft(frequency, recency, T)
        return clv.expected_purchases(self._values(), t, x, t_x, TT, self._key)

    def clv(self, frequency, recency, T, monetary_value, spend: "GammaGamma",
            horizon_months: float = 12, annual_discount_rate: float = 0.10,
            margin: float = 1.0, freq: str = "W") -> np.ndarray:  # fmt: skip
        """Discounted customer lifetime value per customer.

        Parameters
        ----------
        frequency, recency, T : array-like
            As in ``fit``; ``T`` in the unit ``freq``.
        monetary_value : array-like
            Mean spend per repeat purchase.
        spend : GammaGamma
            The fitted spend model.
        horizon_months : float
            Months ahead.
        annual_discount_rate : float
            YEARLY discount rate (0.10 = 10% a year), applied monthly as
            (1 + rate)^(1/12) − 1 (``monthly_rate``).
        margin : float
            Share of spend that is profit (1 = CLV in revenue).
        freq : {"W", "D", "M"}
            Time unit of recency and T: weeks, days or months.

        Returns
        -------
        numpy.ndarray
            CLV per customer, in the unit of ``monetary_value``.
        """
        from kequn.models import clv

        if freq not in _PERIODS_PER_MONTH:
            raise ValueError(f"freq {freq!r}: one of {', '.join(_PERIODS_PER_MONTH)}")
        x, t_x, TT = _rft(frequency, recency, T)
        step = _PERIODS_PER_MONTH[freq]
        return clv.discounted_value(
            self._values(),
            spend._values(),
            x,
            t_x,
            TT,
            _col(monetary_value, "monetary_value"),
            horizon=horizon_months * step,
            step=step,
            discount_rate=monthly_rate(annual_discount_rate),
            margin=margin,
            model=self._key,
        )


class ModifiedBetaGeo(BetaGeo):
    """MBG/NBD (Batislam et al. 2007): BG/NBD where a customer may also drop out at the first
    purchase, so one-time buyers are not all alive. Same interface as ``BetaGeo``.

    Examples
    --------
    >>> import pandas as pd, kequn
    >>> cd = pd.read_csv("tests/data/cdnow/cdnow_customers_summary.csv")
    >>> m = kequn.ModifiedBetaGeo().fit(cd)  # a DataFrame with frequency, recency, T
    >>> sorted(m.params_)
    ['a', 'alpha', 'b', 'r']
    >>> bool(m.p_alive(0, 0, 38.86) < 1)
    True
    """

    _key = "mbgnbd"


class ParetoNBD(BetaGeo):
    """Pareto/NBD (Schmittlein, Morrison & Colombo 1987): dropout at any time, not only after
    purchases. Parameters r, alpha, s, beta. Same interface as ``BetaGeo``.

    Examples
    --------
    >>> import pandas as pd, kequn
    >>> cd = pd.read_csv("tests/data/cdnow/cdnow_customers_summary.csv")
    >>> p = kequn.ParetoNBD().fit(cd["frequency"], cd["recency"], cd["T"])
    >>> {k: round(v, 2) for k, v in p.params_.items()}
    {'r': 0.55, 'alpha': 10.58, 's': 0.61, 'beta': 11.67}
    """

    _key = "pareto_nbd"
    _names = ("r", "alpha", "s", "beta")


class NBD(BetaGeo):
    """NBD (Ehrenberg): purchases without dropout, every customer alive (parameters r, alpha);
    the limit of the other models for histories too short to show dropout.

    Examples
    --------
    >>> import pandas as pd, kequn
    >>> cd = pd.read_csv("tests/data/cdnow/cdnow_customers_summary.csv")
    >>> n = kequn.NBD().fit(cd["frequency"], cd["recency"], cd["T"])
    >>> n.p_alive(cd["frequency"], cd["recency"], cd["T"])[:2]
    array([1., 1.])
    """

    _key = "nbd"
    _names = ("r", "alpha")


class GammaGamma(_BTYD):
    """Gamma-Gamma spend model (Fader, Hardie & Lee 2005), as ``lifetimes.GammaGammaFitter``:
    each customer's mean spend per purchase, shrunk toward the population's.

    Parameters
    ----------
    params : dict, optional
        Fitted parameters (p, q, gamma) to use without fitting.

    Examples
    --------
    CDNOW repeat buyers' mean spend, then CLV over 12 months at 10% a year:

    >>> import pandas as pd, kequn
    >>> cd = pd.read_csv("tests/data/cdnow/cdnow_customers_summary_with_transactions.csv")
    >>> rep = cd[cd["x"] > 0]
    >>> ggf = kequn.GammaGamma().fit(rep["x"], rep["zbar"])
    >>> {k: round(v, 2) for k, v in ggf.params_.items()}
    {'p': 6.25, 'q': 3.74, 'gamma': 15.45}
    >>> ggf.expected_spend(rep["x"], rep["zbar"])[:2].round(2)
    array([24.66, 18.91])
    >>> bgf = kequn.BetaGeo().fit(cd["x"], cd["t_x"], cd["T"])
    >>> clv = bgf.clv(rep["x"], rep["t_x"], rep["T"], rep["zbar"], spend=ggf,
    ...               horizon_months=12, annual_discount_rate=0.10)
    >>> round(float(clv.mean()), 2)
    62.02
    >>> ggf.clv(bgf, rep["x"], rep["t_x"], rep["T"], rep["zbar"])[:1].round(2)
    array([36.74])
    """

    _names = ("p", "q", "gamma")

    def fit(self, frequency, monetary_value) -> "GammaGamma":
        """Fit on repeat purchases (``frequency`` > 0) and their mean spend; returns self."""
        from kequn.models import clv

        self.fit_ = clv.fit_gamma_gamma(
            _col(frequency, "frequency"), _col(monetary_value, "monetary_value")
        )
        self.params_ = {n: float(self.fit_.params[n]) for n in self._names}
        return self

    def expected_spend(self, frequency, monetary_value) -> np.ndarray:
        """Expected mean spend per purchase of each customer (lifetimes'
        ``conditional_expected_average_profit``)."""
        from kequn.models import clv

        return clv.expected_spend(
            self._values(), _col(frequency, "frequency"), _col(monetary_value, "monetary_value")
        )

    def clv(self, purchases: BetaGeo, frequency, recency, T, monetary_value,
            horizon_months: float = 12, annual_discount_rate: float = 0.10,
            margin: float = 1.0, freq: str = "W") -> np.ndarray:  # fmt: skip
        """Lifetime value with the purchase model ``purchases`` (lifetimes' argument order);
        see ``BetaGeo.clv``."""
        return purchases.clv(
            frequency, recency, T, monetary_value, spend=self, horizon_months=horizon_months,
            annual_discount_rate=annual_discount_rate, margin=margin, freq=freq,
        )  # fmt: skip


# ----------------------------------------------------------------------------- sentiment


class Sentiment:
    """P(positive) of feedback texts in Chinese and English (character and word n-grams,
    logistic regression; ``kequn.models.sentiment``), with a decision threshold calibrated on
    out-of-fold predictions.

    Parameters
    ----------
    folds : int
        Cross-validation folds for the threshold and the figures.
    seed : int
        Seed of the folds and the model.

    Attributes
    ----------
    threshold_ : float
        P(positive) from which a text is called positive.
    figures_ : dict or None
        Cross-validated accuracy, balanced accuracy, AUC (when fitted here).
    classes_ : numpy.ndarray
        [0, 1]: negative, positive.

    Examples
    --------
    >>> import pandas as pd, kequn
    >>> reviews = pd.read_csv("tests/data/sentiment/waimai_2k.csv").sample(600, random_state=1)
    >>> model = kequn.Sentiment(folds=3).fit(reviews["review"], reviews["label"])
    >>> model.predict(["太难吃了，送得又慢", "很好吃，送餐也快"])
    array([0, 1])
    >>> shipped = kequn.Sentiment.shipped()  # trained on public reviews, shipped with Kequn
    >>> shipped.predict(["质量很好，物流很快", "terrible, it broke in a day"])
    array([1, 0])
    """

    classes_ = np.array([0, 1])

    def __init__(self, folds: int = 5, seed: int = 7):
        self.folds = folds
        self.seed = seed

    @classmethod
    def shipped(cls) -> "Sentiment":
        """The model shipped with Kequn (Chinese delivery and shopping reviews, English product
        and film sentences); cached in the environment by ``make setup``."""
        from kequn.models.sentiment import default_model

        out = cls()
        out._use(default_model())
        return out

    def _use(self, m) -> None:
        self.model_ = m
        self.threshold_ = float(m.threshold)
        self.figures_ = m.figures

    def fit(self, texts, y) -> "Sentiment":
        """Fit on labelled texts (``y``: 1 positive, 0 negative); returns self."""
        from kequn.models.sentiment import fit

        self._use(fit(pd.Series(list(texts)), y, folds=self.folds, seed=self.seed))
        return self

    def predict_proba(self, texts) -> np.ndarray:
        """[P(negative), P(positive)] per text."""
        self._check()
        p = self.model_.score(pd.Series(list(texts)))
        return np.column_stack([1 - p, p])

    def predict(self, texts) -> np.ndarray:
        """1 (positive) or 0 per text, at the calibrated threshold."""
        return (self.predict_proba(texts)[:, 1] >= self.threshold_).astype("int64")

    def assess(self, texts) -> pd.DataFrame:
        """Score only what can be read: ``score``, ``basis`` (model / emoji) and ``reason``
        for texts left unscored (a language the model does not read, too little signal)."""
        self._check()
        return self.model_.assess(pd.Series(list(texts)))

    def _check(self) -> None:
        if not hasattr(self, "model_"):
            raise RuntimeError("Sentiment is not fitted: fit(texts, y) or Sentiment.shipped()")
