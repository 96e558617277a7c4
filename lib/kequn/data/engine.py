"""Where the heavy queries run: DuckDB in this process (the default) or Spark SQL (issue 19).

The heavy queries — the feature table (``kequn.data.features``), the BTYD summaries, the
propensity snapshots (``kequn.models.propensity``) and monthly demand (``kequn.models.trends``) — are each
written once, in DuckDB's SQL, and run through a *runner*:

- ``DuckRunner``: an in-memory DuckDB connection over the clean Parquet tables; it executes
  the text as written, so the DuckDB path's results are those it always had.
- ``kequn.data.spark_engine.SparkRunner``: the same text transpiled to Spark SQL by sqlglot
  (``to_spark``), run by ``spark.sql`` over the same Parquet tables, results fetched through
  Arrow into the dtypes the DuckDB path gives.

Values stay bound parameters on both engines (``$v0`` in DuckDB, ``:v0`` in Spark): no SQL is
built from data. ``to_spark`` fixes the few places where the two dialects read the same text
differently (see there).

The engine is a setting (``engine: duckdb | spark``, ``spark_master: local[*] | spark://host:port
| yarn | k8s://…``): checked with the other settings before any work (``check``), then made the
process's engine (``use``) by ``kequn.run.params.settings`` at the start of every stage notebook, so
the stage code asks ``runner()`` and the notebooks do not change.
"""

from __future__ import annotations

import re
from pathlib import Path

ENGINES = ("duckdb", "spark")
# local, local[4], local[*], local[4,2] (with retries), spark://host:7077[,host2:7077], yarn,
# k8s://https://host:443, mesos://host:5050 — the masters spark-submit knows
_MASTER = re.compile(
    r"local(\[(\*|[1-9]\d*)(,\s*[1-9]\d*)?\])?"
    r"|spark://[\w.\-]+(:\d+)?(,[\w.\-]+(:\d+)?)*"
    r"|yarn"
    r"|k8s://(https?://)?[\w.\-]+(:\d+)?(/[\w.\-/]*)?"
    r"|mesos://[\w.\-]+(:\d+)?"
)

_current = {"engine": "duckdb", "spark_master": "local[*]"}

# Money as exact decimals while summing: 4 places hold any currency's minor unit, 18 digits
# amounts up to 1e14 (the contract caps them at 1e10, ``schema.MAX_MONEY``).
MONEY = "DECIMAL(18, 4)"


def money_sum(expr: str = "amount", where: str | None = None) -> str:
    """SQL for the sum of a money expression, as a DOUBLE, the same bits on any thread count,
    row order and engine.

    A sum of doubles depends on the order of its additions, and both engines split a group's
    rows between threads as they come (DuckDB at more than one row group, ~123k rows): at 1M
    customers 13% of the revenue sums differed in their last bits from one run to the next. Each
    value is rounded to ``MONEY`` instead and the decimals summed exactly (in 128 bits), so the
    result is the decimal sum rounded once: one answer, and a truer one (0.1 + 0.2 gives 0.3).
    ``where``: the rows summed (an aggregate FILTER); NULL when none are. A NaN or infinite
    value (a clean table not written by Kequn's intake, which stores them as missing) counts as
    missing, as NULL does, instead of stopping the query."""
    filtered = f" FILTER (WHERE {where})" if where else ""
    return f"CAST(sum({money(expr)}){filtered} AS DOUBLE)"


def money(expr: str = "amount") -> str:
    """SQL for a money expression as an exact ``MONEY`` decimal (NULL for NaN and infinity)."""
    return f"TRY_CAST({expr} AS {MONEY})"


def check(engine, spark_master, where: str = "parameters") -> list:
    """Problems with the engine settings (unknown engine, a master Spark would not accept),
    in the catalogue of ``kequn.problems`` (told in the run's language)."""
    from kequn.data.problems import Problem

    out = []
    if engine not in ENGINES:
        out.append(Problem.of("bad_engine", where, value=engine, allowed=", ".join(ENGINES)))
    if not isinstance(spark_master, str) or not _MASTER.fullmatch(spark_master.strip()):
        out.append(Problem.of("bad_spark_master", where, value=spark_master))
    return out


