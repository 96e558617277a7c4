"""Character 1–3-gram TF-IDF features computed with numpy, for the sentiment model.

Why by hand: scikit-learn's ``TfidfVectorizer(analyzer="char_wb")`` builds every n-gram as a
Python string, about 4,000 short reviews per second per core, which made scoring a million
feedback texts take minutes. Here each text becomes an array of code points, each n-gram one
64-bit key (three code points of 21 bits each pack without collisions) and counting is a hash
look-up and a sparse matrix: the same features as ``char_wb`` (lower-cased, whitespace
collapsed, no n-gram across a space between words), TF-IDF weighted (sublinear tf, smooth idf,
l2 rows), many times faster. The class is a scikit-learn transformer, so it sits in a Pipeline
and pickles. ``read`` gives, from the same single pass over the texts, the features and what the
sentiment model's abstention needs (known n-grams, Latin letters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import normalize

_SPACE = re.compile(r"\s+")
# Code points per block of texts: keeps each block's key arrays (24 bytes a code point) to a
# few tens of MB, small enough to be reused by the allocator instead of mapped afresh.
_BLOCK_CHARS = 500_000
_PAD = 32  # the key of the lone space that pads every word


def _lowered(texts: list[str]) -> str:
    """The texts as ``char_wb`` reads them (lower-cased, whitespace runs as one space, no NUL),
    each padded with a space on both sides, a NUL before, between and after them."""
    body = "\x00".join(texts)
    if body.count("\x00") == max(len(texts) - 1, 0):  # no NUL inside a text: all at once
        # (lower-casing and collapsing stop at a NUL, so the joined text reads as each apart)
        body = _SPACE.sub(" ", body.lower())
    else:
        body = "\x00".join(_SPACE.sub(" ", t.lower()).replace("\x00", "") for t in texts)
    return "\x00 " + body.replace("\x00", " \x00 ") + " \x00"


def _strings(texts) -> list[str]:
    return pd.Series(list(texts), dtype="object").fillna("").astype(str).tolist()


def _blocks(texts: list[str]) -> list[tuple[int, int]]:
    """(start, end) of consecutive blocks of texts of about ``_BLOCK_CHARS`` code points."""
    ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 3)
    cuts = np.searchsorted(
        ends, np.arange(_BLOCK_CHARS, ends[-1] if len(ends) else 0, _BLOCK_CHARS)
    )
    bounds = np.unique(np.concatenate([[0], cuts + 1, [len(texts)]]))
    return [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]


def _per_text(mask: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """How many of ``mask`` fall in each text's stretch (``starts``: first index of each text,
    then the end)."""
    c = np.concatenate([[0], np.cumsum(mask, dtype=np.int64)])
    return c[starts[1:]] - c[starts[:-1]]


def _ngrams(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(key of every 1-, 2- and 3-gram of every text, in text order; index of each text's first
    key, then the end; Latin letters a–z in each lower-cased text)."""
    if not texts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, np.zeros(1, dtype=np.int64), empty
    cp = np.frombuffer(_lowered(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    cp = cp.astype(np.int64)
    ok, space = cp != 0, cp == 32
    keys = np.zeros((len(cp), 3), dtype=np.int64)
    valid = np.zeros((len(cp), 3), dtype=bool)
    keys[:, 0], valid[:, 0] = cp, ok
    keys[:-1, 1] = (cp[:-1] << 21) | cp[1:]
    valid[:-1, 1] = ok[:-1] & ok[1:] & ~(space[:-1] & space[1:])
    keys[:-2, 2] = (cp[:-2] << 42) | (cp[1:-1] << 21) | cp[2:]
    valid[:-2, 2] = ok[:-2] & ok[1:-1] & ok[2:] & ~space[1:-1]  # none across a space (char_wb)
    nul = np.flatnonzero(~ok)  # text d lies between the d-th and the (d+1)-th NUL
    starts = np.concatenate([[0], np.cumsum(valid.sum(axis=1))])[nul]
    latin = _per_text((cp >= 97) & (cp <= 122), nul)
    return keys[valid], starts, latin


@dataclass(frozen=True)
class Reading:
    """What one pass over texts gives: ``X`` the TF-IDF rows (None when not asked for),
    per text ``known`` n-grams in the vocabulary and ``total`` n-grams (the padding space left
    out of both) and ``latin``, its letters a–z once lower-cased (without any, a text has no
    English word)."""

    X: sp.csr_matrix | None
    known: np.ndarray
    total: np.ndarray
    latin: np.ndarray


class CharNgramTfidf(BaseEstimator, TransformerMixin):
    """TF-IDF of character 1–3-grams within words (see the module docstring); ``min_df`` and
    ``max_features`` as in scikit-learn (the most frequent n-grams by total count are kept)."""

    def __init__(self, min_df: int = 2, max_features: int = 300_000):
        self.min_df = min_df
        self.max_features = max_features

    def fit(self, texts, y=None):
        self._fit(_strings(texts))
        return self

    def fit_transform(self, texts, y=None):
        """``fit(texts).transform(texts)`` with the texts read once."""
        return self._rows(*self._fit(_strings(texts)))

    def _fit(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, int]:
        key, starts, _ = _ngrams(texts)
        code, found = pd.factorize(key)  # hashed: no sort of every key
        total = np.bincount(code, minlength=len(found))
        pairs = sp.csr_matrix(
            (np.ones(len(code), dtype=np.int32), code, starts), shape=(len(texts), len(found))
        )
        pairs.sum_duplicates()  # each (text, n-gram) once
        df = np.bincount(pairs.indices, minlength=len(found))
        order = np.argsort(np.asarray(found))
        vocab, total, df = np.asarray(found)[order], total[order], df[order]
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        keep = df >= self.min_df
        if keep.sum() > self.max_features:
            top = np.argsort(-total[keep], kind="stable")[: self.max_features]
            keep = np.flatnonzero(keep)[np.sort(top)]
        self.vocabulary_ = vocab[keep]
        self.idf_ = (np.log((1 + len(texts)) / (1 + df[keep])) + 1).astype(np.float32)
        self.__dict__.pop("_index", None)
        col = np.full(len(vocab), -1)
        col[keep] = np.arange(len(self.vocabulary_))
        return col[rank[code]], starts, len(texts)  # each key's column, in text order

    def transform(self, texts):
        return self.read(texts).X

    def known_counts(self, texts) -> tuple[np.ndarray, np.ndarray]:
        """(n-grams known to the vocabulary, all n-grams) per text, the lone padding space left
        out: how much of a text the model can read at all (see ``sentiment.readable``)."""
        r = self.read(texts, matrix=False)
        return r.known, r.total

    def read(self, texts, matrix: bool = True) -> Reading:
        """The TF-IDF rows of ``texts`` (with ``matrix``) and their counts (``Reading``), the
        texts read once, block by block."""
        texts = _strings(texts)
        parts = [self._read(texts[a:b], matrix) for a, b in _blocks(texts)]
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            X = sp.csr_matrix((0, len(self.vocabulary_)), dtype=np.float32) if matrix else None
            return Reading(X, empty, empty, empty)
        return Reading(
            sp.vstack([p.X for p in parts], format="csr") if matrix else None,
            *(np.concatenate([getattr(p, f) for p in parts]) for f in ("known", "total", "latin")),
        )

    def _read(self, texts: list[str], matrix: bool) -> Reading:
        key, starts, latin = _ngrams(texts)
        cols = self._lookup().get_indexer(key)
        known, pad = cols >= 0, key == _PAD
        total = np.diff(starts) - _per_text(pad, starts)
        X = self._rows(cols, starts, len(texts)) if matrix else None
        return Reading(X, _per_text(known & ~pad, starts), total, latin)

    def _rows(self, cols: np.ndarray, starts: np.ndarray, n: int) -> sp.csr_matrix:
        """TF-IDF rows from each text's vocabulary columns (−1: not in the vocabulary)."""
        known = cols >= 0
        indptr = np.concatenate([[0], np.cumsum(_per_text(known, starts))])
        X = sp.csr_matrix(
            (np.ones(int(indptr[-1]), dtype=np.float32), cols[known], indptr),
            shape=(n, len(self.vocabulary_)),
        )
        X.sum_duplicates()
        X.data = (1 + np.log(X.data)) * self.idf_[X.indices]
        return normalize(X, copy=False)

    def _lookup(self) -> pd.Index:
        """The vocabulary as a hashed index (built once; models pickled before it was kept
        build it on first use)."""
        if "_index" not in self.__dict__:
            self._index = pd.Index(self.vocabulary_)
        return self._index

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_index", None)  # rebuilt where it is used: not pickled to workers or caches
        return state

    def get_feature_names_out(self, input_features=None):
        def text(k):
            cps = [(k >> 42) & 0x1FFFFF, (k >> 21) & 0x1FFFFF, k & 0x1FFFFF]
            return "".join(chr(c) for c in cps if c)

        return np.array([text(int(k)) for k in self.vocabulary_], dtype=object)
