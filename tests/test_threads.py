"""What issue 19's thread settings rely on: how many threads a fit runs on, or how they wait,
changes no figure.

- ``parallel.scipy_blas_one_thread``: scipy's own BLAS (the L-BFGS-B steps of the ETS forecasts
  and the propensity regressions) on one thread, numpy's (the products with the data) untouched;
  the forecasts and the regressions come out the same to the last bit as on two threads.
- The stages' kernel lets its OpenMP threads sleep instead of spin (``runner.KERNEL_ENV``):
  scikit-learn's KMeans on two threads finds the same centres either way.
- ``clustering.scan_k`` hands the largest k to the cores first and returns the rows as asked.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from kequn.models import clustering as cl
from kequn.models import parallel, propensity, trends
from threadpoolctl import threadpool_info, threadpool_limits


def _blas_threads() -> dict:
    return {i["filepath"]: i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}


def test_scipy_blas_one_thread_limits_scipys_own_blas_and_leaves_numpys():
    scipy_blas = parallel._scipy_blas()
    if scipy_blas is None:
        pytest.skip("scipy shares numpy's BLAS here: nothing is limited")
    mine = {i["filepath"] for i in scipy_blas.info()}
    with threadpool_limits(2, user_api="blas"):
        with parallel.scipy_blas_one_thread():
            inside = _blas_threads()
        after = _blas_threads()
    assert mine and all(inside[f] == 1 for f in mine)
    others = {f: n for f, n in inside.items() if f not in mine}
    assert others and all(n == 2 for n in others.values())  # numpy's BLAS as it was
    assert all(n == 2 for n in after.values())  # and scipy's given back


def _seasonal(n: int = 40) -> np.ndarray:
    rng = np.random.default_rng(11)
    t = np.arange(n)
    return 900 + 6 * t + 120 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 30, n)


def _two_threads():
    return threadpool_limits(2, user_api="blas")  # what the fits ran on before, on two cores


def _scipy_threads_during(monkeypatch, module, name) -> list:
    """Record scipy's BLAS threads each time ``module.name`` (a fit) is called."""
    seen, fit = [], getattr(module, name)

    def spy(*args, **kwargs):
        blas = parallel._scipy_blas()
        seen.append(blas.info()[0]["num_threads"] if blas is not None else 1)
        return fit(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)
    return seen


def test_a_forecast_is_the_same_with_scipys_blas_on_one_thread_as_on_two(monkeypatch):
    """The backtest's fits are forecasts too (``trends.backtest`` calls ``forecast``)."""
    y = _seasonal()
    with monkeypatch.context() as m, _two_threads():
        seen = _scipy_threads_during(m, trends, "_model")
        one = trends.forecast(y, 3)
    assert seen == [1]
    monkeypatch.setattr(trends, "scipy_blas_one_thread", _two_threads)
    with _two_threads():
        two = trends.forecast(y, 3)
    pd.testing.assert_frame_equal(one, two, check_exact=True)


def _snapshot(n: int, seed: int = 5) -> pd.DataFrame:
    """A labelled propensity snapshot of ``n`` customers and two categories, buying in category
    0 more likely for recent, frequent buyers of it."""
    rng = np.random.default_rng(seed)
    orders = rng.poisson(4, n) + 1.0
    n0 = rng.binomial(orders.astype(int), 0.4).astype(float)
    rec0 = np.where(n0 > 0, rng.uniform(0, 400, n), np.nan)
    logit = -1.5 + 0.4 * np.log1p(n0) - 0.004 * np.nan_to_num(rec0, nan=500) + rng.normal(0, 1, n)
    return pd.DataFrame(
        {
            "orders": orders,
            "spend": orders * rng.gamma(2, 80, n),
            "recency": rng.uniform(0, 500, n),
            "tenure": rng.uniform(100, 1500, n),
            "orders_recent": rng.poisson(1, n).astype(float),
            "n_0": n0,
            "rec_0": rec0,
            "n_1": orders - n0,
            "rec_1": rng.uniform(0, 400, n),
            "y_0": logit > 0,
            "y_1": rng.random(n) < 0.3,
        }
    )


