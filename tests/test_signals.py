"""Issue 16, signals or silence: every derived figure from its real inputs, or not at all.

- growth compares two equal windows that both lie inside the data (else it is missing, with the
  reason), on hand-made orders through ``build_features``;
- attractiveness is led by value (revenue share, CLV) with the weights stated;
- reach only with events or an online order channel; needs groups only from signals that speak for
  a need (order value alone is none); the geography heading from the region's values.

The Online Retail pages are checked end to end in test_real_exports.py.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from kequn.data.features import build_features
from kequn.data.io import write_table_atomic
from kequn.models import needs, profiling
from kequn.models import segment_cards as mc
from kequn.models import segment_profile as sp
from kequn.stages import clustering as sc


def _clean(tmp_path, first: str, as_of: str):
    """Two customers with one order a month from ``first`` to ``as_of``: A spends 100 a month, B
    spends 10 a month before the last 182 days and 40 a month in them."""
    days = pd.date_range(first, as_of, freq="MS")
    as_of_ts = pd.Timestamp(as_of)
    rows = []
    for i, d in enumerate(days):
        recent = d > as_of_ts - pd.Timedelta(days=182)
        rows.append({"customer_id": "A", "order_id": f"a{i}", "order_date": d, "amount": 100.0})
        rows.append(
            {
                "customer_id": "B",
                "order_id": f"b{i}",
                "order_date": d,
                "amount": 40.0 if recent else 10.0,
            }
        )
    clean = tmp_path / "clean"
    clean.mkdir()
    orders = pd.DataFrame(rows)
    write_table_atomic(orders, clean / "orders.parquet")
    write_table_atomic(pd.DataFrame({"customer_id": ["A", "B"]}), clean / "customers.parquet")
    return clean, orders


def _growth(features: pd.DataFrame) -> pd.Series:
    names = pd.DataFrame({"segment": [1, 2], "segment_name": ["A", "B"]})
    return sp.attractiveness(features, np.array([1, 2]), names).table.set_index("segment")["growth"]


def test_growth_only_from_two_windows_inside_the_data(tmp_path):
    """Seven months of orders: the 6 months before the last 6 hold one month of data, so there is
    no growth (the old code divided by that month: +300% for B); two years: growth is measured."""
    clean, _ = _clean(tmp_path, "2009-12-01", "2010-06-30")
    f = build_features(clean, "2010-06-30")
    assert f["revenue_prior_6m"].isna().all()
    a = sp.attractiveness(
        f, np.array([1, 2]), pd.DataFrame({"segment": [1, 2], "segment_name": ["A", "B"]})
    )
    assert a.table["growth"].isna().all() and "growth" in a.left_out
    quality = {
        "as_of": "2010-06-30",
        "span": {"orders": {"first": "2009-12-01", "last": "2010-06-30"}},
    }
    gap = sp.growth_gap(quality)
    assert gap == sp.GrowthGap(first="2009-12-01", needed="2009-07-02")
    a = dataclasses.replace(a, growth_gap=gap)
    assert a.figures()["growth_gap"] == {"first": "2009-12-01", "needed": "2009-07-02"}
    ran = sp.run_attractiveness(
        f, np.array([1, 2]), a.table[["segment", "segment_name"]], {}, quality
    )
    assert ran.growth_gap == gap  # the run's ranking carries why growth is missing
    note = sp.attract_note(a, "en")
    assert "growth is not counted" in note and "2009-12-01" in note and "2009-07-02" in note
    assert (sc.attract_table(a, "en")["Revenue growth"] == "—").all()
    # two years of orders: both windows are complete and growth is last / prior − 1 as computed
    # here by hand from the orders
    whole = tmp_path / "two_years"
    whole.mkdir()
    clean, orders = _clean(whole, "2008-07-01", "2010-06-30")
    f = build_features(clean, "2010-06-30")
    as_of = pd.Timestamp("2010-06-30")
    d = orders["order_date"]
    last = orders[d > as_of - pd.Timedelta(days=182)].groupby("customer_id")["amount"].sum()
    prior = (
        orders[(d > as_of - pd.Timedelta(days=364)) & (d <= as_of - pd.Timedelta(days=182))]
        .groupby("customer_id")["amount"]
        .sum()
    )
    assert f.set_index("customer_id")["revenue_prior_6m"].to_dict() == prior.to_dict()
    g = _growth(f)
    assert g[1] == pytest.approx(last["A"] / prior["A"] - 1) and g[2] == pytest.approx(
        last["B"] / prior["B"] - 1
    )
    assert g[2] > 1  # B quadrupled its monthly spend


def _segments():
    """A: two big established buyers; B: six new low spenders whose prior half-year is nearly
    empty (growth in the thousands of %), all reachable through events; C: two middling buyers."""
    f = pd.DataFrame(
        {
            "monetary": [5000.0, 5000] + [100.0] * 6 + [500.0, 500],
            "revenue_last_6m": [2500.0, 2500] + [100.0] * 6 + [250.0, 250],
            "revenue_prior_6m": [2500.0, 2500] + [0.1] * 6 + [250.0, 250],
            "events": [0, 0] + [3] * 6 + [0, 0],
        }
    )
    labels = np.array([1, 1] + [2] * 6 + [3, 3])
    names = pd.DataFrame({"segment": [1, 2, 3], "segment_name": ["big", "new small", "middle"]})
    clv = np.array([3000.0, 3000] + [50.0] * 6 + [300.0, 300])
    return f, labels, names, clv


def test_attractiveness_is_led_by_value():
    """The highest revenue and CLV segment ranks first by default, although the new low spenders
    are larger, grow fastest and are all reachable (equal weights put them first)."""
    f, labels, names, clv = _segments()
    a = sp.attractiveness(f, labels, names)
    assert a.table.iloc[0]["segment"] == 1
    assert a.weights == {
        "revenue_share": 3.0,
        "value": 1.0,
        "size": 1.0,
        "growth": 1.0,
        "reach": 1.0,
    }
    assert a.left_out == ["clv"]
    with_clv = sp.attractiveness(f, labels, names, clv=clv)
    assert with_clv.table["segment"].tolist()[0] == 1 and "clv" in with_clv.weights
    assert with_clv.table.set_index("segment")["clv"].to_dict() == {1: 3000.0, 2: 50.0, 3: 300.0}
    note = sp.attract_note(with_clv, "zh")
    assert "收入占比 3" in note and "人均客户终身价值 2" in note
    # equal weights (the old defaults) would choose the new low spenders
    equal = {"revenue_share": 0, "clv": 0, "size": 1, "value": 1, "growth": 1, "reach": 1}
    assert sp.attractiveness(f, labels, names, equal).table.iloc[0]["segment"] == 2


def test_summary_ranks_again_with_lifetime_value():
    """Stage 06 adds each segment's mean CLV to stage 02's figures, by stage 02's weights."""
    f, labels, names, clv = _segments()
    a = sp.attractiveness(
        f, labels, names, {"revenue_share": 0, "value": 0, "size": 0, "growth": 0, "reach": 1}
    )
    fig = a.figures()
    cards = pd.DataFrame({"segment": [1, 2, 3], "clv_mean": [10.0, 5000.0, 1.0]})
    fig["weights"] = {**fig["weights"], "clv": 5.0}
    ranking = mc.attractiveness_ranking(cards, {"attractiveness": fig})
    assert ranking.table.iloc[0]["segment"] == 2 and ranking.weights["clv"] == 5.0
    assert mc.attractiveness_ranking(cards, {}) is None


