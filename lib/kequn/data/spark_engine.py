"""Spark: the heavy queries in Spark SQL and the per-customer scores on the executors (issue 19).

- ``session(master)``: the process's one SparkSession (UTC, Arrow on, a local master bound to
  the loopback address and running this interpreter's Python on its workers).
- ``SparkRunner``: ``kequn.data.engine``'s runner over Spark — the same query text as DuckDB's,
  transpiled (``engine.to_spark``), over temporary views of the clean Parquet tables; results
  come back through Arrow in the dtypes the DuckDB path gives.
- Scores (``kequn.models.spark_scores``) run on the executors through ``mapInPandas`` with the fitted
  model broadcast.

pyspark is imported here only: a DuckDB run never loads it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd

from kequn.data.engine import to_spark
from kequn.data.paths import RunFolder, clean_table

_session = {"master": None, "spark": None}


def session(master: str = "local[*]", conf: dict | None = None):
    """The SparkSession of this process on ``master`` (one per process: a second call with
    the same master returns it; another master stops it and starts a new one).

    Local masters run the executors' Python as this interpreter (its kequn, numpy, scikit-learn)
    and bind the driver to 127.0.0.1; on a cluster the workers need the same packages (README:
    "Spark"). ``conf``: more Spark settings, e.g. ``{"spark.driver.memory": "6g"}`` — which,
    like every JVM setting, counts only when the session starts (``PYSPARK_SUBMIT_ARGS`` works
    too)."""
    from pyspark.sql import SparkSession

    spark = _session["spark"]
    if spark is not None and _session["master"] == master:
        if not spark.sparkContext._jsc.sc().isStopped():
            return spark
    if spark is not None:
        spark.stop()
    local = master.startswith("local")
    if local:
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    b = (
        SparkSession.builder.master(master)
        .appName("kequn")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.parquet.inferTimestampNTZ.enabled", "true")
        .config("spark.sql.caseSensitive", "true")
        # pandas writes nanosecond timestamps, which Spark cannot read as timestamps: read them as
        # numbers and convert (``read_parquet``)
        .config("spark.sql.legacy.parquet.nanosAsLong", "true")
    )
    if local:
        cores = os.cpu_count() or 2
        b = (
            b.config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", str(max(2, 2 * cores)))
        )
    for k, v in (conf or {}).items():
        b = b.config(k, v)
    spark = b.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    _session.update(master=master, spark=spark)
    return spark


def stop() -> None:
    """Stop this process's SparkSession (the next ``session`` starts a new one)."""
    if _session["spark"] is not None:
        _session["spark"].stop()
    _session.update(master=None, spark=None)


