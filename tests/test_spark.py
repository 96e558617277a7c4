"""Issue 19, out to Spark: on a small generated demo, Spark in local mode (local[2], one session
for the test session) gives what the DuckDB path gives — the feature table, the BTYD summaries,
the propensity snapshots and monthly demand (one query text, two engines), and the scores run
on the executors with mapInPandas (segments with the same seed, P(alive), churn risk and CLV,
propensity, sentiment). Counts, sums of integers, keys, dates and labels exactly; floats to
1e-9 relative."""

import numpy as np
import pandas as pd
import pytest
from kequn.data import features as F
from kequn.models import propensity as pr
from kequn.models import spark_scores as ss
from kequn.models import trends as tr

pytestmark = pytest.mark.spark
REL = 1e-9


def same(a: pd.DataFrame, b: pd.DataFrame, key: str | None = "customer_id") -> None:
    """Same columns in the same order, same dtypes and attrs; floats to REL relative (missing
    in the same places), everything else exactly."""
    if key is not None:  # Spark returns rows in no set order
        a = a.sort_values(key, kind="stable").reset_index(drop=True)
        b = b.sort_values(key, kind="stable").reset_index(drop=True)
    assert list(a.columns) == list(b.columns)
    assert a.dtypes.to_dict() == b.dtypes.to_dict()
    assert a.attrs == b.attrs
    for c in a.columns:
        x, y = a[c], b[c]
        if x.dtype.kind == "f":
            u, v = x.to_numpy(), y.to_numpy()
            assert np.array_equal(np.isnan(u), np.isnan(v)), c
            ok = ~np.isnan(u)
            np.testing.assert_allclose(v[ok], u[ok], rtol=REL, atol=0, err_msg=c)
        else:
            pd.testing.assert_series_equal(x, y, check_exact=True, obj=c)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A 600-customer demo, through intake: (clean folder, as_of)."""
    from conftest import SALT
    from kequn.data.intake import run_intake
    from kequn.demo import synth

    root = tmp_path_factory.mktemp("spark")
    raw = synth.write(synth.generate(600, seed=11), root / "raw")
    r = run_intake(raw, root / "run", salt=SALT)
    return root / "run" / "clean", pd.Timestamp(r.quality["as_of"])


@pytest.fixture(scope="module")
def both_features(small, spark):
    clean, as_of = small
    return F.build_features(clean, as_of, engine="duckdb"), F.build_features(
        clean, as_of, engine="spark"
    )


def test_feature_table(both_features):
    duck, spk = both_features
    assert len(duck) == 600 and duck.shape[1] > 50
    assert (duck["orders"] > 0).sum() > 400  # buyers, returns, pivots: something to compare
    assert any(c.startswith("cat_") for c in duck) and any(c.startswith("ev_") for c in duck)
    same(duck, spk)


def test_money_sums_are_the_same_bits_with_the_rows_in_another_order(
    small, both_features, tmp_path
):
    """Money is summed as exact decimals on both engines (``engine.money_sum``): Spark over the
    orders shuffled gives DuckDB's sums bit for bit (double sums in another order would not)."""
    import shutil

    clean, as_of = small
    shuffled = tmp_path / "clean"
    shutil.copytree(clean, shuffled)
    orders = pd.read_parquet(clean / "orders.parquet")
    orders.sample(frac=1, random_state=3).to_parquet(shuffled / "orders.parquet", index=False)
    duck = both_features[0].sort_values("customer_id").reset_index(drop=True)
    spk = F.build_features(shuffled, as_of, engine="spark")
    spk = spk.sort_values("customer_id").reset_index(drop=True)
    money = ["revenue", "return_amount", "monetary", "revenue_last_6m", "revenue_prior_6m"]
    for c in money + ["margin"] * ("margin" in duck):
        assert np.array_equal(duck[c].to_numpy(), spk[c].to_numpy(), equal_nan=True), c


def test_btyd_summaries_and_holdout_curve(small, spark):
    clean, as_of = small
    cal = as_of - pd.Timedelta(weeks=26)
    for end in (None, cal):
        duck = F.btyd_summary(clean, as_of, end, engine="duckdb")
        assert len(duck) > 300 and (duck["x"] > 0).sum() > 100
        same(duck, F.btyd_summary(clean, as_of, end, engine="spark"))
    same(
        F.holdout_weekly(clean, as_of, cal, engine="duckdb"),
        F.holdout_weekly(clean, as_of, cal, engine="spark"),
        key=None,
    )