def use(engine: str = "duckdb", spark_master: str = "local[*]") -> None:
    """Make ``engine`` (and its master) the one ``runner()`` opens from now on in this process."""
    _current.update(engine=engine, spark_master=spark_master)


def current() -> tuple[str, str]:
    """(engine, spark_master) of this process."""
    return _current["engine"], _current["spark_master"]


def runner(threads: int = 2, engine: str | None = None):
    """A runner of the current engine (or ``engine``): a new DuckDB connection, or a runner on
    the process's one SparkSession (``kequn.data.spark_engine.session``)."""
    engine = engine or _current["engine"]
    if engine == "spark":
        from kequn.data.spark_engine import SparkRunner, session

        return SparkRunner(session(_current["spark_master"]))
    return DuckRunner(threads)


class DuckRunner:
    """The heavy queries on an in-memory DuckDB connection (``features.connect``), executed as
    written. Views over Parquet files, SQL views and registered pandas frames are the tables
    the queries read."""

    engine = "duckdb"

    def __init__(self, threads: int = 2):
        from kequn.data.features import connect

        self.con = connect(threads)

    def view_parquet(self, name: str, path: Path) -> None:
        if Path(path).is_dir():  # a folder of Parquet parts, partitioned as Spark writes them
            rel = self.con.read_parquet(
                str(Path(path) / "**" / "*.parquet"), hive_partitioning=True
            )
        else:
            rel = self.con.read_parquet(str(path))
        rel.create_view(name)  # relational API: no path in SQL

    def view_sql(self, name: str, sql: str, params=None) -> None:
        self.con.execute(f"CREATE VIEW {name} AS {sql}", params or {})

    def register(self, name: str, frame) -> None:
        self.con.register(name, frame)

    def tables(self) -> set[str]:
        return {
            r[0]
            for r in self.con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }

    def columns(self, table: str) -> list[str]:
        return [r[0] for r in self.con.execute(f"DESCRIBE {table}").fetchall()]

    def rows(self, sql: str, params=None) -> list[tuple]:
        return self.con.execute(sql, params or {}).fetchall()

    def df(self, sql: str, params=None):
        """The result as DuckDB's ``.df()`` gives it."""
        return self.con.execute(sql, params or {}).df()

    def frame(self, sql: str, params=None, sort_by: str | None = None):
        """The result through Arrow (``features.frame``)."""
        from kequn.data.features import frame

        return frame(self.con, sql, params, sort_by=sort_by)

    def close(self) -> None:
        self.con.close()


def to_spark(sql: str) -> str:
    """DuckDB SQL → Spark SQL (sqlglot), with the places where the dialects read the same text
    differently made to agree:

    - a number with a fraction (``/ 7.0``) is a DECIMAL literal in both, but DuckDB divides by it
      in floating point while Spark keeps decimals (rounded to a few places): it becomes DOUBLE;
    - ``hash(a, b)`` is 64 bits in DuckDB, 32 in Spark (collisions from ~100k rows on): Spark's
      64-bit ``xxhash64``;
    - ``year(d)`` is BIGINT in DuckDB, INT in Spark: cast to BIGINT, so ages keep their dtype.

    Parameters ``$name`` become Spark's named markers ``:name``; identifiers stay quoted."""
    import sqlglot
    from sqlglot import exp

    def fix(node):
        if (
            isinstance(node, exp.Literal)
            and node.is_number
            and not node.is_int
            and not isinstance(node.parent, exp.DataTypeParam)
        ):
            return exp.cast(node.copy(), exp.DataType.build("DOUBLE"))
        if isinstance(node, exp.Anonymous) and node.name.upper() == "HASH":
            return exp.Anonymous(this="XXHASH64", expressions=[e.copy() for e in node.expressions])
        if isinstance(node, exp.Year) and not isinstance(node.parent, exp.Cast):
            return exp.cast(node.copy(), exp.DataType.build("BIGINT"))
        return node

    tree = sqlglot.parse_one(sql, read="duckdb").transform(fix, copy=True)
    return tree.sql(dialect="spark")
