"""kequn.models.propensity: snapshots know nothing after their cut, labels come only from the
following horizon, the model beats chance clearly on a later period it never saw, and the
target lists and reason codes say what they should."""

import numpy as np
import pandas as pd
import pytest
from kequn.data.intake import run_intake
from kequn.lang.i18n import t
from kequn.models import propensity as pr


def orders_dir(tmp_path, rows):
    clean = tmp_path / "clean"
    clean.mkdir(exist_ok=True)
    pd.DataFrame(rows, columns=["customer_id", "order_date", "category", "amount"]).assign(
        order_date=lambda d: pd.to_datetime(d["order_date"])
    ).to_parquet(clean / "orders.parquet")
    return clean


def test_snapshot_features_and_labels_respect_the_cut(tmp_path):
    clean = orders_dir(
        tmp_path,
        [
            ("A", "2024-01-01", "food", 10),
            ("A", "2024-03-01", "toys", 20),
            ("A", "2024-03-20", "food", 5),
            (
                "A",
                "2024-04-15",
                "toys",
                7,
            ),  # after the cut, inside the horizon: a label, not a feature
            ("A", "2024-09-01", "food", 9),  # after the horizon: neither
            ("B", "2024-02-01", "toys", 30),
            ("B", "2024-02-02", "toys", -30),  # a return is not a purchase
            ("C", "2024-05-01", "food", 3),
        ],
    )  # first order after the cut: not in the snapshot
    s = pr.snapshot(clean, "2024-03-31", ["food", "toys"], horizon_days=30).set_index("customer_id")
    assert list(s.index) == ["A", "B"]
    a = s.loc["A"]
    assert (a["orders"], a["spend"], a["recency"], a["tenure"]) == (3, 35, 11, 90)
    assert (a["n_0"], a["rec_0"], a["n_1"], a["rec_1"]) == (2, 11, 1, 30)
    assert a["orders_recent"] == 2  # the last 90 days are (1 Jan, 31 Mar]: 1 January is day 91
    assert (bool(a["y_0"]), bool(a["y_1"])) == (False, True)
    assert np.isnan(s.loc["B", "rec_0"]) and not s.loc["B", ["y_0", "y_1"]].any()
    later = pr.snapshot(clean, "2024-03-31", ["food", "toys"], 30, labels=False)
    assert "y_0" not in later and len(later) == 2


