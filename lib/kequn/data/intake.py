"""Intake: the one way raw exports enter Kequn.

``run_intake`` reads every contract table found in a folder, maps headers through the
column map, parses and validates values against ``kequn.data.schema``, applies the cleaning
rules (each counted), drops PII and pseudonymises customer keys, and writes
``clean/<table>.parquet`` and ``quality.json`` atomically. Any problem a user must fix is
collected and raised together as ``InputError``; then nothing is written.

Cleaning rules (each one is a row of ``quality.json["cleaning"]``):
- exact duplicate rows dropped; repeated customer keys keep their first row;
- orders without a customer key are anonymous and dropped (counted, not an error);
- rows dated after the as-of date are dropped (typos such as 2062 for 2026);
- orders, events and feedback of customers missing from the customers table (orphans)
  are dropped; without a customers table, customers are derived from the orders;
- unreadable or implausible optional values (income 9,999,999; birth year 1890) become
  missing; unreadable required values are errors unless ``invalid_rows='drop'``;
- feedback resolved before it was created loses its resolution time;
- negative amounts are returns: kept, counted.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kequn.data import coerce, database, kano_wide, paths, privacy, schema
from kequn.data.coerce import STR
from kequn.data.fingerprint import input_fingerprint
from kequn.data.io import (
    Export,
    atomic_dir,
    broken_lines_problem,
    find_table,
    norm_header,
    read_export,
    read_yaml,
    write_table_atomic,
    write_text_atomic,
)
from kequn.data.paths import RunFolder
from kequn.data.problems import InputError, Problem
from kequn.data.threads import on_threads
from kequn.lang.currency import resolve as resolve_currency

MAX_EXAMPLES = 5


@dataclass
class IntakeResult:
    tables: dict[str, pd.DataFrame]
    quality: dict
    out_dir: Path | None = None


@dataclass
class _Log:
    cleaning: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    validity: dict = field(default_factory=dict)
    date_formats: dict = field(default_factory=dict)
    reading: dict = field(default_factory=dict)
    age_bands: dict = field(default_factory=dict)
    said: set = field(default_factory=set)  # (table, column) already reported as one problem
    reid: pd.DataFrame | None = None  # pseudonym -> CRM id, written only outside processed data

    def clean(self, table, rule, rows, **detail):
        if rows:
            self.cleaning.append({"table": table, "rule": rule, "rows": int(rows), **detail})


_norm = norm_header
# Column map sections besides the tables: where files are, which sheet, date formats, money;
# where tables are in a database and queries per table (kequn.data.database).
MAP_SECTIONS = ("files", "sheet", "sheets", "date_format", "currency", "tables", "queries")


def load_column_map(path: str | Path | None) -> dict:
    """The user's column map merged over the built-in aliases.

    Shape: ``{table: {contract_column: header or [headers]}, files: {table: file name},
    sheet: {table: sheet name}, date_format: pattern or {table: pattern or {column: pattern}},
    currency: code}``. Headers the user names are kept apart (``user``) so they win over the
    built-in aliases: a user's ``quantity: AMOUNT`` beats the alias that reads AMOUNT as amount.
    """
    base = schema.default_column_map()
    base["user"] = {}
    if not path:
        base["files"], base["sheet"], base["date_format"], base["currency"] = {}, {}, None, None
        base["tables"], base["queries"] = {}, {}
        return base
    p = Path(path)
    user = read_yaml(
        p,
        ("字段映射文件", "column map"),
        ("把 column_map 设为已有的 YAML 文件", "set column_map to an existing YAML file"),
    )
    problems = []
    for table, cols in user.items():
        if table in MAP_SECTIONS:
            continue
        if table not in schema.CONTRACT:
            problems.append(
                Problem.of("unknown_table", p.name, table=table, allowed=", ".join(schema.TABLES))
            )
            continue
        known = schema.columns(table)
        for col, headers in (cols or {}).items():
            if col not in known and not col.startswith(schema.PSY_PREFIX):
                problems.append(
                    Problem.of(
                        "unknown_column", p.name, table=table, col=col, allowed=", ".join(known)
                    )
                )
                continue
            headers = [headers] if isinstance(headers, str) else list(headers)
            base["user"].setdefault(table, {})[col] = [str(h) for h in headers]
    base["tables"], base["queries"], db_problems = database.column_map_sections(user, p.name)
    problems += db_problems
    if problems:
        raise InputError(problems)
    base["files"] = user.get("files", {}) or {}
    base["sheet"] = user.get("sheet", user.get("sheets", {})) or {}
    base["date_format"] = user.get("date_format")
    base["currency"] = user.get("currency")
    from kequn.lang.currency import valid_code

    if base["currency"] is not None and not valid_code(base["currency"]):
        raise InputError([Problem.of("bad_currency", p.name, value=repr(base["currency"]))])
    return base


def date_format_for(
    cmap: dict, table: str, column: str, default=None
) -> tuple[str | None, str | None]:
    """(pattern for this very column, pattern for many columns) that the column map gives for
    one date column.

    A pattern named for the column (``date_format: {orders: {order_date: …}}`` or
    ``{orders.order_date: …}``) wins over what the values show. One pattern for all tables
    (``date_format: '%d/%m/%Y'``), for a whole table (``{orders: …}``) or the config's
    ``intake.date_format`` (``default``; the column map's wins) only settles a column whose
    values leave month/day against day/month open (``coerce.read_dates``): a column
    unambiguous in another style (ISO ``2024-03-05``) keeps it.
    """
    spec = cmap.get("date_format")
    if not isinstance(spec, dict):
        return None, str(spec) if spec else default
    own = spec.get(f"{table}.{column}")
    general = spec.get(table)
    if isinstance(general, dict):
        own = general.get(column, own)
        general = None
    return (str(own) if own else None), (str(general) if general else default)


def map_columns(
    df: pd.DataFrame, table: str, cmap: dict, file: str, renamed: dict | None = None
) -> tuple[pd.DataFrame, list[str], list[Problem]]:
    """Rename headers to contract names; returns the frame, ignored headers and problems.
    ``renamed`` maps a repeated header's new name (``amount (2)``) to the one written."""
    renamed = renamed or {}
    known = schema.columns(table)
    lookup = {}
    for col, headers in cmap.get("user", {}).get(table, {}).items():  # the user's map first
        for h in headers:
            lookup[_norm(h)] = col
    for col in known:
        for h in [col] + list(cmap.get(table, {}).get(col, [])):
            lookup.setdefault(_norm(h), col)
    for col, headers in cmap.get(table, {}).items():
        if col.startswith(schema.PSY_PREFIX):
            for h in [col] + list(headers):
                lookup.setdefault(_norm(h), col)
    rename, ignored, problems = {}, [], []
    taken: dict[str, str] = {}
    for h in df.columns:
        target = lookup.get(_norm(renamed.get(h, h)))
        if target is None and table == "customers" and _norm(h).startswith("psy"):
            target = h.lower()
        if target is None:
            ignored.append(h)
            continue
        if target in taken:
            problems.append(
                Problem.of("duplicate_header", file, first=taken[target], second=h, target=target)
            )
            continue
        taken[target] = h
        rename[h] = target
    # the columns themselves, not copies (df[...] then rename copied a 15M-row table twice)
    out = pd.DataFrame({rename[h]: df[h] for h in rename}, index=df.index, copy=False)
    return out, ignored, problems


def _examples(mask: pd.Series, rows: pd.Series, values: pd.Series) -> tuple[list[int], list[str]]:
    """Rows of the first few bad cells and up to ``MAX_EXAMPLES`` distinct bad values."""
    idx = np.flatnonzero(mask.to_numpy())
    shown = pd.Series(values.iloc[idx[:10_000]]).astype(str).drop_duplicates().head(MAX_EXAMPLES)
    return [int(r) for r in rows.iloc[idx[:MAX_EXAMPLES]]], shown.tolist()


def _parse_column(
    raw: pd.Series,
    col: schema.Column,
    table: str,
    file: str,
    log: _Log,
    cmap: dict,
    date_default: str | None,
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(values, bad, out_of_range) of one column; date columns state the style they were read
    in (``log.date_formats``), and a column whose every date fits both month/day and
    day/month is one problem asking for ``date_format``, not one per row."""
    none = pd.Series(False, index=raw.index)
    if col.kind == "age":
        age, band, bad = coerce.parse_age(raw)
        if band.notna().any():
            log.age_bands[table] = band
        return age, bad, none
    if col.kind not in ("date", "datetime"):
        values, bad = coerce.parse(raw, col.kind, col.values)
        return values, bad, none
    fmt, general = date_format_for(cmap, table, col.name, date_default)
    r = coerce.read_dates(raw, fmt, default=general)
    if r.fmt:
        log.date_formats.setdefault(table, {})[col.name] = r.fmt
    present = int(raw.notna().sum())
    if r.ambiguous:
        log.problems.append(
            Problem.of(
                "date_ambiguous",
                file,
                column=col.name,
                values=r.examples,
                count=int(r.invalid.sum()),
                table=table,
                col=col.name,
            )
        )
        log.said.add((table, col.name))  # said once for the column, not per row
        return r.values, r.invalid, r.out_of_range
    if present >= 10 and int(r.invalid.sum()) == present and not r.out_of_range.any():
        _, v = _examples(r.invalid, pd.Series(np.zeros(len(raw), int), index=raw.index), raw)
        log.problems.append(
            Problem.of(
                "date_style_unknown",
                file,
                column=col.name,
                values=v,
                count=present,
                n=present,
                table=table,
                col=col.name,
            )
        )
        log.said.add((table, col.name))
        return r.values, r.invalid, r.out_of_range
    if r.out_of_range.any():
        log.clean(
            table,
            "dates_out_of_range",
            int(r.out_of_range.sum()),
            column=col.name,
            allowed=f"{coerce.MIN_YEAR}–{coerce.MAX_YEAR}",
            action="rows dropped" if col.required else "set missing",
        )
    return r.values, r.invalid, r.out_of_range


def _parse_table(
    df: pd.DataFrame,
    table: str,
    file: str,
    log: _Log,
    invalid_rows: str,
    cmap: dict | None = None,
    date_default: str | None = None,
) -> pd.DataFrame:
    """Typed columns; invalid required values are problems (or dropped rows), invalid
    optional values become missing and are counted; dates out of range are dropped rows
    (required) or missing values (optional), counted."""
    cmap = cmap or {}
    cols = schema.columns(table)
    rows = df["_row"]
    out = pd.DataFrame({"_row": rows})
    drop = pd.Series(False, index=df.index)
    validity = {}
    for name in list(df.columns):
        if name == "_row":
            continue
        col = cols.get(name) or schema.Column(name, "number", lo=None, hi=None)  # psy_* scales
        if col.kind == "pii":
            out[name] = df.pop(name)
            continue
        raw = df.pop(name)  # consumed column by column, so a table is not held twice
        values, bad, far = _parse_column(raw, col, table, file, log, cmap, date_default)
        if far.any():
            if col.required:
                drop |= far.to_numpy()
            values = values.mask(far)
        out_of_range = pd.Series(False, index=df.index)
        if col.lo is not None:
            out_of_range |= values.lt(col.lo).fillna(False).astype(bool)
        if col.hi is not None:
            out_of_range |= values.gt(col.hi).fillna(False).astype(bool)
        present = int(raw.notna().sum()) - int(far.sum())
        n_bad = int(bad.sum()) + int(out_of_range.sum())
        validity[name] = 1.0 - n_bad / present if present else None
        if col.required:
            missing = values.isna() & ~bad & ~far
            if table == "orders" and name == "customer_id":
                log.clean(table, "anonymous_orders_dropped", int(missing.sum()))
                drop |= missing
                missing = pd.Series(False, index=df.index)
            for key, mask in (("value_unreadable", bad | out_of_range), ("value_empty", missing)):
                if not mask.any() or ((table, name) in log.said and invalid_rows != "drop"):
                    continue
                if invalid_rows == "drop":
                    log.clean(
                        table,
                        "invalid_required_rows_dropped",
                        int(mask.sum()),
                        column=name,
                        examples=privacy.mask_examples(_examples(mask, rows, raw)[1][:3]),
                    )
                    drop |= mask
                else:
                    r, v = _examples(mask, rows, raw)
                    log.problems.append(
                        Problem.of(
                            key,
                            file,
                            column=name,
                            rows=r,
                            values=v,
                            count=int(mask.sum()),
                            **_expect(col),
                        )
                    )
        elif n_bad:
            mask = bad | out_of_range
            r, v = _examples(mask, rows, raw)
            log.warnings.append(
                {
                    **Problem.of(
                        "values_set_missing",
                        file,
                        column=name,
                        rows=r,
                        values=v,
                        count=n_bad,
                        n=n_bad,
                        **_expect(col),
                    ).to_dict(),
                    "rule": "invalid_values_set_missing",
                    "kind": col.kind,
                    "lo": col.lo,
                    "hi": col.hi,
                }
            )
            log.clean(table, "invalid_values_set_missing", n_bad, column=name)
            values = values.mask(mask)
        out[name] = _compact(values) if col.kind in ("text", "enum") else values
    if table in log.age_bands:
        out["age_band"] = _compact(log.age_bands.pop(table))
    log.validity[table] = validity
    return _keep(out, ~drop.to_numpy())


def _compact(values: pd.Series) -> pd.Series:
    """Text with few distinct values (category, channel, event type) as a categorical:
    one byte per row instead of twenty, for tables of tens of millions of rows."""
    if len(values) >= 10_000 and values.nunique() <= min(50_000, len(values) // 100):
        return values.astype("category")
    return values


def _expect(col: schema.Column) -> dict:
    """Problem arguments that describe what a column should hold (rendered per language)."""
    return {
        "expect_kind": col.kind,
        "lo": col.lo,
        "hi": col.hi,
        "expect_values": sorted(set(col.values.values())) if col.values else None,
    }


def _as_of_date(tables: dict, as_of) -> pd.Timestamp:
    if as_of is not None:
        return pd.Timestamp(as_of).normalize()
    today = pd.Timestamp(dt.date.today())
    d = tables["orders"]["order_date"]
    d = d[d <= today]
    if d.empty:
        return today
    return d.max().normalize()


# Rules below replace whole columns of shallow copies (pandas 2 never writes such an
# assignment into the parent), so a 30M-row table is not duplicated to change one column.
def _keep(df: pd.DataFrame, keep) -> pd.DataFrame:
    """Rows where ``keep`` is true, without a copy when nothing is dropped (large tables)."""
    keep = np.asarray(keep, dtype=bool)
    return df if keep.all() else df.loc[keep]


def _duplicate_rows(df: pd.DataFrame) -> np.ndarray:
    """Rows equal in every column to an earlier row (the first is kept).

    Each row gets a 64-bit hash of its values (``_row_hash``); only rows whose hash repeats
    can be duplicates, and those alone are compared value by value (``_duplicate_rows_exact``,
    the rule itself), so a collision costs time, never a row. Stops as soon as one text column
    is distinct on every row (usually the order key).
    """
    n = len(df)
    h = _row_hash(df)
    if h is None:
        return np.zeros(n, dtype=bool)
    s = np.sort(h)  # sorting 64-bit keys is ~3x cheaper than hashing them once more
    repeated = s[1:][s[1:] == s[:-1]]
    if not len(repeated):
        return np.zeros(n, dtype=bool)
    maybe = np.flatnonzero(pd.Series(h).isin(pd.unique(repeated)).to_numpy())
    out = np.zeros(n, dtype=bool)
    if len(maybe):
        out[maybe] = _duplicate_rows_exact(df.iloc[maybe])
    return out


_MIX = np.uint64(0x9E3779B97F4A7C15)


def _column_key(col: pd.Series, texts: "_TextHasher") -> tuple[np.ndarray, bool]:
    """(an int64 per row, equal for values the rule's ``pd.factorize`` holds equal; whether
    every row's value is distinct). Numbers and dates by their bits (NaN one value, -0.0 as
    0.0), Arrow text by ``texts``, anything else by its ``pd.factorize`` code."""
    kind = col.dtype.kind if isinstance(col.dtype, np.dtype) else "?"
    if kind in "iub":
        return col.to_numpy().astype(np.int64, copy=False), False
    if kind == "f":
        x = col.to_numpy(dtype=np.float64) + 0.0
        return np.where(np.isnan(x), np.int64(-1), x.view(np.int64)), False
    if kind in "mM" or isinstance(col.dtype, pd.DatetimeTZDtype):
        return col.to_numpy().view(np.int64) if kind in "mM" else col.array.asi8, False
    if isinstance(col.array, pd.arrays.ArrowStringArray):
        return texts.hash(col.array), False
    codes, uniques = pd.factorize(col)
    return codes.astype(np.int64, copy=False), len(uniques) == len(col)


class _TextHasher:
    """A 64-bit hash of each text (equal texts, and all missing ones, hash equal), by DuckDB's
    ``hash`` over the Arrow buffers: 0.5 s of CPU for 14.7M customer ids where factorizing
    them took 2.8 s. Only a key for ``_row_hash``: rows whose hashes repeat are compared by
    value, so a collision costs time, never a row. One DuckDB connection for all the columns
    of a table, opened at the first text column (opening one costs ~15 ms: a connection per
    column was a quarter of a small export's intake)."""

    def __init__(self):
        self._con = None

    def hash(self, values: pd.arrays.ArrowStringArray) -> np.ndarray:
        if self._con is None:
            import duckdb

            self._con = duckdb.connect(config={"threads": 2})
        rel = self._con.from_arrow(pa.table({"v": values.__arrow_array__()}))
        return rel.project("hash(v) AS h").fetch_arrow_table()["h"].to_numpy().view(np.int64)

    def __enter__(self) -> "_TextHasher":
        return self

    def __exit__(self, *exc) -> None:
        if self._con is not None:
            self._con.close()


def _row_hash(df: pd.DataFrame) -> np.ndarray | None:
    """A 64-bit hash of each row's values (``_column_key`` per column, mixed as splitmix64
    does); None when a column alone tells every row apart."""
    h = np.zeros(len(df), dtype=np.uint64)
    with _TextHasher() as texts:
        for c in df.columns:
            key, distinct = _column_key(df[c], texts)
            if distinct:
                return None
            with np.errstate(over="ignore"):
                h ^= key.view(np.uint64)
                h *= _MIX
                h ^= h >> np.uint64(29)
    return h


def _duplicate_rows_exact(df: pd.DataFrame) -> np.ndarray:
    """Rows equal in every column to an earlier row, by ``pd.factorize`` of each column.

    Written out because ``DataFrame.duplicated`` holds a code array per column at once
    (2 GB at 30M rows × 10 columns); refining a running group id column by column holds two.
    """
    n = len(df)
    gid = np.zeros(n, dtype=np.int64)
    for c in df.columns:
        codes, uniques = pd.factorize(df[c])
        gid, _ = pd.factorize(gid * (len(uniques) + 1) + (codes.astype(np.int64) + 1))
        if len(_) == n:
            return np.zeros(n, dtype=bool)
    return pd.Series(gid).duplicated().to_numpy()


def _key_positions(ids: pd.Series, known: pa.Array) -> np.ndarray:
    """Position of each key in ``known`` (-1 when absent), looked up in Arrow's C++ hash
    table: pandas' isin on Arrow strings builds a Python object per known key."""
    pos = pc.index_in(pa.array(ids.astype(STR)), value_set=known)
    return np.asarray(pc.fill_null(pos, -1).to_numpy(zero_copy_only=False), dtype=np.int64)


def _clean(t: dict[str, pd.DataFrame], log: _Log, as_of, salt: str) -> tuple[dict, pd.Timestamp]:
    """Apply the cleaning rules in order (module docstring); every change is counted."""
    _form_orders(t, log)
    _derive_amount(t, log)
    as_of = _as_of_date(t, as_of)
    _drop_future(t, log, as_of)
    _settle_customers(t, log, as_of)
    _link_and_pseudonymise(t, log, salt)
    _count_order_facts(t, log)
    if "feedback" in t:
        _fix_feedback(t, log)
    privacy.mask_columns(t, log)  # phones, e-mails, IDs typed into any text or category
    for name, df in t.items():
        pii = [col.name for col in schema.CONTRACT[name] if col.kind == "pii" and col.name in df]
        if pii:
            log.clean(name, "pii_columns_dropped", len(df), columns=pii)
        df = df.copy(deep=False)  # drop()/reset_index() would copy a 30M-row table twice
        for col in pii + ["_row"]:
            del df[col]
        df.index = pd.RangeIndex(len(df))
        t[name] = df
    return t, as_of


def _derive_amount(t, log):
    o = t["orders"]
    if ("amount" not in o or o["amount"].isna().all()) and {"quantity", "unit_price"} <= set(
        o.columns
    ):
        o = o.copy(deep=False)
        o["amount"] = o["quantity"] * o["unit_price"]
        log.clean("orders", "amount_from_quantity_times_price", int(o["amount"].notna().sum()))
        t["orders"] = o


def _drop_future(t, log, as_of):
    end = as_of + pd.Timedelta(days=1)
    for name, col in schema.EVENT_DATE.items():
        if name in t:
            fut = (t[name][col] >= end).to_numpy()
            log.clean(name, "future_dated_rows_dropped", int(fut.sum()), after=str(as_of.date()))
            t[name] = _keep(t[name], ~fut)


def _settle_customers(t, log, as_of):
    """One row per customer: derived from orders when the export has no customer table,
    first row kept for repeated keys, birth year from age, no signup after as_of."""
    if "customers" not in t:
        o = t["orders"]
        g = o.groupby("customer_id", sort=True)
        first = g["order_date"].min()
        c = pd.DataFrame(
            {"_row": 0, "customer_id": first.index.astype(STR), "signup_date": first.to_numpy()}
        )
        for col in schema.LINE_ATTRIBUTES + ("age_band",):
            if col in o and o[col].notna().any():
                c[col] = _most_frequent(o, col, first.index, log)
        log.clean("customers", "customers_derived_from_orders", len(c))
    else:
        c = t["customers"]
        dup = c["customer_id"].duplicated().to_numpy()
        log.clean("customers", "repeated_customer_keys_first_kept", int(dup.sum()))
        c = _keep(c, ~dup).copy(deep=False)
    if "age" in c:
        by = c["birth_year"] if "birth_year" in c else pd.Series(np.nan, index=c.index)
        c["birth_year"] = by.fillna(as_of.year - c["age"])
        c = c.drop(columns="age")
    for col in schema.LINE_ATTRIBUTES + ("age_band",):  # carried on order lines: taken up above
        if col in t["orders"] and col != "region":
            t["orders"] = t["orders"].drop(columns=col)
    if "signup_date" in c:
        late = c["signup_date"] >= as_of + pd.Timedelta(days=1)
        log.clean("customers", "future_signup_set_missing", int(late.sum()))
        c["signup_date"] = c["signup_date"].mask(late)
    t["customers"] = c


def _most_frequent(o: pd.DataFrame, col: str, keys: pd.Index, log: _Log) -> np.ndarray:
    """Per customer (in ``keys`` order) the value of ``col`` seen on most of its order lines;
    customers whose lines disagree are counted (ties go to the value seen first)."""
    pairs = o[["customer_id", col]].dropna()
    counts = (
        pairs.groupby(["customer_id", col], observed=True, sort=False).size().reset_index(name="n")
    )
    counts = counts.sort_values(["customer_id", "n"], ascending=[True, False], kind="stable")
    conflicts = int(counts.groupby("customer_id", sort=False).size().gt(1).sum())
    log.clean("customers", "line_attribute_conflicts_most_frequent_kept", conflicts, column=col)
    top = counts.drop_duplicates("customer_id").set_index("customer_id")[col]
    return top.reindex(keys).to_numpy()


def _keys_differing_by_zeros(orphans: pd.Series, known: pd.Series, table: str, log: _Log) -> None:
    """Orphan keys that equal a known customer key but for leading zeros (``00123`` here,
    ``123`` in the customer table): said with a count, never guessed into one customer."""
    if orphans.empty:
        return
    strip = lambda s: pd.Series(s.dropna().unique(), dtype=STR).str.lstrip("0")  # noqa: E731
    o, k = strip(orphans), strip(known)
    hit = o.isin(set(k.tolist())) if len(o) < 1_000_000 else o.isin(k)
    n = int(hit.sum())
    if n:
        ex = pd.Series(orphans.dropna().unique(), dtype=STR)[hit.to_numpy()].head(3)
        log.warnings.append(
            {
                **Problem.of(
                    "keys_differ_by_zeros",
                    table,
                    column="customer_id",
                    count=n,
                    n=n,
                    values=[f"{v[:2]}***{v[-1:]}" for v in ex],
                ).to_dict(),
                "rule": "keys_differ_by_leading_zeros",
                "kind": "same_key",
            }
        )


def _form_orders(t, log):
    """Orders of an item-line export without an order id: a customer's lines at one
    timestamp (or on one day when the export has no times) are one order."""
    o = t["orders"]
    if "order_id" in o:
        return
    d = o["order_date"]
    has_time = bool((d.dropna() != d.dropna().dt.normalize()).any())
    when = d if has_time else d.dt.normalize()
    codes, _ = pd.factorize(pd.MultiIndex.from_arrays([o["customer_id"], when]), sort=False)
    o = o.copy(deep=False)
    o.insert(
        0, "order_id", pd.Series(np.char.add("O", codes.astype(str)), index=o.index, dtype=STR)
    )
    n = int(codes.max() + 1) if len(codes) else 0
    if has_time:
        log.clean("orders", "orders_formed_from_customer_and_time", n, lines=len(o))
    else:
        log.clean("orders", "orders_formed_from_customer_and_day", n, lines=len(o))
    t["orders"] = o


def _link_and_pseudonymise(t, log, salt):
    """Drop rows of unknown customers (orphans) and replace every customer key by its
    pseudonym, computed once per customer; Kano respondent ids (often CRM ids or phone
    numbers) are pseudonymised too, whether or not the survey links to customers."""
    c = t["customers"]
    c_keys = c["customer_id"].astype(STR)
    known = pa.array(c_keys)
    pseudo = privacy.pseudonymize(c["customer_id"], salt)
    log.reid = pd.DataFrame({"customer_id": pseudo.to_numpy(), "crm_id": c_keys.to_numpy()})
    names = pa.array(pseudo.to_numpy(dtype=object), type=pa.large_string())
    c["customer_id"] = pseudo
    linked = [
        n for n in ("orders", "events", "feedback", "kano") if n in t and "customer_id" in t[n]
    ]
    # each table's look-up on a thread of its own (1M customers: 6.7 s of Arrow one after another)
    positions = on_threads(lambda n: _key_positions(t[n]["customer_id"], known), linked)
    for name, pos in zip(linked, positions):
        df = t[name]
        if name == "kano":  # survey answers stay; their link to an unknown customer goes
            unknown = df["customer_id"].notna().to_numpy() & (pos < 0)
            log.clean(name, "unknown_customer_unlinked", int(unknown.sum()))
        else:
            log.clean(name, "orphan_rows_dropped", int((pos < 0).sum()))
            _keys_differing_by_zeros(df["customer_id"][pos < 0], c_keys, name, log)
            df, pos = _keep(df, pos >= 0), pos[pos >= 0]
        df = df.copy(deep=False)
        # Arrow take: no Python string per row (30M orders)
        taken = names.take(pa.array(np.maximum(pos, 0), mask=pos < 0))
        df["customer_id"] = pd.Series(pd.arrays.ArrowStringArray(taken), index=df.index)
        t[name] = df
    if "kano" in t:
        k = t["kano"].copy(deep=False)
        k["respondent_id"] = privacy.pseudonymize(k["respondent_id"], salt)
        t["kano"] = k


def _count_order_facts(t, log):
    amount = t["orders"]["amount"]
    log.clean("orders", "returns_kept", int((amount < 0).sum()))
    log.clean("orders", "zero_amount_orders", int((amount == 0).sum()))
    pos = amount[amount > 0]
    if len(pos) > 100:
        cap = pos.quantile(0.99) * 100  # p99 is robust to the few outliers it should catch
        log.clean(
            "orders",
            "extreme_amounts_flagged",
            int((amount.abs() > cap).sum()),
            above=round(float(cap), 2),
        )


def _fix_feedback(t, log):
    f = t["feedback"].copy(deep=False)
    for col in ("first_response_at", "resolved_at"):
        if col in f:
            before = f[col] < f["created_at"]
            log.clean("feedback", f"{col}_before_creation_set_missing", int(before.sum()))
            f[col] = f[col].mask(before)
    if "text" in f:
        f["text"], n = privacy.scrub_text(f["text"])
        log.clean("feedback", "contact_details_masked_in_text", n)
    t["feedback"] = f


def _quality(
    tables: dict, raw_rows: dict, log: _Log, as_of: pd.Timestamp, files: dict, ignored: dict
) -> dict:
    completeness = {
        name: {c: round(float(df[c].notna().mean()), 4) if len(df) else None for c in df.columns}
        for name, df in tables.items()
    }
    timeliness = {}
    for name, col in {**schema.EVENT_DATE, "customers": "signup_date"}.items():
        if name in tables and col in tables[name] and tables[name][col].notna().any():
            latest = tables[name][col].max()
            timeliness[name] = {
                "latest": str(latest.date()),
                "days_before_as_of": int((as_of - latest.normalize()).days),
            }
    # the data's own time span per table (issue 16): figures that need history say when it starts with the export
    span = {
        name: {
            "first": str(tables[name][col].min().date()),
            "last": str(tables[name][col].max().date()),
        }
        for name, col in schema.EVENT_DATE.items()
        if name in tables and col in tables[name] and tables[name][col].notna().any()
    }
    return {
        "as_of": str(as_of.date()),
        "files": files,
        "rows_raw": raw_rows,
        "rows_clean": {name: int(len(df)) for name, df in tables.items()},
        "cleaning": log.cleaning,
        "warnings": log.warnings,
        "ignored_columns": ignored,
        "completeness": completeness,
        "validity": {
            t: {c: (round(v, 4) if v is not None else None) for c, v in cols.items()}
            for t, cols in log.validity.items()
        },
        "timeliness": timeliness,
        "span": span,
    }


def _expected_headers(table: str, cmap: dict) -> set:
    """Normalised headers that identify ``table`` (to pick its sheet in a workbook)."""
    out = set()
    for col in schema.columns(table):
        out.add(_norm(col))
        out.update(_norm(h) for h in cmap.get(table, {}).get(col, []))
        out.update(_norm(h) for h in cmap.get("user", {}).get(table, {}).get(col, []))
    return out


def _read(path: Path, table: str, cmap: dict, log: _Log, invalid_rows: str) -> Export | None:
    """One export file read; broken lines are problems, or with ``invalid_rows='drop'``
    left out and counted; what was read (type, delimiter, sheet) goes to ``quality.json``."""
    try:
        ex = read_export(
            path,
            sheet=cmap.get("sheet", {}).get(table),
            expected_headers=_expected_headers(table, cmap),
        )
    except InputError as e:
        log.problems.extend(e.problems)
        return None
    if ex.broken:
        if invalid_rows == "drop":
            log.clean(
                table, "broken_lines_skipped", len(ex.broken), lines=[b[0] for b in ex.broken[:5]]
            )
        else:
            log.problems.append(broken_lines_problem(ex, path.name))
    log.reading[table] = ex.describe()
    return ex


def _file_exports(data_dir: Path, cmap: dict, log: _Log, invalid_rows: str):
    """``(table, export, file name)`` of each contract table found in ``data_dir``, read one at
    a time; a missing required table (or one the column map names) is a problem."""
    for table in schema.TABLES:
        path = find_table(data_dir, table, cmap["files"].get(table))
        if path is None or not path.exists():
            if table in schema.REQUIRED_TABLES or cmap["files"].get(table):
                log.problems.append(
                    Problem.of(
                        "table_missing",
                        str(data_dir / (cmap["files"].get(table) or f"{table}.csv")),
                        table=table,
                    )
                )
            continue
        ex = _read(path, table, cmap, log, invalid_rows)
        if ex is not None:
            yield table, ex, path.name


def run_intake(
    data_dir: str | Path,
    out_dir: str | Path | None = None,
    column_map: str | Path | None = None,
    as_of=None,
    invalid_rows: str = "error",
    salt: str | None = None,
    salt_file: str | Path | None = None,
    date_format: str | None = None,
    currency: str | None = None,
    reid_file: str | Path | None = None,
    reports_dir: str | Path | None = None,
) -> IntakeResult:
    """Read, validate, clean and pseudonymise one export; write ``out_dir/clean`` and
    ``out_dir/quality.json`` when ``out_dir`` is given. Raises ``InputError``.

    ``date_format`` is the default pattern for date columns whose month/day order is
    ambiguous; a column unambiguous in another style keeps it, and the column map's
    ``date_format`` wins (``date_format_for``); ``currency`` the default currency code (the column
    map's ``currency`` wins; CNY when neither says). ``reid_file``: where the pseudonym → CRM
    id table goes (``kequn.data.crm``; action lists need it), never under ``out_dir``'s parent
    (the processed data) nor under ``reports_dir`` (default ``paths.reports_root()``): refused
    with a ``SettingsError`` before anything is read.
    """
    reports_dir = paths.reports_root() if reports_dir is None else Path(reports_dir)
    if reid_file is not None and out_dir is not None:
        from kequn.data.reid import check_reid_place

        check_reid_place(reid_file, Path(out_dir).parent, reports_dir)
    if invalid_rows not in ("error", "drop"):
        raise InputError([Problem.of("invalid_rows_setting", "config", value=invalid_rows)])
    db = database.is_url(data_dir)  # DATA=postgresql://…: tables read from the database
    if db:
        cmap, log = load_column_map(column_map), _Log()
        exports = database.DatabaseTables(str(data_dir), cmap, log)
    else:
        data_dir = Path(data_dir)
        if not data_dir.is_dir():
            raise InputError([Problem.of("folder_not_found", str(data_dir))])
        cmap = load_column_map(column_map)
        paths.check_data_files(data_dir, cmap["files"])  # files: stay inside the data folder
        log = _Log()
        exports = _file_exports(data_dir, cmap, log, invalid_rows)
    parsed, raw_rows, files, ignored = {}, {}, {}, {}
    for table, ex, name in exports:  # name: the file, or the database table or query
        raw, lines = ex.frame, ex.lines
        ex.frame = None  # one reference to the raw table: freed as soon as it is parsed
        if table == "kano" and kano_wide.is_wide(raw.columns):
            raw, lines = kano_wide.to_long(raw, lines, cmap)
            log.reading[table]["layout"] = "wide"
        files[table] = name
        raw_rows[table] = int(len(raw))
        if raw.empty:
            log.problems.append(Problem.of("header_only", name))
            continue
        # Exact duplicates are judged on the whole raw row: columns Kequn ignores (a product
        # code on an invoice line) still tell two lines apart.
        dup = _duplicate_rows(raw)
        log.clean(table, "duplicate_rows_dropped", int(dup.sum()))
        df, ign, probs = map_columns(raw, table, cmap, name, ex.renamed_headers)
        columns_found = list(raw.columns[:12])
        del raw  # large exports: hold one copy of a table at a time
        ignored[table] = ign
        log.problems.extend(probs)
        missing = [
            c.name for c in schema.CONTRACT[table] if c.required and c.name not in df.columns
        ]
        if (
            table == "orders"
            and "amount" in missing
            and {"quantity", "unit_price"} <= set(df.columns)
        ):
            missing.remove("amount")
        if (
            table == "orders"
            and "order_id" in missing
            and {"customer_id", "order_date"} <= set(df.columns)
        ):
            missing.remove("order_id")  # formed from customer + date (+ time) after parsing
        for col in missing:
            log.problems.append(
                Problem.of(
                    "missing_column",
                    name,
                    column=col,
                    col=col,
                    table=table,
                    found=", ".join(map(str, columns_found)),
                )
            )
        if missing or probs:
            continue
        df.insert(0, "_row", lines)
        parsed[table] = _parse_table(
            _keep(df, ~dup), table, name, log, invalid_rows, cmap, date_format
        )
        del df
    if log.problems:
        raise InputError(log.problems)
    tables, as_of_ts = _clean(parsed, log, as_of, privacy.load_salt(salt or None, salt_file))
    empty = [n for n in ("orders", "customers") if tables[n].empty]
    if empty:
        dropped = (
            "; ".join(
                f"{r['table']} {r['rule']} {r['rows']:,}"
                for r in log.cleaning
                if r["rule"] != "pii_columns_dropped"
            )
            or "—"
        )
        raise InputError(
            [
                Problem.of(
                    "no_usable_rows", files.get(n, n), counts=dropped, as_of=str(as_of_ts.date())
                )
                for n in empty
            ]
        )
    quality = _quality(tables, raw_rows, log, as_of_ts, files, ignored)
    quality["date_formats"] = log.date_formats
    quality["reading"] = log.reading
    quality["currency"] = resolve_currency(cmap.get("currency") or currency).as_dict()
    if "kano" in tables and "importance" in tables["kano"]:
        scale = coerce.importance_scale(tables["kano"]["importance"])
        quality["scales"] = {"kano.importance": list(scale) if scale else None}
    out = None
    if out_dir is not None:
        out = Path(out_dir)
        with atomic_dir(RunFolder(out).clean) as tmp:  # two files at a time: the same bytes
            on_threads(
                lambda nd: write_table_atomic(nd[1], tmp / f"{nd[0]}.parquet"), list(tables.items())
            )
        write_text_atomic(
            json.dumps(quality, ensure_ascii=False, indent=1, default=str), RunFolder(out).quality
        )
        if reid_file is not None and log.reid is not None:
            from kequn.data.crm import write_reid

            write_reid(log.reid, reid_file, processed_root=out.parent, reports_root=reports_dir)
        settings = [str(as_of), invalid_rows, date_format, currency]
        write_text_atomic(
            exports.fingerprint(column_map, settings)  # taken in the snapshot that was read
            if db
            else input_fingerprint(
                data_dir, column_map, as_of, invalid_rows, date_format, currency
            ),
            RunFolder(out).intake_stamp,
        )
    return IntakeResult(tables, quality, out)
