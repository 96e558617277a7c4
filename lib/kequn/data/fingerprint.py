"""The intake stamp: a digest of what intake would read and of its settings.

Its own module, with the standard library only (a database source reaches the server
through ``kequn.data.database``), because ``make report`` computes it on every run to decide
whether the clean tables are stale, and a run with nothing to redo should not import pandas.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from kequn.data import database


def input_fingerprint(
    data_dir: str | Path,
    column_map=None,
    as_of=None,
    invalid_rows="error",
    date_format=None,
    currency=None,
) -> str:
    """A digest of what intake would read (file names, sizes, modification times) and of
    its settings; kept in ``intake.stamp`` so a rerun knows when the clean tables are stale.
    For a database (``kequn.data.database``): each table's row count and a hash of its content
    computed by the server instead."""
    if database.is_url(data_dir):
        settings = [str(as_of), invalid_rows, date_format, currency]
        return database.fingerprint(str(data_dir), column_map, settings)
    data_dir = Path(data_dir)
    files = (
        sorted(p for p in data_dir.iterdir() if p.is_file() and not p.name.startswith("."))
        if data_dir.is_dir()
        else []
    )
    if column_map:
        files.append(Path(column_map))
    h = hashlib.sha256(
        json.dumps([str(as_of), invalid_rows, date_format, currency], default=str).encode()
    )
    for p in files:
        if p.exists():
            st = p.stat()
            h.update(f"{p.resolve()}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]
