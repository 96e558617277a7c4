"""The five Kano answers as respondents give them: codes 1–5 or words in English or Chinese
(``answer_codes``). Reading them is part of reading a survey export, so intake (``coerce``) and
the Kano model (``kano``) share this one table of words."""

from __future__ import annotations

import numpy as np
import pandas as pd

ANSWERS = ("like", "must_be", "neutral", "live_with", "dislike")  # codes 1..5


_WORDS = {
    1: [
        "like",
        "i like it",
        "i like it that way",
        "i like",
        "i would like it",
        "i would like it that way",
        "i enjoy it",
        "i enjoy it that way",
        "this would be very helpful to me",
        "delighted",
        "satisfied",
        "喜欢",
        "我喜欢",
        "很喜欢",
        "非常喜欢",
        "满意",
        "很满意",
        "非常满意",
        "我很喜欢",
    ],
    2: [
        "must be",
        "must-be",
        "mustbe",
        "expect",
        "expected",
        "i expect it",
        "i expect it that way",
        "i expect it to be that way",
        "it must be that way",
        "i must be that way",
        "it must be",
        "must be that way",
        "it should be that way",
        "it is a basic necessity or i expect it that way",
        "it is a basic necessity",
        "this is a basic requirement for me",
        "理应如此",
        "理所当然",
        "应该如此",
        "应该这样",
        "必须这样",
        "必须如此",
        "必备",
        "期望如此",
        "本应如此",
    ],
    3: [
        "neutral",
        "i am neutral",
        "i'm neutral",
        "i don't care",
        "i do not care",
        "indifferent",
        "no feeling",
        "don't care",
        "this would not affect me",
        "无所谓",
        "都可以",
        "没感觉",
        "中立",
        "一般",
        "无所谓的",
    ],
    4: [
        "live with",
        "live-with",
        "i can live with it",
        "i can live with it that way",
        "i can tolerate it",
        "i can tolerate it that way",
        "tolerate",
        "i tolerate it",
        "i dislike it, but i can live with it that way",
        "i dislike it but i can live with it",
        "this would be a minor inconvenience",
        "能忍受",
        "可以忍受",
        "勉强接受",
        "能接受",
        "可以接受",
        "忍受",
    ],
    5: [
        "dislike",
        "i dislike it",
        "i dislike it that way",
        "i don't like it",
        "i do not like it",
        "i don't like it that way",
        "i do not like it that way",
        "i dislike it, and i can't accept it",
        "i dislike it and i can't accept it",
        "this would be a major problem for me",
        "不喜欢",
        "很不喜欢",
        "非常不喜欢",
        "讨厌",
        "不满意",
        "很不满意",
        "我不喜欢",
    ],
}


SHOWN = {
    1: ("I like it", "喜欢"),
    2: ("I expect it", "理应如此"),
    3: ("I am neutral", "无所谓"),
    4: ("I can live with it", "能忍受"),
    5: ("I dislike it", "不喜欢"),
}  # in messages: the known words


_LOOKUP = {w: code for code, words in _WORDS.items() for w in words}
_LOOKUP.update({str(c): c for c in range(1, 6)})
_LOOKUP.update({f"{c}.0": c for c in range(1, 6)})


def _normalise(s: pd.Series) -> pd.Series:
    s = s.astype("string").str.strip().str.lower()
    s = s.str.replace("’", "'", regex=False).str.replace(r"[\s_]+", " ", regex=True)
    return s.str.replace(r"^[\d]\s*[-.、:：)）]\s*(?=\D)", "", regex=True).str.strip(" .。!！,，")


def answer_codes(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Codes 1–5 (0 = missing) of answers given as codes or words; and the unknown words
    (index → value) for the caller to report. A survey repeats a handful of answers over
    every row, so each distinct answer is read once (``pd.factorize``) and its code gathered."""
    where, distinct = pd.factorize(values)
    norm = _normalise(pd.Series(distinct, dtype=object))
    codes = norm.map(_LOOKUP)
    known = np.append(codes.fillna(0).astype("int64").to_numpy(), 0)  # -1 (missing) → 0
    bad = np.append((norm.notna() & (norm != "") & codes.isna()).to_numpy(), False)
    return known[where], values[bad[where]]
