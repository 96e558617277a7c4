"""Per-text work spread over the machine's cores, for the steps whose cost is Python per text
(jieba segmentation, scikit-learn's character n-gram analyzer) and that no library runs in
parallel for us. Below ``min_items`` items one process is faster than starting workers."""

from __future__ import annotations

import importlib
import os
import threading
import time
from contextlib import nullcontext
from functools import cache
from pathlib import Path

import numpy as np

from kequn.data.threads import cores  # noqa: F401 - the stages ask parallel.cores


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
    _wait_for_warm_up()
    return _on_workers(n, fn, calls)


def _on_workers(n: int, fn, calls: list[tuple], return_as: str = "list"):
    """``fn(*args)`` for each of ``calls`` on ``n`` loky workers, single-threaded; with
    ``return_as="generator"`` the calls are dispatched at once and read as they finish."""
    from joblib import Parallel, delayed

    return Parallel(n_jobs=n, backend="loky", return_as=return_as)(
        delayed(_one_thread)(fn, a) for a in calls
    )


class Beside:
    """A call running in one of ``on_cores``' workers (``beside``); ``result()`` waits for it."""

    def __init__(self, fn, args: tuple):
        n = cores()
        if n < 2:  # nowhere to run it beside: now, here
            self._value, self._gen = fn(*args), None
            return
        _wait_for_warm_up()
        # a generator's tasks are dispatched when it is made (joblib), not when it is read
        self._gen = _on_workers(n, fn, [args], return_as="generator")

    def result(self):
        if self._gen is not None:
            self._value, self._gen = next(self._gen), None
        return self._value


def beside(fn, *args) -> Beside:
    """``fn(*args)`` started in a warm worker process, single-threaded, while this process goes
    on; ``.result()`` waits for its return value (on a one-core machine it ran at once, here).

    For two independent steps of one stage, each single-threaded Python and numpy (stage 03:
    the purchase models on the whole history beside their refits on the calibration period):
    two processes use both cores, where two threads share one interpreter. ``fn`` must be a
    module-level function; its arguments and result travel pickled."""
    return Beside(fn, args)


# Modules the workers of ``on_cores`` and ``beside`` need for the stages' fits (k scan, method
# comparison, stability refits; the purchase models): imported by ``warm_workers`` in every
# worker ahead of the first call.
WORKER_MODULES = (
    "kequn.models.clustering",
    "kequn.models.segment_quality",
    "kequn.models.lifetime",
)
_warming: list[threading.Thread] = []


def warm_workers(modules: tuple[str, ...] = WORKER_MODULES) -> None:
    """Start ``on_cores``' worker processes (one per core) in a background thread and have
    each import ``modules``; returns at once.

    Starting a worker and importing scikit-learn in it takes 1.5–3 s, which the first k scan
    (stage 02) otherwise waits for. ``kequn.run.runner`` calls this in the stages' kernel
    before the first stage; joblib keeps the same workers for the later calls with the same number
    of jobs (loky's reusable executor; idle workers stop after 5 minutes). ``on_cores`` waits
    for a warm-up still under way rather than start a second set of workers beside it."""
    n = cores()
    if n < 2 or _warming:
        return
    thread = threading.Thread(target=_warm, args=(n, tuple(modules)), daemon=True)
    _warming.append(thread)
    thread.start()


def _warm(n: int, modules: tuple[str, ...]) -> None:
    import tempfile

    try:
        with tempfile.TemporaryDirectory(prefix="kequn-warm-") as met:
            _on_workers(n, _import, [(modules, met, n)] * n)
    except Exception:  # noqa: BLE001 - the first real call starts workers and says what fails
        pass


def _import(modules: tuple[str, ...], met: str, n: int, wait: float = 10.0) -> None:
    """Import ``modules`` in this worker, then wait (up to ``wait`` seconds) until ``n``
    workers have: a worker that finished first would otherwise take a second call and leave
    another worker cold. Each worker marks itself in ``met`` by its process id."""
    for m in modules:
        importlib.import_module(m)
    Path(met, str(os.getpid())).touch()
    deadline = time.monotonic() + wait
    while len(os.listdir(met)) < n and time.monotonic() < deadline:
        time.sleep(0.01)


def _wait_for_warm_up() -> None:
    while _warming:
        _warming.pop().join()


def stop_workers() -> None:
    """Stop ``on_cores``' worker processes, after a warm-up still under way (their memory goes
    back now rather than after loky's five idle minutes); the next call starts new ones."""
    from joblib.externals.loky import get_reusable_executor

    _wait_for_warm_up()
    get_reusable_executor().shutdown(wait=True)


@cache
def _scipy_blas():
    """threadpoolctl's handle on the BLAS that scipy's wheel bundles apart from numpy's (in
    ``site-packages/scipy.libs``); None where the two share one library (conda, a system BLAS)."""
    import scipy
    import scipy.linalg  # noqa: F401 - loads it
    from threadpoolctl import ThreadpoolController

    own = Path(scipy.__file__).resolve().parent.parent / "scipy.libs"
    ctl = ThreadpoolController()  # looked up once: a look-up costs ~10 ms, a limit 0.1 ms
    paths = [c.filepath for c in ctl.lib_controllers if c.user_api == "blas"]
    mine = [f for f in paths if Path(f).resolve().parent == own]
    return ctl.select(filepath=mine) if mine else None


def scipy_blas_one_thread():
    """A context in which scipy's own BLAS runs on one thread and numpy's as it was.

    For fits by scipy's optimisers (L-BFGS-B: statsmodels' ETS, scikit-learn's logistic
    regression): each step works on vectors as long as the parameters, where a second OpenBLAS
    thread gains nothing and, on a shared machine, waking it costs more than the step (at load 8
    on two cores: 4 ms a step instead of a few µs; the ETS fits of stage 04 3–4x faster on one).
    The products with the data run on numpy's BLAS, untouched: its thread count can change the
    last bits of a large product, and so the figures. Where scipy shares numpy's BLAS nothing is
    limited."""
    blas = _scipy_blas()
    return blas.limit(limits=1) if blas is not None else nullcontext()
