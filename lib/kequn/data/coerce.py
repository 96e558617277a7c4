"""Turn the text of an export into typed columns, vectorised.

Each parser returns ``(values, invalid)``: the typed series and a boolean mask of cells that
held something but could not be read. Cells that are empty or say "unknown" in either
language are missing, not invalid: they count against completeness, not validity.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# Arrow-backed strings: .str methods run in C++ (pyarrow compute), ~5-10x faster than object.
STR = pd.StringDtype("pyarrow")

MISSING_TOKENS = {
    "未知",
    "不详",
    "无",
    "空",
    "unknown",
    "n/a",
    "na",
    "nan",
    "null",
    "none",
    "-",
    "--",
    "?",
}


def blank_to_na(s: pd.Series) -> pd.Series:
    """Text with missing-value tokens ("未知", "N/A", …) replaced by NA."""
    if not (s.dtype == object or str(s.dtype).startswith("string")):
        return s
    s = s.astype(STR)
    low = s.str.strip().str.lower()
    return s.mask(low.isin(MISSING_TOKENS) | (low == ""))


# --- dates -------------------------------------------------------------------------------
# One regex reads every separated style: Y-M-D, M/D/Y, D/M/Y (2- or 4-digit years), dots,
# Chinese 年月日, an optional time with seconds, fractions, AM/PM or 上午/下午, and a zone.
_DATE_RE = (
    r"^(\d{1,4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,4})\s*日?"
    r"(?:[ T]+(上午|下午|AM|PM|am|pm)?\s*(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2})(?:[.,](\d{1,9}))?)?秒?"
    r"\s*(AM|PM|am|pm|a\.m\.|p\.m\.)?)?\s*(?:Z|[+-]\d{2}:?\d{2}|UTC)?$"
)
_COMPACT_RE = r"^(\d{4})(\d{2})(\d{2})(?:[ T]?(\d{2})(\d{2})(\d{2})?)?$"
_NUMBER_RE = r"^-?\d+(?:\.\d+)?$"
ORDERS = {"YMD": "%Y-%m-%d", "MDY": "%m/%d/%Y", "DMY": "%d/%m/%Y"}
# Dates outside these years are placeholders (1900-01-01, Excel's day 0) or typos (2999):
# a counted cleaning rule, not a stop. pandas holds 1677–2262 only.
MIN_YEAR, MAX_YEAR = 1970, 2200


@dataclass
class DateReading:
    """A date column as read: values, which cells failed and why, and the style chosen.

    ``fmt`` is the style as a ``strftime`` pattern (stated in ``quality.json`` and the 01
    report); ``ambiguous`` is true when every value fits both month/day and day/month.
    """

    values: pd.Series
    invalid: pd.Series
    out_of_range: pd.Series
    fmt: str | None = None
    ambiguous: bool = False
    examples: list = field(default_factory=list)


def _order_of(fmt: str | None) -> str | None:
    """``YMD``, ``MDY`` or ``DMY`` for a user's strftime pattern (separators free)."""
    if not fmt:
        return None
    pos = {k: fmt.find(k) for k in ("%Y", "%y", "%m", "%d")}
    y = pos["%Y"] if pos["%Y"] >= 0 else pos["%y"]
    if min(y, pos["%m"], pos["%d"]) < 0 or "%b" in fmt or "%B" in fmt:
        return None
    return "".join(k for _, k in sorted(((y, "Y"), (pos["%m"], "M"), (pos["%d"], "D"))))


