"""Feedback text before any model: which language each text is in, and what of it is signal.

``language`` routes by script, not by a statistical detector: a short Chinese text has no
Hangul, so it can never be called Korean (the usual fault of n-gram detectors on five-character
reviews). Han characters count as words, Latin letters as a fifth of a word (an English word is
about five letters); a text is zh or en when one script holds at least ``share`` of the words,
mixed when both are present, other for Korean, Japanese (two or more kana and at least a
quarter as many kana as Han characters), other scripts, emoji or digits only, empty when
nothing is left. The sentiment model reads zh, en and mixed only (``sentiment.READS``).

``clean`` removes HTML tags and entities, URLs, e-mail addresses and platform boilerplate
("系统默认好评", "此用户没有填写评价" …) and collapses whitespace; emoji stay, they carry sentiment.

``cut`` shortens texts over ``MAX_CHARS``: a pasted log or a whole chat transcript in one
feedback cell would otherwise cost the models as much as thousands of reviews, and its verdict
is near its start. The cut texts are counted and the report says so.
"""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd

LANGS = ("zh", "en", "mixed", "other", "empty")
MAX_CHARS = 2000
BOILERPLATE = (
    "此用户没有填写评价",
    "此用户未填写评价内容",
    "此用户未填写评价",
    "该用户觉得商品较好，默认给出好评",
    "该用户觉得商品非常好，给出好评",
    "系统默认好评",
    "评价方未及时做出评价，系统默认好评",
    "默认好评",
    "用户未及时评价，系统默认好评",
    "the user did not leave a review",
    "no review text",
)
_TAG = re.compile(r"<[^>]{1,200}>")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.I)
_MAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_SPACE = re.compile(r"\s+")
_HAN = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
_HANGUL = r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]"
_KANA = r"[\u3040-\u30ff]"
_LATIN = r"[A-Za-z]"
_FOREIGN = _HANGUL[:-1] + _KANA[1:]  # Hangul and kana in one character class


