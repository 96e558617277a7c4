"""Stage 02's computations in ``kequn.models`` (issue 18): each with a known answer worked out
by hand or by another method, without a notebook or a run.

The estimators (``Segmenter``, ``Preparer``) give the stage's segments: the same labels as the
steps the stage took before (stratified sample, k scan, ``fit_segments``), k scanned for the
chart whatever k is, and the facts the page states (sample, k reason, HDBSCAN's cluster size).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from kequn.data.settings import ClusteringSettings
from kequn.models import clustering as cl
from kequn.models import segment_profile as sp
from kequn.models import segment_quality as sq
from kequn.models.segmenter import Preparer, Segmenter
from sklearn.metrics import adjusted_rand_score


def _blobs(n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three well-separated blobs of ``n`` rows each in 4 dimensions, and which blob each row is."""
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(c, 0.3, size=(n, 4)) for c in (0, 4, 8)]).astype("float32")
    return X, np.repeat([0, 1, 2], n)


def _settings(**kw) -> ClusteringSettings:
    d = dict(method="kmeans", feature_sets=[], weights={}, k=None, k_range=[2, 5],
             criterion="prediction_strength", k_tolerance=0.1, min_share=0.03, sample_size=20000,
             min_cluster_size=None, bootstrap=3, rules={}, attractiveness={})  # fmt: skip
    return ClusteringSettings.from_mapping({**d, **kw})


# ---- the estimators: the stage's segments, one code path


@pytest.mark.parametrize("method,k", [("kmeans", None), ("gmm", 3), ("hdbscan", None)])
def test_segmenter_gives_the_segments_of_the_stages_former_steps(method, k):
    """Stratified sample by spend (600 of 900 rows), k scanned and chosen by prediction strength,
    fitted at that k: the labels the stage computed step by step before it used the Segmenter."""
    X, truth = _blobs()
    spend = np.where(truth == 2, 0.0, np.arange(len(X), dtype="float64"))  # a third never bought
    c = _settings(method=method, k=k, sample_size=600)
    s = Segmenter.from_settings(c, 7).fit(X, spend=spend)
    sample = cl.stratified_sample(pd.DataFrame({"monetary": spend}), 600, 7, X)
    scan = cl.scan_k(X[sample], range(2, 6), 7)
    k_scan = cl.choose_k(scan, "prediction_strength", 0.1)[0]
    k_fit = k or k_scan
    seg = cl.fit_segments(X, method, k_fit, 7, sample=sample, min_share=0.03)
    assert np.array_equal(s.sample_, sample) and len(s.sample_) == 600
    pd.testing.assert_frame_equal(s.scan_, scan)  # scanned for the chart even when k is given
    assert np.array_equal(s.labels_, seg.labels) and s.k_ == seg.k == 3
    assert adjusted_rand_score(truth, s.labels_) == pytest.approx(1.0)
    assert s.k_scan_ == k_scan == 3 and s.k_compare_ == 3
    reason = {"kmeans": "k.reason.ps", "gmm": "k.reason.given", "hdbscan": "k.reason.hdbscan"}
    assert s.reason_ == reason[method]
    assert s.k_asked_ == (None if method == "hdbscan" else 3)
    # HDBSCAN's smallest cluster: max(25, 3% of the 600-row sample) = 25
    assert s.min_cluster_size_ == (25 if method == "hdbscan" else None)


def test_segmenter_scans_only_when_asked_or_k_is_auto():
    X, _ = _blobs(100)
    given = Segmenter(k=3).fit(X)
    assert given.scan_ is None and given.k_scan_ is None and given.k_compare_ == 3
    assert given.reason_ == "k.reason.given" and len(given.sample_) == len(X)
    assert Segmenter(k=3, scan=True, k_range=(2, 4)).fit(X).scan_["k"].tolist() == [2, 3, 4]
    assert Segmenter(method="hdbscan").fit(X).scan_ is None


def test_from_settings_reads_every_clustering_setting():
    c = _settings(method="gmm", k=4, k_range=[3, 8], criterion="bic", k_tolerance=0.2,
                  min_share=0.05, sample_size=5000, min_cluster_size=40)  # fmt: skip
    s = Segmenter.from_settings(c, 11)
    assert (s.method, s.k, s.k_range, s.criterion, s.k_tolerance) == ("gmm", 4, (3, 8), "bic", 0.2)
    assert (s.min_share, s.sample_size, s.min_cluster_size, s.seed, s.scan) == (
        0.05, 5000, 40, 11, True
    )  # fmt: skip
    assert Segmenter.from_settings(_settings(), 7).k == "auto"


def test_preparer_names_the_columns_it_left_out():
    f = pd.DataFrame(
        {"customer_id": list("abcdef"), "age": [20, 30, 40, 50, 60, 70], "income": [5.0] * 6}
    )
    prep = Preparer(sets=["demographic", "psychographic"]).fit(f)
    assert prep.columns_ == ["age"]
    assert prep.dropped_[["column", "reason"]].values.tolist() == [["income", "constant"]]
    assert prep.skipped_sets_ == ["psychographic"]


