"""Topics and keywords of feedback texts, Chinese and English.

Tokens: Chinese through jieba's dictionary segmentation (rjieba: jieba-rs, jieba's dictionary
and algorithm in Rust; on 13,694 public reviews the same tokens, tags and topics as the
pure-Python jieba, segmentation 4.6x faster), kept when the dictionary tags the word as a
noun, verb, adjective or their nominal forms (the part-of-speech table is looked up, not
re-tagged with the slow HMM tagger; a word outside the dictionary counts as a noun) and not a
stopword; English words of two or more
letters outside scikit-learn's stopword list. Topics: NMF on the TF-IDF of those tokens
(scikit-learn), each named by its three strongest terms; a text belongs to its strongest topic
when that weight is clear, else to none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from threadpoolctl import threadpool_limits

from kequn.models.parallel import map_chunks

# Texts a language needs before its keywords or topics are shown: one English text would give
# every word it holds "100%" (a share of 1 from n = 1 says nothing).
KEYWORD_MIN_TEXTS = 30
TOPIC_MIN_TEXTS = 200
KEEP_POS = ("n", "nr", "ns", "nt", "nz", "nl", "ng", "v", "vn", "vd", "a", "an", "ad", "eng")
ZH_STOP = set(
    """的 了 是 我 你 他 她 它 们 这 那 有 在 也 都 就 和 与 及 或 但 而 很 太 非常 比较 还 又 再 不 没 没有 会 能 要 想
把 被 给 让 对 从 到 为 以 之 其 中 上 下 里 后 前 时 时候 一个 一下 一次 一点 一些 这个 那个 这样 那样 什么 怎么 为什么
还是 已经 可以 感觉 觉得 真的 东西 事情 问题 情况 时间 今天 昨天 现在 然后 因为 所以 如果 虽然 但是 而且 就是 不是
还有 一直 一样 知道 看到 出来 起来 下次 这次 这家 一家 大家 自己 我们 你们 他们 有点 挺 蛮 好 好的 行 啊 吧 呢 哦
嗯 呀 哈 哈哈 吗 买 用 说 做 去 来 看 发 收到 东东 卖家 店家 商家 宝贝""".split()
)
# Words of the feedback act itself (asking, suggesting, thanking, judging overall): every topic
# has them, so they would name topics after the kind of message instead of its subject.
ZH_STOP |= set(
    """请问 建议 希望 谢谢 感谢 总体 整体 总的来说 购买 下单 不会 改进 满意 失望 喜欢 推荐 体验 不错 一般 麻烦 能否 是否
可不可以 有没有 怎么办 多久 一下子 继续 支持 期待 好评 差评 评价 本次 这次 每次 一次 总是 还会 以后 之后""".split()
)
EN_STOP = set(ENGLISH_STOP_WORDS) | {  # the feedback act again, in English
    "thanks",
    "thank",
    "please",
    "honestly",
    "really",
    "just",
    "would",
    "could",
    "like",
    "get",
    "got",
    "also",
    "still",
    "much",
    "very",
    "one",
    "time",
    "bit",
    "bought",
    "buy",
    "order",
    "ordered",
    "overall",
    "item",
    "items",
    "product",
    "products",
    "i'm",
    "it's",
    "don't",
    "didn't",
    "can't",
    "won't",
    "i've",
    "will",
    "good",
    "bad",
    "great",
}
_EN = re.compile(r"[A-Za-z][A-Za-z']+")
_HAN = re.compile(r"[\u4e00-\u9fff]")


@lru_cache(maxsize=1)
def _tagger():
    """rjieba's ``tag(text, hmm)``: dictionary segmentation (no HMM for unknown words) with each
    word's dictionary part of speech; "x" for a word outside the dictionary (no word of two or
    more characters in jieba's dictionary is tagged "x", so "x" on such a word means unknown)."""
    import rjieba

    return rjieba.tag


