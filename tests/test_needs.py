"""kequn.models.needs and the Kano summaries: needs groups recover the planted personas, every label
is explained, key needs and disagreements follow their stated rules, settings are checked."""

import numpy as np
import pandas as pd
import pytest
from kequn.data.features import build_features
from kequn.data.intake import run_intake
from kequn.data.privacy import load_salt, pseudonymize
from kequn.data.problems import InputError
from kequn.models import kano, needs, settings_rules
from kequn.run.config import DEFAULTS


def test_needs_groups_recover_the_planted_personas(demo_dir, tmp_path):
    res = run_intake(demo_dir, tmp_path, salt="needs-test")
    f = build_features(tmp_path / "clean", res.quality["as_of"])
    s = needs.needs_scores(f, DEFAULTS["needs"])
    truth = pd.read_parquet(demo_dir / "_truth" / "customers.parquet")
    persona = pd.Series(
        truth["persona"].to_numpy(),
        index=pseudonymize(truth["customer_id"], load_salt("needs-test")),
    )
    s["persona"] = s["customer_id"].map(persona)
    b = s[s["needs_group"].notna()]
    recall = b.groupby("persona")["needs_group"].value_counts(normalize=True)
    assert (
        recall["bargain", "price"] > 0.8
        and recall["premium", "quality"] > 0.6
        and recall["service", "service"] > 0.45
    )
    assert (b.loc[b["persona"] == "premium", "needs_group"] != "price").mean() > 0.95
    assert (
        s.loc[f["orders"].to_numpy() == 0, "needs_group"].isna().all()
    )  # never bought: no needs group
    assert b.loc[b["needs_group"] != "balanced", "reason"].notna().all()
    assert set(needs.signal_names(f)["price"]) == {
        "discount_share",
        "coupon_share",
        "psy_price_sensitivity",
    }


def test_needs_rule_on_hand_made_customers():
    f = pd.DataFrame(
        {
            "customer_id": list("ABCDE"),
            "orders": [3, 3, 3, 3, 0],
            "discount_share": [0.9, 0.1, 0.2, 0.5, np.nan],
            "coupon_share": [0.8, 0.0, 0.1, 0.5, np.nan],
            "avg_order_value": [50.0, 900, 200, 300, np.nan],
            "complaints": [0, 0, 6, 1, 0],
            "feedback": [0, 1, 9, 2, 0],
            "tenure_days": [365] * 5,
            "psy_quality_focus": [1.0, 5, 2, 3, np.nan],
        }
    )  # order value alone is no quality signal (issue 16)
    s = needs.needs_scores(f).set_index("customer_id")
    assert s["needs_group"].to_dict() == {
        "A": "price",
        "B": "quality",
        "C": "service",
        "D": "balanced",
        "E": None,
    }
    assert s.loc["A", "reason"] in ("discount_share P100", "coupon_share P100")
    assert s.loc["A", "score_price"] == 1.0 and s.loc["B", "score_quality"] == 1.0


def test_key_needs_order_and_disagreement_rules():
    ev = pd.DataFrame(
        {
            "feature": ["a", "b", "c", "d", "e"],
            "cat_mom": ["A", "M", "O", "I", "M"],
            "better": [0.7, 0.1, 0.6, 0.2, 0.2],
            "worse": [-0.1, -0.8, -0.6, -0.1, -0.5],
            **{f"share_{c}": [0.5] * 5 for c in kano.CATEGORIES},
        }
    )
    k = kano.key_needs(ev, None, "cat_mom")
    assert k["feature"].tolist() == ["b", "e", "c", "a"] and k["priority"].tolist() == [1, 2, 3, 4]
    by = pd.DataFrame(
        {
            "feature": ["x", "x", "y", "y", "x"],
            "segment": [1, 2, 1, 2, 3],
            "cat_mom": ["M", "A", "O", "O", "I"],
            "total": [50, 40, 50, 40, 10],
        }
    )
    d = kano.disagreement(by, "segment", "cat_mom", min_n=30)
    assert (
        d.index.tolist() == ["x"] and 3 not in d.columns
    )  # segment 3 has too few answers to count


