"""Stage 04 steps for make bench: python bench/needs_step.py kano|propensity RUN_DIR

kano: 1,000,000 answer pairs (Chinese words, 8 features) parsed, classified, tallied and
evaluated. propensity: the three time-split snapshots in DuckDB, one model per category
trained and evaluated, every customer scored and the target lists built. Prints the split."""

import json
import sys
import time

import numpy as np
import pandas as pd
from kequn.models import kano
from kequn.run.config import DEFAULTS

mode, run = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
if mode == "kano":
    rng = np.random.default_rng(7)
    n = 1_000_000
    words = np.array(["喜欢", "理应如此", "无所谓", "能忍受", "不喜欢"], dtype=object)
    answers = pd.DataFrame(
        {
            "respondent_id": np.repeat(np.arange(n // 8), 8).astype(str),
            "feature": np.tile(np.array([f"F{i}" for i in range(8)], dtype=object), n // 8),
            "functional": words[rng.integers(0, 5, n)],
            "dysfunctional": words[rng.integers(0, 5, n)],
        }
    )
    t1 = time.perf_counter()
    a = kano.parse(answers)
    ev = kano.evaluate(kano.tally(a))
    assert ev["total"].sum() == n
    print(
        f"  {n:,} answer pairs: parse + classify + tally + evaluate {time.perf_counter() - t1:.1f} s",
        file=sys.stderr,
    )
else:
    from kequn.models import propensity as pr

    q = json.load(open(f"{run}/proc/quality.json"))
    h = DEFAULTS["needs"]
    res = pr.run(f"{run}/proc/clean", q["as_of"], h["horizon_days"], h["top_categories"], 7)
    t1 = time.perf_counter()
    scored = [m.scores(res.now) for m in res.models]
    t2 = time.perf_counter()
    tl = pr.target_table(res, h["target_share"], None, "zh")
    print(
        f"  {len(res.now):,} customers, {len(res.models)} categories: snapshots + fits + evaluation "
        f"{t1 - t0:.1f} s, scoring everyone {t2 - t1:.1f} s, target lists {time.perf_counter() - t2:.1f} s "
        f"(mean AUC {res.figures['auc'].mean():.3f}, {len(tl):,} rows)",
        file=sys.stderr,
    )
