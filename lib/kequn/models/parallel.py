"""Per-text work spread over the machine's cores, for the steps whose cost is Python per text
(jieba segmentation, scikit-learn's character n-gram analyzer) and that no library runs in
parallel for us. Below ``min_items`` items one process is faster than starting workers."""

from __future__ import annotations

import os

import numpy as np


def cores() -> int:
    """Cores this process may use (not the machine's count, which a container may cap)."""
    return (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    )


def map_chunks(fn, items, min_items: int = 50_000, n_jobs: int | None = None) -> list:
    """``fn`` applied to consecutive chunks of ``items`` (a list or Series), one chunk per core,
    results in order: a list of ``fn``'s return values. ``fn`` must be a module-level function."""
    n_jobs = n_jobs or cores()
    if len(items) < min_items or n_jobs == 1:
        return [fn(items)]
    from joblib import Parallel, delayed

    bounds = np.linspace(0, len(items), n_jobs + 1).astype(int)
    parts = [items[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    return Parallel(n_jobs=n_jobs, backend="loky")(delayed(fn)(p) for p in parts)


def _one_thread(fn, args):
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # the cores are shared out between processes, not threads
        return fn(*args)


def on_cores(fn, calls: list[tuple], min_calls: int = 2) -> list:
    """``fn(*args)`` for each tuple of ``calls``, one process per core, each single-threaded,
    results in order. For many small independent fits (a k scan, bootstrap refits), where the
    libraries' own threads gain little on small data and processes gain nearly one per core."""
    n = min(cores(), len(calls))
    if n < 2 or len(calls) < min_calls:
        return [fn(*a) for a in calls]
    from joblib import Parallel, delayed

    return Parallel(n_jobs=n, backend="loky")(delayed(_one_thread)(fn, a) for a in calls)