def _assemble(parts: pd.DataFrame, y, m, d, index) -> tuple[pd.Series, pd.Series]:
    """Timestamps from numeric parts; returns (values, out_of_range) — impossible dates
    such as 2/30 are NaT and not out of range."""

    def num(col, default=np.nan):
        if col not in parts:
            return np.full(len(parts), default)
        v = pd.to_numeric(parts[col], errors="coerce").astype(float).to_numpy()
        return np.where(np.isnan(v), default, v)

    year = num(y)
    short = (parts[y].str.len() <= 2).fillna(False).to_numpy(bool)
    year = np.where(short, np.where(year < 69, 2000 + year, 1900 + year), year)
    oor = (year < MIN_YEAR) | (year > MAX_YEAR)
    hour = num("h", 0)
    ap = pd.Series(np.full(len(parts), ""), index=parts.index, dtype=object)
    for col in ("ap1", "ap2"):
        if col in parts:
            ap = ap.where(parts[col].isna().to_numpy(), parts[col].astype(object))
    first = ap.fillna("").astype(str).str.lower().str[:1].to_numpy()
    pm = np.isin(first, ["p", "下"]) & (hour < 12)
    am12 = np.isin(first, ["a", "上"]) & (hour == 12)
    hour = np.where(pm, hour + 12, np.where(am12, 0, hour))
    frac = parts["f"].fillna("0").str.ljust(9, "0").str[:9] if "f" in parts else None
    fields = pd.DataFrame(
        {
            "year": np.where(oor, np.nan, year),
            "month": num(m),
            "day": num(d),
            "hour": hour,
            "minute": num("mi", 0),
            "second": num("s", 0),
            "ns": pd.to_numeric(frac, errors="coerce").fillna(0).to_numpy(float)
            if frac is not None
            else 0.0,
        }
    )
    bad = np.isnan(fields[["year", "month", "day"]].to_numpy()).any(axis=1)
    out = np.full(len(parts), np.datetime64("NaT"), dtype="datetime64[ns]")
    if (~bad).any():
        ok = fields[~bad].astype("int64")
        out[~bad] = pd.to_datetime(ok, errors="coerce").to_numpy()
    return pd.Series(out, index=index), pd.Series(oor, index=index)


def _numeric_dates(u: pd.Series) -> tuple[pd.Series, pd.Series, str] | None:
    """Excel serial days, Unix seconds or milliseconds, when every value is a number of
    one of those magnitudes."""
    x = pd.to_numeric(u, errors="coerce")
    if x.isna().any() or x.empty:
        return None
    lo, hi = x.min(), x.max()
    if 1e11 <= lo and hi < 1e14:
        unit, fmt = "ms", "unix_ms"
    elif 1e8 <= lo and hi < 1e11:
        unit, fmt = "s", "unix_s"
    elif 1 <= lo and hi < 100_000:
        unit, fmt = "D", "excel_serial"
    else:
        return None
    origin = pd.Timestamp("1899-12-30") if unit == "D" else "unix"
    vals = pd.to_datetime(x, unit=unit, origin=origin, errors="coerce")
    oor = _outside_years(vals)
    return vals.where(~oor), oor, fmt


def read_dates(s: pd.Series, fmt: str | None = None, default: str | None = None) -> DateReading:
    """A column of dates in whatever style the export uses, decided from all its values.

    Styles read: ISO with or without time, ``Y/M/D``, ``M/D/Y`` and ``D/M/Y`` with 2- or
    4-digit years and any of ``- / .`` as separator, Chinese ``2024年3月5日``, compact
    ``20240305``, Excel serial numbers, Unix seconds and milliseconds, English month names.
    Month/day against day/month is decided for the whole column: a column whose values
    fit only one reading is read that way; one where every value fits both is
    ``ambiguous`` (every value is then left unread) unless a pattern says which.
    Years outside ``MIN_YEAR``–``MAX_YEAR`` are ``out_of_range`` (a cleaning rule), not
    unreadable.

    Parameters
    ----------
    s : Series
        The column as read (text, or datetimes from a typed file).
    fmt : str, optional
        A ``strftime`` pattern (``'%d/%m/%Y'``) given for this very column: it wins over
        what the values show.
    default : str, optional
        A pattern given for many columns (``intake.date_format``, or one pattern for all
        tables in a column map): it settles only what the values leave open. A column whose
        values read unambiguously in a detected style (ISO ``2024-03-05``, month/day with a
        day above 12) keeps that style; an ambiguous one is read with the pattern's
        month/day order; a pattern with month names or words is used when it reads more
        values than the detected styles.
    """
    if fmt is None and default:
        found = read_dates(s)
        if _order_of(default) is None:  # month names or words: when it reads more
            if found.invalid.any():
                alt = read_dates(s, default)
                if int(alt.invalid.sum()) < int(found.invalid.sum()):
                    return alt
            return found
        if not found.ambiguous:
            return found
        return _read_dates(s, None, settle=_order_of(default))
    return _read_dates(s, fmt)


