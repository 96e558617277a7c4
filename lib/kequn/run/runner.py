"""Run a report's stage notebooks in one Jupyter kernel and render each as it finishes.

Why not one papermill call per stage: on the demo data, starting a fresh kernel and importing
pandas, scikit-learn, matplotlib and jieba again for each of six notebooks cost ~40 of the
~120 s of ``make report``. Here the kernel starts once; between notebooks its namespace is
reset (``%reset -f``, figures closed), so a notebook can only see what it computes or reads
from disk — exactly as when an analyst runs it alone in JupyterLab. Imported modules stay
loaded, which is the saving. Each executed notebook is rendered to HTML in a process of its
own, behind the kernel, while the kernel runs the next one. A small export's stages run on two
kernels side by side (``side_by_side``).

Which stages run follows make's rule: a stage reruns when its executed notebook or HTML is
missing or older than its source notebook, the run's inputs (params, intake), the library or
the stages it reads (``AFTER``); and once a stage reruns, every stage reading it does.

A run never changes ``reports/<run>`` stage by stage: ``kequn.run.cli`` copies it into a staging
folder (``staging_dir``), runs the stale stages there, writes the index and only then swaps the
folder in (``swap_in``: one rename). A failed or killed run leaves the previous pages, and
``latest``, as they were; temp files carry the process id and a random part.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import threading
import uuid
from pathlib import Path

KERNEL = "kequn"
# figures closed first, so that the reset's own garbage collection frees them too; then the
# freed memory goes back to the system (kequn.run.memory), not into the next stage's peak
RESET = (
    "import matplotlib.pyplot as _plt\n_plt.close('all'); del _plt\n"
    "get_ipython().reset(new_session=False)\n"
    "from kequn.run.memory import give_back as _give_back\n_give_back(); del _give_back"
)


class StageFailed(Exception):
    """A stage notebook raised; the executed copy is kept next to where its output would be."""


class KernelDied(StageFailed):
    """The kernel running a stage died (most often out of memory)."""


def library_mtime() -> float:
    """Newest modification time of any file in the ``kequn`` package (code, catalogue,
    templates, shipped data): a change to any of them can change every report."""
    root = Path(__file__).parents[1]
    return max(
        p.stat().st_mtime for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    )


def stale(notebooks: list[Path], out_dir: Path, inputs_mtime: float) -> list[Path]:
    """The stage notebooks that must run, in order (see the module docstring): make's rule
    over what each stage reads (``waits_for``). Stages run side by side finish in any order,
    so a stage is judged against the stages it reads, not against every stage before it."""
    after = waits_for(notebooks)
    todo: list[Path] = []
    newest: dict[str, float] = {}  # stage → the newest of its inputs and its own output
    for nb in notebooks:
        out = out_dir / nb.name
        html = out.with_suffix(".html")
        inputs = max([inputs_mtime, nb.stat().st_mtime, *(newest[s] for s in after[nb.stem])])
        rerun = any(s in {t.stem for t in todo} for s in after[nb.stem])
        if rerun or not out.exists() or not html.exists() or out.stat().st_mtime < inputs:
            todo.append(nb)
            newest[nb.stem] = float("inf")
        else:
            newest[nb.stem] = max(inputs, out.stat().st_mtime)
    return todo


def execute(nb: Path, out: Path, params: dict, km=None, failed_dir: Path | None = None) -> None:
    """One notebook through papermill, written atomically to ``out``: on the running kernel
    ``km``, or on a kernel of its own when ``km`` is None. A failed notebook is kept as
    ``<stage>.failed.ipynb`` in ``failed_dir`` (default: beside ``out``)."""
    import papermill as pm
    from nbclient.exceptions import DeadKernelError

    from kequn.run.params import ALL, declared, flatten, is_flat

    # the notebooks take one flat name per setting; a run's settings come by config section
    params = flatten(params) if not is_flat(params) else dict(params)
    mine = declared(nb)
    if mine:  # Kequn's settings for other stages stay out; unknown names go in, to be told
        params = {k: v for k, v in params.items() if k in mine or k not in ALL}
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(
        f".{out.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp.ipynb"
    )  # runs overlap
    try:
        # cwd only for a kernel of its own: papermill changes this process's directory for it,
        # which would pull the ground from under the other kernel's thread (``side_by_side``)
        pm.execute_notebook(
            str(nb),
            str(tmp),
            parameters=params,
            kernel_name=KERNEL,
            progress_bar=False,
            request_save_on_cell_execute=False,  # written once at the end (or on error)
            cwd=None if km is not None else str(nb.resolve().parent),
            km=km,
        )
        os.replace(tmp, out)
    except pm.PapermillExecutionError as e:
        failed = (Path(failed_dir) if failed_dir else out.parent) / (out.stem + ".failed.ipynb")
        if tmp.exists():
            failed.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, failed)
        if (
            e.ename in ("InputError", "SettingsError") and len(e.traceback or []) == 1
        ):  # told in the run's language (problems.tell_in)
            raise StageFailed(f"{nb.stem}: {e.traceback[0]}") from None
        raise StageFailed(
            f"stage {nb.name} failed in cell {e.exec_count}: {e.ename}: {e.evalue}\n"
            f"  the executed notebook is kept for debugging: {failed}"
        ) from None
    except DeadKernelError:
        raise KernelDied(
            f"stage {nb.name}: the Jupyter kernel died while running it (most often out of "
            "memory: try a smaller clustering.sample_size, or a machine with more memory)"
        ) from None
    finally:
        tmp.unlink(missing_ok=True)


def _reset(km) -> None:
    """Empty the kernel's namespace between stages (raises if the reset itself fails)."""
    _quietly(km, RESET, "resetting the kernel")


