"""The feature table as build_features computed it before issue 19's rewrite (commit 0691e80),
kept verbatim as the reference that tests/test_features_same.py compares the rewrite with:
the same columns, dtypes, labels and values, bit for bit.

One change since: ``chan_*`` counted purchase LINES in the channel over distinct orders, so on
item-line exports (several lines per order) a share exceeded 1. Both the oracle and
build_features now count distinct orders per channel (``count(DISTINCT … order_id)``).

A second: money was summed as doubles, whose last bits depend on the order of the additions, and
DuckDB splits a customer's rows between threads as they come (13% of the revenue sums at 1M
customers differed from run to run). Both now sum each amount rounded to DECIMAL(18, 4) exactly
and convert the sum to DOUBLE once (``engine.money_sum``). Every other column is as it was."""

# ruff: noqa: E501
from __future__ import annotations

import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from kequn.data.schema import CONTRACT

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
    distinct: str | None = None,
) -> str:
    """SQL select list for a share (or count) per value of ``col``, top_n values + 'other';
    with ``distinct`` (a column), the number of its distinct values instead of a sum."""
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
        if distinct:  # chan_*: distinct orders in the channel (was: lines)
            expr = f"count(DISTINCT CASE WHEN {c} = {bind(v)} AND {where} THEN {distinct} END)"
        else:
            expr = f"CAST(sum(CASE WHEN {c} = {bind(v)} AND {where} THEN CAST({measure} AS DECIMAL(18, 4)) ELSE 0 END) AS DOUBLE)"
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
        opt.append(
            f"CAST(sum(CASE WHEN {pos} THEN CAST(amount - coalesce(cost, 0) AS DECIMAL(18, 4)) ELSE 0 END) AS DOUBLE) AS margin"
        )
    if "category" in ocols:
        opt.append(
            _pivot(
                con,
                "orders",
                "category",
                "cat",
                "amount",
                f"CAST(sum(CASE WHEN {pos} THEN CAST(amount AS DECIMAL(18, 4)) ELSE 0 END) AS DOUBLE)",
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
                distinct="order_id",
            )
        )
    opt = [o for o in opt if o]
    order_sql = f"""
        SELECT customer_id,
          count(DISTINCT CASE WHEN {pos} THEN order_id END) AS orders,
          coalesce(CAST(sum(CASE WHEN {pos} THEN CAST(amount AS DECIMAL(18, 4)) END) AS DOUBLE), 0) AS revenue,
          count(DISTINCT CASE WHEN amount < 0 THEN order_id END) AS returns,
          coalesce(-CAST(sum(CASE WHEN amount < 0 THEN CAST(amount AS DECIMAL(18, 4)) END) AS DOUBLE), 0) AS return_amount,
          min(CASE WHEN {pos} THEN order_date END) AS first_order,
          max(CASE WHEN {pos} THEN order_date END) AS last_order,
          coalesce(CAST(sum(CASE WHEN {pos} AND order_date::DATE > {as_of_sql} - 182 THEN CAST(amount AS DECIMAL(18, 4)) END) AS DOUBLE), 0) AS revenue_last_6m,
          coalesce(CAST(sum(CASE WHEN {pos} AND order_date::DATE > {as_of_sql} - 364
                            AND order_date::DATE <= {as_of_sql} - 182 THEN CAST(amount AS DECIMAL(18, 4)) END) AS DOUBLE), 0) AS revenue_prior_6m
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
