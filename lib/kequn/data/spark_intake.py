"""Spark-side intake of a large *clean* export (issue 19): read Parquet, CSV or Hive tables
through Spark and write the clean tables as Parquet partitioned by month, for the Spark engine.

What it does — the part of ``kequn.data.intake`` that is sound on a cluster, with the same results
where both apply:

- tables by contract name (``customers``, ``orders``, ``events``, ``feedback``) from a folder
  (``<table>.parquet`` file or folder, or ``<table>.csv`` with a header row) or from Hive
  (``{"orders": "hive:lake.orders"}``; a session with Hive support, as a cluster's is);
- contract columns only: personal-data columns dropped, other columns ignored (both counted);
- values cast to the contract's types as the clean tables hold them (ids text, dates
  timestamps, numbers double, yes/no boolean with intake's spellings, enumerations through the
  contract's spellings); a value that cannot be read or lies outside the contract's range is
  missing; a missing required value makes the row invalid: ``invalid_rows: error`` stops with
  the count per column, ``drop`` drops and counts;
- rows dated after the as-of date dropped (as_of: the setting, else the last order's date);
- customer keys checked unique (duplicates stop the intake: Spark keeps no file order, so
  "the first row wins" cannot be honoured), orders, events and feedback of unknown customers
  dropped, every key replaced by its pseudonym — ``privacy.pseudonymize`` on the executors, so
  the same salt gives the same pseudonyms as the pandas intake — and the pseudonym → CRM id
  table written apart (``reid_dir``);
- phones, e-mails and ID numbers masked in every text and enumeration column
  (``privacy.mask_series`` per batch, the pandas intake's function).

What it does not do (the pandas intake does; a messy export goes through ``make report``):
header aliases and column maps, mixed or ambiguous date formats, "¥1,234"-style amounts, the
user's row numbers in messages (Spark does not know them), orders formed from item lines,
amount from quantity × price, birth year from age or age bands, customers derived from order
lines' attributes, extreme-amount flags, feedback fixes, Kano answers, and the data-quality
report (quality.json, the profiling page). It writes ``intake_spark.json`` with the as-of
date and the counts of each rule instead.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from kequn.data import schema
from kequn.data.problems import InputError, Problem

TABLES = ("customers", "orders", "events", "feedback")
_TYPE = {
    "id": "string",
    "date": "timestamp_ntz",
    "datetime": "timestamp_ntz",
    "number": "double",
    "int": "double",
    "age": "double",
    "importance": "double",
    "text": "string",
    "enum": "string",
}
_TRUE = ("1", "1.0", "true", "t", "yes", "y", "是", "有", "已用")  # coerce.parse_bool's
_FALSE = ("0", "0.0", "false", "f", "no", "n", "否", "无", "未用")


def sources_in(folder: str | Path) -> dict[str, str]:
    """{table: path} for the contract tables found in ``folder`` (Parquet before CSV)."""
    folder = Path(folder)
    out = {}
    for t in TABLES:
        for name in (f"{t}.parquet", f"{t}.csv"):
            if (folder / name).exists():
                out[t] = str(folder / name)
                break
    return out


def read_source(spark, source: str):
    """A Spark DataFrame of ``source``: ``hive:db.table``, a Parquet file or folder, or a CSV
    file with a header row (every value read as text, cast by ``_typed``)."""
    from kequn.data.spark_engine import read_parquet

    s = str(source)
    if s.startswith("hive:"):
        return spark.table(s[5:])
    if s.endswith(".csv"):
        return spark.read.csv(s, header=True, multiLine=True, escape='"', encoding="UTF-8")
    return read_parquet(spark, s)


def _typed(sdf, table: str, log: list):
    """Contract columns of ``table`` cast to the clean tables' types; missing where unreadable
    or out of range (a ``_bad_<col>`` flag per column, for the counts)."""
    from pyspark.sql import functions as F

    cols = schema.columns(table)
    pii = [c for c in sdf.columns if c in cols and cols[c].kind == "pii"]
    ignored = [
        c
        for c in sdf.columns
        if c not in cols and not (table == "customers" and c.startswith(schema.PSY_PREFIX))
    ]
    if pii:
        log.append({"table": table, "rule": "pii_columns_dropped", "columns": pii})
    if ignored:
        log.append({"table": table, "rule": "columns_ignored", "columns": ignored})
    missing = [c.name for c in cols.values() if c.required and c.name not in sdf.columns]
    if missing:
        found = ", ".join(sdf.columns)
        raise InputError(
            [Problem.of("missing_column", table, col=c, found=found, table=table) for c in missing]
        )
    out, flags = [], []
    types = dict(sdf.dtypes)
    for name in sdf.columns:
        col = cols.get(name)
        if col is None and not (table == "customers" and name.startswith(schema.PSY_PREFIX)):
            continue
        if col is not None and col.kind == "pii":
            continue
        kind = col.kind if col is not None else "number"  # psy_* scales are numbers
        c = F.col(f"`{name}`")
        text = F.lower(F.trim(c.cast("string")))
        if kind == "bool":
            v = (
                c
                if types[name] == "boolean"
                else F.when(text.isin(*_TRUE), F.lit(True)).when(text.isin(*_FALSE), F.lit(False))
            )
        elif kind == "enum":
            spell = F.create_map(*[F.lit(x) for kv in col.values.items() for x in kv])
            v = spell[text]
        elif kind in ("id", "text"):
            v = F.when(F.trim(c.cast("string")) != "", c.cast("string"))
        else:
            v = F.expr(f"try_cast(`{name}` AS {_TYPE[kind]})")
            if col is not None and col.lo is not None:
                v = F.when((v >= col.lo) & (v <= col.hi), v)
        bad = c.isNotNull() & (F.trim(c.cast("string")) != "") & v.isNull()
        out.append(v.alias(name))
        flags.append(bad.alias(f"_bad_{name}"))
    return sdf.select(*out, *flags)


def _count(sdf, exprs: dict) -> dict:
    """{name: number of rows where the boolean expression holds}, in one pass."""
    from pyspark.sql import functions as F

    if not exprs:
        return {}
    row = sdf.agg(*[F.sum(F.when(e, 1).otherwise(0)).alias(k) for k, e in exprs.items()]).first()
    return {k: int(row[k] or 0) for k in exprs}


def _pseudonyms(spark, ids, salt: str):
    """customer_id (the export's) → pseudonym, by ``privacy.pseudonymize`` on the executors."""
    bc = spark.sparkContext.broadcast(salt)

    def run(batches):
        from kequn.data.privacy import pseudonymize

        for b in batches:
            yield pd.DataFrame(
                {"crm_id": b["crm_id"], "pseudonym": pseudonymize(b["crm_id"], bc.value)}
            )

    return ids.mapInPandas(run, "crm_id string, pseudonym string")


def _masked(sdf, table: str):
    """Phones, e-mails and ID numbers masked in the text and enumeration columns."""
    kinds = {c.name: c.kind for c in schema.CONTRACT[table]}
    cols = [c for c in sdf.columns if kinds.get(c) in ("text", "enum")]
    if not cols:
        return sdf, cols

    def run(batches):
        from kequn.data.privacy import mask_series

        for b in batches:
            for c in cols:
                b[c] = mask_series(b[c])[0].astype(object)
            yield b

    return sdf.mapInPandas(run, sdf.schema), cols


def run_spark_intake(
    spark,
    sources: dict[str, str] | str | Path,
    out_dir: str | Path,
    salt: str | None = None,
    salt_file: str | Path | None = None,
    as_of=None,
    invalid_rows: str = "error",
    reid_dir: str | Path | None = None,
) -> dict:
    """Clean tables of a clean export in ``out_dir/clean`` (``<table>.parquet`` folders; orders,
    events and feedback partitioned by ``month``), the pseudonym table in ``reid_dir`` (default
    ``out_dir/reid``) and ``out_dir/intake_spark.json``; returns what that file holds.
    ``salt`` / ``salt_file``: as the pandas intake's (``privacy.load_salt``), so the same
    settings give the same pseudonyms."""
    from pyspark.sql import functions as F

    from kequn.data.privacy import load_salt

    salt = load_salt(salt or None, salt_file)
    if not isinstance(sources, dict):
        sources = sources_in(sources)
    if "orders" not in sources:
        raise InputError([Problem.of("table_missing", "orders", table="orders")])
    out = Path(out_dir)
    log: list = []
    raw = {t: read_source(spark, s) for t, s in sources.items() if t in TABLES}
    tables, rows_raw = {}, {}
    for t, sdf in raw.items():
        typed = _typed(sdf, t, log).cache()
        cols = schema.columns(t)
        flags = [c for c in typed.columns if c.startswith("_bad_")]
        req = [c for c in typed.columns if c in cols and cols[c].required]
        invalid = F.lit(False)
        for c in req:
            invalid = invalid | F.col(c).isNull()
        counts = _count(  # one pass: rows, unreadable values per column, invalid rows
            typed,
            {
                "_rows": F.lit(True),
                "_invalid": invalid,
                **{f[5:]: F.col(f) for f in flags},
                **{f"missing {c}": F.col(c).isNull() for c in req},
            },
        )
        rows_raw[t], n_invalid = counts.pop("_rows"), counts.pop("_invalid")
        for c, n in counts.items():
            if n and not c.startswith("missing "):
                log.append(
                    {"table": t, "rule": "unreadable_values_set_missing", "column": c, "rows": n}
                )
        if n_invalid and invalid_rows != "drop":
            raise InputError(
                [
                    Problem.of(
                        "spark_invalid_rows",
                        t,
                        table=t,
                        n=n_invalid,
                        columns=", ".join(c for c in req if counts[f"missing {c}"]),
                    )
                ]
            )
        if n_invalid:
            log.append({"table": t, "rule": "invalid_rows_dropped", "rows": n_invalid})
        tables[t] = typed.where(~invalid).drop(*flags)
    # the as-of date and rows after it
    last = tables["orders"].agg(F.max("order_date")).first()[0]
    as_of = pd.Timestamp(as_of).normalize() if as_of is not None else pd.Timestamp(last).normalize()
    end = (as_of + pd.Timedelta(days=1)).to_pydatetime()
    for t, col in schema.EVENT_DATE.items():
        if t in tables:
            n = _count(tables[t], {"n": F.col(col) >= F.lit(end)})["n"]
            log.append({"table": t, "rule": "future_dated_rows_dropped", "rows": n})
            tables[t] = tables[t].where(F.col(col) < F.lit(end))
    # customers: one row per key (derived from orders when the export has none)
    if "customers" not in tables:
        tables["customers"] = (
            tables["orders"].groupBy("customer_id").agg(F.min("order_date").alias("signup_date"))
        )
        log.append({"table": "customers", "rule": "customers_from_orders"})
    c = tables["customers"]
    dup = c.groupBy("customer_id").count().where("count > 1").count()
    if dup:
        raise InputError([Problem.of("spark_duplicate_keys", "customers", n=dup)])
    # pseudonyms; rows of unknown customers dropped
    ids = c.select(F.col("customer_id").alias("crm_id"))
    names = _pseudonyms(spark, ids, salt).cache()
    keyed = {}
    for t, sdf in tables.items():
        j = sdf.join(F.broadcast(names) if t == "customers" else names,
                     sdf["customer_id"] == names["crm_id"], "inner")  # fmt: skip
        if t != "customers":
            n = sdf.join(names, sdf["customer_id"] == names["crm_id"], "left_anti").count()
            log.append({"table": t, "rule": "orphan_rows_dropped", "rows": n})
        cols = [F.col("pseudonym").alias("customer_id") if x == "customer_id" else F.col(x)
                for x in sdf.columns]  # fmt: skip
        keyed[t] = j.select(*cols)
    if "amount" in tables["orders"].columns:
        n = _count(tables["orders"], {"n": F.col("amount") < 0})["n"]
        log.append({"table": "orders", "rule": "returns_kept", "rows": n})
    # write
    clean = out / "clean"
    rows_clean = {}
    for t, sdf in keyed.items():
        sdf, masked = _masked(sdf, t)
        w = sdf.write.mode("overwrite")
        if t in schema.EVENT_DATE:
            sdf = sdf.withColumn("month", F.date_format(schema.EVENT_DATE[t], "yyyy-MM"))
            w = sdf.write.mode("overwrite").partitionBy("month")
        w.parquet(str(clean / f"{t}.parquet"))
        rows_clean[t] = spark.read.parquet(str(clean / f"{t}.parquet")).count()
    reid = Path(reid_dir) if reid_dir else out / "reid"
    names.select(F.col("pseudonym").alias("customer_id"), F.col("crm_id")).write.mode(
        "overwrite"
    ).parquet(str(reid / "reid.parquet"))
    facts = {
        "as_of": str(as_of.date()),
        "sources": {t: str(s) for t, s in sources.items()},
        "rows_raw": rows_raw,
        "rows_clean": rows_clean,
        "cleaning": log,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "intake_spark.json").write_text(json.dumps(facts, ensure_ascii=False, indent=1))
    return facts
