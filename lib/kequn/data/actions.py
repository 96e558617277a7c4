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
        out.isetitem(i, col.astype(object).map(neutralise_cell, na_action="ignore"))
    return out


def write_action_list(table: pd.DataFrame, processed_dir, name: str) -> Path:
    """``actions/<name>.csv`` of the run's folder, formula cells neutralised, UTF-8 with BOM
    (so Excel opens the Chinese correctly)."""
    text = neutralise_formulas(table).to_csv(index=False, lineterminator="\r\n")
    return write_text_atomic("\ufeff" + text, RunFolder.of(processed_dir).action_list(name))
