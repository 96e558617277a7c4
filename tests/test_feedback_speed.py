"""Stage 05's faster paths (issue 19) give what the plain ones give: character n-grams read once
for features and abstention, word features only where there are Latin letters, character
classes counted with numpy, topics' TF-IDF counted with pandas. Each is checked against the
scikit-learn or regex computation it stands in for, on public reviews and on awkward texts."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from conftest import TEST_DATA
from kequn.models import sentiment, text, topics
from kequn.models.char_ngrams import CharNgramTfidf
from sklearn.feature_extraction.text import TfidfVectorizer

S = TEST_DATA / "sentiment"
AWKWARD = [
    "",
    "   ",
    "a\x00b \x00 c",  # NUL inside a text: it must not split the text in two
    "ΑΣ ΟΔΟΣ",  # final sigma: lower-cased by its neighbours
    "İstanbul Kelvin \u212a",  # lower-casing that changes the length or gives ASCII
    "很好\t\n很好  很好",
    "\u3000很差\u3000",
    "👍🏻👍 好",
    "最悪です",
    "lone \ud800 surrogate",
    "Not GOOD at  all",
]


def _reviews(n=300):
    zh = pd.read_csv(S / "waimai_2k.csv")["review"].tolist()[:n]
    en = pd.read_csv(S / "yelp_labelled.txt", sep="\t", header=None)[0].tolist()[:n]
    return zh + en + AWKWARD


def _same(a, b):
    a, b = a.tocsr(), b.tocsr()
    assert a.shape == b.shape
    for part in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(a, part), getattr(b, part)), part


def test_char_ngrams_read_in_one_batch_as_one_by_one():
    """The texts are joined into one string to be read at once: each row and count must be
    what the text alone gives, and fit_transform what fit then transform gives."""
    texts = _reviews(100)
    model = CharNgramTfidf(min_df=1).fit(texts)
    r = model.read(texts)
    alone = [model.read([t]) for t in texts]
    _same(r.X, sp.vstack([a.X for a in alone]))
    for f in ("known", "total", "latin"):
        assert getattr(r, f).tolist() == [int(getattr(a, f)[0]) for a in alone], f
    _same(
        CharNgramTfidf(min_df=2).fit_transform(texts),
        CharNgramTfidf(min_df=2).fit(texts).transform(texts),
    )
    assert model.known_counts(texts)[1].tolist() == r.total.tolist()


def test_char_ngram_counts_by_hand():
    """ " ab ": 1-grams a, b (the padding spaces left out), 2-grams " a", "ab", "b ",
    3-grams " ab", "ab ": 7. " a b ": a, b; " a", "a ", " b", "b "; " a ", " b " (no 3-gram
    across the space between words): 8. " 好 ": 好; " 好", "好 "; " 好 ": 4. Latin letters
    counted once lower-cased."""
    model = CharNgramTfidf(min_df=1).fit(["ab"])
    r = model.read(["ab", "a b", "AB", "好"])
    assert r.total.tolist() == [7, 8, 7, 4]
    assert r.known.tolist() == [7, 4, 7, 0]  # "a b" shares a, b, " a" and "b " with "ab"
    assert r.latin.tolist() == [2, 2, 2, 0]


def test_scores_match_the_pipeline_with_and_without_english_words():
    texts = _reviews()
    m = sentiment.default_model()
    want = m.model.predict_proba(pd.Series(texts))[:, 1]
    assert np.array_equal(sentiment._proba(m.model, texts), want)
    assert np.array_equal(m.score(pd.Series(texts)), want)
    zh_only = [t for t in texts if not any("a" <= c.lower() <= "z" for c in t)]
    assert np.array_equal(
        sentiment._proba(m.model, zh_only), m.model.predict_proba(pd.Series(zh_only))[:, 1]
    )  # no text with an English word at all
    d = pd.read_csv(S / "waimai_2k.csv").sample(300, random_state=1)
    chars_only = sentiment.pipeline(7, words=False).fit(d["review"], d["label"])
    assert np.array_equal(
        sentiment._proba(chars_only, texts), chars_only.predict_proba(pd.Series(texts))[:, 1]
    )


def test_assess_scores_exactly_the_readable_texts_from_one_reading():
    texts = pd.Series(_reviews() + ["ꙮꙮꙮ", "12345 ꙮ", "🐼🐼"])
    m = sentiment.default_model()
    a = m.assess(texts)
    known, share = m.known_share(texts)
    lang = text.language(texts).isin(sentiment.READS).to_numpy()
    model = a["basis"].eq("model").to_numpy()
    readable = lang & (known > 0) & (share >= sentiment.MIN_KNOWN_SHARE) & a["basis"].ne("emoji")
    assert np.array_equal(model, readable.to_numpy() & (texts.str.strip().str.len() > 0))
    want = m.model.predict_proba(texts[model])[:, 1]
    assert np.array_equal(a["score"].to_numpy()[model], want)


def test_cross_fit_gives_the_folds_and_the_final_model():
    d = pd.read_csv(S / "waimai_2k.csv").sample(1200, random_state=1)
    texts, y = d["review"].reset_index(drop=True), d["label"].to_numpy()
    p, model = sentiment._cross_fit(texts, y, 3, 7, final=True)
    assert np.array_equal(p, sentiment.out_of_fold(texts, y, 3, 7))
    plain = sentiment.pipeline(7, sentiment._has_words(texts)).fit(texts, y)
    assert np.allclose(sentiment._proba(model, texts.tolist()), plain.predict_proba(texts)[:, 1])


def test_count_chars_is_the_regex_count():
    s = pd.Series(_reviews(50) + [None, "ｶﾀｶﾅ かな 한국어", "x" * 3000], dtype="object")
    classes = {
        "han": text._HAN,
        "latin": text._LATIN,
        "foreign": text._FOREIGN,
        "space": r"\s",
        "letters": sentiment._LETTER,
        "emoji": sentiment._EMOJI,
        "nul": "\x00",
    }
    got = text.count_chars(s, classes)
    assert list(got.index) == list(s.index)
    for name, pattern in classes.items():
        assert got[name].tolist() == s.fillna("").str.count(pattern).tolist(), name


def test_topics_term_matrix_is_scikit_learns():
    words = topics.tokenize(pd.read_csv(S / "online_shopping_2k.csv")["review"])
    words = words + [[], ["好"], ["b", "b", "a"]]
    vec = TfidfVectorizer(analyzer=topics._given, min_df=5, max_df=0.5, sublinear_tf=True)
    want = vec.fit_transform(words)
    X, terms = topics.term_matrix(words, min_df=5, max_df=0.5)
    _same(X, want)
    assert list(terms) == list(vec.get_feature_names_out())
    with pytest.raises(ValueError):
        topics.term_matrix([[], []], min_df=1, max_df=1.0)


def test_months_are_strftimes():
    """``text.months`` formats each distinct month once: the same strings (NaN without a date,
    before 1970 too, each row in its own index place) as strftime on every row."""
    cases = [
        pd.Series(
            pd.to_datetime(
                ["2026-01-31 23:59:59", None, "1969-12-15 00:00:00", "2026-02-01", "1700-03-04"],
                format="mixed",
            ),
            index=[5, 3, 9, 1, 0],
        ),
        pd.Series(["2026-01-31", "2025-12-01", None, "2024-02-29"], name="created_at"),
        pd.Series(pd.date_range("2020-01-01", periods=500, freq="17h")),
        pd.Series(pd.to_datetime(["2026-02-01 05:00"]).tz_localize("Asia/Shanghai")),  # Jan in UTC
        pd.Series([pd.NaT, pd.NaT]),
    ]
    for dates in cases:
        want = pd.to_datetime(dates).dt.strftime("%Y-%m")
        pd.testing.assert_series_equal(text.months(dates), want, check_exact=True)