def _quietly(km, code: str, what: str) -> None:
    """Run ``code`` in ``km``'s kernel, its output discarded; raises with ``what`` if it fails.

    Sent on a blocking client of the running kernel rather than as a one-cell notebook: the
    notebook client's set-up cost as much as the reset (~0.2 s a stage)."""
    kc = km.blocking_client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        reply = kc.execute_interactive(code, timeout=60, output_hook=lambda msg: None)
    finally:
        kc.stop_channels()
    if reply["content"]["status"] != "ok":
        c = reply["content"]
        raise RuntimeError(f"{what} failed: {c.get('ename')}: {c.get('evalue')}")


# The libraries every stage imports, loaded by ``start_kernel`` while intake runs in this
# process; nothing is bound in the kernel's namespace.
WARM_UP = (
    "for _m in ('kequn.stages.profiling', 'kequn.stages.clustering', 'kequn.stages.value', "
    "'kequn.stages.needs', 'kequn.stages.feedback', 'kequn.stages.summary'):\n"
    "    __import__('importlib').import_module(_m)\n"
    "del _m"
)
# Sent once intake is over, before the first stage: the worker processes of stage 02's fits
# started and their imports done while stage 01 runs (``parallel.warm_workers``). Not during
# intake: at 1M customers intake's own peak (3.2 GB) and two workers would near 4 GB; but so
# when the stages run side by side (small exports only), where stage 02 starts first.
WARM_WORKERS = "__import__('kequn.models.parallel', fromlist=['_']).warm_workers()"
# The stages whose fits run on those worker processes (the k scan and stability in 02, the
# holdout beside the fits in 03): a run of other stages starts none.
NEEDS_WORKERS = {"02_clustering", "03_value"}
# Sent, on one kernel, before each stage after which none of NEEDS_WORKERS is left: idle
# workers hold ~0.25 GB each at 1M customers, and stage 04 was the run's memory peak (tree
# 3.8 GiB, 0.48 GiB of it idle workers). A stage that spreads texts over the cores (05 at
# ≥ 50k texts, ``parallel.map_chunks``) starts workers of its own; they stop before the next.
STOP_WORKERS = "__import__('kequn.models.parallel', fromlist=['_']).stop_workers()"


def _needs_workers(stem: str, order: list[str]) -> bool:
    """Whether ``stem`` or a stage after it in ``order`` runs its fits on the worker processes."""
    return any(s in NEEDS_WORKERS for s in order[order.index(stem) :])


# kernel manager id → its warm-up thread and the event that tells the thread to stop waiting
_WARMING: dict[int, tuple[threading.Thread, threading.Event]] = {}

# How the kernel's OpenMP threads wait (scikit-learn's KMeans runs its loops on them): asleep
# instead of spinning. On two cores shared with other work a spinning thread takes the core its
# partner needs (stage 02's final KMeans fit at load 8: 7 s instead of 1 s). Results do not change:
# the same threads split the same loops; only their waiting does. A value set by the caller wins.
KERNEL_ENV = {"OMP_WAIT_POLICY": "PASSIVE"}


def kernel_env() -> dict:
    """The environment the stages' kernel is started with: this process's, over ``KERNEL_ENV``."""
    return {**KERNEL_ENV, **os.environ}


