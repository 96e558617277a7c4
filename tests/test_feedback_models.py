"""The feedback stage's computations in kequn.models, each against an answer worked out by hand:
text preparation, sentiment labels and the run that scores a feedback table through the public
``Sentiment``, agreement with planted labels, topics per language and their figures, complaint
handling, the alert list and the stage's figures (feedback.json)."""

import numpy as np
import pandas as pd
import pytest
from kequn.data.paths import RunFolder
from kequn.models import complaints, feedback, sentiment, text, topics
from kequn.models.sentiment_model import Sentiment, SentimentRun, score_feedback, weak_labels

# ---- text


def test_prepare_cleans_cuts_and_tells_language_and_month():
    fb = pd.DataFrame(
        {
            "text": ["<b>好</b> http://x.com", "系统默认好评", None, "a" * 2500],
            "created_at": pd.to_datetime(["2024-01-31", "2024-02-01", "2024-02-29", "2025-12-01"]),
        }
    )
    out = text.prepare(fb)
    assert out["clean_text"].tolist() == ["好", "", "", "a" * 2000]
    assert out["boilerplate"].tolist() == [False, True, False, False]
    assert out["cut"].tolist() == [False, False, False, True]
    assert out["language"].tolist() == ["zh", "empty", "empty", "en"]
    assert out["month"].tolist() == ["2024-01", "2024-02", "2024-02", "2025-12"]
    assert list(fb.columns) == ["text", "created_at"]  # the input is left as it was
    bare = text.prepare(pd.DataFrame({"rating": [5, 1]}))  # no text column, no dates
    assert bare["clean_text"].tolist() == ["", ""] and "month" not in bare
    assert bare["language"].tolist() == ["empty", "empty"]


def test_language_shares_count_every_language_in_order():
    s = text.language_shares(pd.Series(["zh", "zh", "en", "other"]))
    assert s["language"].tolist() == ["zh", "en", "mixed", "other", "empty"]
    assert s["texts"].tolist() == [2, 1, 0, 1, 0]
    assert s["share"].tolist() == [0.5, 0.25, 0.0, 0.25, 0.0]


# ---- sentiment


def test_labels_have_a_neutral_band_and_emoji_judged_by_their_majority():
    # threshold 0.4, band 0.15: positive from 0.55, negative up to 0.25
    score = [0.56, 0.54, 0.26, 0.24, np.nan]
    assert sentiment.labels(score, 0.4).tolist() == [
        "positive",
        "neutral",
        "neutral",
        "negative",
        None,
    ]
    # an emoji text's score is its share of positive emoji: more positive, a tie, fewer
    got = sentiment.labels([0.51, 0.5, 0.0, 0.51], 0.4, emoji=[True, True, True, False])
    assert got.tolist() == ["positive", "neutral", "negative", "neutral"]


def test_ratings_become_weak_labels():
    assert weak_labels([5, 4, 3, 2, 1, np.nan]).tolist() == [1, 1, -1, 0, 0, -1]


POS = ["很好吃，送得快", "味道不错，下次还点", "非常满意，包装好", "量大好吃", "好评，推荐"]
NEG = ["太难吃了", "送餐太慢，凉了", "很差，不会再点", "菜是冷的，失望", "分量太少，差评"]


def test_only_readable_rated_texts_teach_or_check_the_model():
    # 150 rated texts the model reads, 3-star ones and Korean ones that it does not count
    fb = pd.DataFrame(
        {
            "text": POS * 15 + NEG * 15 + ["还行"] * 30 + ["최악이에요"] * 100,
            "rating": [5] * 75 + [1] * 75 + [3] * 30 + [1] * 100,
        }
    )
    r = score_feedback(text.prepare(fb), seed=7)  # 150 < 200: the shipped model, checked
    assert r.source == "default" and r.labelled == 150 and r.figures["texts"] == 150
    assert r.not_scored["language"] == 100 and r.scored == 180
    # more rated texts than max_train: a sample of max_train trains and cross-validates
    r = score_feedback(text.prepare(fb), seed=7, min_labelled=50, max_train=100)
    assert r.source == "ratings" and r.labelled == 100 and r.figures["texts"] == 100
    assert r.default_figures["texts"] == 100 and isinstance(r, SentimentRun)


