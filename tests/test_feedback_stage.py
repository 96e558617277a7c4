"""Stage 05 pieces: sentiment learnt from the user's ratings (the shipped model without them), NPS
drivers recovering planted topic effects, and the alert list picking valuable customers with
negative or open issues (computed in kequn.models; the stage's words around them)."""

import numpy as np
import pandas as pd
import pytest
from kequn.data.settings import FeedbackSettings
from kequn.lang.i18n import t
from kequn.models import feedback, satisfaction, settings_rules, text, topics
from kequn.models.sentiment_model import score_feedback
from kequn.run.config import DEFAULTS
from kequn.stages import feedback as sf

F = FeedbackSettings.from_mapping(DEFAULTS["feedback"])


def test_sentiment_from_weak_labels_and_without_ratings():
    pos = [
        "很好吃，送得快",
        "味道不错，下次还点",
        "非常满意，包装好",
        "量大好吃",
        "好评，推荐",
    ] * 60
    neg = ["太难吃了", "送餐太慢，凉了", "很差，不会再点", "菜是冷的，失望", "分量太少，差评"] * 60
    fb = pd.DataFrame(
        {
            "text": pos + neg + ["量大，好评", "一般般"],
            "rating": [5] * 300 + [1] * 300 + [np.nan] * 2,
        }
    )
    fb = text.prepare(fb)
    r = score_feedback(fb, seed=7)
    assert (
        r.why_none is None
        and r.source == "ratings"
        and r.labelled == 600
        and r.figures["auc"] > 0.95
    )
    assert (
        r.default_figures["texts"] == 600 and r.default_figures["auc"] > 0.9
    )  # the shipped model, same texts
    lab = pd.Series(r.label)
    assert (lab[:300] == "positive").mean() > 0.9 and (lab[300:600] == "negative").mean() > 0.7
    assert (lab[:300] == "negative").sum() == 0 and lab.iloc[
        -2
    ] is not None  # the unrated text is scored too
    assert (
        lab.iloc[-1] is None and r.reason[-1] == "signal"
    )  # characters the model never saw: not scored
    assert f"{100 * r.default_figures['accuracy']:.1f}%" in sf.sentiment_note(r, "en")


def test_without_ratings_the_shipped_model_scores_every_text():
    texts = [
        "很好吃，送得快",
        "太难吃了，再也不点了",
        "Great food and fast delivery",
        "Cold food, terrible service",
        "",
        "系统默认好评",
    ]
    fb = text.prepare(pd.DataFrame({"text": texts}))
    r = score_feedback(fb, seed=7)
    assert r.source == "default" and r.figures is None and r.labelled == 0
    assert list(r.label) == ["positive", "negative", "positive", "negative", None, None]
    note = sf.sentiment_note(r, "zh")
    assert "自带的通用模型" in note and "86.0%" in note
    # a few ratings (too few to train on) are used to check the shipped model instead
    rated = text.prepare(pd.DataFrame({"text": ["好吃", "难吃"] * 15, "rating": [5, 1] * 15}))
    r = score_feedback(rated, seed=7)
    assert r.source == "default" and r.figures["texts"] == 30 and r.figures["accuracy"] == 1.0
    # nothing to score: the run says why (a catalogue key), and the page says it
    empty = score_feedback(text.prepare(pd.DataFrame({"text": ["", None]})), seed=7)
    assert empty.why_none == "f.sent_none" and empty.score is None and empty.scored == 0
    no_column = score_feedback(text.prepare(pd.DataFrame({"rating": [5, 1]})), seed=7)
    assert no_column.why_none == "f.no_text"


def test_drivers_recover_planted_topic_effects():
    rng = np.random.default_rng(2)
    n = 3000
    topic = rng.choice(["delivery", "price", "service", None], n, p=[0.25, 0.25, 0.25, 0.25])
    effect = (
        pd.Series(topic)
        .map({"delivery": -2.0, "price": 0.0, "service": 1.5})
        .fillna(0.0)
        .to_numpy()
    )
    nps = np.clip(np.round(6 + effect + rng.normal(0, 1.5, n)), 0, 10)
    dr = satisfaction.drivers(pd.DataFrame({"topic": topic, "nps": nps})).set_index("topic")
    assert (
        dr.loc["delivery", "low"] < -2.0 < dr.loc["delivery", "high"]
        or abs(dr.loc["delivery", "effect"] + 2) < 0.2
    )
    assert abs(dr.loc["service", "effect"] - 1.5) < 0.2 and dr.loc["price", "p"] > 0.01
    assert dr["effect"].is_monotonic_increasing