# Up to this size of an export (its files' bytes) the stages run on two kernels side by side
# (``side_by_side``). Two kernels hold two stages' tables at once; measured peaks of the whole
# process tree: see README, "Stages side by side". Above it, one kernel, as before.
SIDE_BY_SIDE_MAX_BYTES = 300 * 2**20


def kernels_for(params: dict) -> int:
    """How many kernels run a report's stages: 2 on a machine with two cores or more when the
    export is a folder of files no larger than ``SIDE_BY_SIDE_MAX_BYTES`` and the engine is
    DuckDB (Spark has its own executors and memory), else 1. ``KEQUN_KERNELS=1`` (or 2) in
    the environment decides instead (``make test`` sets 1: its parallel tests keep the cores
    busy already, and with a second kernel in every run the suite took 2-3x as long)."""
    from kequn.data.paths import resolve
    from kequn.models.parallel import cores

    asked = os.environ.get("KEQUN_KERNELS", "").strip()
    if asked in ("1", "2"):
        return int(asked)
    data = resolve(params.get("data_dir"))
    if cores() < 2 or params.get("engine", "duckdb") != "duckdb" or not isinstance(data, Path):
        return 1
    files = [data] if data.is_file() else [f for f in data.rglob("*") if f.is_file()]
    return 2 if sum(f.stat().st_size for f in files) <= SIDE_BY_SIDE_MAX_BYTES else 1


def start_kernel(cwd: Path, warm_up: bool = True, workers: bool = False):
    """The stages' kernel, started in ``cwd`` (the notebooks' folder). With ``warm_up`` a
    thread waits for it to boot and has it import the stage libraries, and this returns at
    once: boot and imports (a few seconds) overlap the caller's own work, such as intake on
    the other core. ``run_stages`` waits for the thread before the first stage. ``workers``:
    the warm-up also starts the fits' worker processes (``WARM_WORKERS``), for a run whose
    first stage is the k scan (stages side by side; small exports only, see
    ``SIDE_BY_SIDE_MAX_BYTES``: at 1M customers intake and two workers would near 4 GB)."""
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    km = AsyncKernelManager(kernel_name=KERNEL)  # the manager nbclient itself uses
    run_sync(km.start_kernel)(cwd=str(cwd), env=kernel_env())
    if warm_up:
        stop = threading.Event()
        code = WARM_UP + "\n" + WARM_WORKERS if workers else WARM_UP
        thread = threading.Thread(
            target=_warm, args=(km, stop, code), name="kequn-warm-up", daemon=True
        )
        _WARMING[id(km)] = thread, stop
        thread.start()
    return km


def _warm(km, stop: threading.Event, code: str = WARM_UP) -> None:
    """Have ``km``'s kernel import the stage libraries; returns when it has, or soon after
    ``stop`` is set (the kernel is being shut down: a failed intake says why without waiting
    for imports nobody needs)."""
    from queue import Empty

    kc = km.blocking_client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)  # raises within a second once the kernel is gone
        msg_id = kc.execute(code, silent=True)
        while not stop.is_set():
            try:
                reply = kc.get_shell_msg(timeout=0.2)
            except Empty:
                if not kc.is_alive():
                    return
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                return
    except Exception:  # noqa: BLE001 - a stage that needs the import will say why
        pass
    finally:
        kc.stop_channels()


def _warmed(km) -> None:
    """Wait for ``km``'s warm-up, if it has one."""
    thread, _ = _WARMING.pop(id(km), (None, None))
    if thread is not None:
        thread.join()


def _running(km) -> bool:
    """Whether ``km``'s kernel process is still alive."""
    from jupyter_core.utils import run_sync

    try:
        return bool(run_sync(km.is_alive)())
    except Exception:  # noqa: BLE001 - a manager that cannot tell has no kernel to use
        return False


def stop_kernel(km) -> None:
    """Shut ``km``'s kernel down (nothing when it is not running), without waiting for its
    warm-up: a run that stops early (a bad export) tells the user at once."""
    if km is None:
        return
    from jupyter_core.utils import run_sync

    thread, stop = _WARMING.pop(id(km), (None, None))
    if stop is not None:
        stop.set()
    if km.has_kernel:
        # killed first: shutdown_kernel interrupts before it kills, and a kernel still booting
        # (ipykernel not yet handling SIGINT) prints a KeyboardInterrupt traceback under the
        # user's message (seen once in `make test` at load 10); then reaped and cleaned up
        run_sync(km.signal_kernel)(signal.SIGKILL)
        run_sync(km.shutdown_kernel)(now=True)
    if thread is not None:
        thread.join(timeout=10)


