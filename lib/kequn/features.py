"""The customer feature table: the one place that aggregates transactions (DuckDB).

``build_features(clean_dir, as_of)`` reads the clean Parquet tables straight from disk
(DuckDB scans them without loading them into pandas) and returns one row per customer:

============================  ==================================================================
customer_id                   pseudonymous key
age, gender, income, ...      customer attributes as cleaned by intake (psy_* included)
tenure_days                   as_of − signup date (or first order when signup is unknown)
orders                        distinct orders with a positive amount (frequency)
revenue                       gross amount of positive orders, CNY
returns, return_amount        number and amount (positive CNY) of returns
monetary                      revenue − return_amount (net spend)
avg_order_value               revenue / orders
first_order, last_order       dates of first and last positive order
recency_days                  as_of − last order date (NaN: never bought)
active_days                   last − first order date
revenue_last_6m               gross amount of positive orders in the 182 days up to as_of
revenue_prior_6m              the same for the 182 days before those (growth = last / prior − 1);
                              each is missing for everyone when its window does not lie wholly
                              inside the orders' span (``window_complete``): no growth from a
                              window the export does not cover
discount_share, coupon_share  share of orders bought on discount / with a coupon
margin                        revenue − cost of positive orders (when cost is present)
cat_<category>                share of revenue per category (top ``top_n``, rest 'other')
chan_<channel>                share of orders per order channel
ev_<event_type>               events per type; evch_<channel>: events per channel
feedback, complaints          feedback items, complaints
============================  ==================================================================

The aggregation is SQL so a larger engine can replace DuckDB here without touching the
stages; column names are stable slugs of the values, with the original value kept in
``attrs['labels']`` of the returned frame (and ``feature_labels.json`` of a run). No SQL is
built from data: identifiers are quoted (``_ident``), values are bound as parameters, and
survey headers outside ``psy_<word>`` (``PSY 价格 敏感度``) get slug names, their header kept
as label.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from .schema import CONTRACT

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


def _view(con, name: str, path: Path) -> None:
    """View ``name`` over a Parquet file (relational API: the path is no SQL text)."""
    con.read_parquet(str(path)).create_view(name)


class _Params:
    """Values bound to a statement as named parameters ``$v0, $v1, …``."""

    def __init__(self):
        self.values: dict = {}

    def __call__(self, value) -> str:
        key = f"v{len(self.values)}"
        self.values[key] = value
        return f"${key}"


def _pivot(
    con,
    table: str,
    col: str,
    prefix: str,
    measure: str,
    denom: str | None,
    where: str,
    top_n: int,
    labels: dict,
    bind: _Params,
) -> str:
    """SQL select list for a share (or count) per value of ``col``, top_n values + 'other'."""
    c = _ident(col)
    vals = [
        r[0]
        for r in con.execute(
            f"SELECT {c} FROM {_ident(table)} WHERE {c} IS NOT NULL AND {where} GROUP BY 1 "
            f"ORDER BY count(*) DESC, 1 LIMIT $n",
            {"n": int(top_n)},
        ).fetchall()
    ]
    used: set = set()
    parts = []
    for v in vals:
        name = _slug(prefix, v, used)
        labels[name] = v
        expr = f"sum(CASE WHEN {c} = {bind(v)} AND {where} THEN {measure} ELSE 0 END)"
        share = f"{expr} / nullif({denom}, 0)" if denom else expr
        parts.append(f"{share} AS {_ident(name)}")
    return ", ".join(parts)


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


def build_features(clean_dir: str | Path, as_of, top_n: int = 10, threads: int = 2) -> pd.DataFrame:
    """One row per customer (see module docstring); ``as_of`` is the run's as-of date."""
    clean = Path(clean_dir)
    con = duckdb.connect(config={"threads": threads})
    for name in ("customers", "orders", "events", "feedback"):
        p = clean / f"{name}.parquet"
        if p.exists():
            _view(con, name, p)
    have = {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    ocols = {r[0] for r in con.execute("DESCRIBE orders").fetchall()}
    bind = _Params()
    as_of_sql = f"{bind(pd.Timestamp(as_of).date())}::DATE"
    labels: dict = {}
    pos = PURCHASE
    opt = []
    if "discount" in ocols:
        opt.append(
            f"avg(CASE WHEN {pos} THEN (coalesce(discount, 0) > 0)::INT END) AS discount_share"
        )
    if "coupon_used" in ocols:
        opt.append(
            f"avg(CASE WHEN {pos} THEN coalesce(coupon_used, false)::INT END) AS coupon_share"
        )
    if "cost" in ocols:
        opt.append(f"sum(CASE WHEN {pos} THEN amount - coalesce(cost, 0) ELSE 0 END) AS margin")
    if "category" in ocols:
        opt.append(
            _pivot(
                con,
                "orders",
                "category",
                "cat",
                "amount",
                f"sum(CASE WHEN {pos} THEN amount ELSE 0 END)",
                pos,
                top_n,
                labels,
                bind,
            )
        )
    if "channel" in ocols:
        opt.append(
            _pivot(
                con,
                "orders",
                "channel",
                "chan",
                "1",
                f"count(DISTINCT CASE WHEN {pos} THEN order_id END)",
                pos,
                top_n,
                labels,
                bind,
            )
        )
    opt = [o for o in opt if o]
    order_sql = f"""
        SELECT customer_id,
          count(DISTINCT CASE WHEN {pos} THEN order_id END) AS orders,
          coalesce(sum(CASE WHEN {pos} THEN amount END), 0) AS revenue,
          count(DISTINCT CASE WHEN amount < 0 THEN order_id END) AS returns,
          coalesce(-sum(CASE WHEN amount < 0 THEN amount END), 0) AS return_amount,
          min(CASE WHEN {pos} THEN order_date END) AS first_order,
          max(CASE WHEN {pos} THEN order_date END) AS last_order,
          coalesce(sum(CASE WHEN {pos} AND order_date::DATE > {as_of_sql} - 182 THEN amount END), 0) AS revenue_last_6m,
          coalesce(sum(CASE WHEN {pos} AND order_date::DATE > {as_of_sql} - 364
                            AND order_date::DATE <= {as_of_sql} - 182 THEN amount END), 0) AS revenue_prior_6m
          {"," if opt else ""} {", ".join(opt)}
        FROM orders GROUP BY customer_id"""
    ev_sql = ""
    if "events" in have:
        ev_list = [_pivot(con, "events", "event_type", "ev", "1", None, "true", 20, labels, bind)]
        ecols = {r[0] for r in con.execute("DESCRIBE events").fetchall()}
        if "channel" in ecols:
            ev_list.append(
                _pivot(con, "events", "channel", "evch", "1", None, "true", 10, labels, bind)
            )
        ev_list = [e for e in ev_list if e]
        if ev_list:
            ev_sql = f"LEFT JOIN (SELECT customer_id, count(*) AS events, {', '.join(ev_list)} FROM events GROUP BY 1) e USING (customer_id)"
    fb_sql = ""
    if "feedback" in have:
        fcols = {r[0] for r in con.execute("DESCRIBE feedback").fetchall()}
        # without a kind column complaints cannot be told apart: no complaints column (not a made-up 0)
        complaints = (
            ", count(*) FILTER (WHERE kind = 'complaint') AS complaints" if "kind" in fcols else ""
        )
        fb_sql = f"LEFT JOIN (SELECT customer_id, count(*) AS feedback {complaints} FROM feedback GROUP BY 1) f USING (customer_id)"
    ccols = [r[0] for r in con.execute("DESCRIBE customers").fetchall()]
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
          {", o.* EXCLUDE (customer_id, orders, revenue, returns, return_amount, first_order, last_order, revenue_last_6m, revenue_prior_6m)" if opt else ""}
          {", e.* EXCLUDE (customer_id)" if ev_sql else ""}
          {", coalesce(f.feedback, 0) AS feedback" if fb_sql else ""}
          {", coalesce(f.complaints, 0) AS complaints" if fb_sql and complaints else ""}
        FROM customers c
        LEFT JOIN ({order_sql}) o USING (customer_id)
        {ev_sql} {fb_sql}
        ORDER BY c.customer_id"""
    df = con.execute(sql, bind.values).df()
    first_day = con.execute("SELECT min(order_date)::DATE FROM orders").fetchone()[0]
    con.close()
    for c in df.columns:
        if c.startswith(("ev_", "evch_")) or c == "events":
            df[c] = df[c].fillna(0).astype("int64")
    for c in ("first_order", "last_order"):
        df[c] = pd.to_datetime(df[c])
    for c, windows in (("revenue_last_6m", 1), ("revenue_prior_6m", 2)):
        if not window_complete(first_day, as_of, windows):
            df[c] = np.nan  # the window reaches before the export's first order: not a measured 0
    df.attrs["labels"] = labels
    return df


def load_features(processed_dir: str | Path) -> pd.DataFrame:
    """The feature table a run wrote, with its display labels in ``attrs['labels']``."""
    import json

    folder = Path(processed_dir)
    f = pd.read_parquet(folder / "features.parquet")
    labels = folder / "feature_labels.json"
    f.attrs["labels"] = json.loads(labels.read_text(encoding="utf-8")) if labels.exists() else {}
    return f


def btyd_summary(
    clean_dir: str | Path, as_of, calibration_end=None, unit_days: float = 7.0, threads: int = 2
) -> pd.DataFrame:
    """Per buyer, the inputs of the buy-till-you-die models (``kequn.clv``), from orders:

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
    after the calibration end are left out (they have no calibration history)."""
    clean = Path(clean_dir)
    as_of = pd.Timestamp(as_of).normalize()
    cal = pd.Timestamp(calibration_end).normalize() if calibration_end is not None else as_of
    con = duckdb.connect(config={"threads": threads})
    _view(con, "orders", clean / "orders.parquet")
    holdout = cal < as_of
    sql = f"""
        WITH days AS (
            SELECT customer_id, order_date::DATE AS d, sum(amount::DECIMAL(18, 2)) AS v  -- exact: same sums on any thread count
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
    df = con.execute(sql, {"as_of": as_of.date(), "cal": cal.date()}).df()
    con.close()
    return df


def holdout_weekly(
    clean_dir: str | Path, as_of, calibration_end, unit_days: float = 7.0, threads: int = 2
) -> pd.DataFrame:
    """Purchase days in the holdout, (calibration_end, as_of], per period of ``unit_days``,
    by the customers ``btyd_summary`` keeps (first purchase before the calibration end):
    columns period (1 = the first period after the calibration end), purchases. Periods
    without purchases are present with 0, so the cumulative sum is the tracking curve."""
    clean = Path(clean_dir)
    as_of = pd.Timestamp(as_of).normalize()
    cal = pd.Timestamp(calibration_end).normalize()
    con = duckdb.connect(config={"threads": threads})
    _view(con, "orders", clean / "orders.parquet")
    df = con.execute(
        f"""
        WITH days AS (
            SELECT DISTINCT customer_id, order_date::DATE AS d FROM orders
            WHERE {PURCHASE} AND order_date::DATE <= $as_of::DATE),
        kept AS (SELECT customer_id FROM days GROUP BY 1 HAVING min(d) < $cal::DATE)
        SELECT ceil(date_diff('day', $cal::DATE, d) / {unit_days})::BIGINT AS period, count(*) AS purchases
        FROM days JOIN kept USING (customer_id) WHERE d > $cal::DATE GROUP BY 1 ORDER BY 1""",
        {"as_of": as_of.date(), "cal": cal.date()},
    ).df()
    con.close()
    n = int(np.ceil((as_of - cal).days / unit_days))
    return (
        pd.DataFrame({"period": np.arange(1, n + 1)})
        .merge(df, on="period", how="left")
        .fillna({"purchases": 0})
        .astype({"purchases": "int64"})
    )
