"""The cores this process may use, and calls spread over them on threads.

Threads, not processes, for calls into Arrow, Parquet and DuckDB, which release the GIL while
they work (one table's key look-up beside another's, one Parquet file written beside another):
no pickling, no second copy of a table. The fits' worker processes (``kequn.models.parallel``)
count cores here too.
"""

from __future__ import annotations

import os


def cores() -> int:
    """Cores this process may use (not the machine's count, which a container may cap)."""
    return (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    )


def on_threads(fn, items: list, most: int = 2) -> list:
    """``fn(item)`` for each of ``items`` on up to ``most`` threads (and no more than the
    cores), results in order; one after another on one core or for a single item. ``most``
    keeps the memory of the calls in flight bounded (each may hold a table's temporaries)."""
    n = min(cores(), most, len(items))
    if n < 2:
        return [fn(x) for x in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(fn, items))
