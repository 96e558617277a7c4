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

from pathlib import Path

import numpy as np
import pandas as pd

from kequn.data.io import write_text_atomic
from kequn.data.paths import RunFolder

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(v):
    """``v`` with a leading ``'`` when it is text that a spreadsheet would run as a formula."""
    return "'" + v if isinstance(v, str) and v.startswith(FORMULA_START) else v


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells (and headers) cannot start a formula; numeric
    columns are left as they are."""
    out = df.copy()
    out.columns = [neutralise_cell(c) for c in out.columns]
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_datetime64_any_dtype(col):
            continue
        out.isetitem(i, _neutralised(col))
    return out


def _neutralised(col: pd.Series) -> pd.Series:
    """``neutralise_cell`` of every cell of ``col`` (as object): in a column of text, the cells
    that start a formula are found by Arrow and only those are rewritten in Python (an action
    list has a million cells, few of which start one)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    vals = col.to_numpy(dtype=object)
    try:
        if pd.api.types.infer_dtype(vals, skipna=True) != "string":
            raise TypeError("not all text")
        text = pa.array(vals, type=pa.string(), from_pandas=True)
    except (TypeError, ValueError, pa.ArrowException, UnicodeError):  # mixed cells: one by one
        return col.astype(object).map(neutralise_cell, na_action="ignore")
    starts = np.zeros(len(vals), dtype=bool)
    for lead in FORMULA_START:
        starts |= pc.starts_with(text, lead).to_numpy(zero_copy_only=False) == True  # noqa: E712
    out = vals.copy()
    out[starts] = [neutralise_cell(v) for v in vals[starts]]
    return pd.Series(out, index=col.index, name=col.name, dtype=object)


def write_action_list(table: pd.DataFrame, processed_dir, name: str) -> Path:
    """``actions/<name>.csv`` of the run's folder, formula cells neutralised, UTF-8 with BOM
    (so Excel opens the Chinese correctly)."""
    text = neutralise_formulas(table).to_csv(index=False, lineterminator="\r\n")
    return write_text_atomic("\ufeff" + text, RunFolder.of(processed_dir).action_list(name))
