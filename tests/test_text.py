"""kequn.models.text and kequn.models.sentiment: script-based language routing (short Chinese is never
Korean), cleaning that keeps emoji, and sentiment floors in and across domains on public sets."""

import numpy as np
import pandas as pd
import pytest
from conftest import TEST_DATA
from kequn.models import sentiment, text

S = TEST_DATA / "sentiment"


def test_language_routing_by_script():
    s = pd.Series(
        [
            "好",
            "很好吃",
            "Great product, fast delivery!",
            "送货快 and good service 很满意",
            "맛있어요",
            "おいしいです",
            "😀👍",
            "",
            None,
            "OK 好评",
            "iPhone 屏幕碎了，客服不理人",
        ]
    )
    assert text.language(s).tolist() == [
        "zh",
        "zh",
        "en",
        "mixed",
        "other",
        "other",
        "other",
        "empty",
        "empty",
        "zh",
        "zh",
    ]


def test_cleaning_removes_markup_links_and_boilerplate_but_keeps_emoji():
    s = pd.Series(
        [
            "<p>物流很快&amp;包装好</p> 详见 https://shop.example.com/x?id=1 😀",
            "系统默认好评！",
            "contact me at a.b@example.com   please",
            "此用户没有填写评价。",
        ]
    )
    cleaned, boiler = text.clean(s)
    assert cleaned.tolist() == ["物流很快&包装好 详见 😀", "", "contact me at please", ""]
    assert boiler.tolist() == [False, True, False, True]


@pytest.fixture(scope="module")
def waimai():
    return pd.read_csv(S / "waimai_2k.csv")


def test_chinese_sentiment_in_domain_floor(waimai):
    r = sentiment.evaluate(waimai["review"], waimai["label"])
    assert r["accuracy_calibrated"] > 0.84 and r["auc"] > 0.90, r


def test_english_sentiment_floor():
    y = pd.read_csv(
        S / "yelp_labelled.txt", sep="\t", header=None, names=["review", "label"], quoting=3
    )
    r = sentiment.evaluate(y["review"], y["label"])
    assert r["accuracy_calibrated"] > 0.74 and r["auc"] > 0.82, r


def test_cross_domain_delivery_to_shopping_reviews(waimai):
    m = sentiment.fit(waimai["review"], waimai["label"])
    shop = pd.read_csv(S / "online_shopping_2k.csv")
    r = sentiment.transfer(m, shop["review"], shop["label"])
    assert r["balanced_accuracy"] > 0.72 and r["auc"] > 0.82, r
    assert set(m.label(pd.Series(["太难吃了，再也不点了", "非常好吃，送得也快"]))) == {
        "negative",
        "positive",
    }


def test_one_class_cannot_train():
    with pytest.raises(ValueError, match="both classes"):
        sentiment.fit(pd.Series(["好", "很好"] * 10), [1] * 20)


def _held_out():
    yelp = pd.read_csv(
        S / "yelp_labelled.txt", sep="\t", header=None, names=["review", "label"], quoting=3
    )
    return {
        "waimai": pd.read_csv(S / "waimai_2k.csv"),
        "online_shopping": pd.read_csv(S / "online_shopping_2k.csv"),
        "yelp": yelp,
    }


def test_shipped_model_figures_stated_in_the_report_are_measured():
    """The default model never saw these extracts (tools/build_sentiment_corpus.py leaves them
    out); its accuracy on each must be what DEFAULT_HELD_OUT tells the reader, to the point."""
    m = sentiment.default_model()
    for name, d in _held_out().items():
        r = sentiment.transfer(m, d["review"], d["label"])
        assert abs(r["accuracy"] - sentiment.DEFAULT_HELD_OUT[name]) < 0.01, (name, r)
        assert r["auc"] > 0.85, (name, r)


def test_shipped_corpus_leaves_the_test_extracts_out():
    corpus = pd.read_csv(sentiment.CORPUS)
    assert len(corpus) == sentiment.CORPUS_TEXTS
    held = _held_out()
    assert not set(corpus["review"]) & (
        set(held["waimai"]["review"]) | set(held["online_shopping"]["review"])
    )
    assert set(corpus["source"]) == {
        "waimai_10k",
        "online_shopping_10_cats",
        "uci_amazon",
        "uci_imdb",
        "amazon_alexa",
    }


def test_repeated_texts_scored_once_give_the_same_scores_and_chunks_keep_order():
    from kequn.models import parallel, topics

    m = sentiment.default_model()
    texts = pd.Series(["好评", "太慢了", "好评", "Great!", "太慢了", "好评"])
    assert np.allclose(m.score(texts), m.model.predict_proba(texts)[:, 1])
    words = ["物流很快，包装很好", "客服态度很差", "Great service, fast delivery"] * 4
    spread = parallel.map_chunks(topics._tokens_of, words, min_items=1, n_jobs=2)
    assert len(spread) == 2 and [w for part in spread for w in part] == topics._tokens_of(words)
    assert topics.tokenize(pd.Series(words)) == topics._tokens_of(words)


def test_numpy_char_ngrams_match_scikit_learn_char_wb():
    """kequn.models.char_ngrams replaces TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3)) for
    speed: same vocabulary, and rows that point the same way (only the count of the padding
    space differs)."""
    from kequn.models.char_ngrams import CharNgramTfidf
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    texts = pd.read_csv(S / "waimai_2k.csv")["review"].tolist()[:500] + [
        "Not GOOD at  all",
        "a b",
        "",
        "😀 好",
    ]
    sk = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), min_df=2, sublinear_tf=True).fit(
        texts
    )
    ours = CharNgramTfidf(min_df=2).fit(texts)
    names = list(ours.get_feature_names_out())
    assert sorted(names) == sorted(sk.get_feature_names_out())
    cols = [sk.vocabulary_[n] for n in names]
    a, b = normalize(sk.transform(texts)[:, cols]), ours.transform(texts)
    cos = np.asarray(a.multiply(b).sum(axis=1)).ravel()
    assert cos[np.asarray(a.sum(axis=1)).ravel() > 0].min() > 0.99
    assert CharNgramTfidf(min_df=1, max_features=10).fit(texts).transform(texts).shape == (
        len(texts),
        10,
    )