# ---- clustering: comparison, sample check, the segments artifact


def test_sample_agreement_against_a_fit_on_everyone():
    """Blobs: a fit on 300 of 900 rows assigns everyone as a fit on all rows does (ARI 1, as
    sklearn computes it between the truth and either); no figure when the sample was everyone
    or the base is larger than a full fit allows."""
    X, truth = _blobs()
    sample = np.argsort(cl.row_keys(X, 7), kind="stable")[:300]
    seg = cl.fit_segments(X, "kmeans", 3, 7, sample=sample)
    assert adjusted_rand_score(truth, seg.labels) == pytest.approx(1.0)
    assert cl.sample_agreement(X, seg, 3, 7) == pytest.approx(1.0)
    assert cl.sample_agreement(X, seg, 3, 7, max_full=899) is None
    assert cl.sample_agreement(X, cl.fit_segments(X, "kmeans", 3, 7), 3, 7) is None
    # a 2-segment fit on the sample against the 3 blobs of everyone: ARI as sklearn has it
    two = cl.fit_segments(X, "kmeans", 2, 7, sample=sample)
    full = cl.fit_segments(X, "kmeans", 2, 7)
    assert cl.sample_agreement(X, two, 2, 7) == pytest.approx(
        adjusted_rand_score(two.labels, full.labels)
    )


def test_separation_of_two_pairs_by_hand():
    """0, 1 | 10, 11 (and an unassigned 50, left out): silhouette of 0 is 1 − 1/10.5, of 1 is
    1 − 1/9.5 (the others mirror them); Calinski–Harabasz = (100 / 1) / (1 / 2) = 200 (between
    and within sums of squares); Davies–Bouldin = (0.5 + 0.5) / 10 = 0.1."""
    X = np.array([[0.0], [1.0], [10.0], [11.0], [50.0]])
    sep = cl.separation(X, np.array([1, 1, 2, 2, 0]), 7)
    assert sep.silhouette == pytest.approx((2 - 1 / 10.5 - 1 / 9.5) / 2)
    assert sep.calinski_harabasz == pytest.approx(200.0)
    assert sep.davies_bouldin == pytest.approx(0.1)
    assert list(sep.as_dict()) == ["silhouette", "calinski_harabasz", "davies_bouldin"]
    one = cl.separation(X, np.array([1, 1, 1, 1, 0]), 7)  # one segment: nothing to separate
    assert all(np.isnan(v) for v in one.as_dict().values())


def test_segments_frame_one_row_per_customer():
    seg = cl.Segmentation(
        labels=np.array([1, 2, 0, 1]),
        strength=np.array([0.9, 0.5, 0.0, 1.0], dtype="float32"),
        outlier=np.full(4, np.nan, dtype="float32"),
        sample=np.arange(4),
        method="hdbscan",
        k=2,
    )
    names = pd.DataFrame({"segment": [0, 1, 2], "segment_name": ["未归类", "甲", "乙"]})
    f = cl.segments_frame(pd.Series(["a", "b", "c", "d"]), seg, names)
    assert list(f.columns) == [
        "customer_id", "segment", "segment_name", "strength", "outlier_score", "method"
    ]  # fmt: skip
    assert f["segment_name"].astype(str).tolist() == ["甲", "乙", "未归类", "甲"]
    assert f["segment"].dtype == "int32" and (f["method"] == "hdbscan").all()
    assert f["customer_id"].tolist() == ["a", "b", "c", "d"]


# ---- segment_profile: sizes, distinguishing features, attractiveness


def test_segment_sizes_by_hand():
    """Spend 10, 30, −5 (counted 0), 60 → revenue shares 40/100 and 60/100."""
    labels = np.array([1, 1, 2, 2])
    names = pd.DataFrame({"segment": [1, 2], "segment_name": ["a", "b"]})
    f = pd.DataFrame({"monetary": [10.0, 30.0, -5.0, 60.0]})
    s = sp.segment_sizes(labels, names, f, np.array([0.5, 1.0, 0.2, 0.4]))
    assert s["customers"].tolist() == [2, 2] and s["share"].tolist() == [0.5, 0.5]
    assert s["revenue_share"].tolist() == [0.4, 0.6]
    assert s["strength"].tolist() == pytest.approx([0.75, 0.3])
    none = sp.segment_sizes(labels, names, f.drop(columns="monetary"), np.ones(4))
    assert none["revenue_share"].isna().all()


def test_most_distinct_keeps_the_noticeable_top_per_segment():
    dist = pd.DataFrame(
        {
            "segment": [1, 1, 1, 2, 2],
            "column": ["a", "b", "c", "a", "b"],
            "std_diff": [0.9, -0.5, 0.29, -0.31, 0.1],
        }
    )
    got = sp.most_distinct(dist, top=1)
    assert got[["segment", "column"]].values.tolist() == [[1, "a"], [2, "a"]]
    assert sp.most_distinct(dist)["column"].tolist() == ["a", "b", "a"]  # |d| ≥ 0.3