def test_the_estimator_reads_given_languages_and_keeps_the_index():
    shipped = Sentiment.shipped()
    a = shipped.assess(pd.Series(["很差", "很好"], index=[10, 20]), languages=["zh", "other"])
    assert a.index.tolist() == [10, 20] and a["basis"].tolist() == ["model", None]
    assert a["reason"].tolist() == [None, "language"]  # told it is another language: no score
    assert a.loc[10, "score"] < shipped.threshold_


def test_figures_on_other_labelled_texts():
    texts = POS[:3] + NEG[:3] + ["量大好吃"]
    y = np.array([1, 1, 1, 0, 0, 0, 0])  # the last one mislabelled on purpose
    shipped = Sentiment.shipped()
    assert shipped.predict(texts).tolist() == [1, 1, 1, 0, 0, 0, 1]
    f = shipped.figures_on(texts, y)
    assert f["texts"] == 7 and f["accuracy"] == pytest.approx(6 / 7)
    assert f["balanced_accuracy"] == pytest.approx((1 + 3 / 4) / 2)
    p = shipped.predict_proba(texts)[:, 1]  # AUC by hand: P(a positive outranks a negative)
    pairs = [(i, j) for i in np.flatnonzero(y == 1) for j in np.flatnonzero(y == 0)]
    wins = [1.0 if p[i] > p[j] else 0.5 if p[i] == p[j] else 0.0 for i, j in pairs]
    assert f["auc"] == pytest.approx(np.mean(wins))


def test_sentiment_shares_per_segment():
    fb = pd.DataFrame(
        {
            "segment": [1, 1, 1, 2, 2, np.nan],
            "segment_name": ["甲", "甲", "甲", "乙", "乙", None],
            "sentiment": ["positive", "negative", "positive", "neutral", None, "negative"],
        }
    )
    tab = sentiment.by_segment(fb)
    assert tab.index.tolist() == ["1 · 甲", "2 · 乙"]
    assert tab.columns.tolist() == ["positive", "neutral", "negative"]
    np.testing.assert_allclose(tab.to_numpy(), [[2 / 3, 0, 1 / 3], [0, 1, 0]])


def test_agreement_with_planted_labels(tmp_path):
    fb = pd.DataFrame(
        {
            "feedback_id": ["F1", "F2", "F3", "F4", "F5", "F6"],
            "sentiment": ["positive", "negative", "neutral", "positive", None, "negative"],
        }
    )
    planted = pd.DataFrame(
        {
            "feedback_id": ["F1", "F2", "F3", "F4", "F5"],
            "sentiment": ["positive", "positive", "negative", "neutral", "negative"],
        }
    )
    # F1 agrees, F2 does not; F3 and F4 are neutral on one side, F5 unlabelled, F6 not planted
    assert sentiment.agreement(fb, planted) == sentiment.Agreement(n=2, accuracy=0.5)
    assert sentiment.agreement(fb.head(1).assign(sentiment="neutral"), planted) is None
    assert sentiment.planted_agreement(tmp_path, fb) is None  # real data: no planted labels
    (tmp_path / "_truth").mkdir()
    planted.to_parquet(tmp_path / "_truth" / "feedback.parquet")
    assert sentiment.planted_agreement(tmp_path, fb) == sentiment.Agreement(2, 0.5)
    assert sentiment.planted_agreement(tmp_path, fb.drop(columns="sentiment")) is None
    assert sentiment.planted_agreement("postgresql://db/x", fb) is None


# ---- topics


def test_topics_per_language_with_enough_texts():
    zh = ["物流很快，包装很好，快递速度", "客服态度很差，客服不回复"] * 20
    fb = text.prepare(pd.DataFrame({"text": zh + ["The delivery was late"] * 3}))
    run = topics.per_language(fb, k=2, seed=7, min_texts=20)
    assert set(run.tables) == {"zh"} and run.topic.index.equals(fb.index)
    assert run.topic.iloc[-3:].isna().all()  # three English texts: too few for topics
    first, second = run.topic.iloc[0], run.topic.iloc[1]
    assert first != second and {first, second} == set(run.tables["zh"]["name"])
    assert (run.topic.iloc[:40:2] == first).all() and (run.topic.iloc[1:40:2] == second).all()
    terms = run.tables["zh"].set_index("name")["terms"]
    assert "物流" in terms[first] and "客服" in terms[second]