def test_a_propensity_fit_is_the_same_with_scipys_blas_on_one_thread_as_on_two(monkeypatch):
    """Large enough that numpy's products with the data split over two threads: limiting every
    BLAS, not only scipy's, would change the coefficients' last bits here."""
    snap = _snapshot(200_000)
    with monkeypatch.context() as m, _two_threads():
        seen = _scipy_threads_during(m, propensity.LogisticRegression, "fit")
        one = propensity.fit(snap, ["a", "b"], 0)
    assert seen == [1]
    monkeypatch.setattr(propensity, "scipy_blas_one_thread", _two_threads)
    with _two_threads():
        two = propensity.fit(snap, ["a", "b"], 0)
    assert np.array_equal(one.model.coef_, two.model.coef_)
    assert np.array_equal(one.model.intercept_, two.model.intercept_)
    assert np.array_equal(one.scores(snap), two.scores(snap))


KMEANS = """
import sys
import numpy as np
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

rng = np.random.default_rng(0)
X = (rng.normal(size=(20000, 12)) + 2 * rng.integers(0, 6, (20000, 1))).astype("float32")
with threadpool_limits(int(sys.argv[1]), user_api="openmp"):
    m = KMeans(8, n_init=3, random_state=7).fit(X)
sys.stdout.write(m.cluster_centers_.tobytes().hex() + m.labels_.tobytes().hex())
"""


