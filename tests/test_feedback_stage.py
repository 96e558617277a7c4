"""Stage 05 pieces: sentiment learnt from the user's ratings (and refused without them), NPS
drivers recovering planted topic effects, and the alert list picking valuable customers with
negative or open issues."""
import numpy as np
import pandas as pd
import pytest

from kequn import stage_feedback as sf
from kequn.config import DEFAULTS


def test_sentiment_from_weak_labels_and_without_ratings():
    pos = ["很好吃，送得快", "味道不错，下次还点", "非常满意，包装好", "量大好吃", "好评，推荐"] * 60
    neg = ["太难吃了", "送餐太慢，凉了", "很差，不会再点", "菜是冷的，失望", "分量太少，差评"] * 60
    fb = pd.DataFrame({"text": pos + neg + ["一般般"], "rating": [5] * 300 + [1] * 300 + [np.nan]})
    fb = sf.prepare_text(fb)
    r = sf.sentiment_run(fb, seed=7)
    assert r["none"] is None and r["labelled"] == 600 and r["figures"]["auc"] > 0.95
    lab = pd.Series(r["label"])
    assert (lab[:300] == "positive").mean() > 0.9 and (lab[300:600] == "negative").mean() > 0.7
    assert (lab[:300] == "negative").sum() == 0 and lab.iloc[-1] is not None  # the unrated text is scored too
    assert sf.sentiment_run(fb.assign(rating=np.nan), seed=7) == {"none": "no_ratings"}


def test_drivers_recover_planted_topic_effects():
    rng = np.random.default_rng(2)
    n = 3000
    topic = rng.choice(["delivery", "price", "service", None], n, p=[0.25, 0.25, 0.25, 0.25])
    effect = pd.Series(topic).map({"delivery": -2.0, "price": 0.0, "service": 1.5}).fillna(0.0).to_numpy()
    nps = np.clip(np.round(6 + effect + rng.normal(0, 1.5, n)), 0, 10)
    dr = sf.drivers(pd.DataFrame({"topic": topic, "nps": nps})).set_index("topic")
    assert dr.loc["delivery", "low"] < -2.0 < dr.loc["delivery", "high"] or abs(dr.loc["delivery", "effect"] + 2) < 0.2
    assert abs(dr.loc["service", "effect"] - 1.5) < 0.2 and dr.loc["price", "p"] > 0.01
    assert dr["effect"].is_monotonic_increasing


def test_alerts_pick_valuable_customers_with_open_or_negative_issues():
    as_of = pd.Timestamp("2024-06-30")
    fb = pd.DataFrame({
        "feedback_id": ["F1", "F2", "F3", "F4", "F5"], "customer_id": ["A", "B", "C", "D", "A"],
        "created_at": pd.to_datetime(["2024-06-01", "2024-06-10", "2024-01-01", "2024-06-20", "2024-06-25"]),
        "kind": ["review", "complaint", "complaint", "review", "review"],
        "status": ["closed", "open", "resolved", "closed", "closed"],
        "sentiment": ["negative", "neutral", "negative", "negative", "positive"],
        "tier": ["key", "important", "key", "small", "key"], "clv": [900.0, 500.0, 800.0, 10.0, 900.0]})
    a = sf.alerts(fb, as_of, days=90, lang="en")
    assert a["customer_id"].tolist() == ["A", "B"]  # C's complaint is old and resolved; D is not valuable
    assert a["reason"].tolist() == ["recent negative feedback", "complaint still open"]
    assert a.loc[0, "feedback_id"] == "F1"  # the alerting feedback, not the later positive one


@pytest.mark.parametrize("change, name", [({"response_sla_hours": 0}, "feedback.response_sla_hours"),
                                          ({"topics": 1}, "feedback.topics")])
def test_bad_feedback_settings_are_named(change, name):
    from kequn.problems import InputError
    with pytest.raises(InputError) as e:
        sf.settings_check({**DEFAULTS["feedback"], **change})
    assert f"'{name}'" in str(e.value)
