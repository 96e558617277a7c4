"""The bench's own arithmetic: peak memory of a process tree, stage 05's seconds, the ratios."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
QUIET = dict(os.environ, KEQUN_BENCH_JOURNAL="")  # measure.py's journal is for real runs
sys.path.insert(0, str(BENCH))
import bench  # noqa: E402

# A child holding 150 MiB that starts a grandchild holding 300 MiB, both alive together.
TREE = (
    "import subprocess, sys, time; a = bytearray(150 * 2**20); time.sleep(0.6); "
    "subprocess.run([sys.executable, '-c', 'import time; b = bytearray(300 * 2**20); "
    "time.sleep(1.5)'])"
)


def test_measure_sees_the_largest_descendant_and_the_sum_of_the_tree():
    p = subprocess.run(
        [sys.executable, str(BENCH / "measure.py"), sys.executable, "-c", TREE],
        capture_output=True,
        text=True,
        check=True,
        env=QUIET,
    )
    fig = json.loads(p.stdout.strip().splitlines()[-1])
    assert fig["seconds"] >= 2.0
    # the grandchild is the largest process: getrusage(RUSAGE_CHILDREN) reaches it because the
    # child waited for it
    assert 300 <= fig["peak_mib"] < 400
    assert 300 <= fig["largest_sampled_mib"] <= fig["peak_mib"] + 1
    assert 450 <= fig["tree_mib"] < 600  # both alive at once: 150 + 300 and two interpreters


def test_stage_seconds_of_the_line_feedback_step_prints():
    # the line as bench/feedback_step.py prints it (the same words at commit 2fcece7)
    line = (
        "1,000,000 texts (zh 920,000, en 80,000): cleaning + language 24 s, sentiment (CV + fit "
        "on 20,000, score all) 59 s (CV accuracy 0.912), topics 161 s (87% with a topic); "
        "scoring alone zh 16,000 / en 7,500 texts/s per process"
    )
    assert bench.stage_seconds(line) == 24 + 59 + 161
    assert bench.stage_seconds("something else") is None


def test_compare_pairs_the_runs_in_order_and_takes_the_median():
    def row(side, run, seconds):
        return {
            "customers": 20000,
            "step": "s",
            "side": side,
            "run": run,
            "seconds": seconds,
            "tree_mib": 100 * run,
        }

    rows = [row("ours", 1, 10.0), row("old", 1, 30.0), row("ours", 2, 12.0), row("old", 2, 24.0)]
    out = bench.compare(rows, "s", 20000, "old")
    assert out["speedups_seconds"] == [3.0, 2.0]
    assert out["median_speedup_seconds"] == pytest.approx(2.5)
    assert out["tree_mib"] == {"ours": 200, "old": 200}


def test_measure_counts_a_descendant_its_parent_never_waited_for():
    # the runner kills the kernel, whose worker processes are then nobody's children: measure.py
    # adopts and reaps them, so their memory (and CPU time) count
    orphan = (
        "import subprocess, sys; subprocess.Popen([sys.executable, '-c', "
        "'import time; b = bytearray(250 * 2**20); time.sleep(0.5)'])"
    )
    p = subprocess.run(
        [sys.executable, str(BENCH / "measure.py"), sys.executable, "-c", orphan],
        capture_output=True,
        text=True,
        check=True,
        env=QUIET,
    )
    assert json.loads(p.stdout.strip().splitlines()[-1])["peak_mib"] >= 250
