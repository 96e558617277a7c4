"""Turn the text of an export into typed columns, vectorised.

Each parser returns ``(values, invalid)``: the typed series and a boolean mask of cells that
held something but could not be read. Cells that are empty or say "unknown" in either
language are missing, not invalid: they count against completeness, not validity.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

# Arrow-backed strings: .str methods run in C++ (pyarrow compute), ~5-10x faster than object.
STR = pd.StringDtype("pyarrow")

MISSING_TOKENS = {"未知", "不详", "无", "空", "unknown", "n/a", "na", "nan", "null", "none", "-", "--", "?"}

_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S",
                 "%Y%m%d", "%Y-%m-%d %H:%M:%S.%f")


def blank_to_na(s: pd.Series) -> pd.Series:
    """Text with missing-value tokens ("未知", "N/A", …) replaced by NA."""
    if not (s.dtype == object or str(s.dtype).startswith("string")):
        return s
    s = s.astype(STR)
    low = s.str.strip().str.lower()
    return s.mask(low.isin(MISSING_TOKENS) | (low == ""))


def parse_dates(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates in the formats exports use: 2024-03-05, 2024/3/5, 2024.3.5, 20240305,
    2024年3月5日, with or without a time; day-first dates (05/03/2024) are not guessed."""
    if pd.api.types.is_datetime64_any_dtype(s):
        out = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) is not None else s
        return out.astype("datetime64[ns]"), pd.Series(False, index=s.index)
    s = blank_to_na(s)
    present = s.notna()
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    todo = present.copy()
    # Fast path: most exports are ISO already; only what fails is normalised and retried.
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        if todo.any():
            _try_format(s, fmt, out, todo)
    if todo.any():
        rest = s[todo]
        norm = (rest.str.replace("年", "-", regex=False).str.replace("月", "-", regex=False)
                .str.replace("日", " ", regex=False).str.replace("/", "-", regex=False)
                .str.replace(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})", r"\1-\2-\3", regex=True)
                .str.strip())
        norm = norm.reindex(s.index)
        for fmt in _DATE_FORMATS:
            if not todo.any():
                break
            _try_format(norm, fmt, out, todo)
    return out, present & out.isna()


def _try_format(text: pd.Series, fmt: str, out: pd.Series, todo: pd.Series) -> None:
    """Parse the still-unparsed cells of ``text`` with ``fmt``; fill ``out``, clear ``todo``."""
    parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
    ok = parsed.notna()
    idx = ok[ok].index
    out.loc[idx] = parsed[ok]
    todo.loc[idx] = False


def parse_numbers(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers, accepting currency signs, thousands separators, 元 and trailing %."""
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return s.astype(float), pd.Series(False, index=s.index)
    s = blank_to_na(s)
    present = s.notna()
    t = s.str.replace(r"[¥￥$,，\s元]|RMB|CNY", "", regex=True)
    pct = t.str.endswith("%").fillna(False)
    t = t.str.rstrip("%")
    num = pd.to_numeric(t, errors="coerce").astype(float)
    num = num.where(~pct, num / 100.0)
    return num, present & num.isna()


def parse_bool(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    truthy = {"1", "1.0", "true", "t", "yes", "y", "是", "有", "已用"}
    falsy = {"0", "0.0", "false", "f", "no", "n", "否", "无", "未用"}
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
        return s.astype("boolean"), pd.Series(False, index=s.index)
    s = s.astype(STR)
    low = s.str.lower().str.strip()
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    out[low.isin(truthy).fillna(False)] = True
    out[low.isin(falsy).fillna(False)] = False
    return out, s.notna() & out.isna() & ~low.isin(MISSING_TOKENS).fillna(False)


def parse_enum(s: pd.Series, values: dict) -> tuple[pd.Series, pd.Series]:
    s = blank_to_na(s)
    key = s.astype(STR).str.lower().str.strip()
    out = key.map(values).astype(STR)
    return out, s.notna() & out.isna()


def parse_kano_answer(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Kano answers given as 1–5 or words (en/zh) as their canonical names (like, must_be,
    neutral, live_with, dislike); unknown words are bad."""
    from .kano import ANSWERS, answer_codes
    s = blank_to_na(s)
    codes, _ = answer_codes(s)
    names = np.array((None,) + ANSWERS, dtype=object)
    out = pd.Series(names[codes], index=s.index, dtype=STR)
    return out, s.notna() & out.isna()


def parse_text(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    s = blank_to_na(s.astype(STR))
    return s, pd.Series(False, index=s.index)


def parse_id(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Keys as text; a float-looking key (12345.0, from a spreadsheet) loses its '.0'."""
    if pd.api.types.is_float_dtype(s):
        s = s.astype("Int64")
    s = s.astype(STR)
    # Each rewrite copies tens of millions of keys, so only when some key needs it.
    if s.str.contains(r"^\s|\s$", regex=True).any():
        s = s.str.strip()
    if s.str.endswith(".0").any():
        s = s.str.replace(r"\.0$", "", regex=True)
    if (s == "").any():
        s = s.mask(s == "")
    return s, pd.Series(False, index=s.index)


def parse(s: pd.Series, kind: str, values: dict | None = None) -> tuple[pd.Series, pd.Series]:
    """Dispatch on the contract kind of a column."""
    if kind in ("date", "datetime"):
        return parse_dates(s)
    if kind in ("number", "int"):
        v, bad = parse_numbers(s)
        if kind == "int":
            frac = v.notna() & (v != np.round(v))
            v = v.where(~frac)
            bad = bad | frac
        return v, bad
    if kind == "bool":
        return parse_bool(s)
    if kind == "enum":
        return parse_enum(s, values or {})
    if kind == "kano_answer":
        return parse_kano_answer(s)
    if kind == "id":
        return parse_id(s)
    return parse_text(s)