@pytest.mark.parametrize(
    "change, name",
    [
        ({"kano_table": "fancy"}, "needs.kano_table"),
        ({"kano_rule": "max"}, "needs.kano_rule"),
        ({"min_score": 1.5}, "needs.min_score"),
    ],
)
def test_bad_needs_settings_are_named(change, name):
    with pytest.raises(InputError) as e:
        settings_rules.needs({**DEFAULTS["needs"], **change})
    assert f"'{name}'" in str(e.value)


def test_segment_kano_names_its_own_key_needs_and_where_it_departs():
    """Segment 1 sees 积分 as attractive, the base as indifferent; segment 2 has too few answers."""
    from kequn.models.kano import segment_kano

    rows = (
        [("快递", 1, "M")] * 40
        + [("积分", 1, "A")] * 30
        + [("积分", 1, "I")] * 10
        + [("快递", 2, "M")] * 5
        + [("积分", 2, "I")] * 5
        + [("快递", 3, "M")] * 60
        + [("积分", 3, "I")] * 90
    )
    a = pd.DataFrame(rows, columns=["feature", "segment", "category"])
    ev = kano.evaluate(kano.tally(a), 0.05, 30)
    ev_seg = kano.evaluate(kano.tally(a, by=("segment", "feature")), 0.05, 30)
    k = segment_kano(ev_seg, ev, "cat_mom")
    assert k["1"] == {
        "answers": 40,
        "key": [["快递", "M"], ["积分", "A"]],
        "differs": [["积分", "A", "I"]],
    }
    assert k["2"]["key"] == [] and k["2"]["differs"] == []
    assert k["3"]["key"] == [["快递", "M"]] and k["3"]["differs"] == []
    assert segment_kano(None, ev, "cat_mom") == {}


def _scores():
    """Five customers: two price-seeking, one balanced, one quality-seeking, one non-buyer."""
    return pd.DataFrame(
        {
            "customer_id": list("ABCDE"),
            "score_price": [0.9, 0.7, 0.5, 0.1, np.nan],
            "score_service": [0.2, 0.4, 0.5, 0.3, np.nan],
            "score_quality": [0.1, 0.3, 0.5, 0.8, np.nan],
            "needs_group": ["price", "price", "balanced", "quality", None],
        }
    )


def test_group_table_counts_buyers_and_averages_their_scores():
    g = needs.group_table(_scores()).set_index("group")
    assert g.index.tolist() == ["price", "service", "quality", "balanced"]
    assert g["customers"].tolist() == [2, 0, 1, 1]
    assert g["share"].tolist() == [0.5, 0.0, 0.25, 0.25]  # of the 4 buyers, not of 5 customers
    assert g.loc["price", "score_price"] == pytest.approx(0.8)
    assert g.loc["price", "score_quality"] == pytest.approx(0.2)
    assert np.isnan(g.loc["service", "score_price"])  # nobody in it: no mean
    nobody = needs.group_table(_scores().assign(needs_group=None))
    assert nobody["customers"].sum() == 0 and nobody["share"].isna().all()


def test_group_shares_per_segment_and_per_any_key():
    s = _scores()
    seg = pd.DataFrame(
        {"customer_id": list("ABCDE"), "segment": [1, 2, 1, 2, 1], "segment_name": list("xyxyx")}
    )
    tab = needs.groups_by_segment(s, seg)
    assert tab.index.tolist() == [(1, "x"), (2, "y")]
    assert list(tab.columns) == ["price", "service", "quality", "balanced"]
    # segment 1: A price, C balanced (E never bought); segment 2: B price, D quality
    assert tab.loc[(1, "x")].tolist() == [0.5, 0.0, 0.0, 0.5]
    assert tab.loc[(2, "y")].tolist() == [0.5, 0.0, 0.5, 0.0]
    persona = s["customer_id"].map({"A": "bargain", "B": "bargain", "C": "premium", "D": "premium"})
    by = needs.group_shares(s, persona)
    assert by.loc["bargain"].tolist() == [1.0, 0.0, 0.0, 0.0]
    assert by.loc["premium"].tolist() == [0.0, 0.0, 0.5, 0.5]
