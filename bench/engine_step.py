"""Engine step for make bench (issue 19): python bench/engine_step.py WHAT ENGINE RUN_DIR

WHAT: ``features`` (the feature table written as Parquet) or ``clv`` (BTYD summary, BG/NBD,
MBG/NBD, Pareto/NBD, NBD and Gamma-Gamma fitted on the driver, P(alive), churn risk and CLV of
every buyer written as Parquet). ENGINE: ``duckdb`` (this process, as stage 03 does it: the
per-buyer summary in pandas) or ``spark`` (local[2]; features written by Spark; the summary
stays on the executors, which group it into distinct histories for the driver's fits
(``spark_engine.distinct_histories``), and score by mapInPandas). Both read RUN_DIR/proc/clean,
as stage 01 and 03 do.

Memory is capped so a shared machine survives: Spark's driver (local mode: the whole JVM) 8g,
DuckDB's memory_limit 8GB.

Prints to stderr the split of the time and the peak memory of the whole process tree (this
Python, and for Spark its JVM and Python workers), sampled every 0.2 s: the bench's own peak
(the largest single process) would miss the JVM.
"""

import json
import sys
import threading
import time

import psutil

what, eng, run = sys.argv[1:4]
q = json.load(open(f"{run}/proc/quality.json"))
clean, out = f"{run}/proc/clean", f"{run}/proc/engine-{eng}"

peak = {"rss": 0}


def watch():
    me = psutil.Process()
    while True:
        total = 0
        for p in [me, *me.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        peak["rss"] = max(peak["rss"], total)
        time.sleep(0.2)


threading.Thread(target=watch, daemon=True).start()
t0 = time.perf_counter()
split = {}
if eng == "spark":
    from kequn.data import engine, spark_engine

    engine.use("spark", "local[2]")
    spark = spark_engine.session("local[2]", {"spark.driver.memory": "8g"})
    split["JVM start"] = time.perf_counter() - t0
else:  # every DuckDB connection of the library, capped
    from kequn.data import features as _features

    _connect = _features.connect

    def capped(threads: int = 2):
        con = _connect(threads)
        con.execute("SET memory_limit = '8GB'")
        return con

    _features.connect = capped

if what == "features":
    t = time.perf_counter()
    if eng == "spark":
        spark_engine.write_features(clean, q["as_of"], f"{out}/features.parquet", top_n=12)
    else:
        from kequn.data.features import build_features

        build_features(clean, q["as_of"], top_n=12).to_parquet(f"{out}-features.parquet")
    split["features"] = time.perf_counter() - t
else:
    from kequn.data.features import btyd_summary
    from kequn.data.settings import ValueSettings
    from kequn.models import lifetime
    from kequn.run.config import DEFAULTS

    v = ValueSettings.from_mapping(DEFAULTS["value"])

    t = time.perf_counter()
    if eng == "spark":  # distinct histories with their counts to the driver
        btyd = spark_engine.btyd_frame(clean, q["as_of"]).cache()
        hist, spend = spark_engine.distinct_histories(btyd)
        rows = f"{len(hist):,} + {len(spend):,} distinct rows of {int(hist['n'].sum()):,} buyers"
    else:  # the per-buyer summary in pandas, as stage 03
        btyd = btyd_summary(clean, q["as_of"])
        rows = f"{len(btyd):,} buyers"
    split["summary"] = time.perf_counter() - t
    t = time.perf_counter()
    if eng == "spark":
        models = lifetime.fit_distinct(hist, spend)
    else:
        models = lifetime.fit_models(btyd)
    split["fits (driver)"] = time.perf_counter() - t
    t = time.perf_counter()
    if eng == "spark":
        from kequn.models import spark_scores

        life = spark_scores.lifetime(spark, btyd, models, v, 1.0)
        life.write.mode("overwrite").parquet(f"{out}/lifetime.parquet")
    else:
        lifetime.lifetime(btyd, models, v, 1.0).to_parquet(f"{out}-lifetime.parquet")
    split["scores"] = time.perf_counter() - t
    assert models.bg is not None and models.gg is not None, models.errors
    params = {k: f"{v:.6g}" for k, v in models.bg.params_.items()}
    split_note = f" ({rows} to the fits; {models.chosen} {params}; refused: {models.errors})"
print(
    f"  {eng}: "
    + ", ".join(f"{k} {v:.1f} s" for k, v in split.items())
    + (split_note if what == "clv" else "")
    + f"; peak of the process tree {peak['rss'] / 2**20:,.0f} MiB",
    file=sys.stderr,
)