def _outside_years(dates: pd.Series) -> pd.Series:
    """Dates before ``MIN_YEAR`` or after ``MAX_YEAR`` (NaT is not): compared with the two
    bounds as instants, ~10x cheaper than taking the year of every row."""
    lo, hi = pd.Timestamp(MIN_YEAR, 1, 1), pd.Timestamp(MAX_YEAR + 1, 1, 1)
    return (dates < lo) | (dates >= hi)


def _read_dates(s: pd.Series, fmt: str | None = None, settle: str | None = None) -> DateReading:
    """``read_dates`` with ``fmt`` forced, or with ``settle`` (``MDY``/``DMY``/…) deciding a
    column whose every value fits both month/day and day/month."""
    none = pd.Series(False, index=s.index)
    if pd.api.types.is_datetime64_any_dtype(s):
        out = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) is not None else s
        out = out.astype("datetime64[ns]")
        oor = _outside_years(out)
        return DateReading(out.where(~oor) if oor.any() else out, none, oor, "native")
    s = blank_to_na(s.astype(STR) if not pd.api.types.is_string_dtype(s) else s)
    present = s.notna()
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    if not present.any():
        return DateReading(out, none, none, None)
    # Fast path: ISO text, parsed in C over all rows (most exports, tens of millions of rows).
    if fmt is None or _order_of(fmt) == "YMD":
        first = s[present].iloc[0].strip()
        isos = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S") if len(first) <= 10 else ("%Y-%m-%d %H:%M:%S",)
        for iso in isos:  # the style the first value has first: each try parses every row
            parsed = pd.to_datetime(s, format=iso, errors="coerce")
            if parsed.notna().sum() == present.sum():
                parsed = parsed.astype("datetime64[ns]")
                oor = _outside_years(parsed)  # placeholders (1900-01-01) in ISO too
                return DateReading(parsed.where(~oor) if oor.any() else parsed, none, oor, iso)
    # General path on the distinct values (dates repeat: a column has few of them).
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    u = pd.Series(uniq, dtype=STR).str.strip()
    vals = pd.Series(pd.NaT, index=u.index, dtype="datetime64[ns]")
    oor = pd.Series(False, index=u.index)
    chosen, ambiguous = None, False
    u = u.astype(STR)
    order = _order_of(fmt)
    if fmt and order is None:  # a pattern with month names or other words: strptime as given
        vals = pd.to_datetime(u, format=fmt, errors="coerce")
        chosen = fmt
    else:
        num = (
            _numeric_dates(u)
            if fmt is None
            and u.str.fullmatch(_NUMBER_RE).all()
            and not u.str.fullmatch(r"\d{8}").all()
            else None
        )
        if num is not None:
            vals, oor, chosen = num
        else:
            vals, oor, chosen, ambiguous = _separated_dates(u, order, settle)
    examples = []
    if ambiguous:
        examples = u[pd.Series(vals).isna().to_numpy() & u.notna().to_numpy()].head(3).tolist()
    values = pd.Series(vals.to_numpy()[codes], index=s.index).where(codes >= 0)
    values = values.astype("datetime64[ns]")
    out_of_range = pd.Series(np.asarray(oor, bool)[codes] & (codes >= 0), index=s.index)
    invalid = present & values.isna() & ~out_of_range
    return DateReading(values, invalid, out_of_range, chosen, ambiguous, examples)


