"""Issue 19: the faster feature table (one pass per table, conditional aggregates, Arrow fetch)
gives the same table as the query it replaced, kept in ``_features_before_19``: same columns in
the same order, same dtypes and labels, every value bit for bit.

The oracle was updated once, for ``chan_*`` only: both counted purchase lines per channel over
distinct orders, a share above 1 on item-line exports (the test with order lines below has
order 2 on two 门店 lines); both now count distinct orders per channel (test_features.py checks
the shares lie in [0, 1] and add up to 1 on an item-line export)."""

import _features_before_19 as before
import duckdb
import numpy as np
import pandas as pd
import pytest
from kequn.data.features import connect, feature_table, frame
from kequn.data.io import write_table_atomic


def _same(a: pd.DataFrame, table) -> None:
    """The old table (labels in ``attrs``) and the new ``FeatureTable``: the same frame and
    the same labels."""
    b = table.frame
    assert list(a.columns) == list(b.columns)
    assert a.dtypes.to_dict() == b.dtypes.to_dict()
    assert a.attrs == {"labels": table.labels} and b.attrs == {}
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    for c in a.columns:  # floats bit for bit (signed zeros and NaN places included)
        if a[c].dtype.kind == "f":
            assert np.array_equal(a[c].to_numpy().view("u8"), b[c].to_numpy().view("u8")), c


@pytest.fixture(scope="module")
def demo_clean(demo_dir, tmp_path_factory):
    from conftest import SALT
    from kequn.data.intake import run_intake

    out = tmp_path_factory.mktemp("features_same")
    r = run_intake(demo_dir, out, salt=SALT)
    return out / "clean", r.quality["as_of"]


def test_same_table_as_before_on_the_demo(demo_clean):
    clean, as_of = demo_clean
    new = feature_table(clean, as_of)
    assert len(new.frame) == 3000 and new.frame.shape[1] > 50
    _same(before.build_features(clean, as_of), new)


def test_same_table_as_before_with_order_lines_and_returns(tmp_path):
    """Several lines per order (the DISTINCT path), a customer with only a return, one without
    orders or events, a category and a channel outside the top values, missing optional values."""
    clean = tmp_path / "clean"
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
                "order_id": ["1", "2", "2", "3", "4", "5", "6", "6"],
                "customer_id": ["A", "A", "A", "A", "B", "A", "D", "D"],
                "order_date": pd.to_datetime(
                    ["2024-02-01", "2024-03-01", "2024-03-01", "2024-03-15"]
                    + ["2024-07-01", "2024-12-01", "2024-11-01", "2024-11-01"]
                ),
                "amount": [100.1, 50.2, 30.3, -50.0, 20.0, 200.7, -12.5, 0.0],
                "category": ["食品", "服饰", "服饰", "服饰", "食品", "家电", "食品", None],
                "channel": ["App", "门店", "门店", "门店", "App", "官网", None, "App"],
                "discount": [0.1, 0.0, None, 0.0, 0.2, 0.0, 0.0, 0.0],
                "coupon_used": [True, False, None, False, False, False, True, False],
                "cost": [60.0, 20.0, 10.0, -20.0, None, 150.0, -8.0, 0.0],
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
    for top_n in (10, 1):
        _same(
            before.build_features(clean, "2024-12-31", top_n=top_n),
            feature_table(clean, "2024-12-31", top_n=top_n),
        )


def test_frame_gives_the_dtypes_of_duckdb_df():
    con = duckdb.connect()
    sql = """SELECT * FROM (VALUES
        (1::BIGINT, 1::BIGINT, 's', true, true, DATE '2024-01-01', TIMESTAMP_NS '2024-01-01',
         1.5::DOUBLE, 2::INT, 3::HUGEINT, 1.5::DECIMAL(18, 2), 7::INT, 5::UTINYINT),
        (2, NULL, NULL, false, NULL, NULL, NULL, NULL, 3, 4, NULL, NULL, 6)) t"""
    a, b = con.execute(sql).df(), frame(con, sql)
    assert a.dtypes.to_dict() == b.dtypes.to_dict()
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_no_progress_bar_in_logs(monkeypatch):
    """Output to a log (no terminal): DuckDB must not print its progress bar into it."""
    import io

    monkeypatch.setattr("sys.stdout", io.StringIO())
    con = connect()
    assert con.execute("SELECT current_setting('enable_progress_bar')").fetchone()[0] is False


def test_order_lines_are_counted_as_orders_only_when_no_customer_repeats_an_order_id():
    """``_all_distinct`` picks the line count over ``count(DISTINCT order_id)``: a proof that no
    (customer, order id) pair repeats, so it must say False for one repeated pair among many."""
    from kequn.data.engine import DuckRunner
    from kequn.data.features import _all_distinct

    run = DuckRunner(1)
    n = 50_000
    ids = [f"O{i}" for i in range(n)]
    cases = {
        "each pair once": (["C1"] * n, ids, True),
        "one order id, two customers": (
            ["C1", "C2"] + ["C3"] * (n - 2),
            ["O0"] * 2 + ids[2:],
            True,
        ),
        "one pair twice, far apart": (["C1"] * n, ids[:-1] + ["O7"], False),
        "no rows": ([], [], True),
    }
    for name, (cust, orders, expected) in cases.items():
        run.register("o", pd.DataFrame({"customer_id": cust, "order_id": orders}, dtype=object))
        key = "hash(customer_id, order_id)"
        assert _all_distinct(run, key, "o", "order_id IS NOT NULL") is expected, name
    run.close()


def test_load_features_gives_the_frame_read_parquet_gives(tmp_path):
    """The later stages' loader: the same columns, dtypes and values as ``pd.read_parquet``
    (nullable integers, dates in µs and ns, text with gaps, booleans)."""
    from kequn.data.features import load_features
    from kequn.data.paths import RunFolder

    df = pd.DataFrame(
        {
            "customer_id": ["K2", "K1", "K3"],
            "gender": ["F", None, "M"],
            "signup_date": pd.to_datetime(["2024-01-01", None, "2024-03-01"]).astype("M8[ns]"),
            "first_order": pd.to_datetime(["2024-02-01", "2024-02-02", None]).astype("M8[us]"),
            "recency_days": pd.array([3, None, 5], dtype="Int64"),
            "orders": np.array([1, 0, 2], dtype="int64"),
            "revenue": [1.5, 0.0, np.nan],
            "flag": [True, False, True],
        }
    )
    path = RunFolder(tmp_path).features
    write_table_atomic(df, path)
    a, b = pd.read_parquet(path), load_features(tmp_path)
    assert a.dtypes.to_dict() == b.dtypes.to_dict() == df.dtypes.to_dict()
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    pd.testing.assert_frame_equal(df, b, check_exact=True)