def clean(texts: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(cleaned texts, boilerplate flag): tags, entities, URLs and e-mail addresses removed,
    whitespace collapsed; texts that are only platform boilerplate become empty and flagged."""
    s = texts.astype("string").fillna("")
    s = s.map(html.unescape, na_action="ignore") if s.str.contains("&", regex=False).any() else s
    for pattern, hint in (
        (_TAG, "<"),
        (_URL, "http|www"),
        (_MAIL, "@"),
    ):  # the regex only where it can match
        has = s.str.contains(hint, case=False, regex="|" in hint)
        if has.any():
            s = s.mask(has, s[has].str.replace(pattern, " ", regex=True))
    s = s.str.replace(_SPACE, " ", regex=True).str.strip()
    bare = s.str.lower().str.strip(" 。.!！~～")
    boiler = bare.isin([b.lower().strip("。.!！") for b in BOILERPLATE])
    return s.mask(boiler, ""), boiler


def count_chars(texts: pd.Series, classes: dict) -> pd.DataFrame:
    """Per text (index kept), how many of its characters each one-character regex class of
    ``classes`` (name → pattern) matches: ``texts.str.count(pattern)`` for each, in one pass
    over the code points with numpy, each distinct character tested once by the regex itself.
    """
    s = pd.Series(texts, dtype="object").fillna("").astype(str).tolist()
    out = {name: np.zeros(len(s), dtype=np.int64) for name in classes}
    for a in range(0, len(s), _CHUNK):
        part = s[a : a + _CHUNK]
        size = np.fromiter(map(len, part), dtype=np.int64, count=len(part))
        cp = np.frombuffer("".join(part).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        seen = np.flatnonzero(np.bincount(cp, minlength=1))
        chars = "".join(map(chr, seen))
        starts = np.concatenate([[0], np.cumsum(size)[:-1]])
        for name, pattern in classes.items():
            hit = np.zeros(int(seen[-1]) + 1 if len(seen) else 1, dtype=bool)
            hit[seen] = _matches(pattern, chars)
            per = np.add.reduceat(np.append(hit[cp], False), starts, dtype=np.int64)
            out[name][a : a + len(part)] = np.where(size > 0, per, 0)  # reduceat: empty texts
    return pd.DataFrame(out, index=texts.index if isinstance(texts, pd.Series) else None)


_CHUNK = 20_000  # texts per block of count_chars: its arrays stay in cache


def _matches(pattern, chars: str) -> np.ndarray:
    """Whether the one-character regex ``pattern`` matches each character of ``chars``."""
    marked = re.sub(pattern, "\x00", chars)  # one character for one: the positions stay
    hit = np.frombuffer(marked.encode("utf-32-le", "surrogatepass"), dtype=np.uint32) == 0
    hit[np.frombuffer(chars.encode("utf-32-le", "surrogatepass"), dtype=np.uint32) == 0] = bool(
        re.fullmatch(pattern, "\x00")
    )
    return hit


def language(texts: pd.Series, share: float = 0.8) -> pd.Series:
    """zh / en / mixed / other / empty per text (see the module docstring)."""
    s = texts.astype("string").fillna("")
    c = count_chars(s, {"han": _HAN, "latin": _LATIN, "foreign": _FOREIGN, "space": r"\s"})
    han = c["han"].to_numpy(dtype="float64")
    latin = c["latin"].to_numpy(dtype="float64") / 5.0
    foreign = c["foreign"].to_numpy(dtype="float64")
    words = han + latin
    with np.errstate(invalid="ignore", divide="ignore"):
        zh_share = np.where(words > 0, han / words, 0.0)
    size = s.str.len().to_numpy()
    blank = c["space"].to_numpy() == size  # nothing but whitespace (what str.strip removes)
    out = np.select(
        [
            blank,
            (words + foreign) == 0,
            (foreign > han) | ((foreign >= 2) & (4 * foreign >= han)),
            zh_share >= share,
            (1 - zh_share) >= share,
        ],  # kana beside kanji is Japanese ("最悪です"), one stray "の" in Chinese is not
        ["empty", "other", "other", "zh", "en"],
        "mixed",
    )  # emoji or digits only: other, not empty
    return pd.Series(out, index=texts.index, dtype="object")


def cut(texts: pd.Series, max_chars: int = MAX_CHARS) -> tuple[pd.Series, pd.Series]:
    """(texts cut to their first ``max_chars`` characters, flag of the texts that were cut)."""
    s = texts.astype("string").fillna("")
    long = s.str.len() > max_chars
    return (s.where(~long, s.str.slice(0, max_chars)) if long.any() else s), long


def prepare(fb: pd.DataFrame) -> pd.DataFrame:
    """A copy of the feedback with the columns every later step reads: ``clean_text`` (cleaned,
    cut to ``MAX_CHARS``; "" without a text column), ``boilerplate``, ``cut``, ``language`` and
    ``month`` (YYYY-MM of created_at, when there is one)."""
    out = fb.copy()
    if "created_at" in out:
        out["month"] = months(out["created_at"])
    none = (pd.Series("", index=out.index), pd.Series(False, index=out.index))
    out["clean_text"], out["boilerplate"] = clean(out["text"]) if "text" in out else none
    out["clean_text"], out["cut"] = cut(out["clean_text"])
    out["language"] = language(out["clean_text"])
    return out


def months(dates: pd.Series) -> pd.Series:
    """YYYY-MM of each date (NaN where there is none): ``dt.strftime("%Y-%m")``, each distinct
    month formatted once (strftime on a million rows takes seconds)."""
    d = pd.to_datetime(dates)
    if d.dt.tz is not None:  # months in the dates' own time zone
        return d.dt.strftime("%Y-%m")
    codes, firsts = pd.factorize(d.to_numpy().astype("datetime64[M]"))
    names = pd.Series(pd.to_datetime(firsts)).dt.strftime("%Y-%m").to_numpy(dtype=object)
    out = np.full(len(d), np.nan, dtype=object)
    out[codes >= 0] = names[codes[codes >= 0]]
    return pd.Series(out, index=dates.index, name=dates.name)


def language_shares(languages: pd.Series) -> pd.DataFrame:
    """Texts per language in ``LANGS`` order (zeros included) and their share of all texts:
    columns language, texts, share."""
    counts = pd.Series(languages).value_counts().reindex(list(LANGS), fill_value=0)
    return pd.DataFrame(
        {
            "language": counts.index,
            "texts": counts.to_numpy(),
            "share": counts.to_numpy() / max(len(languages), 1),
        }
    )
