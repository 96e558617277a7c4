"""The customer feature table: the one place that aggregates transactions (DuckDB).

``build_features(clean_dir, as_of)`` reads the clean Parquet tables straight from disk
(DuckDB scans them without loading them into pandas) and returns one row per customer:

============================  ==================================================================
customer_id                   pseudonymous key
age, gender, income, ...      customer attributes as cleaned by intake (psy_* included)
tenure_days                   as_of − signup date (or first order when signup is unknown)
orders                        distinct purchase orders (frequency): an order line is a purchase
                              when its amount is ``>= 0`` (``PURCHASE``), so a zero-amount
                              order (a gift, a fully discounted basket) is a purchase occasion
                              with no revenue; negative amounts are returns
revenue                       gross amount of purchase lines, in the run's currency
returns, return_amount        number of distinct orders with a return line, and the returned
                              amount as a positive number
monetary                      revenue − return_amount (net spend)
avg_order_value               revenue / orders
first_order, last_order       dates of the first and last purchase
recency_days                  as_of − last order date (NaN: never bought)
active_days                   last − first order date
revenue_last_6m               gross amount of purchase lines in the 182 days up to as_of
revenue_prior_6m              the same for the 182 days before those (growth = last / prior − 1);
                              each is missing for everyone when its window does not lie wholly
                              inside the orders' span (``window_complete``): no growth from a
                              window the export does not cover
discount_share, coupon_share  share of purchase lines bought on discount / with a coupon
margin                        revenue − cost of purchase lines (when cost is present)
cat_<category>                share of revenue per category, for the ``top_n`` categories with
                              most purchase lines; the rest have no column (no 'other' column:
                              the shares then add up to less than 1)
chan_<channel>                share of orders in the channel: distinct purchase orders with a
                              line in it / distinct purchase orders (several lines of one order
                              count once; top ``top_n`` channels)
ev_<event_type>               events per type; evch_<channel>: events per channel
feedback, complaints          feedback items, complaints
============================  ==================================================================

The aggregation is SQL so a larger engine can replace DuckDB here without touching the
stages; column names are stable slugs of the values, with the original value kept in
``FeatureTable.labels`` (and ``feature_labels.json`` of a run, ``feature_labels``). No SQL is
built from data: identifiers are quoted (``_ident``), values are bound as parameters, and
survey headers outside ``psy_<word>`` (``PSY 价格 敏感度``) get slug names, their header kept
as label.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from kequn.data.engine import money, money_sum
from kequn.data.paths import RunFolder, clean_table
from kequn.data.schema import CONTRACT


@dataclass(frozen=True, eq=False)
class FeatureTable:
    """The feature table (``frame``, one row per customer) and the display labels of its
    value-named columns (``labels``: column → the category, channel or header it stands for)."""

    frame: pd.DataFrame
    labels: dict


# An order is a purchase when its amount is not negative: a zero-amount order (a gift, a
# fully discounted basket) is a purchase occasion that adds nothing to revenue; negative
# amounts are returns. One rule for features, purchase histories (CLV), propensity, trends.
PURCHASE = "amount >= 0"

_SLUG = re.compile(r"[^\w]+")  # keeps CJK: cat_食品生鲜 reads better than cat_v2


def _slug(prefix: str, value: str, used: set) -> str:
    base = _SLUG.sub("_", str(value)).strip("_").lower()
    if not base:
        base = "v"
    name = f"{prefix}_{base}"
    i = 2
    while name in used:  # Chinese values all slug to 'v': number them instead
        name = f"{prefix}_{base}{i}"
        i += 1
    used.add(name)
    return name


# Columns build_features can return whatever the data (rule checks before any stage runs), and
# the prefixes of the families whose names come from the data's values or survey headers.
STATIC_COLUMNS = tuple(c.name for c in CONTRACT["customers"] if c.kind != "pii") + (
    "age",
    "age_band",
    "tenure_days",
    "orders",
    "revenue",
    "returns",
    "return_amount",
    "monetary",
    "avg_order_value",
    "first_order",
    "last_order",
    "recency_days",
    "active_days",
    "revenue_last_6m",
    "revenue_prior_6m",
    "discount_share",
    "coupon_share",
    "margin",
    "events",
    "feedback",
    "complaints",
)
VARIABLE_PREFIXES = ("psy_", "cat_", "chan_", "ev_", "evch_")
_SAFE_PSY = re.compile(r"psy_\w+")


def _q(s: str) -> str:
    """A SQL string literal (code-made text only: paths, dates); data goes in as parameters."""
    return "'" + str(s).replace("'", "''") + "'"


def _ident(name: str) -> str:
    """A SQL identifier, quoted: ``"`` doubled, so any header is a name and never SQL."""
    return '"' + str(name).replace('"', '""') + '"'


