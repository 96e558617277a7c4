"""Run a report's stage notebooks in one Jupyter kernel and render each as it finishes.

Why not one papermill call per stage: on the demo data, starting a fresh kernel and importing
pandas, scikit-learn, matplotlib and jieba again for each of six notebooks cost ~40 of the
~120 s of ``make report``. Here the kernel starts once; between notebooks its namespace is
reset (``%reset -f``, figures closed), so a notebook can only see what it computes or reads
from disk — exactly as when an analyst runs it alone in JupyterLab. Imported modules stay
loaded, which is the saving. Each executed notebook is rendered to HTML in a background
thread while the kernel runs the next one.

Which stages run follows make's rule for a chain: a stage reruns when its executed notebook
or HTML is missing or older than its source notebook, the run's inputs (params, intake) or
the library; and once one stage reruns, every later stage does.

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
from concurrent.futures import ThreadPoolExecutor
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


def library_mtime() -> float:
    """Newest modification time of any file in the ``kequn`` package (code, catalogue,
    templates, shipped data): a change to any of them can change every report."""
    root = Path(__file__).parents[1]
    return max(
        p.stat().st_mtime for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    )


def stale(notebooks: list[Path], out_dir: Path, inputs_mtime: float) -> list[Path]:
    """The stage notebooks that must run, in order (see the module docstring)."""
    todo: list[Path] = []
    newest = inputs_mtime
    for nb in notebooks:
        out = out_dir / nb.name
        html = out.with_suffix(".html")
        newest = max(newest, nb.stat().st_mtime)
        if todo or not out.exists() or not html.exists() or out.stat().st_mtime < newest:
            todo.append(nb)
        else:
            newest = max(newest, out.stat().st_mtime)
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
        # which would pull the ground from under the render thread of run_stages
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
        raise StageFailed(
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
# intake: at 1M customers intake's own peak (3.2 GB) and two workers would near 4 GB.
WARM_WORKERS = "__import__('kequn.models.parallel', fromlist=['_']).warm_workers()"


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


def start_kernel(cwd: Path, warm_up: bool = True):
    """The stages' kernel, started in ``cwd`` (the notebooks' folder). With ``warm_up`` a
    thread waits for it to boot and has it import the stage libraries, and this returns at
    once: boot and imports (a few seconds) overlap the caller's own work, such as intake on
    the other core. ``run_stages`` waits for the thread before the first stage."""
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    km = AsyncKernelManager(kernel_name=KERNEL)  # the manager nbclient itself uses
    run_sync(km.start_kernel)(cwd=str(cwd), env=kernel_env())
    if warm_up:
        stop = threading.Event()
        thread = threading.Thread(target=_warm, args=(km, stop), name="kequn-warm-up", daemon=True)
        _WARMING[id(km)] = thread, stop
        thread.start()
    return km


def _warm(km, stop: threading.Event) -> None:
    """Have ``km``'s kernel import the stage libraries; returns when it has, or soon after
    ``stop`` is set (the kernel is being shut down: a failed intake says why without waiting
    for imports nobody needs)."""
    from queue import Empty

    kc = km.blocking_client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)  # raises within a second once the kernel is gone
        msg_id = kc.execute(WARM_UP, silent=True)
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
) -> list[Path]:
    """Execute ``notebooks`` (in order) into ``out_dir`` on one kernel, rendering each with
    ``render(executed_path)`` in a background thread; returns the executed paths. Raises
    ``StageFailed`` on the first failing stage (later stages do not run; the pages already
    rendered stay; the failed notebook goes to ``failed_dir``, default ``out_dir``). ``km``: a
    kernel from ``start_kernel`` to run them on (else one is started); it is shut down at
    the end either way. ``on_stage(stem)`` is called as each stage starts (the caller may start
    work of its own that the stages still to come do not change)."""
    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    cwd = {nb.resolve().parent for nb in notebooks}
    if len(cwd) != 1:
        stop_kernel(km)
        raise ValueError(f"stage notebooks must share one folder, got {sorted(map(str, cwd))}")
    km = km if km is not None else start_kernel(cwd.pop(), warm_up=False)
    done, pending = [], []
    try:
        _warmed(km)
        try:
            _quietly(km, WARM_WORKERS, "starting the worker processes")
        except Exception:  # noqa: BLE001 - only a head start: the stage says what is wrong
            pass
        with ThreadPoolExecutor(max_workers=1) as pool:
            for i, nb in enumerate(notebooks):
                if i:
                    _reset(km)
                out = out_dir / nb.name
                log(f"stage {nb.stem}")
                if on_stage is not None:
                    on_stage(nb.stem)
                execute(nb, out, params, km, failed_dir)
                done.append(out)
                if render is not None:
                    pending.append(pool.submit(render, out))
            for f in pending:
                f.result()
    finally:
        stop_kernel(km)
    return done


# A run's pages are built in a staging folder and swapped in whole: reports/<run> (and
# latest, which points at it) never holds pages of two runs, whatever fails or is killed.
STAGING = ".staging"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
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
