"""The data contract: which tables and columns Kequn reads, their types and ranges.

One ``Column`` per contract column: its kind (how text is parsed), whether the table is
unusable without it, the plausible range, and for enumerations the accepted spellings in
English and Chinese. ``kequn.data.intake`` applies it; the README's data contract section is
written from it.

Why not pandera: pandera reports failures by index and check name after the fact; users
here need the row number in their own file, a fix in words, mixed date formats and
"¥1,234" amounts parsed first, and a per-column policy (reject, drop the row, or set the
value missing and count it). That policy *is* the contract, so it lives here as data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources

import yaml

# Larger amounts than this are typos or overflowed cells, not money (a contract violation).
MAX_MONEY = 1e10


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # id | date | datetime | number | int | age | importance | text | enum | bool | pii
    required: bool = False
    lo: float | None = None
    hi: float | None = None
    values: dict = field(default_factory=dict)  # enum: spelling (lower-case) -> canonical
    doc: str = ""


_GENDER = {
    "f": "F",
    "female": "F",
    "woman": "F",
    "女": "F",
    "女性": "F",
    "m": "M",
    "male": "M",
    "man": "M",
    "男": "M",
    "男性": "M",
}
_KIND = {
    "complaint": "complaint",
    "投诉": "complaint",
    "suggestion": "suggestion",
    "建议": "suggestion",
    "review": "review",
    "评价": "review",
    "评论": "review",
    "inquiry": "inquiry",
    "enquiry": "inquiry",
    "咨询": "inquiry",
    "question": "inquiry",
}
_STATUS = {
    "open": "open",
    "待处理": "open",
    "处理中": "open",
    "未解决": "open",
    "resolved": "resolved",
    "已解决": "resolved",
    "solved": "resolved",
    "reopened": "reopened",
    "重新打开": "reopened",
    "重开": "reopened",
    "closed": "closed",
    "已关闭": "closed",
    "关闭": "closed",
}
_TIER = {
    "一线": "一线",
    "1线": "一线",
    "一线城市": "一线",
    "tier 1": "一线",
    "tier1": "一线",
    "新一线": "新一线",
    "新一线城市": "新一线",
    "new tier 1": "新一线",
    "二线": "二线",
    "2线": "二线",
    "二线城市": "二线",
    "tier 2": "二线",
    "tier2": "二线",
    "三线": "三线",
    "3线": "三线",
    "三线城市": "三线",
    "tier 3": "三线",
    "tier3": "三线",
    "四线": "四线",
    "4线": "四线",
    "四线城市": "四线",
    "tier 4": "四线",
    "tier4": "四线",
    "五线": "五线",
    "5线": "五线",
    "五线城市": "五线",
    "tier 5": "五线",
    "tier5": "五线",
}

PII = [
    Column(n, "pii", doc="dropped at intake")
    for n in ("name", "phone", "email", "id_number", "address")
]

CONTRACT: dict[str, list[Column]] = {
    "customers": [
        Column("customer_id", "id", True, doc="unique customer key"),
        Column("signup_date", "date", doc="registration date"),
        Column("gender", "enum", values=_GENDER),
        Column("birth_year", "int", lo=1900, hi=2020),
        Column(
            "age",
            "age",
            lo=10,
            hi=110,
            doc="age or age band (35-39, <25, >65); used when birth_year is absent",
        ),
        Column("income", "number", lo=0, hi=1_000_000, doc="monthly income, CNY"),
        Column("occupation", "text"),
        Column("education", "text"),
        Column("family_size", "int", lo=1, hi=20),
        Column("region", "text", doc="province or country"),
        Column("city", "text"),
        Column("city_tier", "enum", values=_TIER),
        *PII,
    ],
    "orders": [
        Column("order_id", "id", True),
        Column("customer_id", "id", True),
        Column("order_date", "date", True),
        Column("amount", "number", True, lo=-MAX_MONEY, hi=MAX_MONEY, doc="negative = return"),
        Column("category", "text"),
        Column("channel", "text"),
        Column("quantity", "number", lo=-MAX_MONEY, hi=MAX_MONEY),
        Column(
            "unit_price",
            "number",
            lo=-MAX_MONEY,
            hi=MAX_MONEY,
            doc="amount = quantity × unit_price when amount is absent",
        ),
        Column("discount", "number", lo=0, hi=1, doc="share of list price taken off"),
        Column("cost", "number", lo=-MAX_MONEY, hi=MAX_MONEY),
        Column("coupon_used", "bool"),
        # customer attributes carried on order lines: build the customer table when there is none
        Column(
            "region",
            "text",
            doc="customer's region or country, used when customers are derived from orders",
        ),
        Column("age", "age", lo=10, hi=110, doc="customer's age or age band on each line"),
        Column("gender", "enum", values=_GENDER),
        Column("city", "text"),
    ],
    "events": [
        Column("customer_id", "id", True),
        Column("ts", "datetime", True),
        Column("event_type", "text", True),
        Column("channel", "text"),
    ],
    "feedback": [
        Column("feedback_id", "id", True),
        Column("customer_id", "id", True),
        Column("created_at", "datetime", True),
        Column("channel", "text"),
        Column("kind", "enum", values=_KIND),
        Column("text", "text"),
        Column("rating", "number", lo=1, hi=5),
        Column("nps", "number", lo=0, hi=10),
        Column("first_response_at", "datetime"),
        Column("resolved_at", "datetime"),
        Column("status", "enum", values=_STATUS),
    ],
    "kano": [
        Column("respondent_id", "id", True),
        Column("customer_id", "id"),
        Column("feature", "text", True),
        Column("functional", "kano_answer", True),
        Column("dysfunctional", "kano_answer", True),
        Column(
            "importance",
            "importance",
            lo=0,
            hi=100,
            doc="self-stated importance on any numeric scale; '9 - Extremely important' reads 9",
        ),
    ],
}
# Customer attributes that order lines may carry (taken up when there is no customer table).
LINE_ATTRIBUTES = ("age", "gender", "region", "city")
PSY_PREFIX = "psy_"  # customers: any number of psy_* survey scales are kept as numbers
REQUIRED_TABLES = ("orders",)
TABLES = tuple(CONTRACT)
# The table's date column that defines "in the future" and the as-of date.
EVENT_DATE = {"orders": "order_date", "events": "ts", "feedback": "created_at"}


def columns(table: str) -> dict[str, Column]:
    return {c.name: c for c in CONTRACT[table]}


def default_column_map() -> dict:
    """Built-in header aliases (English and Chinese) for every contract column."""
    text = (
        resources.files("kequn.data").joinpath("columns_default.yaml").read_text(encoding="utf-8")
    )
    return yaml.safe_load(text)