def test_languages_with_too_few_texts():
    langs = pd.Series(["zh"] * 3 + ["en"] * 10 + ["other"])
    assert topics.too_few(langs, 5) == {"zh": 3}
    assert topics.too_few(langs, 11) == {"zh": 3, "en": 10}
    assert topics.too_few(pd.Series(["en"] * 3), 5) == {"en": 3}  # no Chinese: not named


def test_keywords_by_language_share_of_that_languages_texts():
    en = ["late delivery"] * 3 + ["delivery damaged box"]
    fb = text.prepare(pd.DataFrame({"text": en + ["物流很快"] * 3}))
    kw = topics.keywords_by_language(fb, top=2, min_texts=4)
    assert kw["language"].tolist() == ["en", "en"]  # three Chinese texts: too few
    assert kw["word"].tolist() == ["delivery", "late"] and kw["texts"].tolist() == [4, 3]
    assert kw["share"].tolist() == [1.0, 0.75]
    assert topics.keywords_by_language(fb, min_texts=10).empty


def test_topic_figures_by_hand():
    fb = pd.DataFrame(
        {
            "topic": ["a", "a", "a", "b", None],
            "sentiment": ["negative", "positive", None, "negative", "negative"],
            "kind": ["complaint", "review", "complaint", "review", "complaint"],
        }
    )
    f = topics.topic_figures(fb)
    assert f["topic"].tolist() == ["a", "b"] and f["texts"].tolist() == [3, 1]
    assert f["share"].tolist() == [0.6, 0.2]  # of all five texts, the one without a topic too
    assert f["negative_share"].tolist() == [0.5, 1.0]  # of the labelled ones
    assert f["complaints"].tolist() == [2, 0]
    assert topics.topic_figures(fb[["topic"]]).columns.tolist() == ["topic", "texts", "share"]


def test_largest_moves_either_way_rise_first():
    tr = pd.DataFrame({"topic": list("wxyz"), "change": [5.0, -8.0, 1.0, 3.0]})
    assert topics.largest_moves(tr, n=2)["topic"].tolist() == ["w", "x"]
    assert topics.largest_moves(tr)["topic"].tolist() == ["w", "z", "y", "x"]


# ---- complaints


def test_a_complaints_rating_judges_its_handling():
    fb = pd.DataFrame({"kind": ["review", "complaint", None], "rating": [5.0, 2.0, 4.0]})
    out = complaints.rating_apart(fb)
    assert out["rating"].tolist()[::2] == [5.0, 4.0] and np.isnan(out["rating"][1])
    assert out["handling_rating"].isna().tolist() == [True, False, True]
    assert out.loc[1, "handling_rating"] == 2.0
    no_kind = fb.drop(columns="kind")
    assert complaints.rating_apart(no_kind) is no_kind


def test_handling_counts_impossible_times_found_here_and_at_intake():
    t0 = pd.Timestamp("2024-03-01 10:00")
    fb = pd.DataFrame(
        {
            "kind": ["complaint", "complaint", "review"],
            "created_at": [t0] * 3,
            "first_response_at": [t0 + pd.Timedelta(hours=2), t0 - pd.Timedelta(hours=1), t0],
            "resolved_at": [t0 + pd.Timedelta(hours=30), pd.NaT, pd.NaT],
            "status": ["resolved", "open", "closed"],
            "handling_rating": [5.0, np.nan, np.nan],
            "rating": [np.nan, np.nan, 1.0],
        }
    )
    quality = {
        "cleaning": [
            {"table": "feedback", "rule": "resolved_at_before_creation_set_missing", "rows": 2},
            {"table": "feedback", "rule": "orphan_rows_dropped", "rows": 5},
            {"table": "orders", "rule": "resolved_at_before_creation_set_missing", "rows": 7},
        ]
    }
    assert complaints.fixed_at_intake(quality) == 2 and complaints.fixed_at_intake(None) == 0
    h = complaints.handling(fb, t0 + pd.Timedelta(days=10), 24, 72, quality)
    assert h.timeliness["complaints"] == 2  # the review is not a complaint
    assert h.timeliness["time_travel"] == 1 and h.time_travel == 1 + 2
    assert h.timeliness["response_median_h"] == 2.0  # the answer before the complaint left out
    assert h.timeliness["backlog"] == 1 and h.timeliness["backlog_over_sla"] == 1
    assert h.effectiveness["rated_after"] == 1 and h.effectiveness["satisfied_after"] == 1.0
    assert h.effectiveness["resolution_rate"] == 0.5