def test_alerts_pick_valuable_customers_with_open_or_negative_issues():
    as_of = pd.Timestamp("2024-06-30")
    fb = pd.DataFrame(
        {
            "feedback_id": ["F1", "F2", "F3", "F4", "F5"],
            "customer_id": ["A", "B", "C", "D", "A"],
            "created_at": pd.to_datetime(
                ["2024-06-01", "2024-06-10", "2024-01-01", "2024-06-20", "2024-06-25"]
            ),
            "kind": ["review", "complaint", "complaint", "review", "review"],
            "status": ["closed", "open", "resolved", "closed", "closed"],
            "sentiment": ["negative", "neutral", "negative", "negative", "positive"],
            "tier": ["key", "important", "key", "small", "key"],
            "clv": [900.0, 500.0, 800.0, 10.0, 900.0],
        }
    )
    a = feedback.alerts(fb, as_of, days=90)
    assert a["customer_id"].tolist() == [
        "A",
        "B",
    ]  # C's complaint is old and resolved; D is not valuable
    assert a["reason"].tolist() == ["negative", "unresolved"]
    assert a.loc[0, "feedback_id"] == "F1"  # the alerting feedback, not the later positive one
    # the stage's list (and CSV) says the reason and the tier in the report's language
    shown = sf.alerts(fb, as_of, days=90, lang="en")
    assert shown["reason"].tolist() == ["recent negative feedback", "complaint still open"]
    assert shown["tier"].tolist() == [t("tier.key", "en"), t("tier.important", "en")]


@pytest.mark.parametrize(
    "change, name",
    [
        ({"response_sla_hours": 0}, "feedback.response_sla_hours"),
        ({"topics": 1}, "feedback.topics"),
    ],
)
def test_bad_feedback_settings_are_named(change, name):
    from kequn.data.problems import InputError

    with pytest.raises(InputError) as e:
        settings_rules.feedback({**DEFAULTS["feedback"], **change})
    assert f"'{name}'" in str(e.value)


def test_complaint_ratings_judge_handling_and_stay_out_of_csat(tmp_path):
    clean = tmp_path / "clean"
    clean.mkdir()
    pd.DataFrame(
        {
            "feedback_id": ["F1", "F2", "F3"],
            "customer_id": ["A", "B", "C"],
            "created_at": pd.to_datetime(["2024-01-01"] * 3),
            "kind": ["review", "complaint", "complaint"],
            "text": ["好", "慢", "坏"],
            "rating": [5.0, 4.0, 1.0],
            "status": ["closed", "resolved", "open"],
        }
    ).to_parquet(clean / "feedback.parquet")
    fb = sf.load(tmp_path)
    assert fb["rating"].tolist()[0] == 5.0 and fb["rating"].iloc[1:].isna().all()
    assert fb["handling_rating"].iloc[1:].tolist() == [4.0, 1.0] and np.isnan(
        fb["handling_rating"].iloc[0]
    )
    facts, tm, ef = sf.complaint_facts(fb, pd.Timestamp("2024-02-01"), F, "en")
    assert (
        ef["rated_after"] == 1 and ef["satisfied_after"] == 1.0
    )  # only the resolved complaint's verdict counts


def _topic_frame(n=4000, seed=3):
    rng = np.random.default_rng(seed)
    month = rng.integers(1, 13, n)
    # "退款" triples its share in the last three months; the others share the rest
    p_refund = np.where(month >= 10, 0.30, 0.10)
    topic = np.where(rng.random(n) < p_refund, "退款", rng.choice(["物流", "质量", "价格"], n))
    created = pd.to_datetime(
        pd.DataFrame({"year": 2025, "month": month, "day": rng.integers(1, 29, n)})
    )
    seg = rng.integers(1, 4, n)
    return pd.DataFrame(
        {
            "topic": topic,
            "created_at": created,
            "month": created.dt.strftime("%Y-%m"),
            "segment": seg,
            "segment_name": pd.Series(seg).map({1: "甲", 2: "乙", 3: "丙"}),
        }
    )


def test_topic_trend_finds_the_rising_topic_and_nothing_else():
    tr = topics.topic_trend(_topic_frame()).set_index("topic")
    assert tr.loc["退款", "rising"] and 15 < tr.loc["退款", "change"] < 25
    assert not tr.drop(index="退款")["rising"].any()
    assert topics.topic_trend(_topic_frame().head(40)).empty  # too few texts to compare


