"""kequn.models.topics: content words by part of speech and stopwords (Chinese and English), and
topics on the demo feedback that each stand for one planted subject."""

import pandas as pd
from kequn.demo import synth
from kequn.models import topics


def test_tokens_keep_content_words_in_both_languages():
    assert topics.tokens("做工粗糙，有明显瑕疵，很失望。") == ["做工", "粗糙", "明显", "瑕疵"]
    assert topics.tokens("请问什么时候发货？谢谢") == ["发货"]  # the act of asking is not a subject
    assert topics.tokens("The delivery was late and the box was damaged") == [
        "delivery",
        "late",
        "box",
        "damaged",
    ]
    assert topics.tokens("") == [] and topics.tokens("😀👍") == []


def test_topics_on_the_demo_feedback_are_pure():
    demo = synth.generate(6000, seed=3)
    fb = demo.feedback.merge(demo.truth_feedback, on="feedback_id")
    zh = fb[fb["language"] == "zh"].reset_index(drop=True)
    a, table = topics.fit_topics(zh["text"], k=8)
    assert len(table) == 8 and table["name"].str.count("·").eq(2).all()
    assigned = a["topic"] >= 0
    assert assigned.mean() > 0.5
    cross = pd.crosstab(a.loc[assigned, "topic"], zh.loc[assigned, "topic"])
    purity = cross.max(axis=1).sum() / cross.to_numpy().sum()
    assert purity > 0.7, cross  # a found topic stands for one planted subject
    kw = topics.keywords(zh["text"], 10)
    assert len(kw) == 10 and kw["share"].is_monotonic_decreasing
