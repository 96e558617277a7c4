"""Segments in the scikit-learn shape: ``Preparer`` (features → matrix, fit/transform) and
``Segmenter`` (k chosen inside, fit/predict).

The estimators over ``kequn.models.segment_prep`` and ``kequn.models.clustering`` that the
clustering stage and an analyst's own notebook both use (exported from ``kequn``), so the two get
the same segments from the same settings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


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
    dropped_ : pandas.DataFrame
        Columns left out (column, set, reason: constant or all missing).
    skipped_sets_ : list of str
        Sets asked for that the table lacks.
    prepared_ : kequn.models.segment_prep.Prepared
        The whole preparation (matrix, steps, the columns in their own units for profiles).

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
        self.dropped_ = p.dropped
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
    min_cluster_size : int, optional
        HDBSCAN only: the smallest cluster; None: ``min_share`` of the sample (at least 25).
    seed : int
        Seed of every random step.
    scan : bool
        Scan ``k_range`` even when k is given or the method finds its own (HDBSCAN): the
        report shows the criteria whatever k is.

    Attributes
    ----------
    labels_ : numpy.ndarray
        Segment of each fitted row (1 … k_, by size; 0 = unassigned).
    k_ : int
        Number of segments found (after small ones were merged).
    scan_ : pandas.DataFrame or None
        The k scan (one row per k, every criterion), when k was "auto" or ``scan``.
    reason_ : str
        Catalogue key of why this k (``kequn.lang.i18n``).
    k_asked_ : int or None
        The k the model was fitted with (given, or the criterion's); None for HDBSCAN.
    k_scan_ : int or None
        The criterion's k on the scan (None without a scan).
    k_compare_ : int or None
        The k other methods are compared at: ``k_asked_``, or for HDBSCAN ``k_scan_``.
    sample_ : numpy.ndarray
        Row positions the model was fitted on (all rows, in key order, up to ``sample_size``).
    min_cluster_size_ : int or None
        HDBSCAN's smallest cluster as used; None for the other methods.
    segmentation_ : kequn.models.clustering.Segmentation
        The fit in full (strength, outlier scores, merged segments, model, seconds).

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
                 min_cluster_size: int | None = None, seed: int = 7,
                 scan: bool = False):  # fmt: skip
        self.method = method
        self.k = k
        self.k_range = k_range
        self.criterion = criterion
        self.k_tolerance = k_tolerance
        self.min_share = min_share
        self.sample_size = sample_size
        self.min_cluster_size = min_cluster_size
        self.seed = seed
        self.scan = scan

    @classmethod
    def from_settings(cls, c, seed: int, scan: bool = True) -> "Segmenter":
        """The segmenter a run's clustering settings (``kequn.data.settings.ClusteringSettings``)
        describe, scanning k for the report's chart by default."""
        return cls(
            method=c.method,
            k=c.k or "auto",
            k_range=tuple(c.k_range),
            criterion=c.criterion,
            k_tolerance=c.k_tolerance,
            min_share=c.min_share,
            sample_size=c.sample_size,
            min_cluster_size=c.min_cluster_size,
            seed=seed,
            scan=scan,
        )

    def fit(self, X, y=None, spend=None) -> "Segmenter":
        """Choose k (when "auto"), fit on a sample of ``X``, assign every row; returns self.

        ``spend`` (net spend per row, optional): when ``X`` has more rows than
        ``sample_size``, the sample is taken in proportion within spend quintiles × bought or
        never (``clustering.stratified_sample``), so small value strata are not lost by chance;
        without it, the first rows by ``clustering.row_keys``. Up to ``sample_size`` rows both
        are all rows in key order."""
        from kequn.models import clustering as cl

        X = np.asarray(X, dtype="float32")
        if self.method not in cl.METHODS:
            raise ValueError(f"method {self.method!r}: one of {', '.join(cl.METHODS)}")
        sample = self._sample(X, spend)
        self.scan_, self.k_scan_ = None, None
        auto = self.k in (None, "auto")
        if self.scan or (auto and self.method != "hdbscan"):
            lo, hi = self.k_range
            self.scan_ = cl.scan_k(X[sample], range(int(lo), int(hi) + 1), self.seed)
            self.k_scan_, scan_reason = cl.choose_k(self.scan_, self.criterion, self.k_tolerance)
        if self.method == "hdbscan":
            k, self.reason_ = None, "k.reason.hdbscan"
        elif auto:
            k, self.reason_ = self.k_scan_, scan_reason
        else:
            k, self.reason_ = int(self.k), "k.reason.given"
        self.k_asked_, self.k_compare_ = k, k if k is not None else self.k_scan_
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
        self.sample_ = sample
        self.min_cluster_size_ = getattr(seg.model, "min_cluster_size", None)
        self.labels_ = seg.labels
        self.strength_ = seg.strength
        self.k_ = seg.k
        keep = [s for s in np.unique(seg.labels) if s != cl.UNASSIGNED]
        self.segments_ = np.asarray(keep)
        self.centroids_ = np.vstack([X[seg.labels == s].mean(axis=0) for s in keep])
        return self

    def _sample(self, X: np.ndarray, spend) -> np.ndarray:
        from kequn.models import clustering as cl

        if spend is not None:
            by_spend = pd.DataFrame({"monetary": np.asarray(spend)})
            return cl.stratified_sample(by_spend, int(self.sample_size), self.seed, X)
        order = np.argsort(cl.row_keys(X, self.seed), kind="stable")
        return order[: int(self.sample_size)] if len(X) > self.sample_size else order

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