def _separated_dates(u: pd.Series, order: str | None, settle: str | None = None):
    """Distinct date texts read with separators, month names or the compact form; ``order``
    forces the reading of every separated value, ``settle`` only that of values which fit
    both month/day and day/month when all of them do."""
    idx = u.index
    vals = pd.Series(pd.NaT, index=idx, dtype="datetime64[ns]")
    oor = pd.Series(False, index=idx)
    names = ["a", "b", "c", "ap1", "h", "mi", "s", "f", "ap2"]
    parts = u.str.extract(_DATE_RE)
    parts.columns = names
    hit = parts["a"].notna()
    compact = u.str.extract(_COMPACT_RE)
    compact.columns = ["a", "b", "c", "h", "mi", "s"]
    chit = compact["a"].notna() & ~hit
    has_time = parts["h"].notna().mean() > 0.5 if hit.any() else compact["h"].notna().any()
    styles = []
    ambiguous = False
    # Y-M-D: a four-digit first part
    ymd = hit & (parts["a"].str.len() == 4) if order in (None, "YMD") else hit & False
    if ymd.any():
        v, o = _assemble(parts[ymd], "a", "b", "c", idx[ymd])
        vals[ymd], oor[ymd] = v, o.to_numpy(bool)
        styles.append(("YMD", int(ymd.sum())))
    rest = hit & ~ymd
    if rest.any():
        a = pd.to_numeric(parts.loc[rest, "a"], errors="coerce")
        b = pd.to_numeric(parts.loc[rest, "b"], errors="coerce")
        if order in ("MDY", "DMY"):
            pick = order
        elif order == "YMD":
            pick = "YMD"
        elif (a > 12).any() and not (b > 12).any():
            pick = "DMY"
        elif (b > 12).any() and not (a > 12).any():
            pick = "MDY"
        elif not (a > 12).any() and not (b > 12).any():
            pick, ambiguous = (settle, False) if settle in ("MDY", "DMY") else (None, True)
        else:  # both readings break some rows: the one that reads more
            pick = "MDY" if (b > 12).sum() >= (a > 12).sum() else "DMY"
        if pick is not None:
            m, d, y = {"MDY": ("a", "b", "c"), "DMY": ("b", "a", "c"), "YMD": ("b", "c", "a")}[pick]
            v, o = _assemble(parts[rest], y, m, d, idx[rest])
            vals[rest], oor[rest] = v, o.to_numpy(bool)
            styles.append((pick, int(rest.sum())))
    if chit.any():
        c = compact[chit]
        v, o = _assemble(
            c.assign(ap1=pd.NA, ap2=pd.NA, f=pd.NA).astype(STR), "a", "b", "c", idx[chit]
        )
        vals[chit], oor[chit] = v, o.to_numpy(bool)
        styles.append(("COMPACT", int(chit.sum())))
    left = vals.isna() & ~oor & u.str.contains(r"[A-Za-z]{3}", regex=True).fillna(False)
    if left.any():  # English month names: "01-Dec-2010", "Dec 1, 2010"
        v = pd.to_datetime(u[left], format="mixed", errors="coerce", dayfirst=order == "DMY")
        vals[left] = v
        styles.append(("NAMED", int(v.notna().sum())))
    if not styles:
        return vals, oor, None, ambiguous
    main = max(styles, key=lambda x: x[1])[0]
    fmt = {
        "YMD": "%Y-%m-%d",
        "MDY": "%m/%d/%Y",
        "DMY": "%d/%m/%Y",
        "COMPACT": "%Y%m%d",
        "NAMED": "%d-%b-%Y",
    }[main]
    if main in ("MDY", "DMY"):
        sample = parts.loc[rest, "c"].dropna()
        if len(sample) and (sample.str.len() <= 2).mean() > 0.5:
            fmt = fmt.replace("%Y", "%y")
        sep = parts.loc[rest].index[:1]
        raw = u[sep].iloc[0] if len(sep) else ""
        for ch in ("-", "."):
            if ch in raw.split(" ")[0]:
                fmt = fmt.replace("/", ch)
    if has_time and main != "NAMED":
        fmt += " %H:%M" + (":%S" if parts["s"].notna().any() else "")
    return vals, oor, fmt, ambiguous