def run_stages(
    notebooks: list[Path],
    out_dir: Path,
    params: dict,
    render=None,
    log=print,
    failed_dir: Path | None = None,
    km=None,
    on_stage=None,
    kernels: int = 1,
    km2=None,
    on_done=None,
) -> list[Path]:
    """Execute ``notebooks`` (in order) into ``out_dir`` on one kernel, rendering each with
    ``render(executed_path)`` in a process of its own (``_render_pool``: ``render`` must be
    picklable, a module's function); returns the executed paths. Raises
    ``StageFailed`` on the first failing stage (later stages do not run; the pages already
    rendered stay; the failed notebook goes to ``failed_dir``, default ``out_dir``). ``km``: a
    kernel from ``start_kernel`` to run them on (else one is started); it is shut down at
    the end either way. ``on_stage(stem)`` is called as each stage starts, ``on_done(stem)`` as
    each finishes (the caller may start work of its own that the stages still to come do not
    change).

    ``kernels=2``: two kernels run the stages side by side, each stage as soon as the stages it
    reads have finished (``AFTER``; see ``side_by_side``); ``km2`` the second kernel when
    already started. The feature table must exist first: stages 01 and 02 both read it."""
    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    cwd = {nb.resolve().parent for nb in notebooks}
    if len(cwd) != 1:
        stop_kernel(km)
        stop_kernel(km2)
        raise ValueError(f"stage notebooks must share one folder, got {sorted(map(str, cwd))}")
    kms = [km, km2] if kernels > 1 and len(notebooks) > 1 else [km]
    if len(kms) == 1:
        stop_kernel(km2)
    return side_by_side(
        notebooks, out_dir, params, kms, cwd.pop(), render, log, failed_dir, on_stage, on_done
    )


# What each stage reads from the stages before it (DESIGN.md's table of stages). Stages 01
# and 02 read only intake's tables and the feature table; 04 and 05 read 02's segments and
# 03's value table; 06 reads everything. A stage not named here (an analyst's own notebook in
# the list) waits for every stage before it, and every stage after it waits for it.
AFTER = {
    "01_profiling": (),
    "02_clustering": (),
    "03_value": ("02_clustering",),
    "04_needs": ("02_clustering", "03_value"),
    "05_feedback": ("02_clustering", "03_value"),
    "06_summary": ("01_profiling", "02_clustering", "03_value", "04_needs", "05_feedback"),
}


def waits_for(notebooks: list[Path]) -> dict[str, set[str]]:
    """For each stage of ``notebooks``, the stages of the list it must wait for (``AFTER``;
    a stage outside the list ran before and is on disk)."""
    out, earlier = {}, []
    for nb in notebooks:
        known = AFTER.get(nb.stem)
        unknown = {s for s in earlier if s not in AFTER}
        out[nb.stem] = set(earlier) if known is None else (set(known) | unknown) & set(earlier)
        earlier.append(nb.stem)
    return out


def _chain_lengths(after: dict[str, set[str]]) -> dict[str, int]:
    """Per stage, how many stages at most wait on it one after another (itself included): the
    free kernel takes the runnable stage that holds up the longest chain first."""
    memo: dict[str, int] = {}

    def length(s: str) -> int:
        if s not in memo:
            memo[s] = 1 + max((length(t) for t, needs in after.items() if s in needs), default=0)
        return memo[s]

    return {s: length(s) for s in after}


# The second kernel, and the process rendering pages beside the kernels, run a little behind
# the first: their work (stage 01 while stage 02 scans k on both cores, 05 beside 04, pages) is
# off the longest chain. Linux shares the CPU first between sessions ("autogroups": each kernel
# is a session of its own) and only then between a session's threads, so both the session's
# niceness (/proc/<pid>/autogroup) and each thread's are set. Not further behind: an
# unprivileged process cannot raise its priority again, and when the first kernel waits for the
# second's stage while other programs keep the cores busy, a kernel far behind (SCHED_IDLE,
# niceness 19) would get almost nothing: under two busy loops it did not finish booting in 100 s.
# Niceness 10 gives it ~1/10 of a contended core. 20k demo, two runs each: 36.9 and 35.4 s at
# 10; 39.5 and 43.2 s at 5; 39.4 and 42.5 s at 0; one kernel 51.6 and 44.0 s.
BEHIND = 10