def tokens(text: str) -> list[str]:
    """Content words of one text (see the module docstring)."""
    if not text:
        return []
    out = [w.lower() for w in _EN.findall(text) if w.lower() not in EN_STOP and len(w) > 1]
    if _HAN.search(text):
        for w, pos in _tagger()(text, False):
            if (
                len(w) > 1
                and _HAN.match(w)
                and w not in ZH_STOP
                and (pos == "x" or pos.startswith(KEEP_POS))  # unknown words count as nouns
            ):
                out.append(w)
    return out


def _tokens_of(texts) -> list[list[str]]:
    return [tokens(t) for t in texts]


def tokenize(texts: pd.Series) -> list[list[str]]:
    """Content words of every text: each distinct text segmented once (feedback repeats itself:
    "好评", "物流很快"), on all cores for large inputs."""
    codes, uniq = pd.factorize(texts.fillna("").astype(str))
    done = [toks for part in map_chunks(_tokens_of, list(uniq)) for toks in part]
    return [done[i] for i in codes]


def _given(tokens: list[str]) -> list[str]:
    return tokens


def term_matrix(
    tokens: list[list[str]], min_df: int, max_df: float
) -> tuple[sp.csr_matrix, np.ndarray]:
    """(TF-IDF matrix, terms): ``TfidfVectorizer(analyzer=lambda t: t, min_df=min_df,
    max_df=max_df, sublinear_tf=True).fit_transform(tokens)`` and its feature names, the same
    matrix to the last bit, counted with pandas instead of a Python loop over the tokens."""
    from sklearn.feature_extraction.text import TfidfTransformer

    per_text = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    # ids in order of first appearance, as scikit-learn's vocabulary grows
    ids, words = pd.factorize(pd.Series(list(chain.from_iterable(tokens)), dtype=object))
    if not len(words):
        raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
    rows = np.repeat(np.arange(len(tokens)), per_text)
    X = sp.csr_matrix(
        (np.ones(len(ids)), (rows, ids)), shape=(len(tokens), len(words)), dtype=np.float64
    )  # counts, indices sorted by id within each row
    df = np.bincount(X.indices, minlength=X.shape[1])
    kept = np.flatnonzero((df <= max_df * len(tokens)) & (df >= min_df))
    if not len(kept):
        raise ValueError("After pruning, no terms remain. Try a lower min_df or a higher max_df.")
    X, words = X[:, kept], np.asarray(words, dtype=object)[kept]
    order = np.array(sorted(range(len(words)), key=words.__getitem__), dtype=np.int64)
    rank = np.empty(len(order), dtype=X.indices.dtype)
    rank[order] = np.arange(len(order))
    X.indices = rank.take(X.indices)  # renumbered in place, each row's order kept
    tfidf = TfidfTransformer(sublinear_tf=True)
    return tfidf.fit(X).transform(X, copy=False), words[order]


def fit_topics(
    texts: pd.Series,
    k: int = 8,
    seed: int = 7,
    top_terms: int = 3,
    min_df: int = 5,
    min_weight: float = 0.01,
    fit_on: int = 200_000,
):
    """(assignments, topics): per text its topic (0…k−1, −1 = none) and weight; per topic its
    name (top terms joined by "·"), terms and size. Texts with no content word get −1. NMF
    learns the topics from at most ``fit_on`` texts (a random sample; topics of a large base are
    stable long before that) and then weighs every text against them."""
    X, terms = term_matrix(tokenize(texts), min_df=min_df, max_df=0.5)
    k = max(1, min(k, X.shape[1] - 1, X.shape[0] - 1))
    nmf = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=400)
    # One BLAS thread: on n × k matrices (k ≈ 8) threads cost more in synchronisation than
    # they share out (184,000 texts on two cores: 1.3–1.9 s against 2.8 s; weights equal to
    # 1e-13, the same topics).
    with threadpool_limits(1):
        if X.shape[0] > fit_on:
            rows = np.random.default_rng(seed).choice(X.shape[0], fit_on, replace=False)
            nmf.fit(X[np.sort(rows)])
            W = nmf.transform(X)
        else:
            W = nmf.fit_transform(X)
    best = W.argmax(axis=1)
    weight = W.max(axis=1)
    topic = np.where(weight >= min_weight, best, -1)
    top = np.argsort(-nmf.components_, axis=1)[:, :top_terms]
    table = pd.DataFrame(
        {
            "topic": np.arange(k),
            "name": ["·".join(terms[i]) for i in top],
            "terms": [list(terms[np.argsort(-row)[:10]]) for row in nmf.components_],
            "texts": [int((topic == i).sum()) for i in range(k)],
        }
    )
    return pd.DataFrame({"topic": topic, "weight": weight}, index=texts.index), table


