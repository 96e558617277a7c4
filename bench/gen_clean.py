"""Clean tables for the engine bench, generated in DuckDB SQL: python bench/gen_clean.py N OUT_DIR

For sizes the demo generator cannot hold (it builds a company in pandas: ~4 GB at 1M
customers), this writes what the engine steps read — ``OUT_DIR/proc/clean/customers.parquet``
and ``orders.parquet`` (a folder partitioned by ``month``, as ``spark_intake`` writes it) and
``OUT_DIR/proc/quality.json`` (as_of, row counts) — straight from SQL, streamed to Parquet
with a memory cap, so 10M customers / ~80M orders need a few GB.

Every random number is a hash of (row, purpose), so the data are the same on every run and
thread count. The shape is a BTYD world with skew:

- 85% of customers buy; first purchases spread over 2024-01-01 … as_of (2026-06-30), more of
  them recent (a growing base);
- each buyer buys at a lognormal rate (heavy tail) while active: from the first purchase for
  an exponential lifetime (its mean lognormal across buyers, 365 days on average) or until as_of; the repeat purchases are a Poisson
  count (binomial of 24 draws below a mean of 10, normal above; capped at 400) on days spread
  uniformly over the active time — the Pareto/NBD story, so repeat counts, recency and dropout
  look as real bases do and the BTYD models can be fitted;
- amounts lognormal, a customer-level spend level times an order-level draw; 2% of lines
  are returns (negative amounts); categories and channels skewed.

No events or feedback tables (the feature query reads them when present; the issue's row is
customers and orders).
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

import duckdb

START, AS_OF = "2024-01-01", "2026-06-30"
ORDERS_PER_CUSTOMER = 8.0  # the 10M customers / ~80M orders
MEMORY = "4GB"
ACTIVE = 154.0  # calibrates the rate: orders ≈ orders_per_customer × n (measured at 20k, 200k)


def _u(*key: str) -> str:
    """SQL for a uniform number in [0, 1) from a hash of ``key`` (deterministic, no RNG state)."""
    return f"(hash({', '.join(key)}) >> 11)::DOUBLE / 9007199254740992.0"


def _z(*key: str) -> str:
    """SQL for a standard normal draw (Box–Muller on two hashed uniforms)."""
    u1, u2 = _u(*key, "'z1'"), _u(*key, "'z2'")
    return f"(sqrt(-2 * ln(greatest({u1}, 1e-12))) * cos(2 * pi() * {u2}))"


def write(n: int, out: Path, orders_per_customer: float = ORDERS_PER_CUSTOMER) -> dict:
    """Write the clean tables of ``n`` customers under ``out``/proc; returns quality.json."""
    clean = Path(out) / "proc" / "clean"
    clean.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        config={"threads": 2, "memory_limit": MEMORY, "preserve_insertion_order": False}
    )
    con.execute("SET enable_progress_bar = false")
    days = (duckdb.sql(f"SELECT DATE '{AS_OF}' - DATE '{START}'").fetchone())[0]
    # daily rate e^(mu + s·z): mu so that orders ≈ orders_per_customer × n (0.85 buyers, a mean
    # active time of ACTIVE days, measured)
    s = 1.2
    mu = math.log((orders_per_customer / 0.85 - 1) / ACTIVE) - s * s / 2
    con.execute(
        f"""
        CREATE TEMP TABLE c AS
        WITH a AS (
          SELECT i, floor({days} * sqrt({_u("i", "'first'")}))::INT AS f,
                 least(-exp(ln(365) - 0.5 + {_z("i", "'drop'")})
                         * ln(greatest({_u("i", "'life'")}, 1e-12)),
                       {days} - floor({days} * sqrt({_u("i", "'first'")}))) AS life,
                 exp({mu} + {s} * {_z("i", "'k'")}) AS rate
          FROM range({n}) r(i))
        SELECT i, substr(md5(i::VARCHAR), 1, 16) AS customer_id, f, life,
               CASE WHEN {_u("i", "'buyer'")} >= 0.85 THEN -1
                    WHEN rate * life < 10 THEN len(list_filter(
                      range(24), j -> {_u("i", "j", "'p'")} < rate * life / 24))
                    ELSE least(400, greatest(0, round(rate * life
                      + sqrt(rate * life) * {_z("i", "'pn'")})))::INT
               END AS extra,
               {_z("i", "'spend'")} AS level
        FROM a"""
    )
    con.execute(
        f"""
        COPY (
          SELECT customer_id,
                 (DATE '{START}' + f - floor(30 * {_u("i", "'signup'")})::INT)::TIMESTAMP
                   AS signup_date,
                 CASE WHEN {_u("i", "'g'")} < 0.52 THEN 'F' ELSE 'M' END AS gender,
                 round(1982 + 12 * {_z("i", "'age'")})::DOUBLE AS birth_year,
                 ['east', 'north', 'south', 'central', 'southwest', 'northwest', 'northeast']
                   [1 + floor(7 * pow({_u("i", "'r'")}, 1.6))::INT] AS region,
                 ['tier 1', 'new tier 1', 'tier 2', 'tier 3', 'tier 4+']
                   [1 + floor(5 * {_u("i", "'t'")})::INT] AS city_tier
          FROM c ORDER BY i
        ) TO '{clean / "customers.parquet"}' (FORMAT parquet)"""
    )
    # one line per order: the first on day f, the repeats within the customer's lifetime
    con.execute(
        f"""
        COPY (
          WITH lines AS (
            SELECT i, customer_id, level, unnest(range(extra + 1)) AS j,
                   f, life AS span
            FROM c WHERE extra >= 0),
          o AS (
            SELECT customer_id, j, level, i,
                   TIMESTAMP '{START}' + to_days((f + CASE WHEN j = 0 THEN 0 ELSE
                       floor({_u("i", "j", "'d'")} * (span + 1))::INT END)::INT)
                     + to_seconds(floor(86399 * {_u("i", "j", "'s'")})::BIGINT) AS ts,
                   round(exp(4.2 + 0.35 * level + 0.7 * {_z("i", "j", "'a'")}), 2) AS a,
                   {_u("i", "j", "'c'")} AS uc, {_u("i", "j", "'ch'")} AS uch,
                   {_u("i", "j", "'ret'")} AS ur, {_u("i", "j", "'disc'")} AS ud
            FROM lines)
          SELECT customer_id || '-' || j AS order_id, customer_id,
                 least(ts, TIMESTAMP '{AS_OF} 23:59:59') AS order_date,
                 CASE WHEN ur < 0.02 THEN -a ELSE a END AS amount,
                 ['food', 'beauty', 'apparel', 'home', 'digital', 'baby', 'sports', 'books']
                   [1 + floor(8 * pow(uc, 1.8))::INT] AS category,
                 CASE WHEN uch < 0.5 THEN 'app' WHEN uch < 0.8 THEN 'web'
                      WHEN uch < 0.95 THEN 'store' ELSE 'mini-program' END AS channel,
                 (1 + floor(4 * pow(ud, 3)))::DOUBLE AS quantity,
                 CASE WHEN ud < 0.3 THEN round(a * (0.05 + ud / 2), 2) ELSE 0 END AS discount,
                 round(a * 0.62, 2) AS cost,
                 ud < 0.15 AS coupon_used,
                 strftime(least(ts, TIMESTAMP '{AS_OF} 23:59:59'), '%Y-%m') AS month
          FROM o
        ) TO '{clean / "orders.parquet"}'
          (FORMAT parquet, PARTITION_BY (month), OVERWRITE_OR_IGNORE)"""
    )
    counts = {
        "customers": n,
        "orders": con.execute(
            f"SELECT count(*) FROM read_parquet('{clean / 'orders.parquet'}/**/*.parquet')"
        ).fetchone()[0],
    }
    con.close()
    q = {"as_of": AS_OF, "rows_clean": counts, "generator": "bench/gen_clean.py"}
    (Path(out) / "proc" / "quality.json").write_text(json.dumps(q, indent=1))
    return q


if __name__ == "__main__":
    t = time.perf_counter()
    q = write(int(sys.argv[1]), Path(sys.argv[2]))
    print(
        f"  {q['rows_clean']['customers']:,} customers, {q['rows_clean']['orders']:,} orders "
        f"in {time.perf_counter() - t:.0f} s",
        file=sys.stderr,
    )