def test_reach_only_with_a_channel_to_reach_them():
    """No events and no online order channel: no reach (the old code used "bought in the last
    180 days"); an online order channel gives it."""
    f = pd.DataFrame({"monetary": [10.0, 20, 30, 40], "recency_days": [5, 5, 400, 400]})
    labels, names = (
        np.array([1, 1, 2, 2]),
        pd.DataFrame({"segment": [1, 2], "segment_name": ["a", "b"]}),
    )
    a = sp.attractiveness(f, labels, names)
    assert a.table["reach"].isna().all() and "reach" in a.left_out and a.reach_basis is None
    assert not any("Reach" in c for c in sc.attract_table(a, "en").columns)
    f["chan_web"], f["chan_store"] = [1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 1.0, 1.0]
    a = sp.attractiveness(
        f, labels, names, feature_labels={"chan_web": "官网", "chan_store": "门店"}
    )
    assert a.reach_basis == "online_orders" and a.table.set_index("segment")["reach"].to_dict() == {
        1: 0.5,
        2: 0.0,
    }


def test_order_value_alone_makes_no_needs_group():
    """A wholesaler's export: order value is the only behaviour there is. No need has a signal,
    so nobody gets a group, not even "balanced" (the old code called the big buyers quality-seeking)."""
    f = pd.DataFrame(
        {
            "customer_id": list("ABCD"),
            "orders": [3, 3, 3, 0],
            "avg_order_value": [50.0, 900, 200, np.nan],
            "tenure_days": [200] * 4,
        }
    )
    s = needs.needs_scores(f)
    assert s["needs_group"].isna().all()
    assert needs.signal_names(f) == {"price": [], "service": [], "quality": []}
    f["psy_quality_focus"] = [1.0, 5, 2, np.nan]  # a stated quality focus: order value joins it
    s = needs.needs_scores(f).set_index("customer_id")
    assert needs.signal_names(f)["quality"] == ["avg_order_value", "psy_quality_focus"]
    assert s.loc["B", "needs_group"] == "quality" and s.loc["A", "needs_group"] == "balanced"


@pytest.mark.parametrize(
    "values, key",
    [
        (["United Kingdom", "Germany", "France", "EIRE", "USA", None], "region.country"),
        (["广东省", "浙江", "北京市", "内蒙古自治区"], "region"),
        (["A", "B", "E", "Unknown"], "region.area"),
    ],
)
def test_geography_heading_follows_the_values(values, key):
    bands = pd.DataFrame({"region": values, "monetary": 1.0, "orders": 1})
    head = profiling.distribution(bands, "region", "zh").columns[0]
    assert head == {"region.country": "国家/地区", "region": "省份", "region.area": "地区"}[key]
    assert profiling.region_kind(pd.Series(values, dtype="object")) == key