def _behind(pid: int | None = None) -> None:
    """Lower process ``pid``'s priority (default: this one's) by ``BEHIND`` niceness steps where
    the system lets us: its session's when it leads its session, and each of its threads'
    (Linux sets niceness per thread; a kernel's BLAS threads start at import). Its children
    inherit it."""
    pid = os.getpid() if pid is None else pid
    try:
        if os.getsid(pid) == pid:
            Path(f"/proc/{pid}/autogroup").write_text(str(BEHIND))
    except OSError:  # no autogroups here (or not ours): the threads' niceness still applies
        pass
    task = Path(f"/proc/{pid}/task")
    for tid in [int(t.name) for t in task.iterdir()] if task.is_dir() else [pid]:
        try:
            os.setpriority(
                os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + BEHIND)
            )
        except (OSError, AttributeError):  # gone already, or not ours: the usual priority
            pass


def _behind_kernel(km) -> None:
    pid = getattr(getattr(km, "provisioner", None), "pid", None)
    if pid is not None:
        _behind(pid)


def _render_worker(parent: int) -> None:
    """The render process: a session of its own (so its niceness is its own), behind all, and
    gone when ``parent`` (the run) is: a pool's worker waits for work forever otherwise, and
    a run killed mid-stage (SIGKILL, the out-of-memory killer) left it and its forkserver
    behind, holding the run's stdout open."""
    try:
        os.setsid()
    except OSError:
        pass
    _behind()
    threading.Thread(target=_exit_with, args=(parent,), name="kequn-orphan", daemon=True).start()
    try:  # the exporter's imports (~1.5 s) while the kernel boots, not after the first stage
        import nbconvert  # noqa: F401
        import nbformat  # noqa: F401
    except ImportError:
        pass


def _exit_with(pid: int) -> None:
    """End this process once process ``pid`` has ended (a pidfd where Linux has them)."""
    import select
    import time

    try:
        select.select([os.pidfd_open(pid)], [], [])
    except (AttributeError, OSError, ValueError):
        pass
    while _alive(pid):  # no pidfd here, or one that woke early (some sandboxes): poll
        time.sleep(1.0)
    os._exit(0)