def _kmeans_in_a_process(wait_policy: str, threads: int) -> str:
    env = {**os.environ, "OMP_WAIT_POLICY": wait_policy}
    run = subprocess.run(
        [sys.executable, "-c", KMEANS, str(threads)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout


def test_kmeans_on_two_threads_finds_the_same_centres_whether_they_spin_or_sleep():
    """What the stages' kernel changes (runner.KERNEL_ENV) is how OpenMP threads wait; the
    threads and their share of the loop stay, and so does every centre and label."""
    assert _kmeans_in_a_process("PASSIVE", 2) == _kmeans_in_a_process("ACTIVE", 2)


def test_the_stages_kernel_lets_its_openmp_threads_sleep_unless_told_otherwise(
    monkeypatch, tmp_path
):
    import nbformat
    from kequn.run import runner

    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    assert runner.kernel_env()["OMP_WAIT_POLICY"] == "PASSIVE"
    assert runner.kernel_env()["PATH"] == os.environ["PATH"]
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    assert runner.kernel_env()["OMP_WAIT_POLICY"] == "ACTIVE"  # the caller's own setting wins
    monkeypatch.delenv("OMP_WAIT_POLICY")

    src, out = tmp_path / "nb", tmp_path / "out"
    src.mkdir()
    seen = tmp_path / "seen.txt"
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("x = 0", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            f"import os\nopen({str(seen)!r}, 'w').write(os.environ.get('OMP_WAIT_POLICY', '-'))"
        ),
    ]
    nb.metadata["kernelspec"] = {"name": "kequn", "display_name": "kequn", "language": "python"}
    nbformat.write(nb, src / "01_env.ipynb")
    runner.run_stages([src / "01_env.ipynb"], out, {"x": 1}, km=runner.start_kernel(src))
    assert seen.read_text() == "PASSIVE"


def test_the_k_scan_hands_out_the_largest_k_first_and_returns_the_rows_as_asked(monkeypatch):
    rng = np.random.default_rng(2)
    X = (rng.normal(size=(300, 4)) + 4 * rng.integers(0, 3, (300, 1))).astype("float32")
    handed = []

    def in_order(fn, calls):  # here, one call after the other, as a worker runs them
        handed.extend(c[1] for c in calls)
        return [parallel._one_thread(fn, c) for c in calls]

    monkeypatch.setattr(cl, "on_cores", in_order)
    scan = cl.scan_k(X, [3, 5, 2, 4], 7)
    assert handed == [5, 4, 3, 2]
    assert scan["k"].tolist() == [3, 5, 2, 4]
    expected = pd.DataFrame(
        [parallel._one_thread(cl._scan_one, (X, k, 7, "tied")) for k in (3, 5, 2, 4)]
    )
    pd.testing.assert_frame_equal(scan, expected, check_exact=True)


def test_the_first_fits_run_on_the_workers_the_warm_up_started(monkeypatch):
    """``warm_workers`` (called in the stages' kernel while intake runs) starts on_cores' worker
    processes and has them import the fits' modules; the first ``on_cores`` call must then run
    on those very workers, not start new ones (joblib keeps its workers only while the number
    of jobs stays the same). A module no worker needs stands in for scikit-learn here."""
    if parallel.cores() < 2:
        pytest.skip("one core: on_cores runs in this process")
    from joblib.externals.loky import get_reusable_executor

    parallel._wait_for_warm_up()  # none left under way by an earlier test
    get_reusable_executor().shutdown(wait=True)  # no workers left by earlier tests
    parallel.warm_workers(("tabnanny",))
    loaded = parallel.on_cores(lambda name: name in sys.modules, [("tabnanny",)] * 4)
    assert loaded == [True] * 4
    assert not parallel._warming  # the call waited for the warm-up and took it off the list


def test_the_segments_fit_draws_the_same_centres_whatever_threads_the_machine_offers():
    """KMeans' centres depend on its OpenMP thread count (float32 partial sums per thread): a
    fit allowed one thread ends ~1e-5 away from one on two, and on the demo ~50 of 20,000
    customers change segment. fit_segments pins the count (clustering.FIT_THREADS), so a process
    offered one thread (as a 1-thread policy or another core count would) fits the very centres
    of one offered two."""
    if parallel.cores() < 2:
        pytest.skip("scikit-learn caps its threads at the cores: one core fits on one")
    rng = np.random.default_rng(0)
    X = (rng.normal(size=(20000, 12)) + 2 * rng.integers(0, 6, (20000, 1))).astype("float32")
    with threadpool_limits(1, user_api="openmp"):
        alone = cl.fit_segments(X, "kmeans", 7, 7, n_init=3)
        loose = cl._kmeans(7, 7, 3).fit(X)  # not pinned: the one thread offered
    pinned = cl.fit_segments(X, "kmeans", 7, 7, n_init=3)
    assert np.array_equal(alone.model.cluster_centers_, pinned.model.cluster_centers_)
    assert np.array_equal(alone.labels, pinned.labels)
    assert not np.array_equal(loose.cluster_centers_, pinned.model.cluster_centers_)


def test_beside_runs_in_a_worker_while_the_caller_goes_on_and_in_place_on_one_core(monkeypatch):
    """``parallel.beside`` (stage 03's whole-history fits beside the calibration fits): the call
    runs in another process, single-threaded, and has started before ``result()`` is asked for;
    on a one-core machine it runs at once in this process."""
    import tempfile
    import time

    if parallel.cores() < 2:
        pytest.skip("one core: beside runs in this process")
    with tempfile.TemporaryDirectory() as d:
        flag = Path(d, "started")
        job = parallel.beside(_touch_and_report, str(flag))
        deadline = time.monotonic() + 60
        while not flag.exists() and time.monotonic() < deadline:
            time.sleep(0.01)  # started without being asked for its result
        assert flag.exists()
        pid, blas_threads = job.result()
        assert pid != os.getpid() and blas_threads == 1
        assert job.result() == (pid, blas_threads)  # asked again: the same answer
    monkeypatch.setattr(parallel, "cores", lambda: 1)
    assert parallel.beside(os.getpid).result() == os.getpid()


def _touch_and_report(path: str) -> tuple[int, int]:
    Path(path).touch()
    blas = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
    return os.getpid(), max(blas)


def test_on_threads_runs_the_calls_side_by_side_and_returns_them_in_order(monkeypatch):
    """``threads.on_threads`` (intake's key look-ups and Parquet files): with two cores two calls
    are under way at once (each waits for the other at a barrier, which one thread after
    another would never pass), and the results come in the items' order; on one core, one
    after another in the caller's thread."""
    import threading

    from kequn.data import threads

    monkeypatch.setattr(threads, "cores", lambda: 2)
    barrier = threading.Barrier(2, timeout=10)

    def slow_square(x):
        barrier.wait()  # raises BrokenBarrierError unless the other call runs meanwhile
        return x * x

    assert threads.on_threads(slow_square, [3, 4]) == [9, 16]
    monkeypatch.setattr(threads, "cores", lambda: 1)
    caller = threading.current_thread()
    assert threads.on_threads(lambda x: (x, threading.current_thread() is caller), [1, 2]) == [
        (1, True),
        (2, True),
    ]