def keywords(texts: pd.Series, top: int = 20) -> pd.DataFrame:
    """The ``top`` content words by number of texts containing them: columns word, texts, share."""
    counts: dict[str, int] = {}
    for t in texts.fillna("").astype(str):
        for w in set(tokens(t)):
            counts[w] = counts.get(w, 0) + 1
    kw = pd.DataFrame(
        {
            "word": list(counts),
            "texts": np.fromiter(counts.values(), dtype="int64", count=len(counts)),
        }
    )
    kw = kw.sort_values(["texts", "word"], ascending=[False, True]).head(
        top
    )  # ties by word: same order every run
    return kw.assign(share=kw["texts"] / max(len(texts), 1)).reset_index(drop=True)


NEW_BELOW = 0.005  # a rising topic that held under 0.5% of the texts before is called new


def topic_trend(fb: pd.DataFrame, months: int = 3, alpha: float = 0.05) -> pd.DataFrame:
    """Topics rising or falling: each topic's share of the texts in the last ``months`` months
    against the ``months`` before (columns topic, recent, before, change in points, p of a
    two-proportion z-test, rising = grew with p < alpha, new = rising from under ``NEW_BELOW``
    of the texts), largest change first."""
    from statsmodels.stats.proportion import proportions_ztest

    if "topic" not in fb or fb["topic"].isna().all():
        return pd.DataFrame()
    month = pd.to_datetime(fb["created_at"]).dt.to_period("M")
    end = month.max()
    recent = (month > end - months).to_numpy()
    before = ((month <= end - months) & (month > end - 2 * months)).to_numpy()
    if recent.sum() < 30 or before.sum() < 30:
        return pd.DataFrame()
    rows = []
    for topic in sorted(fb["topic"].dropna().unique()):
        hit = (fb["topic"] == topic).to_numpy()
        a, b = int((hit & recent).sum()), int((hit & before).sum())
        p = (
            float(proportions_ztest([a, b], [int(recent.sum()), int(before.sum())])[1])
            if a + b
            else 1.0
        )
        rows.append(
            {"topic": topic, "recent": a / recent.sum(), "before": b / before.sum(), "p": p}
        )
    out = pd.DataFrame(rows)
    out["change"] = 100 * (out["recent"] - out["before"])
    out["rising"] = (out["change"] > 0) & (out["p"] < alpha)
    out["new"] = out["rising"] & (out["before"] < NEW_BELOW)
    return out.sort_values("change", ascending=False).reset_index(drop=True)