@pytest.fixture(scope="module")
def demo_splits(demo_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("prop")
    res = run_intake(demo_dir, out, salt="prop-test")
    as_of = pd.Timestamp(res.quality["as_of"])
    cats = pr.categories(out / "clean", 3)
    train = pr.snapshot(out / "clean", as_of - pd.Timedelta(days=180), cats, 90)
    test = pr.snapshot(out / "clean", as_of - pd.Timedelta(days=90), cats, 90)
    return cats, train, test


def test_model_predicts_a_later_period_it_never_saw(demo_splits):
    cats, train, test = demo_splits
    for i in range(len(cats)):
        m = pr.fit(train, cats, i)
        figs, cal = pr.evaluate(m, test)
        assert figs["auc"] > 0.75 and figs["lift_top10"] > 2.5, figs
        assert abs(cal["predicted"].mean() - figs["base_rate"]) < 0.05  # calibrated on average
        assert cal["observed"].iloc[-1] > cal["observed"].iloc[0]


def test_target_list_and_reason_codes(demo_splits):
    cats, train, test = demo_splits
    models = [pr.fit(test, cats, i) for i in range(len(cats))]
    tl = pr.target_list(models, test, share=0.1)
    per = tl.groupby("category").size()
    assert (per == int(np.ceil(0.1 * len(test)))).all()
    first = tl[tl["category"] == cats[0]]
    assert first["score"].is_monotonic_decreasing and first["rank"].tolist() == list(
        range(1, len(first) + 1)
    )
    codes = set(first[["reason_1", "reason_2", "reason_3"]].stack())
    assert "recency-" in codes or "rec_self-" in codes  # recent buyers are the best prospects
    assert (
        pr.reason_words("n_0+", cats, cats[1], "en") == "often buys Fresh food"
    )  # category names translated
    assert pr.reason_words("rec_self-", cats, cats[0], "zh") == f"最近买过{cats[0]}"


def test_a_category_nobody_bought_is_not_modelled(tmp_path):
    clean = orders_dir(tmp_path, [(c, "2024-01-01", "food", 5) for c in "ABC"])
    s = pr.snapshot(clean, "2024-02-01", ["food"], 30)
    assert pr.fit(s, ["food"], 0) is None


# --- a run's three splits, its calibration and target lists (moved from stage 04) ----------


def test_pooled_calibration_weighs_bands_by_their_customers():
    """Twenty bands pooled into ten: each pooled band is two neighbours by predicted
    probability, averaged with their customers as weights."""
    cal = pd.DataFrame(
        {
            "predicted": np.arange(20) / 20,
            "observed": np.r_[np.zeros(10), np.ones(10)],
            "customers": np.tile([1, 3], 10),
        }
    ).sample(frac=1, random_state=3)  # the order of the categories' bands does not matter
    pooled = pr.pooled_calibration(cal)
    assert len(pooled) == 10
    assert pooled["predicted"].iloc[0] == pytest.approx((0 * 1 + 0.05 * 3) / 4)
    assert pooled["predicted"].iloc[9] == pytest.approx((0.9 * 1 + 0.95 * 3) / 4)
    assert pooled["observed"].tolist() == [0.0] * 5 + [1.0] * 5


def test_a_run_with_nothing_to_model_is_none(tmp_path):
    few = orders_dir(tmp_path, [(c, "2024-01-01", "food", 5) for c in "ABC"])
    assert pr.run(few, "2024-09-30", 90) is None  # three customers at the training cut
    clean = tmp_path / "nocat" / "clean"
    clean.mkdir(parents=True)
    pd.DataFrame(
        {"customer_id": ["A"], "order_date": pd.to_datetime(["2024-01-01"]), "amount": [5.0]}
    ).to_parquet(clean / "orders.parquet")
    assert pr.run(clean, "2024-09-30", 90) is None  # no category column


def test_a_run_trains_evaluates_and_scores_on_its_three_cuts(demo_dir, tmp_path, monkeypatch):
    """The run's figures are those of a model fitted at as_of − 2·90 days and judged on the
    next 90 days; its final models are refit at as_of − 90 and score everyone at as_of. The
    categories run on two threads, and each one's numbers are those of the one-by-one path to
    the last bit (also when one thread runs them all)."""
    res = run_intake(demo_dir, tmp_path, salt="prop-test")
    clean, as_of = tmp_path / "clean", pd.Timestamp(res.quality["as_of"])
    r = pr.run(clean, as_of, 90, 3, seed=7)
    monkeypatch.setattr(pr, "cores", lambda: 1)
    alone = pr.run(clean, as_of, 90, 3, seed=7)
    pd.testing.assert_frame_equal(r.figures, alone.figures, check_exact=True)
    pd.testing.assert_frame_equal(r.calibration, alone.calibration, check_exact=True)
    cats = pr.categories(clean, 3)
    assert r.categories == cats and r.skipped == []
    assert r.cuts == tuple((as_of - pd.Timedelta(days=d)).date() for d in (180, 90, 0))
    train = pr.snapshot(clean, as_of - pd.Timedelta(days=180), cats, 90)
    test = pr.snapshot(clean, as_of - pd.Timedelta(days=90), cats, 90)
    for i, c in enumerate(cats):
        figs, cal = pr.evaluate(pr.fit(train, cats, i, 7), test)
        assert r.figures.set_index("category").loc[c].to_dict() == {
            k: v for k, v in figs.items() if k != "category"
        }
        assert r.calibration[r.calibration["category"] == c]["observed"].tolist() == (
            cal["observed"].tolist()
        )
        later = pr.fit(test, cats, i, 7).scores(r.now)
        assert np.array_equal(r.models[i].scores(r.now), later)
        assert np.array_equal(alone.models[i].scores(r.now), later)
    assert "y_0" not in r.now and len(r.now) > len(test)

    # the target lists as written: the top 10% per category, reasons in words, segments joined
    seg = pd.DataFrame({"customer_id": r.now["customer_id"], "segment": 1, "segment_name": "s"})
    tt = pr.target_table(r, 0.1, seg, "en")
    assert list(tt.columns) == [
        "customer_id",
        "category",
        "segment",
        "segment_name",
        "score",
        "rank",
        "reasons",
    ]
    per = tt.groupby("category").size()
    assert (per == int(np.ceil(0.1 * len(r.now)))).all() and len(per) == 3
    raw = pr.target_list(r.models, r.now, 0.1).iloc[0]
    said = [pr.reason_words(raw[f"reason_{j}"], cats, raw["category"], "en") for j in (1, 2, 3)]
    assert tt["reasons"].iloc[0] == " / ".join(w for w in said if w)
    assert (tt["segment"] == 1).all() and tt["category"].iloc[0] == t(cats[0], "en")


@pytest.mark.parametrize("n", [1, 7, 50, 99, 100])
def test_top_first_is_the_stable_descending_order_ties_and_all(n):
    rng = np.random.default_rng(3)
    p = rng.integers(0, 6, 100) / 5  # many ties, also across the cut
    want = np.argsort(-p, kind="stable")[:n]
    assert np.array_equal(pr.top_first(p, n), want)
    p[::7] = np.nan  # missing scores sort last, as argsort puts them
    assert np.array_equal(pr.top_first(p, n), np.argsort(-p, kind="stable")[:n])


def test_a_model_scores_and_fits_its_sample_as_on_the_whole_design(demo_splits):
    """The design of some rows is those rows of the whole design, and a model's standardised
    columns are ``(X - mean) / sd`` of the whole matrix, to the last bit."""
    cats, train, test = demo_splits
    keep = np.random.default_rng(1).choice(len(train), 300, replace=False)
    X, _ = pr.design(train, 2, len(cats))
    assert np.array_equal(pr.design(train, 2, len(cats), keep)[0], X[keep])
    m = pr.fit(train, cats, 2, max_rows=300)
    Xt, _ = pr.design(test, 2, len(cats))
    whole = m.model.predict_proba((Xt - m.mean) / m.sd)[:, 1]
    assert np.array_equal(m.scores(test), whole)
    assert len(test) % 64  # scored in blocks of 64 rows, a short last one
    assert np.array_equal(m.scores(test, block=64), whole)
    rows = np.random.default_rng(2).choice(len(test), 50, replace=False)
    assert np.array_equal(m.reasons(test, 3, rows), m.reasons(test.iloc[rows], 3))


def test_target_table_words_each_customer_s_own_reasons(demo_splits):
    cats, train, test = demo_splits
    models = [pr.fit(test, cats, i) for i in range(len(cats))]
    run = pr.PropensityRun((), cats, pd.DataFrame(), pd.DataFrame(), models, test, [])
    tab = pr.target_table(run, 0.2, None, "en")
    tl = pr.target_list(models, test, 0.2)
    one_by_one = [
        " / ".join(pr.reason_words(r, cats, c, "en") for r in rs if r)
        for c, rs in zip(tl["category"], tl[["reason_1", "reason_2", "reason_3"]].to_numpy())
    ]
    assert tab["reasons"].tolist() == one_by_one
    assert tab["reasons"].nunique() > 5  # not one text for all
