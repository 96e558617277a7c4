"""Customer-keyed columns laid onto another frame's customer order.

A million-customer merge on string ids copies every column of both frames; stage tables
that share one customer order only need, per source frame, one lookup of row positions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def rows_of(ids: pd.Series, source_ids: pd.Series) -> np.ndarray | None:
    """For each of ``ids``, its row in ``source_ids`` (−1 when absent), or None when both
    hold the same customers in the same order (nothing to move)."""
    a, b = ids.to_numpy(), source_ids.to_numpy()
    if len(a) == len(b) and (a == b).all():
        return None
    return pd.Index(b).get_indexer(a)


def take(ids: pd.Series, frame: pd.DataFrame, columns) -> dict[str, pd.Series]:
    """``frame``'s ``columns`` (keyed by its customer_id) in the order of ``ids``; customers
    absent from ``frame`` get missing values (integers become nullable Int64, categories keep
    their categories)."""
    rows = rows_of(ids, frame["customer_id"])
    out = {}
    for c in columns:
        s = frame[c]
        if rows is None:
            out[c] = pd.Series(s.array, index=ids.index, name=c)
            continue
        if pd.api.types.is_integer_dtype(s.dtype) and not isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype("Int64")
        out[c] = pd.Series(s.array.take(rows, allow_fill=True), index=ids.index, name=c)
    return out