def test_attractiveness_figures_for_the_summary_stage():
    """clustering.json's "attractiveness": rows with None for a missing figure, the weights
    asked for, the reach basis, the growth gap as {first, needed}."""
    f = pd.DataFrame({"monetary": [100.0, 300.0], "events": [1, 0]})
    names = pd.DataFrame({"segment": [1, 2], "segment_name": ["a", "b"]})
    quality = {"as_of": "2010-06-30", "span": {"orders": {"first": "2009-12-01"}}}
    a = sp.run_attractiveness(f, np.array([1, 2]), names, {"size": 0}, quality)
    fig = a.figures()
    assert list(fig) == ["rows", "weights", "reach_basis", "growth_gap"]
    assert fig["rows"][0] == {
        "segment": 2, "segment_name": "b", "customers": 1, "share": 0.5, "revenue_share": 0.75,
        "value": 300.0, "growth": None, "reach": 0.0,
    }  # fmt: skip
    assert fig["weights"] == {**sp.ATTRACTIVENESS, "size": 0}
    assert fig["reach_basis"] == "events"
    assert fig["growth_gap"] == {"first": "2009-12-01", "needed": "2009-07-02"}
    assert a.left_out == ["clv", "growth"] and "size" not in a.weights
    # stage 06 ranks again from these figures and names the same facts in its note
    from kequn.models import segment_cards as mc

    again = mc.attractiveness_ranking(pd.DataFrame({"segment": [2]}), {"attractiveness": fig})
    assert sp.attract_note(again, "en") == sp.attract_note(a, "en")


# ---- segment_quality: stability on the fitted sample, drift since the previous run


def test_segment_stability_of_clear_blobs_is_one():
    X, _ = _blobs(100)
    seg = cl.fit_segments(X, "kmeans", 3, 7)
    stab = sq.segment_stability(X, seg, 7, B=3)
    assert stab["segment"].tolist() == [1, 2, 3]
    assert stab["jaccard"].tolist() == [1.0, 1.0, 1.0] and (stab["verdict"] == "stable").all()


def test_drift_since_the_previous_run_by_hand():
    """Four customers in both runs, one of whom moved (1 of 4 = 25%); one new, one gone."""
    prev = pd.DataFrame(
        {"customer_id": list("abcde"), "segment": [1, 1, 2, 2, 2], "segment_name": list("xxyyy")}
    )
    now = pd.DataFrame(
        {"customer_id": list("abcdf"), "segment": [1, 1, 1, 2, 2], "segment_name": list("ppqqq")}
    )
    d = sq.drift_since("shop-20260101", prev, now)
    assert d.previous_run == "shop-20260101"
    assert d.figures == {
        "customers_both": 4, "new_customers": 1, "gone_customers": 1, "changed_share": 0.25
    }  # fmt: skip
    assert d.moves["matched_previous"].tolist() == ["1 · x", "2 · y"]
    assert d.moves["stayed"].tolist() == pytest.approx([2 / 3, 1.0])
    assert sq.drift_since(None, None, now) == sq.Drift()


def test_first_ranks_are_pandas_first_ranks_with_ties():
    v = np.random.default_rng(5).integers(0, 30, 5000).astype(float)  # many ties
    pd.testing.assert_series_equal(cl.first_ranks(v), pd.Series(v).rank(method="first"))
    v[::9] = np.nan
    pd.testing.assert_series_equal(cl.first_ranks(v), pd.Series(v).rank(method="first"))


def test_preparation_helpers_are_the_lookups_and_counts_they_replace():
    from kequn.models import segment_prep as sp_

    s = pd.Series(["Master", " phd ", None, "bachelor", "Master", np.nan, "?"] * 50, dtype=object)
    look = lambda v: sp_._EDU_RANK.get(v, sp_._EDU_RANK.get(str(v).strip().lower()))  # noqa: E731
    pd.testing.assert_series_equal(
        sp_._map_distinct(s, look).astype("float64"), s.map(look).astype("float64")
    )
    for v in ([1.0], [1.0, 1.0, 2.0], [2.0, 1.0, 2.0, 3.0], [0.0, -0.0, 5.0], [3.0, 3.0, 3.0, 4.0]):
        a = np.array(v)
        assert sp_._more_than_two_values(a) == (np.unique(a).size > 2), v


def test_preparing_leaves_the_feature_table_as_it_was():
    f = pd.DataFrame(
        {
            "customer_id": list("abcdef"),
            "orders": [1.0, 3, 0, 8, 2, 5],
            "cat_food": [0.5, 0.2, np.nan, 0.9, 0.1, 0.4],
            "tenure_days": [30.0, 400, 100, 900, 50, 2000],
            "ev_visits": [1.0, 5, 0, 30, 2, 9],
        }
    )
    before = f.copy()
    Preparer(["category", "online", "behaviour"]).fit_transform(f)
    pd.testing.assert_frame_equal(f, before)