def parse_dates(s: pd.Series, fmt: str | None = None) -> tuple[pd.Series, pd.Series]:
    """Dates as ``read_dates`` reads them; out-of-range and ambiguous values count as
    unreadable here (intake uses ``read_dates`` to tell them apart)."""
    r = read_dates(s, fmt)
    return r.values, r.invalid | r.out_of_range


def parse_numbers(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers, accepting currency signs, thousands separators, 元 and trailing %."""
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return s.astype(float), pd.Series(False, index=s.index)
    plain = _plain_numbers(s)
    if plain is not None:
        return plain, pd.Series(False, index=s.index)
    s = blank_to_na(s)
    present = s.notna()
    t = s.str.replace(r"[¥￥$£€\s元]|RMB|CNY|NT\$|HK\$|GBP|USD|EUR", "", regex=True)
    if _decimal_comma(t):  # 1.234,56 or 12,5 (European exports, often ';'-delimited)
        t = t.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    t = t.str.replace(r"[,，]", "", regex=True)
    pct = t.str.endswith("%").fillna(False)
    t = t.str.rstrip("%")
    num = pd.to_numeric(t, errors="coerce").astype(float)
    num = num.where(~pct, num / 100.0)
    num = num.where(np.isfinite(num.to_numpy(dtype=float, na_value=np.nan)))  # inf, 1e999
    return num, present & num.isna()


def _plain_numbers(s: pd.Series) -> pd.Series | None:
    """The column as floats when every value present is a plain decimal (``-12.5``, spaces
    around allowed), read in one Arrow cast; None when any value needs ``parse_numbers``'
    rules (signs, separators, %, missing-value words, blanks, overflow). Most exports' amount
    and quantity columns are plain: this path is ~10x faster on them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = pa.array(s.array if isinstance(s.dtype, pd.StringDtype) else s, from_pandas=True)
        if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
            return None
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    plain = pc.match_substring_regex(arr, r"^\s*-?\d+(?:\.\d+)?\s*$")  # as _NUMBER_RE
    if not pc.all(pc.or_kleene(plain, pc.is_null(arr))).as_py():
        return None
    try:
        v = pc.cast(pc.utf8_trim_whitespace(arr), pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if not np.isfinite(v[~np.isnan(v)]).all():  # 400 digits: the slow path says "not a number"
        return None
    return pd.Series(v, index=s.index, dtype=float)


def _decimal_comma(t: pd.Series) -> bool:
    """True when the column writes decimals with a comma: some value ends in a comma and one
    or two digits (``12,5``) or groups with dots before a comma (``1.234,56``), and none
    ends in a dot and one or two digits."""
    sample = t.dropna().head(100_000)
    if sample.empty or not sample.str.contains(",", regex=False).any():
        return False
    comma = sample.str.contains(r"\d,\d{1,2}$|\.\d{3},\d+$", regex=True).any()
    dot = sample.str.contains(r"\d\.\d{1,2}$|,\d{3}\.\d+$", regex=True).any()
    return bool(comma and not dot)


_BAND = r"^(\d{1,3})\s*(?:-|~|～|—|–|至|到|to)\s*(\d{1,3})\s*(?:岁|years?)?$"
_BELOW = r"^(?:<|＜|≤|<=|under|below)\s*(\d{1,3})\s*(?:岁)?$|^(\d{1,3})\s*岁?(?:以下|及以下)$"
_ABOVE = r"^(?:>|＞|≥|>=|over|above)\s*(\d{1,3})\s*(?:岁)?$|^(\d{1,3})\s*(?:\+|岁?以上|岁?及以上)$"


def parse_age(s: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Ages written as numbers or as bands (``35-39``, ``<25``, ``>65``, ``65+``,
    ``25岁以下``). Returns (age, band, invalid): a band's age is its middle (an open band
    ``<25`` is taken as 22, ``>65`` as 68: three years inside the bound) and ``band`` keeps
    the band as written, so reports can show bands the export used instead of inventing finer
    ones. Distinct values are parsed once.

    Examples
    --------
    >>> age, band, bad = parse_age(pd.Series(["35-39", "<25", ">65", "65+", "25岁以下", "41", "x"]))
    >>> age.tolist()
    [37.0, 22.0, 68.0, 68.0, 22.0, 41.0, nan]
    >>> band.tolist()
    ['35-39', '<25', '>65', '65+', '25岁以下', <NA>, <NA>]
    >>> bad.tolist()
    [False, False, False, False, False, False, True]
    """
    s = blank_to_na(s.astype(STR) if not pd.api.types.is_numeric_dtype(s) else s)
    if pd.api.types.is_numeric_dtype(s):
        return (
            s.astype(float),
            pd.Series(pd.NA, index=s.index, dtype=STR),
            pd.Series(False, index=s.index),
        )
    codes, uniq = pd.factorize(s)
    u = pd.Series(uniq, dtype=STR).str.strip().str.lower()
    age = pd.to_numeric(u, errors="coerce").astype(float)
    band = pd.Series(pd.NA, index=u.index, dtype=STR)
    b = u.str.extract(_BAND).astype(float)
    inside = b[0].notna()
    age = age.where(~inside, (b[0] + b[1]) / 2)
    lo = u.str.extract(_BELOW).astype(float).bfill(axis=1)[0]
    hi = u.str.extract(_ABOVE).astype(float).bfill(axis=1)[0]
    age = age.where(lo.isna(), lo - 3).where(hi.isna(), hi + 3)
    is_band = inside | lo.notna() | hi.notna()
    band = band.where(~is_band, pd.Series(uniq, dtype=STR).str.strip())
    ages = pd.Series(age.to_numpy()[codes], index=s.index).where(codes >= 0)
    bands = pd.Series(band.to_numpy()[codes], index=s.index, dtype=STR).where(codes >= 0)
    return ages.astype(float), bands, s.notna() & ages.isna()


def parse_importance(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Self-stated importance on any numeric scale, also written with its label
    (``9 - Extremely important``, ``5（非常重要）``): the leading number is the answer."""
    if pd.api.types.is_numeric_dtype(s):
        return s.astype(float), pd.Series(False, index=s.index)
    s = blank_to_na(s.astype(STR))
    lead = s.str.extract(r"^\s*(\d+(?:\.\d+)?)(?:\s*$|\s*[-–—:：.、(（\s])")[0]
    num = pd.to_numeric(lead, errors="coerce").astype(float)
    return num, s.notna() & num.isna()


def importance_scale(values: pd.Series) -> tuple[int, int] | None:
    """The answer scale of self-stated importance, from the answers: the smallest common scale
    (1–5, 1–7, 1–9, 0/1–10, 0–100) holding every answer; None when nothing was answered."""
    v = pd.to_numeric(values, errors="coerce").dropna()
    if v.empty:
        return None
    top = next((s for s in (5, 7, 9, 10, 100) if v.max() <= s), int(np.ceil(v.max())))
    return (0 if v.min() < 1 else 1), top


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
    from kequn.data.kano_answers import ANSWERS, answer_codes

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
    if kind == "importance":
        return parse_importance(s)
    return parse_text(s)