def largest_moves(trend: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The ``n`` topics of ``topic_trend`` that moved most (either way), largest rise first."""
    return trend.loc[trend["change"].abs().nlargest(n).index].sort_values("change", ascending=False)


# --- a feedback table's topics, per language ------------------------------------------------
# ``fb`` below is the feedback as ``kequn.models.text.prepare`` leaves it (clean_text, language,
# month), with ``topic`` once ``per_language`` has run.


@dataclass(frozen=True, eq=False)
class TopicsRun:
    """Topics of the feedback texts, fitted per language (``per_language``).

    Attributes
    ----------
    topic : pandas.Series
        Per text (the feedback's index): its topic's name, its three strongest terms
        ("物流·包装·速度"), or None (no clear topic, or a language with too few texts).
    tables : dict
        Per language fitted ("zh", "en"): ``fit_topics``'s table of topics (topic, name,
        terms, texts).
    """

    topic: pd.Series
    tables: dict = field(default_factory=dict)


def per_language(
    fb: pd.DataFrame, k: int, seed: int, min_texts: int = TOPIC_MIN_TEXTS
) -> TopicsRun:
    """``fit_topics`` on the clean texts of each language (zh, en) with at least ``min_texts``
    texts; every text gets its topic's name or None."""
    topic = pd.Series(None, index=fb.index, dtype="object")
    tables = {}
    for lg in ("zh", "en"):
        sel = fb["language"] == lg
        if sel.sum() < min_texts:
            continue
        a, table = fit_topics(fb.loc[sel, "clean_text"], k=k, seed=seed)
        names = np.append(table["name"].to_numpy(dtype=object), None)  # topic −1: None
        topic[sel] = names[a["topic"].to_numpy()]
        tables[lg] = table
    return TopicsRun(topic, tables)


def too_few(languages: pd.Series, least: int) -> dict:
    """The languages (zh, en) with some texts but fewer than ``least``: language → texts."""
    counts = pd.Series(languages).value_counts()
    return {lg: int(counts[lg]) for lg in ("zh", "en") if 0 < counts.get(lg, 0) < least}


def keywords_by_language(
    fb: pd.DataFrame,
    top: int = 15,
    sample: int = 20_000,
    seed: int = 7,
    min_texts: int = KEYWORD_MIN_TEXTS,
) -> pd.DataFrame:
    """``keywords`` of each language (zh, en) with at least ``min_texts`` texts, estimated on
    a random ``sample`` of its texts when there are more: columns language, word, texts, share
    (of that language's texts, or of the sample)."""
    rows = []
    for lg in ("zh", "en"):
        texts = fb.loc[fb["language"] == lg, "clean_text"]
        if len(texts) < min_texts:
            continue
        kw = keywords(texts.sample(min(len(texts), sample), random_state=seed), top=top)
        rows.append(kw.assign(language=lg)[["language", "word", "texts", "share"]])
    if not rows:
        return pd.DataFrame(columns=["language", "word", "texts", "share"])
    return pd.concat(rows, ignore_index=True)


def topic_figures(fb: pd.DataFrame) -> pd.DataFrame:
    """Per topic, largest first: texts, share (of all texts, with a topic or not),
    negative_share (of its texts with a sentiment label, when ``fb`` has a sentiment column:
    texts not scored are left out) and complaints (when ``fb`` has a kind column)."""
    d = fb[fb["topic"].notna()]
    g = d.groupby("topic")
    out = pd.DataFrame(
        {
            "topic": g.size().index,
            "texts": g.size().to_numpy(),
            "share": g.size().to_numpy() / max(len(fb), 1),
        }
    )
    if "sentiment" in d:
        out["negative_share"] = (
            g["sentiment"]
            .apply(
                lambda s: (s == "negative").sum() / s.notna().sum() if s.notna().any() else np.nan
            )
            .to_numpy()
        )
    if "kind" in d:  # without it complaints cannot be told apart
        out["complaints"] = (
            g["kind"].apply(lambda s: (s.astype("string") == "complaint").sum()).to_numpy()
        )
    return out.sort_values("texts", ascending=False).reset_index(drop=True)


def mix(fb: pd.DataFrame, by: str, last: int = 12, top: int = 10) -> pd.DataFrame:
    """Share of each of the ``top`` largest topics among a group's texts with a topic: per
    segment (``by`` "segment"; rows named by ``segment_label``, topics as columns, rows summing
    to 1 over all topics) or per month (``by`` "month", the last ``last`` months; topics as
    rows, months as columns). Empty when there are no topics or no such column."""
    from kequn.models.clustering import segment_label

    if "topic" not in fb or by not in fb or fb["topic"].isna().all():
        return pd.DataFrame()
    d = fb[fb["topic"].notna() & fb[by].notna()]
    keep = d["topic"].value_counts().index[:top]
    if by == "month":
        return pd.crosstab(d["topic"], d["month"], normalize="columns").iloc[:, -last:].loc[keep]
    tab = pd.crosstab(d[by], d["topic"], normalize="index")[keep]
    names = (
        d.drop_duplicates("segment").set_index("segment")["segment_name"]
        if "segment_name" in d
        else {}
    )
    tab.index = [segment_label(int(c), names.get(c, "")) for c in tab.index]
    return tab
