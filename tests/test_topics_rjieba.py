"""Issue 19: Chinese tokens through rjieba (jieba-rs) keep what the topic filter needs: jieba's
dictionary segmentation and its part-of-speech table (nouns, verbs, adjectives kept; adverbs,
single characters and stopwords dropped)."""

from kequn.models.topics import _tagger, tokens


def test_dictionary_words_and_tags():
    assert _tagger()("外卖送得很快，味道不错", False) == [
        ("外卖", "v"),
        ("送", "v"),
        ("得", "ud"),
        ("很快", "d"),
        ("，", "x"),
        ("味道", "n"),
        ("不错", "a"),
    ]
    # 很快 is an adverb, 送 one character, 不错 a stopword of the feedback act
    assert tokens("外卖送得很快，味道不错") == ["外卖", "味道"]
    assert tokens("Delivery was late, 包装破损") == ["delivery", "late", "包装", "破损"]