def nanosecond_columns(path) -> set[str]:
    """Names of the nanosecond timestamp columns of a Parquet file or folder (its schema only)."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    schema = ds.dataset(str(path), format="parquet").schema
    return {f.name for f in schema if pa.types.is_timestamp(f.type) and f.type.unit == "ns"}


def read_parquet(spark, path):
    """A Parquet file or folder as a Spark DataFrame with its columns' types: nanosecond
    timestamps (pandas' default, which Spark reads as numbers) become microsecond timestamps
    without time zone, as DuckDB reads them (the clean tables hold no sub-microsecond times)."""
    from pyspark.sql import functions as F

    sdf = spark.read.parquet(str(path))
    nanos = nanosecond_columns(path)
    if not nanos:
        return sdf
    return sdf.select(
        *[
            F.timestamp_micros(F.floor(F.col(c) / 1000)).cast("timestamp_ntz").alias(c)
            if c in nanos
            else F.col(c)
            for c in sdf.columns
        ]
    )


def _arrow_table(sdf):
    """A Spark DataFrame as one Arrow table (Spark ≥ 4: ``toArrow``)."""
    return sdf.toArrow()


class SparkRunner:
    """``kequn.data.engine``'s runner over Spark SQL: the DuckDB query text transpiled, views as
    Spark temporary views (named per runner, so two runners in one session do not collide)."""

    engine = "spark"

    def __init__(self, spark):
        self.spark = spark
        self._views: dict[str, str] = {}
        self._nanos: set[str] = set()  # nanosecond timestamp columns of the Parquet views

    def _sql(self, sql: str, params=None):
        return self.spark.sql(to_spark(sql), args=dict(params or {}) or None)

    def view_parquet(self, name: str, path: Path) -> None:
        read_parquet(self.spark, path).createOrReplaceTempView(name)
        self._nanos |= nanosecond_columns(path)
        self._views[name] = str(path)

    def view_sql(self, name: str, sql: str, params=None) -> None:
        self._sql(sql, params).createOrReplaceTempView(name)
        self._views[name] = sql

    def register(self, name: str, frame: pd.DataFrame) -> None:
        self.spark.createDataFrame(frame).createOrReplaceTempView(name)
        self._views[name] = "frame"

    def tables(self) -> set[str]:
        return set(self._views)

    def columns(self, table: str) -> list[str]:
        return list(self.spark.table(table).columns)

    def rows(self, sql: str, params=None) -> list[tuple]:
        return [tuple(r) for r in self._sql(sql, params).collect()]

    def dataframe(self, sql: str, params=None):
        """The result as a Spark DataFrame (not collected)."""
        return self._sql(sql, params)

    def df(self, sql: str, params=None) -> pd.DataFrame:
        """The result as DuckDB's ``.df()`` gives it: integers without missing values int64,
        with missing values float64 (as pandas' default), dates as datetime64."""
        t = self._arrow(sql, params)
        df = t.to_pandas(date_as_object=False)
        for f in t.schema:
            if str(f.type).startswith("date"):
                df[f.name] = df[f.name].astype("datetime64[us]")
            elif str(f.type).startswith("decimal"):
                df[f.name] = df[f.name].astype("float64")
        return df

    def frame(self, sql: str, params=None, sort_by: str | None = None) -> pd.DataFrame:
        """The result through Arrow with ``features.frame``'s dtypes."""
        from kequn.data.features import arrow_frame

        return arrow_frame(self._arrow(sql, params), sort_by=sort_by)

    def _arrow(self, sql: str, params=None):
        """The result as Arrow; timestamp columns named as a nanosecond column of a Parquet view
        back in nanoseconds (DuckDB passes them through as TIMESTAMP_NS)."""
        import pyarrow as pa

        t = _arrow_table(self._sql(sql, params))
        for i, f in enumerate(t.schema):
            if f.name in self._nanos and pa.types.is_timestamp(f.type):
                t = t.set_column(i, f.name, t.column(i).cast(pa.timestamp("ns", f.type.tz)))
        return t

    def close(self) -> None:
        for name in self._views:
            self.spark.catalog.dropTempView(name)
        self._views.clear()


def features_frame(clean_dir, as_of, top_n: int = 10):
    """The feature table as a Spark DataFrame (not collected) and its labels: the query of
    ``features.build_features`` on Spark, with its finishing steps as column expressions (growth
    windows the export does not cover are missing)."""
    from pyspark.sql import functions as F

    from kequn.data.features import feature_query, window_complete

    run = SparkRunner(session_of_engine())
    sql, params, labels = feature_query(run, clean_dir, as_of, top_n)
    sdf = run.dataframe(sql, params)
    first_day = run.rows("SELECT min(order_date)::DATE FROM orders")[0][0]
    for c, windows in (("revenue_last_6m", 1), ("revenue_prior_6m", 2)):
        if not window_complete(first_day, as_of, windows):
            sdf = sdf.withColumn(c, F.lit(None).cast("double"))
    return sdf, labels


def write_features(clean_dir, as_of, out, top_n: int = 10) -> dict:
    """The feature table written by Spark as Parquet at ``out`` (a folder), labels beside it
    (``out``/../feature_labels.json); for tables too large to collect. Returns the labels."""
    import json

    sdf, labels = features_frame(clean_dir, as_of, top_n)
    sdf.write.mode("overwrite").parquet(str(out))
    RunFolder(Path(out).parent).feature_labels.write_text(
        json.dumps(labels, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return labels


def btyd_frame(clean_dir, as_of, calibration_end=None, unit_days: float = 7.0):
    """``features.btyd_summary`` as a Spark DataFrame (not collected)."""
    from kequn.data.features import btyd_query

    cal = calibration_end if calibration_end is not None else as_of
    run = SparkRunner(session_of_engine())
    run.view_parquet("orders", clean_table(clean_dir, "orders"))
    sql, params = btyd_query(as_of, cal, unit_days)
    return run.dataframe(sql, params)


def session_of_engine():
    """The session of the process's engine settings (``kequn.data.engine.use``)."""
    from kequn.data.engine import current

    return session(current()[1])


def distinct_histories(btyd) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What the lifetime fits need of a BTYD summary (a Spark DataFrame, ``btyd_frame``),
    grouped on the executors so the driver receives distinct rows, not one per buyer:

    - ``hist``: each distinct (x, t_x, T) with ``n``, the buyers who share it — for BG/NBD,
      MBG/NBD, Pareto/NBD and the NBD (a few thousand to a few hundred thousand rows whatever
      the base's size: x, t_x and T are counts of days);
    - ``spend``: each distinct (x, m) of the repeat buyers with a positive mean spend, with
      ``n`` — for Gamma-Gamma (m is an amount, so this stays near the number of repeat buyers
      unless amounts repeat: the likelihood has no coarser sufficient statistic).

    Rows come in the order of their first buyer by customer_id, the order in which the fits'
    own grouping of the per-buyer summary (sorted by customer_id) meets them, so the fits on
    these rows (``lifetime.fit_distinct``) add up the same numbers in the same order."""
    from pyspark.sql import functions as F

    def grouped(sdf, keys):
        g = sdf.groupBy(*keys).agg(F.count("*").alias("n"), F.min("customer_id").alias("_first"))
        out = _arrow_table(g.orderBy("_first").drop("_first")).to_pandas()
        return out.astype({"x": "int64", "n": "int64"})

    hist = grouped(btyd, ["x", "t_x", "T"])
    repeat = (F.col("x") > 0) & F.col("m").isNotNull() & ~F.isnan("m") & (F.col("m") > 0)
    spend = grouped(btyd.where(repeat), ["x", "m"])
    return hist, spend
