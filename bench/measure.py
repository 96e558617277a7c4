"""Wall time and peak memory of one command: python bench/measure.py CMD [ARGS...]

Prints one JSON line to stdout: ``seconds``; ``peak_mib``, the largest single process among the
waited-for descendants (``RUSAGE_CHILDREN``: for ``make report`` the papermill kernel, which
the runner's ``shutdown_kernel`` waits for); ``tree_mib``, the largest sum of the RSS of the
whole process tree (this wrapper's child and all its descendants, the kernel and the runner
together), sampled every 0.2 s — an upper bound, pages shared between processes count twice;
``largest_sampled_mib``, the largest single process seen by the same sampling (a check on
``peak_mib``: it cannot exceed it unless a descendant was never waited for); ``tree_at_peak``,
the processes (command line, MiB) when the tree's sum was largest. The command's own
output passes through; the exit status is the command's.
"""

import json
import resource
import subprocess
import sys
import threading
import time

import psutil


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


def main(cmd: list[str]) -> int:
    peak, done = {"tree": 0, "one": 0, "at_peak": []}, threading.Event()
    t = time.perf_counter()
    proc = subprocess.Popen(cmd)
    sampler = threading.Thread(target=watch, args=(proc.pid, peak, done), daemon=True)
    sampler.start()
    rc = proc.wait()
    wall = time.perf_counter() - t
    done.set()
    sampler.join()
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
    print(
        "\n"
        + json.dumps(
            {
                "seconds": wall,
                "peak_mib": children,
                "tree_mib": peak["tree"] / 2**20,
                "largest_sampled_mib": peak["one"] / 2**20,
                "tree_at_peak": peak["at_peak"],
            }
        )
    )
    return rc


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