def connect(threads: int = 2) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with ``threads`` threads. Its progress bar is on only when
    output goes to a terminal: in logs and notebooks run by papermill it would print bars."""
    con = duckdb.connect(config={"threads": threads})
    tty = sys.stdout is not None and sys.stdout.isatty()
    try:
        con.execute(f"SET enable_progress_bar = {'true' if tty else 'false'}")
    except duckdb.InvalidInputException:  # in a Jupyter kernel without ipywidgets: no bar anyway
        pass
    return con


def _view(con, name: str, path: Path) -> None:
    """View ``name`` over a Parquet file (relational API: the path is no SQL text)."""
    con.read_parquet(str(path)).create_view(name)


def frame(con, sql: str, params=None, sort_by: str | None = None) -> pd.DataFrame:
    """The result of ``sql`` as pandas, with the dtypes DuckDB's ``.df()`` gives (integers and
    booleans with missing values nullable, DATE as datetime64[us], HUGEINT and DECIMAL as
    float64) but fetched through Arrow: equal strings share one Python object instead of one per
    cell, and each column's Arrow memory is freed as it is converted. For the feature table of
    1M customers: half the time and memory of ``.df()``. ``sort_by``: rows ordered by that
    column in Arrow (byte order, missing last: as DuckDB's ORDER BY), after DuckDB has freed
    its working memory, instead of a sort of the wide rows inside the query."""
    return arrow_frame(con.execute(sql, params or {}).fetch_arrow_table(), sort_by)


def arrow_frame(table, sort_by: str | None = None) -> pd.DataFrame:
    """An Arrow table as pandas with ``frame``'s dtypes (``frame``; Spark's results too). Each
    column is converted once into its final dtype: DATE is cast to microseconds in Arrow,
    integer and boolean columns with a missing value are converted apart into pandas' nullable
    dtypes and put back in their place; the others convert straight to numpy."""
    import pyarrow as pa

    if sort_by is not None:
        table = table.sort_by(sort_by)
    nullable = {
        pa.int8(): pd.Int8Dtype(),
        pa.int16(): pd.Int16Dtype(),
        pa.int32(): pd.Int32Dtype(),
        pa.int64(): pd.Int64Dtype(),
        pa.uint8(): pd.UInt8Dtype(),
        pa.uint16(): pd.UInt16Dtype(),
        pa.uint32(): pd.UInt32Dtype(),
        pa.uint64(): pd.UInt64Dtype(),
        pa.bool_(): pd.BooleanDtype(),
    }
    names = table.column_names
    holes = [n for n, c in zip(names, table.columns) if c.type in nullable and c.null_count]
    floats = [f.name for f in table.schema if pa.types.is_decimal(f.type)]
    for i, f in enumerate(table.schema):
        if pa.types.is_date(f.type):
            table = table.set_column(i, f.name, table.column(i).cast(pa.timestamp("us")))
    apart = table.select(holes).to_pandas(types_mapper=nullable.get) if holes else None
    table = table.drop_columns(holes)
    df = table.to_pandas(split_blocks=True, self_destruct=True)
    del table
    for c in holes:
        df.insert(names.index(c), c, apart[c])
    for c in floats:
        df[c] = df[c].astype("float64")
    return df


class _Params:
    """Values bound to a statement as named parameters ``$v0, $v1, …``."""

    def __init__(self):
        self.values: dict = {}

    def __call__(self, value) -> str:
        key = f"v{len(self.values)}"
        self.values[key] = value
        return f"${key}"


def _pivot(
    run,
    table: str,
    col: str,
    prefix: str,
    measure: str,
    where: str,
    top_n: int,
    labels: dict,
    bind: _Params,
) -> list[tuple[str, str]]:
    """(aggregate, feature name) per value of ``col`` (top_n values): the amount (``measure``
    a column), the number of rows (``measure`` "1") or the number of distinct values of an
    expression (``measure`` "count(DISTINCT order_id)", "count(order_id)") of the rows with
    that value where ``where`` holds; the caller divides by the table's denominator for
    shares."""
    c = _ident(col)
    vals = [
        r[0]
        for r in run.rows(
            f"SELECT {c} FROM {_ident(table)} WHERE {c} IS NOT NULL AND {where} GROUP BY 1 "
            f"ORDER BY count(*) DESC, 1 LIMIT $n",
            {"n": int(top_n)},
        )
    ]
    used: set = set()
    parts = []
    for v in vals:
        name = _slug(prefix, v, used)
        labels[name] = v
        cond = f"{c} = {bind(v)} AND {where}"
        if measure == "1":
            expr = f"count(*) FILTER (WHERE {cond})"
        elif measure.startswith("count("):
            expr = f"{measure} FILTER (WHERE {cond})"
        else:
            expr = f"coalesce({money_sum(measure, cond)}, 0)"
        parts.append((expr, name))
    return parts


def _customer_columns(ccols: list[str], labels: dict) -> list[tuple[str, str]]:
    """(source column, feature name) of the customer attributes: survey scales whose header is
    not ``psy_<word>`` are renamed to a slug (``psy 价格 敏感度`` → ``psy_价格_敏感度``) and
    their header kept in ``labels``."""
    used = set(ccols)
    out = []
    for c in ccols:
        if c == "customer_id":
            continue
        if c.startswith("psy") and not _SAFE_PSY.fullmatch(c):
            used.discard(c)
            name = _slug("psy", c[3:], used)
            labels[name] = c
            out.append((c, name))
        else:
            out.append((c, c))
    return out


GROWTH_WINDOW_DAYS = 182  # revenue_last_6m and revenue_prior_6m: two equal windows ending at as_of


def window_complete(first_date, as_of, windows: int, days: int = GROWTH_WINDOW_DAYS) -> bool:
    """Whether the last ``windows`` windows of ``days`` days up to ``as_of`` all lie inside data
    that start on ``first_date`` (the first day of the earliest window is on or after it)."""
    if first_date is None or pd.isna(first_date):
        return False
    start = pd.Timestamp(as_of).normalize() - pd.Timedelta(days=windows * days - 1)
    return pd.Timestamp(first_date).normalize() <= start


def feature_table(
    clean_dir: str | Path, as_of, top_n: int = 10, threads: int = 2, engine: str | None = None
) -> FeatureTable:
    """The feature table: one row per customer (see module docstring) with the display labels
    of its value-named columns; ``as_of`` is the run's as-of date. ``engine``: duckdb or spark
    (``kequn.data.engine``; None: the run's engine) — the same query."""
    from kequn.data.engine import runner

    run = runner(threads, engine)
    sql, params, labels = feature_query(run, clean_dir, as_of, top_n)
    df = run.frame(sql, params, sort_by="customer_id")
    first_day = run.rows("SELECT min(order_date)::DATE FROM orders")[0][0]
    run.close()
    for c in df.columns:  # counts and dates the query already gives as such are not copied
        if (c.startswith(("ev_", "evch_")) or c == "events") and df[c].dtype != np.int64:
            df[c] = df[c].fillna(0).astype("int64")
    for c in ("first_order", "last_order"):
        if df[c].dtype.kind != "M":
            df[c] = pd.to_datetime(df[c])
    for c, windows in (("revenue_last_6m", 1), ("revenue_prior_6m", 2)):
        if not window_complete(first_day, as_of, windows):
            df[c] = np.nan  # the window reaches before the export's first order: not a measured 0
    return FeatureTable(df, labels)


def build_features(
    clean_dir: str | Path, as_of, top_n: int = 10, threads: int = 2, engine: str | None = None
) -> pd.DataFrame:
    """``feature_table``'s frame: one row per customer (its labels in ``feature_table`` and, for
    a run, ``feature_labels``)."""
    return feature_table(clean_dir, as_of, top_n, threads, engine).frame


def _all_distinct(run, key: str, table: str, where: str) -> bool:
    """Whether the 64-bit ``key`` (a ``hash(…)`` expression) differs on every row of ``table``
    where ``where`` holds. DuckDB: the keys sorted in numpy and neighbours compared (at 1M
    customers a third of the time of ``count(DISTINCT …)``'s hash table, and less memory);
    another engine: ``count(*) = count(DISTINCT key)``, where its data are."""
    sql = f"SELECT {key} AS k FROM {table} WHERE {where}"
    if run.engine != "duckdb":
        return bool(run.rows(f"SELECT count(*) = count(DISTINCT k) FROM ({sql})")[0][0])
    k = np.sort(run.con.execute(sql).fetch_arrow_table()["k"].to_numpy())
    return not bool((k[1:] == k[:-1]).any())


def feature_query(run, clean_dir: str | Path, as_of, top_n: int = 10) -> tuple[str, dict, dict]:
    """The feature table's query on ``run`` (an ``engine`` runner, given views of the clean
    tables here): (SQL in DuckDB's dialect, its bound values, labels of the value-named
    columns). The top values of each pivot are read here, by small queries on ``run``."""
    clean = Path(clean_dir)
    for name in ("customers", "orders", "events", "feedback"):
        p = clean / f"{name}.parquet"
        if p.exists():
            run.view_parquet(name, p)
    have = run.tables()
    ocols = set(run.columns("orders"))
    bind = _Params()
    as_of_sql = f"{bind(pd.Timestamp(as_of).date())}::DATE"
    labels: dict = {}
    pos = PURCHASE
    # One pass over each table (a GROUP BY customer_id whose aggregates carry their condition as
    # a FILTER); shares are divided in the outer select, so no wide row is built per order line.
    # agg: aggregates of the orders pass; out: the order-derived columns after the fixed ones,
    # in the order they have always had.
    # Orders and returns are distinct order ids (an order may have several lines). When no
    # (customer, order id) pair repeats, which all distinct hashes of the pairs prove, counting
    # lines gives the same numbers without DISTINCT's hash tables (the costliest part at 1M).
    lines_are_orders = _all_distinct(
        run, "hash(customer_id, order_id)", "orders", "order_id IS NOT NULL"
    )
    n_orders = "count(order_id)" if lines_are_orders else "count(DISTINCT order_id)"
    agg = [
        f"{n_orders} FILTER (WHERE {pos}) AS orders",
        f"{money_sum('amount', pos)} AS revenue",
        f"{n_orders} FILTER (WHERE amount < 0) AS returns",
        f"-{money_sum('amount', 'amount < 0')} AS return_amount",
        f"min(order_date) FILTER (WHERE {pos}) AS first_order",
        f"max(order_date) FILTER (WHERE {pos}) AS last_order",
        f"{money_sum('amount', f'{pos} AND order_date::DATE > {as_of_sql} - 182')}"
        " AS revenue_last_6m",
        money_sum(
            "amount",
            f"{pos} AND order_date::DATE > {as_of_sql} - 364"
            f" AND order_date::DATE <= {as_of_sql} - 182",
        )
        + " AS revenue_prior_6m",
    ]
    out = []
    if "discount" in ocols:
        agg.append(f"avg((coalesce(discount, 0) > 0)::INT) FILTER (WHERE {pos}) AS discount_share")
        out.append("o.discount_share")
    if "coupon_used" in ocols:
        agg.append(f"avg(coalesce(coupon_used, false)::INT) FILTER (WHERE {pos}) AS coupon_share")
        out.append("o.coupon_share")
    if "cost" in ocols:
        agg.append(f"coalesce({money_sum('amount - coalesce(cost, 0)', pos)}, 0) AS margin")
        out.append("o.margin")
    if "category" in ocols:
        cats = _pivot(run, "orders", "category", "cat", "amount", pos, top_n, labels, bind)
        if cats:
            agg.append(f"coalesce({money_sum('amount', pos)}, 0) AS _cat_total")
        for i, (expr, name) in enumerate(cats):
            agg.append(f"{expr} AS _cat{i}")
            out.append(f"o._cat{i} / nullif(o._cat_total, 0) AS {_ident(name)}")
    if "channel" in ocols:  # shares of distinct orders, as ``orders``: one order's lines once
        for i, (expr, name) in enumerate(
            _pivot(run, "orders", "channel", "chan", n_orders, pos, top_n, labels, bind)
        ):
            agg.append(f"{expr} AS _chan{i}")
            out.append(f"o._chan{i} / nullif(o.orders, 0) AS {_ident(name)}")
    order_sql = f"SELECT customer_id, {', '.join(agg)} FROM orders GROUP BY customer_id"
    ev_sql, ev_out = "", []
    if "events" in have:
        ev_list = _pivot(run, "events", "event_type", "ev", "1", "true", 20, labels, bind)
        ecols = set(run.columns("events"))
        if "channel" in ecols:
            ev_list += _pivot(run, "events", "channel", "evch", "1", "true", 10, labels, bind)
        if ev_list:
            ev_cols = ", ".join(f"{expr} AS {_ident(name)}" for expr, name in ev_list)
            ev_sql = f"LEFT JOIN (SELECT customer_id, count(*) AS events, {ev_cols} FROM events GROUP BY 1) e USING (customer_id)"
            ev_out = [  # counts without NULL: BIGINT columns convert to int64 directly
                f"coalesce(e.{_ident(n)}, 0) AS {_ident(n)}"
                for n in ["events"] + [name for _, name in ev_list]
            ]
    fb_sql = ""
    if "feedback" in have:
        fcols = set(run.columns("feedback"))
        # without a kind column complaints cannot be told apart: no complaints column (not a made-up 0)
        complaints = (
            ", count(*) FILTER (WHERE kind = 'complaint') AS complaints" if "kind" in fcols else ""
        )
        fb_sql = f"LEFT JOIN (SELECT customer_id, count(*) AS feedback {complaints} FROM feedback GROUP BY 1) f USING (customer_id)"
    ccols = run.columns("customers")
    cust_cols = ", ".join(
        f"c.{_ident(c)}" + (f" AS {_ident(n)}" if n != c else "")
        for c, n in _customer_columns(ccols, labels)
    )
    age_expr = f", year({as_of_sql}) - c.birth_year AS age" if "birth_year" in ccols else ""
    signup = "c.signup_date" if "signup_date" in ccols else "NULL::TIMESTAMP"
    sql = f"""
        SELECT c.customer_id {"," if cust_cols else ""} {cust_cols} {age_expr},
          date_diff('day', coalesce({signup}, o.first_order)::DATE, {as_of_sql}) AS tenure_days,
          coalesce(o.orders, 0) AS orders, coalesce(o.revenue, 0) AS revenue,
          coalesce(o.returns, 0) AS returns, coalesce(o.return_amount, 0) AS return_amount,
          coalesce(o.revenue, 0) - coalesce(o.return_amount, 0) AS monetary,
          o.revenue / nullif(o.orders, 0) AS avg_order_value,
          o.first_order::DATE AS first_order, o.last_order::DATE AS last_order,
          date_diff('day', o.last_order::DATE, {as_of_sql}) AS recency_days,
          date_diff('day', o.first_order::DATE, o.last_order::DATE) AS active_days,
          coalesce(o.revenue_last_6m, 0) AS revenue_last_6m, coalesce(o.revenue_prior_6m, 0) AS revenue_prior_6m
          {"".join(", " + x for x in out)}
          {"".join(", " + x for x in ev_out)}
          {", coalesce(f.feedback, 0) AS feedback" if fb_sql else ""}
          {", coalesce(f.complaints, 0) AS complaints" if fb_sql and complaints else ""}
        FROM customers c
        LEFT JOIN ({order_sql}) o USING (customer_id)
        {ev_sql} {fb_sql}"""
    return sql, bind.values, labels


def load_features(processed_dir: str | Path) -> pd.DataFrame:
    """The feature table a run wrote (its display labels: ``feature_labels``): the frame
    ``pd.read_parquet`` gives, without its consolidation copy (each column its own block, each
    Arrow column freed as it is converted): at 1M customers 0.36 GB less peak memory (0.92
    against 1.28 GB) and a tenth less time."""
    import pyarrow.parquet as pq

    table = pq.read_table(RunFolder(Path(processed_dir)).features)
    return table.to_pandas(split_blocks=True, self_destruct=True)


def feature_labels(processed_dir: str | Path) -> dict[str, str]:
    """The display labels of a run's value-named feature columns (``cat_食品`` → ``食品``, a
    psychographic header as the export wrote it); {} when the run wrote none."""
    import json

    labels = RunFolder.of(processed_dir).feature_labels  # a settings path: from the project root
    return json.loads(labels.read_text(encoding="utf-8")) if labels.exists() else {}


def btyd_summary(
    clean_dir: str | Path,
    as_of,
    calibration_end=None,
    unit_days: float = 7.0,
    threads: int = 2,
    engine: str | None = None,
) -> pd.DataFrame:
    """Per buyer, the inputs of the buy-till-you-die models (``kequn.models.clv``), from orders:

    ======================  ==============================================================
    customer_id             pseudonymous key
    x                       repeat purchases: distinct purchase days after the first, up to
                            the calibration end (several orders on one day count once, as in
                            the BTYD literature)
    t_x                     time from the first to the last purchase day, in ``unit_days``
    T                       time from the first purchase day to the calibration end
    m                       mean value of the repeat purchase days (NaN when x = 0)
    x_holdout, m_holdout    purchase days and their total value after the calibration end,
                            up to as_of (only when ``calibration_end`` is before as_of)
    ======================  ==============================================================

    ``calibration_end`` defaults to as_of (no holdout). Customers whose first purchase is
    after the calibration end are left out (they have no calibration history). ``engine``:
    duckdb or spark (``kequn.data.engine``; None: the run's engine) — the same query."""
    from kequn.data.engine import runner

    clean = Path(clean_dir)
    as_of = pd.Timestamp(as_of).normalize()
    cal = pd.Timestamp(calibration_end).normalize() if calibration_end is not None else as_of
    run = runner(threads, engine)
    run.view_parquet("orders", clean_table(clean, "orders"))
    sql, params = btyd_query(as_of, cal, unit_days)
    df = run.df(sql, params)
    run.close()
    return df


def btyd_query(as_of, cal, unit_days: float = 7.0) -> tuple[str, dict]:
    """``btyd_summary``'s query over a view ``orders`` (DuckDB's dialect) and its values."""
    as_of, cal = pd.Timestamp(as_of).normalize(), pd.Timestamp(cal).normalize()
    holdout = cal < as_of
    sql = f"""
        WITH days AS (
            SELECT customer_id, order_date::DATE AS d, sum({money()}) AS v  -- exact: engine.money_sum
            FROM orders WHERE {PURCHASE} AND order_date::DATE <= $as_of::DATE
            GROUP BY 1, 2),
        cal AS (
            SELECT customer_id, min(d) AS first_d, max(d) AS last_d, count(*) - 1 AS x,
                   sum(v) AS total, arg_min(v, d) AS first_v
            FROM days WHERE d <= $cal::DATE GROUP BY 1)
        SELECT c.customer_id, c.x::BIGINT AS x,
               date_diff('day', c.first_d, c.last_d) / {unit_days} AS t_x,
               date_diff('day', c.first_d, $cal::DATE) / {unit_days} AS "T",
               CASE WHEN c.x > 0 THEN (c.total - c.first_v)::DOUBLE / c.x END AS m
               {", coalesce(h.n, 0)::BIGINT AS x_holdout, coalesce(h.v, 0)::DOUBLE AS m_holdout" if holdout else ""}
        FROM cal c
        {"LEFT JOIN (SELECT customer_id, count(*) AS n, sum(v) AS v FROM days WHERE d > $cal::DATE GROUP BY 1) h USING (customer_id)" if holdout else ""}
        WHERE date_diff('day', c.first_d, $cal::DATE) > 0
        ORDER BY c.customer_id"""
    return sql, {"as_of": as_of.date(), "cal": cal.date()}


def holdout_weekly(
    clean_dir: str | Path,
    as_of,
    calibration_end,
    unit_days: float = 7.0,
    threads: int = 2,
    engine: str | None = None,
) -> pd.DataFrame:
    """Purchase days in the holdout, (calibration_end, as_of], per period of ``unit_days``,
    by the customers ``btyd_summary`` keeps (first purchase before the calibration end):
    columns period (1 = the first period after the calibration end), purchases. Periods
    without purchases are present with 0, so the cumulative sum is the tracking curve."""
    from kequn.data.engine import runner

    clean = Path(clean_dir)
    as_of = pd.Timestamp(as_of).normalize()
    cal = pd.Timestamp(calibration_end).normalize()
    run = runner(threads, engine)
    run.view_parquet("orders", clean_table(clean, "orders"))
    df = run.df(
        f"""
        WITH days AS (
            SELECT DISTINCT customer_id, order_date::DATE AS d FROM orders
            WHERE {PURCHASE} AND order_date::DATE <= $as_of::DATE),
        kept AS (SELECT customer_id FROM days GROUP BY 1 HAVING min(d) < $cal::DATE)
        SELECT ceil(date_diff('day', $cal::DATE, d) / {unit_days})::BIGINT AS period, count(*) AS purchases
        FROM days JOIN kept USING (customer_id) WHERE d > $cal::DATE GROUP BY 1 ORDER BY 1""",
        {"as_of": as_of.date(), "cal": cal.date()},
    )
    run.close()
    n = int(np.ceil((as_of - cal).days / unit_days))
    return (
        pd.DataFrame({"period": np.arange(1, n + 1)})
        .merge(df, on="period", how="left")
        .fillna({"purchases": 0})
        .astype({"purchases": "int64"})
    )
