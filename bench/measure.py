"""Wall time and peak memory of one command: python bench/measure.py CMD [ARGS...]

Prints one JSON line to stdout: ``seconds``; ``cpu_seconds``, user + system time of all the
waited-for descendants (steadier than wall time on a loaded machine, blind to parallelism);
``peak_mib``, the largest single process among the
waited-for descendants (``RUSAGE_CHILDREN``: for ``make report`` the papermill kernel, which
the runner's ``shutdown_kernel`` waits for); ``tree_mib``, the largest sum of the RSS of the
whole process tree (this wrapper's child and all its descendants, the kernel and the runner
together), sampled every 0.2 s — an upper bound, pages shared between processes count twice;
``largest_sampled_mib``, the largest single process seen by the same sampling (a check on
``peak_mib``: it cannot exceed it unless a descendant was never waited for); ``tree_at_peak``,
the processes (command line, MiB) when the tree's sum was largest. The command's own
output passes through; the exit status is the command's. Each measurement is also appended,
with the date, the command and the load average, to bench/out/measure.jsonl (or the file
named by KEQUN_BENCH_JOURNAL; empty: none).
"""

import ctypes
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

# where each measurement is appended; KEQUN_BENCH_JOURNAL="" turns it off (the tests do)
JOURNAL = os.environ.get(
    "KEQUN_BENCH_JOURNAL", str(Path(__file__).resolve().parent / "out" / "measure.jsonl")
)


def watch(pid: int, peak: dict, done: threading.Event) -> None:
    """Sample the RSS of ``pid`` and its descendants until ``done``."""
    try:
        root = psutil.Process(pid)
    except psutil.Error:
        return
    while not done.wait(0.2):
        try:
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            continue
        total, seen = 0, []
        for p in procs:
            try:
                rss = p.memory_info().rss
                seen.append((" ".join(p.cmdline()[:4])[-60:], round(rss / 2**20)))
            except psutil.Error:
                continue
            total += rss
            peak["one"] = max(peak["one"], rss)
        if total > peak["tree"]:
            peak["tree"], peak["at_peak"] = total, sorted(seen, key=lambda x: -x[1])


def become_subreaper() -> None:
    """Orphaned descendants come to this process rather than to init (Linux), so their CPU time
    and peak reach ``RUSAGE_CHILDREN`` once reaped: the runner kills the kernel at the end, and the
    kernel's own worker processes (joblib's loky) would otherwise never be waited for by us."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def reap_orphans(wait: float = 30.0) -> None:
    """Wait (up to ``wait`` seconds) for the orphans handed to us to exit, and reap them."""
    end = time.monotonic() + wait
    while time.monotonic() < end:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.1)


def main(cmd: list[str]) -> int:
    become_subreaper()
    peak, done = {"tree": 0, "one": 0, "at_peak": []}, threading.Event()
    t = time.perf_counter()
    proc = subprocess.Popen(cmd)
    sampler = threading.Thread(target=watch, args=(proc.pid, peak, done), daemon=True)
    sampler.start()
    rc = proc.wait()
    wall = time.perf_counter() - t
    reap_orphans()
    done.set()
    sampler.join()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    fig = {
        "seconds": wall,
        "cpu_seconds": children.ru_utime + children.ru_stime,
        "peak_mib": children.ru_maxrss / 1024,  # KiB on Linux
        "tree_mib": peak["tree"] / 2**20,
        "largest_sampled_mib": peak["one"] / 2**20,
        "tree_at_peak": peak["at_peak"],
    }
    print("\n" + json.dumps(fig))
    if JOURNAL and Path(JOURNAL).parent.is_dir():  # with when and how loaded the machine was
        when = {"date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "cmd": cmd}
        with open(JOURNAL, "a") as f:
            f.write(json.dumps({**when, "load": os.getloadavg(), **fig}) + "\n")
    return rc


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
