"""Sentiment that abstains (issue 16): texts the model cannot read get no label and are counted
as "not scored"; emoji-only or emoji-dominated texts are judged by a small emoji lexicon; keywords
and topics need a minimum of texts per language."""

import numpy as np
import pandas as pd
from kequn.models import feedback, sentiment, text, topics
from kequn.models.sentiment_model import score_feedback
from kequn.stages import feedback as sf

UNREADABLE = [
    "최악이에요",
    "おいしいです",
    "最悪です",
    "商品が届きました。品質も良い",
    "Отвратительно",
    "ꙮꙮꙮ",
    "🐼🐼",
    "12345",
    "🙈",
]


def test_japanese_with_kanji_is_not_routed_to_the_chinese_model():
    s = pd.Series(["最悪です", "商品が届きました。品質も良い", "小米の手机很好用", "최악이에요"])
    assert text.language(s).tolist() == ["other", "other", "zh", "other"]


def test_unreadable_texts_get_no_label():
    m = sentiment.default_model()
    a = m.assess(pd.Series(UNREADABLE + ["很差", "Great product"]))
    assert a["score"].iloc[:-2].isna().all() and a["basis"].iloc[:-2].isna().all(), a
    assert a["reason"].tolist()[:-2] == ["language"] * 6 + ["signal"] * 3
    assert (
        a["basis"].tolist()[-2:] == ["model", "model"]
        and a["score"].iloc[-2] < 0.2 < 0.8 < a["score"].iloc[-1]
    )
    # no character n-gram known to the model, or too few of them: no score, whatever the script
    known, share = m.known_share(pd.Series(["ꙮꙮꙮ", "很差"]))
    assert known[0] == 0 and share[1] == 1.0
    fb = text.prepare(pd.DataFrame({"text": UNREADABLE + ["太难吃了，再也不点了"]}))
    r = score_feedback(fb, seed=7)
    assert list(r.label) == [None] * len(UNREADABLE) + ["negative"]


def test_emoji_lexicon_polarity():
    pos, neg = "👍😊❤️💯🥰👏", "👎😡💩😤😭🤮"
    assert all(sentiment.EMOJI_POLARITY[e] == 1 for e in pos.replace("\ufe0f", ""))
    assert all(sentiment.EMOJI_POLARITY[e] == -1 for e in neg)
    texts = ["👍", "😊😊", "❤️", "👍🏻👍🏻 好", "👎", "😡😡", "💩", "😤", "太差了😡😡😡😡", "👍😡"]
    fb = text.prepare(pd.DataFrame({"text": texts}))
    r = score_feedback(fb, seed=7)
    assert list(r.label) == ["positive"] * 4 + ["negative"] * 5 + ["neutral"]
    assert list(r.basis) == ["emoji"] * 10 and r.by_emoji == 10
    # a text with more words than emoji is read by the model
    assert list(
        sentiment.default_model().assess(pd.Series(["送得很快，味道很好吃😡"]))["basis"]
    ) == ["model"]


def test_not_scored_are_counted_shown_and_left_out_of_shares():
    texts = [
        "很好吃，送得快",
        "太难吃了，再也不点了",
        "최악이에요",
        "おいしいです",
        "🐼🐼",
        "12345",
        "👎",
        "",
    ]
    fb = text.prepare(pd.DataFrame({"text": texts, "topic": ["zh:a"] * 7 + [None]}))
    r = score_feedback(fb, seed=7)
    assert r.scored == 3 and r.by_emoji == 1 and r.not_scored == {"language": 2, "signal": 2}
    fb["sentiment"], fb["sentiment_score"] = r.label, r.score
    en, zh = sf.not_scored_note(r, "en"), sf.not_scored_note(r, "zh")
    assert "over these 3 texts" in en and "Not scored: 4 texts" in en and "2 in a language" in en
    assert "未评分 4 条" in zh and "以这 3 条为分母" in zh
    s = feedback.figures(fb, r, None, None, pd.DataFrame())["sentiment"]
    assert s["scored"] == 3 and s["not_scored"] == {"language": 2, "signal": 2}
    # shares over the scored texts: 2 negative of 3 scored, not of 7
    share = sf.topic_table(fb, "en").iloc[0]["Negative share"]
    assert np.isclose(share, 2 / 3), share


def test_keywords_and_topics_need_enough_texts_per_language():
    zh = ["物流很快，包装很好", "客服态度很差", "质量不错，价格实惠"] * 15
    fb = text.prepare(
        pd.DataFrame({"text": zh + ["The delivery was late and the box was damaged"]})
    )
    kw = sf.keyword_table(fb, "en")
    assert set(kw["Language"]) == {"Chinese"}, kw  # one English text gives no "keywords at 100%"
    assert sf.too_few_notes(fb, "keywords", "en") == [
        "Only 1 English texts (fewer than 30): too few to show keywords."
    ]
    notes = sf.too_few_notes(fb, "topics", "zh")
    assert len(notes) == 2 and "中文文本只有 45 条" in notes[0] and "英文文本只有 1 条" in notes[1]
    assert topics.per_language(fb, 3, 7).tables == {}