def test_topic_mix_rows_and_columns():
    d = _topic_frame()
    seg = topics.mix(d, "segment", top=2)
    assert seg.shape == (3, 2) and list(seg.index) == ["1 · 甲", "2 · 乙", "3 · 丙"]
    assert (seg.sum(axis=1) < 1).all()  # shares of all topics; only the two largest shown
    month = topics.mix(d, "month", last=6)
    assert month.shape == (4, 6) and np.allclose(month.sum(axis=0), 1.0)
    assert topics.mix(d.assign(topic=None), "segment").empty


def test_channel_codes_translated_and_others_kept():
    assert [sf.channel_name(c, "zh") for c in ["app", "Hotline", "wechat", "抖音"]] == [
        "App",
        "客服热线",
        "微信",
        "抖音",
    ]
    assert sf.channel_name("store", "en") == "Store"


def test_bad_feedback_export_is_counted_and_handled_not_a_crash(tmp_path):
    """A GBK feedback export with an empty text, a 50,000-character text, a rating of 9, a
    complaint resolved before it was made and feedback from a customer not in the customer
    table: intake keeps what it can and counts the rest, and every stage-05 step runs."""
    from conftest import SALT
    from kequn.data.intake import run_intake

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "customers.csv").write_text(
        "customer_id,signup_date\nC1,2024-01-01\nC2,2024-01-01\n", encoding="utf-8"
    )
    (raw / "orders.csv").write_text(
        "order_id,customer_id,order_date,amount\n1,C1,2024-03-01,10\n2,C2,2024-04-01,20\n",
        encoding="utf-8",
    )
    rows = [
        "反馈编号,客户编号,创建时间,类型,内容,评分,首次响应时间,解决时间,状态",
        "F1,C1,2024-03-05 10:00,review,物流很快，包装很好,5,,,closed",
        "F2,C2,2024-03-06 10:00,review,,4,,,closed",
        "F3,C1,2024-03-07 10:00,review," + "质量很差" * 12_500 + ",1,,,closed",
        "F4,C2,2024-03-08 10:00,review,还行,9,,,closed",
        "F5,C1,2024-03-09 10:00,complaint,退款太慢了,,2024-03-09 12:00,2024-03-01 10:00,resolved",
        "F6,C9,2024-03-10 10:00,complaint,客服不回复,,2024-03-10 11:00,,open",
    ]
    raw_bytes = ("\n".join(rows) + "\n").encode("gbk")
    (raw / "feedback.csv").write_bytes(raw_bytes)
    out = tmp_path / "processed"
    r = run_intake(raw, out, salt=SALT)
    assert (raw / "feedback.csv").read_bytes() == raw_bytes  # the raw file is never touched
    cleaning = {(c["table"], c["rule"]): c["rows"] for c in r.quality["cleaning"]}
    assert cleaning[("feedback", "orphan_rows_dropped")] == 1
    assert cleaning[("feedback", "invalid_values_set_missing")] == 1  # the rating of 9
    shown = sf.intake_table(r.quality, "en")  # the report lists what intake did to the file
    assert len(shown) >= 3 and shown["Rows"].sum() >= 3 and set(shown["Table"]) == {"feedback"}
    fb = text.prepare(sf.load(out))
    assert len(fb) == 5 and fb["rating"].isna().sum() == 2  # F4's 9 and F5, a complaint
    assert fb["cut"].sum() == 1 and fb["clean_text"].str.len().max() == 2000
    assert (fb["language"] == "empty").sum() == 1
    sent = score_feedback(fb, seed=7)
    assert sent.source == "default" and pd.isna(sent.score[1]) and sent.label[2] == "negative"
    assert cleaning[("feedback", "resolved_at_before_creation_set_missing")] == 1
    facts, tm, ef = sf.complaint_facts(fb, pd.Timestamp("2024-04-01"), F, "en", r.quality)
    assert (
        tm["complaints"] == 1 and tm["resolution_median_h"] != tm["resolution_median_h"]
    )  # left out, so none
    assert facts[next(k for k in facts if "before" in k)] == "1" and "nan" not in " ".join(
        facts.values()
    )
    # an export without the handling columns still gets its complaint count, the rest reads "—"
    # (what is still open cannot be told without status or resolved_at: no backlog, not a made-up one)
    bare = fb.drop(columns=["first_response_at", "resolved_at", "status"])
    facts, tm, ef = sf.complaint_facts(bare, pd.Timestamp("2024-04-01"), F, "en")
    assert tm["complaints"] == 1 and tm["backlog"] is None and "nan" not in " ".join(facts.values())
    assert facts["Open complaints"] == "—"
