import pandas as pd
import pytest
from kequn.data.features import build_features, feature_table
from kequn.data.io import write_table_atomic


@pytest.fixture()
def tiny(tmp_path):
    clean = tmp_path / "clean"
    write_table_atomic(
        pd.DataFrame(
            {
                "customer_id": ["A", "B", "C"],
                "signup_date": pd.to_datetime(["2024-01-01", "2024-06-01", "2024-12-01"]),
                "birth_year": [1990.0, None, 1960.0],
            }
        ),
        clean / "customers.parquet",
    )
    write_table_atomic(
        pd.DataFrame(
            {
                "order_id": ["1", "2", "2", "3", "4", "5"],
                "customer_id": ["A", "A", "A", "A", "B", "A"],
                "order_date": pd.to_datetime(
                    [
                        "2024-02-01",
                        "2024-03-01",
                        "2024-03-01",
                        "2024-03-15",
                        "2024-07-01",
                        "2024-12-01",
                    ]
                ),
                "amount": [100.0, 50.0, 30.0, -50.0, 20.0, 200.0],
                "category": ["食品", "服饰", "服饰", "服饰", "食品", "食品"],
                "channel": ["App", "门店", "门店", "门店", "App", "App"],
                "discount": [0.1, 0.0, 0.0, 0.0, 0.2, 0.0],
                "coupon_used": [True, False, False, False, False, False],
                "cost": [60.0, 20.0, 10.0, -20.0, 15.0, 150.0],
            }
        ),
        clean / "orders.parquet",
    )
    write_table_atomic(
        pd.DataFrame(
            {
                "customer_id": ["A", "A", "B"],
                "ts": pd.to_datetime(["2024-02-01"] * 3),
                "event_type": ["like", "like", "app_open"],
                "channel": ["social", "social", "mobile"],
            }
        ),
        clean / "events.parquet",
    )
    return clean


def test_known_answers_on_a_hand_made_base(tiny):
    table = feature_table(tiny, "2024-12-31")
    f = table.frame.set_index("customer_id")
    a = f.loc["A"]
    assert a["orders"] == 3  # invoice 2 has two lines, the return is not an order
    assert (
        a["revenue"] == 380
        and a["return_amount"] == 50
        and a["monetary"] == 330
        and a["returns"] == 1
    )
    assert a["avg_order_value"] == pytest.approx(380 / 3)
    assert a["recency_days"] == 30 and a["active_days"] == 304 and a["tenure_days"] == 365
    assert a["age"] == 34
    assert a["discount_share"] == pytest.approx(1 / 4) and a["coupon_share"] == pytest.approx(1 / 4)
    assert a["margin"] == pytest.approx(380 - 240)
    assert a["cat_食品"] == pytest.approx(300 / 380) and a["cat_服饰"] == pytest.approx(80 / 380)
    # shares of distinct orders: invoice 2's two 门店 lines are one order of three
    assert a["chan_app"] == pytest.approx(2 / 3) and a["chan_门店"] == pytest.approx(1 / 3)
    assert a["ev_like"] == 2 and a["evch_social"] == 2 and a["events"] == 2
    c = f.loc["C"]
    assert (
        c["orders"] == 0 and c["monetary"] == 0 and pd.isna(c["recency_days"]) and c["events"] == 0
    )
    assert table.labels["cat_食品"] == "食品"
    assert build_features(tiny, "2024-12-31").equals(table.frame)


def test_agrees_with_pandas_on_the_demo(demo_dir, tmp_path):
    from conftest import SALT
    from kequn.data.intake import run_intake

    r = run_intake(demo_dir, tmp_path, salt=SALT)
    f = build_features(tmp_path / "clean", r.quality["as_of"]).set_index("customer_id")
    o = r.tables["orders"]
    pos = o[o["amount"] > 0]
    assert (
        f["orders"] == pos.groupby("customer_id")["order_id"].nunique().reindex(f.index).fillna(0)
    ).all()
    net = o.groupby("customer_id")["amount"].sum().reindex(f.index).fillna(0)
    assert (f["monetary"] - net).abs().max() < 1e-6
    assert len(f) == len(r.tables["customers"])


def test_features_and_labels_round_trip_through_a_run_folder(tiny, tmp_path):
    from kequn.data.features import feature_labels, load_features
    from kequn.data.run_folder import features_for_run

    run = tiny.parent
    f = features_for_run(run, {"as_of": "2024-12-31"})
    back = load_features(run)
    pd.testing.assert_frame_equal(
        f.reset_index(drop=True), back.reset_index(drop=True), check_dtype=False
    )
    assert feature_labels(run)["chan_门店"] == "门店"


def test_channel_shares_on_an_item_line_export_are_shares_of_orders(tmp_path):
    """Online Retail II (tests/data, several lines per invoice), its Country mapped as the
    order channel (one per invoice, always present): every chan_* share lies in [0, 1] and a
    buyer's shares add up to 1. Counting lines instead of orders gave shares up to 136."""
    import shutil

    from conftest import SALT, TEST_DATA
    from kequn.data.intake import run_intake

    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(TEST_DATA / "online_retail_ii_head30k.csv.gz", raw / "orders.csv.gz")
    cmap = tmp_path / "map.yaml"
    cmap.write_text(
        "orders:\n  order_id: Invoice\n  customer_id: Customer ID\n  order_date: InvoiceDate\n"
        "  quantity: Quantity\n  unit_price: Price\n  channel: Country\n",
        encoding="utf-8",
    )
    r = run_intake(raw, tmp_path / "out", column_map=cmap, salt=SALT)
    o = r.tables["orders"]
    assert o.groupby("order_id")["channel"].nunique().max() == 1 and o["channel"].notna().all()
    assert o["order_id"].duplicated().mean() > 0.9  # item lines: most invoices have several
    f = build_features(tmp_path / "out" / "clean", r.quality["as_of"], top_n=100)
    chan = f[[c for c in f.columns if c.startswith("chan_")]]
    assert o.loc[o["amount"] >= 0, "channel"].nunique() == chan.shape[1] > 5  # all of them
    buyers = chan[f["orders"] > 0]
    assert ((buyers >= 0) & (buyers <= 1)).all().all()
    assert (buyers.sum(axis=1) - 1).abs().max() < 1e-9
    assert chan[f["orders"] == 0].isna().all().all()  # no orders: no share, not 0
    uk = o[(o["amount"] >= 0) & (o["channel"] == "United Kingdom")]
    per = uk.groupby("customer_id")["order_id"].nunique() / o[o["amount"] >= 0].groupby(
        "customer_id"
    )["order_id"].nunique().reindex(uk["customer_id"].unique())
    got = f.set_index("customer_id")["chan_united_kingdom"].reindex(per.index)
    assert (got - per).abs().max() < 1e-12


def test_the_docstring_says_what_the_code_does(tiny):
    """Purchases are amount >= 0 (a zero-amount order is a purchase with no revenue), not
    "positive" orders; there is no 'other' category column."""
    from kequn.data import features

    doc = " ".join(features.__doc__.split())
    assert features.PURCHASE == "amount >= 0" and "``>= 0``" in doc
    assert "positive order" not in doc and "positive amount" not in doc
    f = build_features(tiny, "2024-12-31", top_n=1)
    assert [c for c in f.columns if c.startswith("cat_")] == ["cat_食品"]  # no cat_other
    assert "no 'other' column" in doc and "rest 'other'" not in doc
