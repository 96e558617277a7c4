"""CLV step for make bench: python bench/clv_step.py RUN_DIR — BTYD summary from the clean
orders (DuckDB), BG/NBD and Gamma-Gamma fits, then per buyer P(alive), churn risk, expected
purchases and 12-month discounted CLV, as stage 03 computes them. Prints the split."""

import json
import sys
import time

from kequn.data.features import btyd_summary
from kequn.data.settings import ValueSettings
from kequn.models import lifetime
from kequn.run.config import DEFAULTS

run = sys.argv[1]
q = json.load(open(f"{run}/proc/quality.json"))
t0 = time.perf_counter()
s = btyd_summary(f"{run}/proc/clean", q["as_of"])
t1 = time.perf_counter()
models = lifetime.fit_models(s)
t2 = time.perf_counter()
life = lifetime.lifetime(s, models, ValueSettings.from_mapping(DEFAULTS["value"]), 1.0)
t3 = time.perf_counter()
assert not models.errors and life["clv"].notna().all()
print(
    f"  {len(s):,} buyers: summary {t1 - t0:.1f} s, fits {t2 - t1:.1f} s, P(alive)/churn/CLV {t3 - t2:.1f} s; "
    f"fit + CLV {t3 - t1:.1f} s",
    file=sys.stderr,
)