def _render_pool():
    """Where the pages are rendered while the kernel runs the next stage: a process of its own,
    behind the kernels (``_behind``). In this process nbconvert (~6 s of Python on the 20k
    demo) would hold the GIL the notebook clients need to hear their kernels, and take a core
    from stage 02's k scan."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("forkserver"),
        initializer=_render_worker,
        initargs=(os.getpid(),),
    )


def side_by_side(
    notebooks, out_dir, params, kms, folder, render, log, failed_dir, on_stage, on_done=None
) -> list[Path]:
    """``run_stages`` on the kernels ``kms`` (None: started here), one thread per kernel.

    One kernel takes the stages in list order. With two, each kernel's thread takes the next
    stage whose inputs are ready (``waits_for``), the one holding up the longest chain first,
    list order on a tie; the second kernel only while the first is busy. On the 20k demo stage
    02 (the k scan) starts on the warm kernel while the second kernel boots and then runs stage
    01; 04 and 05 run together after 03. Results do not change: a stage reads only files
    earlier stages wrote, and each fit's thread count is fixed (``clustering.FIT_THREADS``).

    On a failure no further stage starts, the one running on the other kernel finishes, then
    the first failure is raised. When the second kernel dies (``KernelDied``: most often out of
    memory, two stages' tables at once), its stage goes back to the first kernel, which runs
    the rest alone."""
    after = waits_for(notebooks)
    chain = _chain_lengths(after)
    by_stem = {nb.stem: nb for nb in notebooks}
    order = [nb.stem for nb in notebooks]
    todo = list(order)
    finished: set[str] = set()
    failures: list[BaseException] = []
    turn = threading.Condition()
    kms = [km if km is not None else start_kernel(folder, warm_up=False) for km in kms]
    workers = any(s in NEEDS_WORKERS for s in order)
    pending = []
    busy: set[int] = set()
    announced: set[str] = set()

    def take(lane_no: int) -> str | None:
        with turn:
            busy.discard(lane_no)
            turn.notify_all()
            while not failures and (todo or busy):  # a stage in flight may come back
                ready = [s for s in todo if after[s] <= finished]
                if ready and (lane_no == 0 or 0 in busy):
                    stem = max(
                        ready, key=lambda s: (chain[s] if len(kms) > 1 else 0, -order.index(s))
                    )
                    todo.remove(stem)
                    busy.add(lane_no)
                    turn.notify_all()
                    log(f"stage {stem}")  # here: said in the order the stages were taken
                    if on_stage is not None and stem not in announced:
                        announced.add(stem)  # once, even for a stage handed back
                        on_stage(stem)
                    return stem
                turn.wait()
            return None

    def hand_back(stem: str, lane_no: int) -> None:
        with turn:
            todo.append(stem)
            todo.sort(key=order.index)
            busy.discard(lane_no)
            turn.notify_all()

    def lane(km, pool, lane_no: int) -> None:
        stem = None
        try:
            _warmed(km)
            if lane_no:  # booted and imported at the usual priority, then behind
                _behind_kernel(km)
            elif workers:  # the first kernel's only: the second's start when a stage asks
                try:
                    _quietly(km, WARM_WORKERS, "starting the worker processes")
                except Exception:  # noqa: BLE001 - only a head start: the stage says what is wrong
                    pass
            used = False
            while (stem := take(lane_no)) is not None:
                if used:
                    _reset(km)
                used = True
                if workers and len(kms) == 1 and not _needs_workers(stem, order):
                    _quietly(km, STOP_WORKERS, "stopping the worker processes")
                out = out_dir / by_stem[stem].name
                execute(by_stem[stem], out, params, km, failed_dir)
                if render is not None:
                    pending.append(pool.submit(render, out))
                with turn:
                    finished.add(stem)
                    turn.notify_all()
                if on_done is not None:
                    on_done(stem)
                stem = None  # nothing in flight: a later failure hands nothing back
        except BaseException as e:  # noqa: BLE001 - raised in the caller's thread below
            if lane_no and stem is not None and (isinstance(e, KernelDied) or not _running(km)):
                # the first kernel runs it, and the rest, alone
                log(f"stage {stem}: the second kernel died; the first kernel runs it")
                hand_back(stem, lane_no)
                return
            with turn:
                failures.append(e)
                busy.discard(lane_no)
                turn.notify_all()

    try:
        with _render_pool() as pool:
            if render is not None:
                pool.submit(int)  # started now (a pool starts its process on the first call)
            lanes = [
                threading.Thread(
                    target=lane, args=(km, pool, i), name=f"kequn-kernel-{i}", daemon=True
                )
                for i, km in enumerate(kms)
            ]
            for t in lanes:
                t.start()
            for t in lanes:
                t.join()
            for f in list(pending):
                f.result()
    finally:
        for km in kms:
            stop_kernel(km)
    if failures:
        raise failures[0]
    return [out_dir / nb.name for nb in notebooks]


# A run's pages are built in a staging folder and swapped in whole: reports/<run> (and
# latest, which points at it) never holds pages of two runs, whatever fails or is killed.
STAGING = ".staging"


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, ended but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def staging_dir(reports: Path, run: str) -> Path:
    """A new, empty staging folder ``reports/.staging/<run>.<pid>.<random>`` holding a copy of
    ``reports/<run>`` (modification times kept, so ``stale`` judges it as the folder itself);
    staging folders left by killed runs of the same name are removed first."""
    root = reports / STAGING
    root.mkdir(parents=True, exist_ok=True)
    for old in root.glob(f"{run}.*.*"):
        pid = old.name[len(run) + 1 :].split(".")[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    stage = root / f"{run}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
    final = reports / run
    if final.is_dir():
        shutil.copytree(
            final, stage, symlinks=True, ignore=shutil.ignore_patterns("*.failed.ipynb", ".*")
        )
    else:
        stage.mkdir()
    return stage


_RENAME_EXCHANGE = 2  # linux/fs.h


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one ``renameat2(RENAME_EXCHANGE)`` call (Linux); False where the
    system or file system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd = -100
    return fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE) == 0


def swap_in(stage: Path, final: Path) -> None:
    """Put the finished ``stage`` folder at ``final`` in one rename (an atomic exchange when
    ``final`` exists; elsewhere two renames, a moment without ``final``); the old folder goes."""
    if not final.exists():
        os.rename(stage, final)
        return
    if _exchange(stage, final):
        shutil.rmtree(stage, ignore_errors=True)  # now holds the old pages
        return
    old = final.with_name(f".{final.name}.old.{uuid.uuid4().hex[:8]}")
    os.rename(final, old)
    os.rename(stage, final)
    shutil.rmtree(old, ignore_errors=True)
