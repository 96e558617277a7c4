"""Action lists (``actions/*.csv``): the CSV files people open in Excel or load into a CRM.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some
programs, tab or carriage return) as a formula, so a segment name or category such as
``=HYPERLINK(…)`` from an export would run on a manager's machine. Every writer goes through
``write_action_list``, which neutralises such text cells the way OWASP recommends: a single
quote in front (``'=HYPERLINK(…)``), so the text stays readable and is never evaluated.
Numbers stay numbers (a negative amount is still ``-12.5``). Lines end in CRLF (RFC 4180), so a
cell holding a line break is quoted and cannot start a row (and a formula) of its own.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from kequn.data.files import tmp_beside
from kequn.data.paths import RunFolder

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(v):
    """``v`` with a leading ``'`` when it is text that a spreadsheet would run as a formula."""
    return "'" + v if isinstance(v, str) and v.startswith(FORMULA_START) else v


FORMULA_START_RE = r"^[=+\-@\t\r]"
QUOTED_FORMULA_RE = r"^'[=+\-@\t\r]"  # a cell ``neutralise_cell`` quoted


def cells_matching(col: pd.Series, pattern: str) -> np.ndarray | None:
    """Which cells of a text column match ``pattern`` (a formula start, a quoted one), by
    Arrow's regex kernel in C++ rather than a Python call per cell (3M cells in a 1M-customer
    run's lists); None for a column holding anything but text, or text Arrow cannot hold (a
    lone surrogate), which callers handle cell by cell or leave as it is."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (pd.api.types.is_string_dtype(col) or col.dtype == object):
        return None
    if col.dtype == object and pd.api.types.infer_dtype(col, skipna=True) not in (
        "string",
        "empty",
    ):
        return None
    try:
        arr = pa.array(col, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowException, UnicodeError):
        return None
    hit = pc.fill_null(pc.match_substring_regex(arr, pattern), False)
    return hit.to_numpy(zero_copy_only=False)


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells (and headers) cannot start a formula; numeric
    columns are left as they are. A text column is rewritten only where a cell starts a
    formula (``cells_matching``); other columns are shared with ``df``, not copied."""
    out = df.copy(deep=False)
    out.columns = [neutralise_cell(c) for c in out.columns]
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_datetime64_any_dtype(col):
            continue
        hit = cells_matching(col, FORMULA_START_RE)
        if hit is None:
            out.isetitem(i, col.astype(object).map(neutralise_cell, na_action="ignore"))
        elif hit.any():
            fixed = col.astype(object)  # a copy: ``df`` keeps its cells
            fixed[hit] = "'" + fixed[hit].astype(str)
            out.isetitem(i, fixed)
    return out


def write_action_list(table: pd.DataFrame, processed_dir, name: str) -> Path:
    """``actions/<name>.csv`` of the run's folder, formula cells neutralised, UTF-8 with BOM
    (so Excel opens the Chinese correctly)."""
    return write_spreadsheet_csv(
        neutralise_formulas(table), RunFolder.of(processed_dir).action_list(name)
    )


def write_spreadsheet_csv(safe: pd.DataFrame, path: str | Path) -> Path:
    """``safe`` (formula cells already neutralised) as CSV for spreadsheets and CRMs: UTF-8 with
    a BOM, CRLF line ends; via a temporary file and a rename. Streamed: pandas writes the rows
    in chunks through the codec, where the whole table as one string held it two or three times
    over (a 751k-row list at 1M customers: hundreds of MB in the process writing it)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp_beside(path)
    try:
        safe.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\r\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