def test_propensity_snapshots_and_scores(small, spark):
    clean, as_of = small
    cats = pr.categories(clean, 4, engine="duckdb")
    assert cats == pr.categories(clean, 4, engine="spark") and len(cats) == 4
    cut = as_of - pd.Timedelta(days=90)
    train = pr.snapshot(clean, cut, cats, 90, engine="duckdb")
    same(train, pr.snapshot(clean, cut, cats, 90, engine="spark"))
    now = pr.snapshot(clean, as_of, cats, 90, labels=False, engine="duckdb")
    same(now, pr.snapshot(clean, as_of, cats, 90, labels=False, engine="spark"))
    models = [m for i in range(len(cats)) if (m := pr.fit(train, cats, i, seed=7)) is not None]
    assert models
    want = pd.DataFrame({"customer_id": now["customer_id"]})
    for m in models:
        want[f"p_{m.index}"] = m.scores(now)
    same(want, ss.propensity(spark, now, models).toPandas())


def test_monthly_demand(small, spark):
    clean, as_of = small
    for by in ("category", None):
        duck = tr.monthly(clean, as_of, by, engine="duckdb")
        assert duck["orders"].sum() > 1000
        same(duck, tr.monthly(clean, as_of, by, engine="spark"), key=None)
    ids = pd.read_parquet(clean / "customers.parquet", columns=["customer_id"])
    seg = ids.assign(segment=np.arange(len(ids)) % 3 + 1)
    same(
        tr.monthly(clean, as_of, "category", segments=seg, engine="duckdb"),
        tr.monthly(clean, as_of, "category", segments=seg, engine="spark"),
        key=None,
    )


@pytest.mark.parametrize("method", ["kmeans", "gmm"])
def test_segments_with_the_same_seed(both_features, spark, method):
    """Each engine's feature table, prepared, sampled and fitted on the driver with one seed;
    the DuckDB path assigns everyone in process, Spark on the executors (merging the small
    segments from per-cluster sums)."""
    from kequn.models import clustering as cl
    from kequn.models.segment_prep import prepare

    def fitted(features):
        prep = prepare(features)
        sample = cl.stratified_sample(features, 400, 7, prep.X)
        return prep, cl.fit_segments(prep.X, method, 7, 7, sample=sample, min_share=0.12)

    duck, spk = both_features
    prep, seg = fitted(duck)
    assert len(seg.merged) > 0  # small segments were merged: the renumbering is exercised
    # the same fitted model: the executors assign exactly what fit_segments assigned
    out, merged = ss.segments(spark, duck.sample(frac=1.0, random_state=1), prep.fitted, seg, 0.12)
    got = out.toPandas().set_index("customer_id").loc[duck["customer_id"]]
    assert np.array_equal(got["segment"].to_numpy(), seg.labels)
    # float32 strengths (0–1): distances and probabilities computed in batches of another size
    # differ in the last bits
    np.testing.assert_allclose(got["strength"].to_numpy(), seg.strength, rtol=0, atol=1e-5)
    pd.testing.assert_frame_equal(merged, seg.merged, check_dtype=False)
    # the whole Spark path: Spark's feature table, fitted on the driver with the same seed
    sprep, sseg = fitted(spk.sample(frac=1.0, random_state=1).reset_index(drop=True))
    out, merged = ss.segments(spark, spk, sprep.fitted, sseg, min_share=0.12)
    got = out.toPandas().set_index("customer_id").loc[duck["customer_id"]]
    assert np.array_equal(got["segment"].to_numpy(), seg.labels)
    # features equal to 1e-15 give a model equal to about float32's precision
    np.testing.assert_allclose(got["strength"].to_numpy(), seg.strength, atol=1e-5)
    pd.testing.assert_frame_equal(merged, seg.merged, check_dtype=False)


def test_lifetime_scores(small, both_features, spark):
    """Fitted on the distinct histories on the driver (as stage 03), scored on the executors."""
    from kequn.data.settings import ValueSettings
    from kequn.models.lifetime import fit_models, lifetime, margin_rate
    from kequn.run import config

    clean, as_of = small
    btyd = F.btyd_summary(clean, as_of, engine="spark")
    models = fit_models(btyd)
    assert models.bg is not None and models.gg is not None
    v = ValueSettings.from_mapping(config.load_config(None)["value"])
    rate = margin_rate(both_features[0], v.margin).rate
    want = lifetime(btyd, models, v, rate)
    assert want["clv"].notna().sum() > 300
    got = ss.lifetime(spark, btyd, models, v, rate).toPandas()
    same(want, got)