# ---- alerts and the stage's figures


def test_a_top_decile_clv_customer_with_both_reasons():
    as_of = pd.Timestamp("2024-06-30")
    n = 20
    fb = pd.DataFrame(
        {
            "feedback_id": [f"F{i}" for i in range(n)],
            "customer_id": [f"C{i}" for i in range(n)],
            "created_at": [as_of - pd.Timedelta(days=5)] * n,
            "kind": ["review"] * n,
            "status": ["closed"] * n,
            "sentiment": ["positive"] * n,
            "tier": ["ordinary"] * n,
            "clv": np.arange(1.0, n + 1),  # the 90th percentile is 18.1: C18 and C19 are valuable
        }
    )
    fb.loc[19, ["kind", "status", "sentiment"]] = ["complaint", "open", "negative"]
    fb.loc[18, "created_at"] = as_of - pd.Timedelta(days=200)  # negative, but long ago
    fb.loc[18, "sentiment"] = "negative"
    fb.loc[4, "sentiment"] = "negative"  # recent and negative, but not valuable
    a = feedback.alerts(fb, as_of, days=90)
    assert a["customer_id"].tolist() == ["C19"] and a["reason"].tolist() == ["both"]
    assert a.columns.tolist() == [
        "customer_id",
        "tier",
        "clv",
        "reason",
        "last_feedback",
        "feedback_id",
    ]
    assert feedback.alerts(fb.drop(columns="tier"), as_of, 90).empty  # value stage did not run


def test_stage_figures_by_hand():
    fb = pd.DataFrame(
        {
            "language": ["zh", "zh", "en", "other"],
            "nps": [10, 9, 8, 3],
            "rating": [5, 4, 2, np.nan],
        }
    )
    sent = SentimentRun(
        source="default",
        figures={"texts": 30, "auc": 0.912345},
        scored=3,
        by_emoji=1,
        not_scored={"language": 1, "signal": 0},
    )
    f = feedback.figures(
        fb,
        sent,
        {"complaints": 2, "response_median_h": float("nan")},
        {"resolution_rate": 0.123456},
        pd.DataFrame({"customer_id": ["a", "b", "c"]}),
    )
    assert f == {
        "languages": {"zh": 2, "en": 1, "other": 1},
        "nps": 25.0,  # promoters 2 of 4 − detractors 1 of 4
        "csat": 0.6667,  # 2 of the 3 ratings in the top box
        "sentiment": {
            "source": "default",
            "texts": 30,
            "auc": 0.9123,
            "scored": 3,
            "by_emoji": 1,
            "not_scored": {"language": 1, "signal": 0},
        },
        "complaints": {"complaints": 2, "response_median_h": None, "resolution_rate": 0.1235},
        "alerts": 3,
    }
    bare = feedback.figures(
        fb[["language"]], SentimentRun(why_none="f.no_text"), None, None, pd.DataFrame()
    )
    assert bare["nps"] is None and bare["csat"] is None and bare["sentiment"] is None
    assert bare["complaints"] == {} and bare["alerts"] == 0


def test_the_alert_list_is_written_where_run_folder_names_it(tmp_path):
    from kequn.stages import feedback as sf

    alerts = pd.DataFrame({"customer_id": ["K1"], "clv": [9.0], "reason": ["x"]})
    sf.write_outputs(tmp_path, pd.DataFrame({"feedback_id": ["f1"], "topic": ["a"]}), alerts)
    run = RunFolder(tmp_path)
    assert run.feedback_alerts.relative_to(tmp_path).as_posix() == "actions/feedback_alerts.csv"
    back = pd.read_csv(run.feedback_alerts, encoding="utf-8-sig")
    assert back.to_dict("list") == {"customer_id": ["K1"], "clv": [9.0], "reason": ["x"]}
    assert pd.read_parquet(run.feedback_scored).columns.tolist() == ["feedback_id", "topic"]
