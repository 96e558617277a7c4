"""Data-driven segments: choose k, fit on a sample, assign everyone, merge tiny segments.

Three algorithms, all from well-kept libraries (scikit-learn, hdbscan):

- ``kmeans``: KMeans with ``n_init`` initialisations (one init is unstable); membership
  strength = 1 − d₁/d₂ (distance to the own centre over distance to the next one: 0 on a
  border, 1 at the centre).
- ``gmm``: Gaussian mixture (one covariance shared by all components, "tied", by default:
  measured on the demo data it recovers the planted personas far better than diagonal
  covariances, ARI 0.69 against 0.37); strength = posterior
  probability of the assigned component; k by BIC.
- ``hdbscan``: density clusters ("leaf" selection) on the first five principal components; customers in no dense
  region form the "unassigned" group (segment 0); strength = membership probability, plus
  GLOSH outlier scores.

Everything is fitted on a stratified sample (net-spend quintiles × bought or not), so the
cost does not grow with the base, and the rest is assigned with ``predict`` (KMeans, GMM) or
``hdbscan.approximate_predict``. Segments are numbered 1, 2, … by size, largest first, so
the same data and seed give the same numbers.

The tables here take the prepared matrix (``kequn.models.segment_prep.Prepared``) and return
DataFrames with documented columns.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_score,
)
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

from kequn.data.problems import InputError, Problem
from kequn.models.parallel import on_cores
from kequn.models.settings_rules import CRITERIA, METHODS  # checked before any stage: defined there

PS_THRESHOLD = (
    0.8  # Tibshirani & Walther (2005): k clusters are "real" when prediction strength ≥ 0.8
)
UNASSIGNED = 0
# hdbscan 0.8.40 passes an argument scikit-learn 1.7 renamed; the warning is not the reader's business.
warnings.filterwarnings("ignore", message=".*force_all_finite.*", category=FutureWarning)
HDBSCAN_DIMS = 5  # density estimates degrade in many dimensions; measured: 5 components found purer clusters than 10


@dataclass
class Segmentation:
    """Result of ``fit_segments``.

    ``labels`` (segment per customer, 1… by size, 0 = unassigned), ``strength`` (0–1),
    ``outlier`` (HDBSCAN GLOSH score, else NaN), ``sample`` (row positions the model was fitted
    on), ``merged`` (table of tiny segments merged away), ``method``, ``k``, ``model``,
    ``seconds`` (wall time of fit and assignment)."""

    labels: np.ndarray
    strength: np.ndarray
    outlier: np.ndarray
    sample: np.ndarray
    method: str
    k: int
    model: object = None
    pca: object = None
    merged: pd.DataFrame = field(default_factory=pd.DataFrame)
    seconds: float = float("nan")  # wall time of the fit and assignment


def row_keys(X: np.ndarray, seed: int) -> np.ndarray:
    """A pseudo-random key per row computed from the row's values and the seed.

    Customers are stored in pseudonym order, and pseudonyms change with the salt; ordering
    and sampling by these keys instead of by position makes every fit depend on the data and
    the seed only (the same export gives the same segments whatever the salt)."""
    # rounded: the same customer's values may differ in the last bit when the base's means are
    # summed in another order
    return pd.util.hash_pandas_object(
        pd.DataFrame(np.round(X, 4)), index=False, hash_key=f"kequn{seed:011d}"[:16]
    ).to_numpy()


def segment_label(segment, name) -> str:
    """How every table and chart names a segment: number and name."""
    return f"{segment} · {name}"


def first_ranks(v: np.ndarray) -> pd.Series:
    """``pd.Series(v).rank(method="first")`` (1…n, ties in order of appearance) by one stable
    sort (pandas' own where ``v`` has NaN, which it leaves unranked)."""
    v = np.asarray(v)
    if v.dtype.kind == "f" and np.isnan(v).any():
        return pd.Series(v).rank(method="first")
    r = np.empty(len(v), dtype="float64")
    r[np.argsort(v, kind="stable")] = np.arange(1, len(v) + 1)
    return pd.Series(r)


def stratified_sample(features: pd.DataFrame, n: int, seed: int, X: np.ndarray) -> np.ndarray:
    """Row positions of a sample of ``n`` customers (all when ``n`` ≥ the base), taken in
    proportion within strata of net-spend quintile × bought/never so small value strata are
    not lost by chance; chosen and ordered by ``row_keys`` (see there why)."""
    total = len(features)
    keys = row_keys(X, seed)
    if n >= total:
        return np.argsort(keys, kind="stable")
    m = (
        pd.to_numeric(features["monetary"], errors="coerce").fillna(0).to_numpy()
        if "monetary" in features
        else np.zeros(total)
    )
    strata = np.zeros(total, dtype="int64")
    bought = m > 0
    if bought.sum() >= 5:
        strata[bought] = pd.qcut(first_ranks(m[bought]), 5, labels=False).to_numpy() + 1
    pos = []
    for s in np.unique(strata):
        idx = np.flatnonzero(strata == s)
        take = int(round(n * len(idx) / total))
        pos.append(idx[np.argsort(keys[idx], kind="stable")[:take]])
    pos = np.concatenate(pos)
    return pos[np.argsort(keys[pos], kind="stable")]


def _check(X: np.ndarray, k: int | None, method: str) -> None:
    if method not in METHODS:
        raise InputError(
            [Problem.of("unknown_method", "config", value=method, allowed=", ".join(METHODS))]
        )
    if len(X) < 2:
        raise InputError([Problem.of("too_few_customers", "features.parquet", n=len(X), k=k or 2)])
    if k is not None and len(X) < max(k, 2) * 5:
        raise InputError([Problem.of("too_few_customers", "features.parquet", n=len(X), k=k)])


def _kmeans(k: int, seed: int, n_init: int = 10) -> KMeans:
    return KMeans(n_clusters=k, n_init=n_init, random_state=seed)


# KMeans' centres depend on how many OpenMP threads share its loops (each thread sums its rows
# in float32, then the partial sums are merged): on the 20k demo one thread against two moved
# ~50 of 20,000 customers to another segment at k = 7–9. So the segments' fit runs on this many
# threads on every machine, and a laptop with 8 cores draws the segments a 2-core server draws.
# Two, not one: two partial sums merge the same in either order (a + b = b + a), and two is
# what the segments were fitted with on the 2-core machines they were checked on. (A 1-core
# machine still fits on one: scikit-learn caps threads at the cores. Other CPUs' BLAS kernels
# may still differ in the last bits.)
FIT_THREADS = 2


def _gmm(k: int, seed: int, covariance: str = "tied", n_init: int = 3) -> GaussianMixture:
    return GaussianMixture(
        n_components=k,
        covariance_type=covariance,
        n_init=n_init,
        random_state=seed,
        reg_covar=1e-4,
        max_iter=300,
    )


def _silhouette(X: np.ndarray, labels: np.ndarray, seed: int, n: int = 4000) -> float:
    ok = labels != UNASSIGNED if labels.min() == UNASSIGNED else np.ones(len(labels), bool)
    if len(np.unique(labels[ok])) < 2:
        return float("nan")
    return float(
        silhouette_score(X[ok], labels[ok], sample_size=min(n, int(ok.sum())), random_state=seed)
    )


def prediction_strength(X: np.ndarray, k: int, seed: int, splits: int = 4) -> float:
    """Tibshirani & Walther (2005): split the rows in halves, cluster each; for every cluster
    of the test half, the share of its pairs of customers that the training half's centres
    also put together; the minimum over clusters, averaged over ``splits`` random splits.
    1 = the k groups are reproducible, below 0.8 some group is an artefact."""
    rng = np.random.default_rng(seed)
    out = []
    for s in range(splits):
        perm = rng.permutation(len(X))
        train, test = X[perm[: len(X) // 2]], X[perm[len(X) // 2 :]]
        pred = _kmeans(k, seed + s, 4).fit(train).predict(test)
        lab = _kmeans(k, seed + s, 4).fit_predict(test)
        vals = []
        for c in range(k):
            m = lab == c
            n = int(m.sum())
            if n >= 2:
                cnt = np.bincount(pred[m], minlength=k).astype("float64")
                vals.append(float((cnt * (cnt - 1)).sum() / (n * (n - 1))))
        out.append(min(vals) if vals else 0.0)
    return float(np.mean(out))


def scan_k(X: np.ndarray, ks, seed: int, gmm_covariance: str = "tied") -> pd.DataFrame:
    """Quality of k clusters for each k in ``ks`` on ``X`` (a sample): columns k,
    prediction_strength (higher better, ≥ 0.8 reproducible), silhouette (higher better, on
    ≤ 4,000 rows), calinski_harabasz (higher better), davies_bouldin (lower better) of
    KMeans, and bic (lower better) of a Gaussian mixture."""
    ks = [int(k) for k in ks if 2 <= int(k) < len(X)]
    if not ks:
        raise InputError([Problem.of("too_few_customers", "features.parquet", n=len(X), k=2)])
    # largest k first: the costliest fits (k = 10 costs 3x k = 3) start first and the cores
    # finish together, instead of one fitting the largest k alone at the end
    first = sorted(range(len(ks)), key=lambda i: -ks[i])
    rows = on_cores(_scan_one, [(X, ks[i], seed, gmm_covariance) for i in first])
    by_position = dict(zip(first, rows))
    return pd.DataFrame([by_position[i] for i in range(len(ks))])


def _scan_one(X: np.ndarray, k: int, seed: int, gmm_covariance: str) -> dict:
    lab = _kmeans(k, seed).fit_predict(X) + 1  # 1-based: 0 means unassigned in this module
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = _gmm(k, seed, gmm_covariance, n_init=1).fit(X)
    return {
        "k": k,
        "prediction_strength": prediction_strength(X, k, seed),
        "silhouette": _silhouette(X, lab, seed),
        "calinski_harabasz": float(calinski_harabasz_score(X, lab)),
        "davies_bouldin": float(davies_bouldin_score(X, lab)),
        "bic": float(g.bic(X)),
    }


def choose_k(scan: pd.DataFrame, criterion: str, tolerance: float = 0.1) -> tuple[int, str]:
    """The k the criterion prefers and the reason (a catalogue key).

    Prediction strength (the default): the largest k whose groups are reproducible on
    held-out halves (≥ 0.8); when no k reaches it, the k with the highest value.
    Silhouette, Calinski–Harabasz and Davies–Bouldin usually favour the fewest clusters
    (on the demo data they peak at k = 3 or 4 while seven personas are planted), so the rule
    is: the *largest* k whose score is within ``tolerance`` (10%) of the best. Segments are for
    acting on; among partitions that separate about equally well the finer one says more.
    BIC (a likelihood) is taken at its minimum; when that is the largest k tried the reason
    says so (widen k_range)."""
    if criterion not in CRITERIA:
        raise InputError(
            [
                Problem.of(
                    "unknown_criterion", "config", value=criterion, allowed=", ".join(CRITERIA)
                )
            ]
        )
    s = scan.set_index("k")[criterion].dropna()
    if s.empty:
        return int(scan["k"].min()), "k.reason.none"
    if criterion == "prediction_strength":
        ok = s[s >= PS_THRESHOLD]
        return (
            (int(ok.index.max()), "k.reason.ps")
            if len(ok)
            else (int(s.idxmax()), "k.reason.ps_none")
        )
    if criterion == "bic":
        k = int(s.idxmin())
        return k, "k.reason.bic_edge" if k == s.index.max() and len(s) > 1 else "k.reason.bic"
    if criterion == "davies_bouldin":
        ok = s[s <= s.min() * (1 + tolerance)]
    else:
        ok = s[s >= s.max() * (1 - tolerance) if s.max() > 0 else s >= s.max()]
    return int(ok.index.max()), "k.reason.tolerance"


def _by_size(labels: np.ndarray, noise: np.ndarray | None = None) -> np.ndarray:
    """Renumber clusters 1… by size (largest first, ties by old number); noise → 0."""
    out = np.zeros(len(labels), dtype="int32")
    valid = labels >= 0 if noise is None else ~noise
    vals, counts = np.unique(labels[valid], return_counts=True)
    order = vals[np.lexsort((vals, -counts))]
    remap = np.zeros(int(labels.max()) + 1 if len(labels) else 1, dtype="int32")
    remap[order] = np.arange(1, len(order) + 1)
    out[valid] = remap[labels[valid]]
    return out


def _centroids(X: np.ndarray, labels: np.ndarray) -> dict[int, np.ndarray]:
    return {int(s): X[labels == s].mean(axis=0) for s in np.unique(labels) if s != UNASSIGNED}


def merge_small(
    X: np.ndarray, labels: np.ndarray, min_share: float
) -> tuple[np.ndarray, pd.DataFrame]:
    """Merge segments below ``min_share`` of customers into the segment with the nearest
    centre (too small to act on: 可操作性), smallest first; returns the new labels (renumbered
    by size) and a table segment, customers, share, merged_into (old numbers)."""
    labels = labels.copy()
    n = len(labels)
    rows = []
    while True:
        segs, counts = np.unique(labels[labels != UNASSIGNED], return_counts=True)
        if len(segs) <= 1:
            break
        small = [(c, s) for s, c in zip(segs, counts) if c / n < min_share]
        if not small:
            break
        c, s = min(small)
        cents = _centroids(X, labels)
        target = min(
            (t for t in cents if t != s), key=lambda t: float(((cents[t] - cents[s]) ** 2).sum())
        )
        rows.append(
            {"segment": int(s), "customers": int(c), "share": c / n, "merged_into": int(target)}
        )
        labels[labels == s] = target
    noise = labels == UNASSIGNED
    return _by_size(np.where(noise, -1, labels), noise), pd.DataFrame(
        rows, columns=["segment", "customers", "share", "merged_into"]
    )


def _kmeans_strength(model: KMeans, X: np.ndarray) -> np.ndarray:
    d = model.transform(X)
    d.sort(axis=1)
    return 1 - d[:, 0] / np.maximum(d[:, 1], 1e-12) if d.shape[1] > 1 else np.ones(len(X))


def _predict_chunks(fn, X: np.ndarray, chunk: int = 200_000):
    """Apply ``fn`` to row chunks: assignment of a million customers stays in bounded memory."""
    parts = [fn(X[i : i + chunk]) for i in range(0, len(X), chunk)]
    return (
        tuple(np.concatenate(p) for p in zip(*parts))
        if isinstance(parts[0], tuple)
        else np.concatenate(parts)
    )


def fit_segments(
    X: np.ndarray,
    method: str,
    k: int | None,
    seed: int,
    sample: np.ndarray | None = None,
    min_share: float = 0.03,
    min_cluster_size: int | None = None,
    gmm_covariance: str = "tied",
    n_init: int = 10,
    threads: int = FIT_THREADS,
) -> Segmentation:
    """Fit ``method`` on ``X[sample]`` (all rows when ``sample`` is None), assign all rows,
    merge segments under ``min_share``, number them by size. KMeans fits on ``threads`` OpenMP
    threads whatever the machine has (``FIT_THREADS``); the many small fits run one per core
    (``on_cores``) pass 1."""
    _check(X, k if method != "hdbscan" else None, method)
    t0 = time.perf_counter()
    sample = np.argsort(row_keys(X, seed), kind="stable") if sample is None else sample
    Xs = X[sample]
    outlier = np.full(len(X), np.nan)
    pca = None
    if method == "kmeans":
        with threadpool_limits(limits=threads, user_api="openmp"):
            model = _kmeans(k, seed, n_init).fit(Xs)
        labels = _predict_chunks(model.predict, X)
        strength = _predict_chunks(lambda a: _kmeans_strength(model, a), X)
    elif method == "gmm":
        with warnings.catch_warnings():
            warnings.simplefilter(
                "ignore"
            )  # a non-converged init among several is not the user's problem
            model = _gmm(k, seed, gmm_covariance).fit(Xs)
        labels, strength = _predict_chunks(
            lambda a: (lambda p: (p.argmax(1), p.max(1)))(model.predict_proba(a)), X
        )
    else:
        import hdbscan
        from hdbscan.prediction import approximate_predict, approximate_predict_scores

        dims = min(HDBSCAN_DIMS, X.shape[1])
        pca = PCA(n_components=dims, random_state=seed).fit(Xs)
        Zs = pca.transform(Xs)
        mcs = int(min_cluster_size or max(25, round(len(Xs) * min_share)))
        model = hdbscan.HDBSCAN(
            min_cluster_size=mcs,
            min_samples=10,
            prediction_data=True,
            cluster_selection_method="leaf",
            core_dist_n_jobs=2,
        ).fit(Zs)
        if len(sample) == len(
            X
        ):  # fitted on everyone (in key order): put results back in row order
            labels, strength = np.empty(len(X), dtype="int64"), np.empty(len(X))
            labels[sample], strength[sample], outlier[sample] = (
                model.labels_,
                model.probabilities_,
                model.outlier_scores_,
            )
        else:

            def assign(a):
                z = pca.transform(a)
                lab, prob = approximate_predict(model, z)
                return lab, prob, approximate_predict_scores(model, z)

            # approximate_predict is a per-point Python loop (~6,000 customers/s): two workers halve it
            from joblib import Parallel, delayed

            parts = Parallel(n_jobs=2)(
                delayed(assign)(X[i : i + 100_000]) for i in range(0, len(X), 100_000)
            )
            labels, strength, outlier = (np.concatenate(p) for p in zip(*parts))
        labels = np.asarray(labels)
        strength = np.where(labels < 0, 0.0, strength)
        k = int(labels.max() + 1)
    if method == "hdbscan":
        noise = labels < 0
        labels = _by_size(labels, noise)
    else:
        labels = _by_size(labels)
    labels, merged = merge_small(X, labels, min_share)
    k = int(len(np.unique(labels[labels != UNASSIGNED])))
    return Segmentation(
        labels=labels,
        strength=np.asarray(strength, dtype="float32"),
        outlier=np.asarray(outlier, dtype="float32"),
        sample=sample,
        method=method,
        k=k,
        model=model,
        pca=pca,
        merged=merged,
        seconds=time.perf_counter() - t0,
    )


@dataclass(frozen=True)
class Separation:
    """Separation figures (可区分性) of a segmentation: ``silhouette`` (−1…1, above 0.25 some
    structure), ``calinski_harabasz`` (higher better), ``davies_bouldin`` (lower better); NaN
    when fewer than two segments have customers."""

    silhouette: float = float("nan")
    calinski_harabasz: float = float("nan")
    davies_bouldin: float = float("nan")

    def as_dict(self) -> dict:
        """criterion → value, in this order (``clustering.json``'s "separation")."""
        return asdict(self)


def separation(X: np.ndarray, labels: np.ndarray, seed: int) -> Separation:
    """The ``Separation`` of ``labels`` on the assigned customers (at most 50,000, chosen by
    ``row_keys``)."""
    ok = labels != UNASSIGNED
    if len(np.unique(labels[ok])) < 2:
        return Separation()
    idx = np.flatnonzero(ok)
    idx = idx[np.argsort(row_keys(X[idx], seed), kind="stable")][:50_000]  # order-free
    return Separation(
        silhouette=_silhouette(X[idx], labels[idx], seed),
        calinski_harabasz=float(calinski_harabasz_score(X[idx], labels[idx])),
        davies_bouldin=float(davies_bouldin_score(X[idx], labels[idx])),
    )


def agreement(a: np.ndarray, b: np.ndarray) -> float:
    """Adjusted Rand index of two labelings of the same customers (1 = identical partitions)."""
    return float(adjusted_rand_score(a, b))


def fit_on_all(
    X: np.ndarray, method: str, k: int | None, seed: int, min_share: float, min_cluster_size
) -> tuple[int, np.ndarray, float]:
    """(segments, labels, seconds) of ``method`` fitted on every row of ``X``."""
    seg = fit_segments(
        X,
        method,
        k,
        seed,
        sample=np.arange(len(X)),
        min_share=min_share,
        min_cluster_size=min_cluster_size,
        threads=1,  # one of the fits on_cores runs side by side
    )
    return seg.k, seg.labels, seg.seconds


def compare_methods(
    X: np.ndarray,
    primary: Segmentation,
    k: int,
    seed: int,
    min_share: float = 0.03,
    min_cluster_size: int | None = None,
) -> pd.DataFrame:
    """All three algorithms on the sample ``primary`` was fitted on, one row each in ``METHODS``
    order: method, segments, unassigned_share, silhouette, davies_bouldin, and ari_vs_chosen
    (adjusted Rand index with ``primary``'s segments on the sample), seconds.

    The other methods are fitted at ``k`` on every row of the sample, one per core; when
    ``primary`` was fitted on all of ``X``, its own row is ``primary`` (not fitted again)."""
    sample = primary.sample
    Xs, ref = X[sample], primary.labels[sample]
    reuse = len(sample) == len(X)  # the chosen method was fitted on exactly these customers
    todo = [m for m in METHODS if not (reuse and m == primary.method)]
    fitted = dict(
        zip(
            todo,
            on_cores(fit_on_all, [(Xs, m, k, seed, min_share, min_cluster_size) for m in todo]),
        )
    )
    rows = []
    for m in METHODS:
        n_seg, lab, seconds = fitted.get(m, (primary.k, ref, primary.seconds))
        sep = separation(Xs, lab, seed)
        rows.append(
            {
                "method": m,
                "segments": n_seg,
                "unassigned_share": float((lab == UNASSIGNED).mean()),
                "silhouette": sep.silhouette,
                "davies_bouldin": sep.davies_bouldin,
                "ari_vs_chosen": agreement(ref, lab),
                "seconds": seconds,
            }
        )
    return pd.DataFrame(rows)


def sample_agreement(
    X: np.ndarray,
    seg: Segmentation,
    k: int | None,
    seed: int,
    min_share: float = 0.03,
    min_cluster_size: int | None = None,
    max_full: int = 200_000,
) -> float | None:
    """Adjusted Rand index between ``seg`` (fitted on a sample, every row assigned) and the same
    method fitted on every row; None when the sample was every row already or a full fit is
    not affordable (more than ``max_full`` rows)."""
    if len(seg.sample) == len(X) or len(X) > max_full:
        return None
    full = fit_segments(
        X, seg.method, k, seed, min_share=min_share, min_cluster_size=min_cluster_size
    )
    return agreement(seg.labels, full.labels)


def segments_frame(customer_ids, seg: Segmentation, names: pd.DataFrame) -> pd.DataFrame:
    """The segments artifact: customer_id, segment (0 = unassigned), segment_name (categorical),
    strength (membership 0–1), outlier_score (HDBSCAN only, else missing), method."""
    nm = names.set_index("segment")["segment_name"]
    return pd.DataFrame(
        {
            "customer_id": np.asarray(customer_ids),
            "segment": seg.labels.astype("int32"),
            "segment_name": pd.Categorical(pd.Series(seg.labels).map(nm)),
            "strength": seg.strength,
            "outlier_score": seg.outlier,
            "method": seg.method,
        }
    )