def test_sentiment_scores(spark):
    from kequn.models.sentiment import default_model

    model = default_model()
    texts = pd.DataFrame(
        {
            "id": np.arange(8, dtype="int64"),
            "text": ["质量很好，物流快", "太差了，不会再买", "一般般", "great value, fast delivery"]
            + ["broken on arrival, refund please", "好评", "客服态度差", "还行吧 ok"],
        }
    )
    want = texts[["id"]].assign(score=model.score(texts["text"]))
    same(want, ss.sentiment(spark, texts, model).toPandas(), key="id")


def test_stage_03_scores_on_the_executors_when_the_engine_is_spark(small, spark):
    """``lifetime.lifetime`` (what the notebook calls) hands the scoring to Spark under
    ``engine: spark`` and gives the in-process table: same rows in the same order."""
    from kequn.data import engine
    from kequn.data.settings import ValueSettings
    from kequn.models.lifetime import fit_models, lifetime, score_buyers
    from kequn.run import config

    clean, as_of = small
    btyd = F.btyd_summary(clean, as_of, engine="duckdb").sample(frac=1.0, random_state=3)
    models = fit_models(btyd)
    v = ValueSettings.from_mapping(config.load_config(None)["value"])
    want = score_buyers(btyd, models, v, 0.7)
    before = engine.current()
    engine.use("spark", before[1])
    try:
        got = lifetime(btyd, models, v, 0.7)
    finally:
        engine.use(*before)
    assert got.index.equals(want.index)
    same(want, got, key=None)


@pytest.fixture(scope="module")
def edge_clean(tmp_path_factory):
    """Hand-made clean tables with what the demo lacks: several lines per order (the DISTINCT
    path), a zero-amount order, a customer with only a return, one without orders or events,
    values outside the top ones, missing optional values."""
    from kequn.data.io import write_table_atomic

    clean = tmp_path_factory.mktemp("edge") / "clean"
    write_table_atomic(
        pd.DataFrame(
            {
                "customer_id": ["A", "B", "C", "D"],
                "signup_date": pd.to_datetime(["2024-01-01", None, "2024-12-01", "2024-03-01"]),
                "birth_year": [1990.0, None, 1960.0, 1975.0],
                "gender": ["F", None, "M", "F"],
            }
        ),
        clean / "customers.parquet",
    )
    write_table_atomic(
        pd.DataFrame(
            {
                "order_id": ["1", "2", "2", "3", "4", "5", "6", "6", "7"],
                "customer_id": ["A", "A", "A", "A", "B", "A", "D", "D", "A"],
                "order_date": pd.to_datetime(
                    ["2024-02-01", "2024-03-01", "2024-03-01", "2024-03-15", "2024-07-01"]
                    + ["2024-12-01", "2024-11-01", "2024-11-01", "2024-12-20"]
                ),
                "amount": [100.1, 50.2, 30.3, -50.0, 20.0, 200.7, -12.5, 0.0, 0.0],
                "category": ["食品", "服饰", "服饰", "服饰", "食品", "家电", "食品", None, "食品"],
                "channel": ["App", "门店", "门店", "门店", "App", "官网", None, "App", "App"],
                "discount": [0.1, 0.0, None, 0.0, 0.2, 0.0, 0.0, 0.0, 1.0],
                "coupon_used": [True, False, None, False, False, False, True, False, True],
                "cost": [60.0, 20.0, 10.0, -20.0, None, 150.0, -8.0, 0.0, 0.0],
            }
        ),
        clean / "orders.parquet",
    )
    write_table_atomic(
        pd.DataFrame(
            {
                "customer_id": ["A", "A", "B", "D"],
                "ts": pd.to_datetime(["2024-02-01"] * 4),
                "event_type": ["like", "like", "app_open", "share"],
                "channel": ["social", "social", "mobile", None],
            }
        ),
        clean / "events.parquet",
    )
    write_table_atomic(
        pd.DataFrame({"customer_id": ["A", "B"], "kind": ["complaint", "review"]}),
        clean / "feedback.parquet",
    )
    return clean


@pytest.mark.parametrize("top_n", [10, 1])
def test_edge_cases_of_the_feature_table(edge_clean, spark, top_n):
    same(
        F.build_features(edge_clean, "2024-12-31", top_n=top_n, engine="duckdb"),
        F.build_features(edge_clean, "2024-12-31", top_n=top_n, engine="spark"),
    )


def test_edge_cases_of_btyd_snapshots_and_demand(edge_clean, spark):
    for end in (None, "2024-10-01"):
        same(
            F.btyd_summary(edge_clean, "2024-12-31", end, engine="duckdb"),
            F.btyd_summary(edge_clean, "2024-12-31", end, engine="spark"),
        )
    cats = pr.categories(edge_clean, 3, engine="duckdb")
    assert cats == pr.categories(edge_clean, 3, engine="spark")
    same(
        pr.snapshot(edge_clean, "2024-09-01", cats, 120, engine="duckdb"),
        pr.snapshot(edge_clean, "2024-09-01", cats, 120, engine="spark"),
    )
    same(
        tr.monthly(edge_clean, "2024-12-31", "category", engine="duckdb"),
        tr.monthly(edge_clean, "2024-12-31", "category", engine="spark"),
        key=None,
    )


@pytest.fixture(scope="module")
def shared_histories(tmp_path_factory):
    """Clean orders in which many buyers share a purchase history, as in a large base: 300
    simulated BTYD buyers (a Gamma-distributed daily rate, an exponential lifetime, lognormal
    spend levels) each copied 1–8 times under other ids. (clean folder, as_of)."""
    from kequn.data.io import write_table_atomic

    rng = np.random.default_rng(5)
    start, days = pd.Timestamp("2024-01-01"), 540
    rows = []
    for i in range(300):
        first = int(rng.integers(0, 180))
        rate, life = rng.gamma(0.8, 1 / 40), rng.exponential(300)
        end = min(days, first + life)
        t, when = first, [first]
        while (t := t + rng.exponential(1 / rate)) < end:
            when.append(int(t))
        prices = np.round(np.exp(rng.normal(3.5, 0.6)) * rng.gamma(4, 1 / 4, len(when)), 2)
        for copy in range(int(rng.integers(1, 9))):
            for j, (d, a) in enumerate(zip(when, prices)):
                rows.append(
                    (f"B{i:03d}-{copy}", f"{i}-{copy}-{j}", start + pd.Timedelta(days=d), a)
                )
    orders = pd.DataFrame(rows, columns=["customer_id", "order_id", "order_date", "amount"])
    clean = tmp_path_factory.mktemp("shared") / "clean"
    write_table_atomic(orders, clean / "orders.parquet")
    return clean, start + pd.Timedelta(days=days)


def test_lifetime_fits_on_distinct_histories_grouped_by_spark(shared_histories, spark, monkeypatch):
    """Issue 19: Spark groups the BTYD summary into distinct (x, t_x, T) and (x, m) rows with
    their counts, the driver receives only those (counted as they cross: every Arrow table
    collected), and the fits on them equal stage 03's fits on the per-buyer summary of the
    DuckDB path (parameters, log-likelihoods, customers, the refusals)."""
    from kequn.data import spark_engine
    from kequn.models.lifetime import fit_distinct, fit_models

    clean, as_of = shared_histories
    duck = F.btyd_summary(clean, as_of, engine="duckdb")
    want = fit_models(duck)
    sdf = spark_engine.btyd_frame(clean, as_of).cache()
    sdf.count()
    collected = []
    to_arrow = spark_engine._arrow_table
    monkeypatch.setattr(
        spark_engine,
        "_arrow_table",
        lambda s: collected.append(to_arrow(s)) or collected[-1],
    )
    hist, spend = spark_engine.distinct_histories(sdf)
    sdf.unpersist()

    # what reached the driver: the distinct rows, counted independently from DuckDB's summary
    repeat = duck[(duck["x"] > 0) & (duck["m"] > 0)]
    n_hist = len(duck.drop_duplicates(["x", "t_x", "T"]))
    n_spend = len(repeat.drop_duplicates(["x", "m"]))
    assert [t.num_rows for t in collected] == [n_hist, n_spend]
    assert n_hist < len(duck) / 3  # many buyers, few histories
    assert hist["n"].sum() == len(duck) and spend["n"].sum() == len(repeat)
    got_counts = hist.groupby(["x", "t_x", "T"])["n"].sum().sort_index()
    assert got_counts.equals(duck.groupby(["x", "t_x", "T"]).size().rename("n").sort_index())

    got = fit_distinct(hist, spend)
    assert len(want.fits) >= 3 and want.gg is not None
    assert set(got.fits) == set(want.fits)
    assert got.errors == want.errors and got.details == want.details
    assert got.chosen == want.chosen and got.weeks == want.weeks
    for key, f in [*want.fits.items(), ("gamma_gamma", want.gg)]:
        g = got.gg if key == "gamma_gamma" else got.fits[key]
        assert g.fit_.n == f.fit_.n, key
        np.testing.assert_allclose(
            list(g.params_.values()), list(f.params_.values()), rtol=REL, err_msg=key
        )
        np.testing.assert_allclose(
            g.fit_.log_likelihood, f.fit_.log_likelihood, rtol=REL, err_msg=key
        )
