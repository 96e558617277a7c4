"""The run's currency: every money label, table heading and chart axis names it.

An export's amounts are in one currency, CNY unless the config (``currency: GBP``,
optionally ``currency_symbol``) or the column map says otherwise; intake writes the resolved
currency into ``quality.json`` (``"currency": {"code": "GBP", "symbol": "£"}``), and a stage
takes it from there (else from its parameters, else CNY) and makes it the active currency
with ``use``. Catalogue entries that name the unit hold the placeholder ``{cur}``, which
``i18n.t`` fills with ``unit(lang)`` of the active currency: 元 / CNY for yuan (exactly as the
reports always read), 英镑 / GBP for pounds, the code itself for a code not in the table.
"""

from __future__ import annotations

import math
import re
from contextlib import contextmanager
from dataclasses import dataclass

DEFAULT_CODE = "CNY"


@dataclass(frozen=True)
class Currency:
    code: str  # ISO 4217, e.g. "GBP"
    symbol: str  # "£"; the code itself when there is none
    name_zh: str  # "英镑"
    name_en: str  # "pound sterling"
    unit_zh: str = ""  # word after an amount in Chinese when it is not the name (人民币: 元)

    def unit(self, lang: str = "zh") -> str:
        """The unit after an amount and in headings: 元 / 英镑 / 新台币 in Chinese, the code in English."""
        return (self.unit_zh or self.name_zh) if lang == "zh" else self.code

    def fmt(self, value, lang: str = "zh") -> str:
        """A money figure with its unit: "1,234 英镑", "3,506.1 万元" (万 from 100,000 up, as
        ``i18n.fmt_money``) in Chinese; "£1,234", "XYZ 1,234" in English; "—" when missing."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "—"
        x = float(value)
        if lang == "zh":
            if abs(x) >= 100_000:
                return f"{x / 10_000:,.1f} 万{self.unit('zh')}"
            return f"{x:,.0f} {self.unit('zh')}"
        sym = self.symbol or self.code
        num = f"{abs(x):,.0f}"
        body = f"{sym} {num}" if sym[-1:].isalpha() else f"{sym}{num}"  # "CHF 1,234", "£1,234"
        return ("-" if round(x) < 0 else "") + body

    def describe(self, lang: str = "zh") -> str:
        """Name, code and symbol: "英镑（GBP，£）", "GBP (£, pound sterling)"."""
        if lang == "zh":
            return (
                f"{self.name_zh}（{self.code}，{self.symbol}）"
                if self.name_zh != self.code
                else f"{self.code}（{self.symbol}）"
            )
        return (
            f"{self.code} ({self.symbol}, {self.name_en})"
            if self.name_en != self.code
            else f"{self.code} ({self.symbol})"
        )

    @property
    def is_default(self) -> bool:
        """Yuan, the currency reports assumed before there was a setting (stage 01 names any other)."""
        return self.code == DEFAULT_CODE

    def as_dict(self) -> dict:
        """What ``quality.json`` holds under "currency"."""
        return {"code": self.code, "symbol": self.symbol}


# common codes; any other code is shown by the code itself
TABLE: dict[str, Currency] = {
    c.code: c
    for c in (
        Currency("CNY", "¥", "人民币", "Chinese yuan", "元"),
        Currency("USD", "$", "美元", "US dollar"),
        Currency("GBP", "£", "英镑", "pound sterling"),
        Currency("EUR", "€", "欧元", "euro"),
        Currency("TWD", "NT$", "新台币", "New Taiwan dollar"),
        Currency("HKD", "HK$", "港元", "Hong Kong dollar"),
        Currency("JPY", "¥", "日元", "Japanese yen"),
        Currency("SGD", "S$", "新加坡元", "Singapore dollar"),
        Currency("AUD", "A$", "澳元", "Australian dollar"),
        Currency("CAD", "C$", "加元", "Canadian dollar"),
        Currency("KRW", "₩", "韩元", "South Korean won"),
    )
}

# what people write instead of the code (a Chinese tool reads ¥ as yuan)
ALIASES = {
    "RMB": "CNY",
    "元": "CNY",
    "人民币": "CNY",
    "¥": "CNY",
    "￥": "CNY",
    "£": "GBP",
    "€": "EUR",
    "$": "USD",
    "US$": "USD",
    "NT$": "TWD",
    "NTD": "TWD",
    "HK$": "HKD",
    "S$": "SGD",
    "A$": "AUD",
    "C$": "CAD",
    "₩": "KRW",
}

_CODE = re.compile(r"^[A-Z]{3}$")


def valid_code(code) -> bool:
    """True for a three-letter code (known or not) or a known alias such as RMB or £."""
    if not isinstance(code, str):
        return False
    c = code.strip()
    return c in ALIASES or c.upper() in ALIASES or bool(_CODE.match(c.upper()))


def resolve(code: str | None = None, symbol: str | None = None) -> Currency:
    """The currency of ``code`` (case and spaces ignored, aliases such as RMB or £ accepted;
    None or empty: CNY) with ``symbol`` instead of the table's when given."""
    c = (code or "").strip() if isinstance(code, str) else ""
    c = ALIASES.get(c, ALIASES.get(c.upper(), c.upper())) or DEFAULT_CODE
    cur = TABLE.get(c) or Currency(c, c, c, c)
    if isinstance(symbol, str) and symbol.strip():
        cur = Currency(cur.code, symbol.strip(), cur.name_zh, cur.name_en, cur.unit_zh)
    return cur


def for_run(params: dict | None, quality: dict | None) -> Currency:
    """The run's currency: intake's (``quality["currency"]``, where the column map already
    won over the config) when present, else the parameters' ``currency`` and
    ``currency_symbol``, else CNY. The parameters' ``currency_symbol`` also applies to
    intake's currency when that is the parameters' code (intake is not told the symbol)."""
    p = params or {}
    q = (quality or {}).get("currency")
    if isinstance(q, str) and q.strip():
        q = {"code": q}
    if isinstance(q, dict) and q.get("code"):
        cur = resolve(q["code"], q.get("symbol"))
        mine = resolve(p.get("currency"), p.get("currency_symbol"))
        if (
            mine.code == cur.code
            and isinstance(p.get("currency_symbol"), str)
            and p["currency_symbol"].strip()
        ):
            return mine
        return cur
    return resolve(p.get("currency"), p.get("currency_symbol"))


CNY = TABLE[DEFAULT_CODE]
_active: list[Currency] = [CNY]


def use(cur: Currency | str | None) -> Currency:
    """Make ``cur`` the currency that labels name from now on (each stage calls this once it
    knows the run's currency; all stages of a run share one kernel); returns it."""
    _active[0] = cur if isinstance(cur, Currency) else resolve(cur)
    return _active[0]


def active() -> Currency:
    return _active[0]


@contextmanager
def using(cur: Currency | str | None):
    """``cur`` active inside the block, the previous one after it."""
    before = _active[0]
    try:
        yield use(cur)
    finally:
        _active[0] = before


def unit(lang: str = "zh", cur: Currency | None = None) -> str:
    """The unit word of ``cur`` (default: the active currency) in ``lang``."""
    return (cur or _active[0]).unit(lang)


def fmt(value, lang: str = "zh", cur: Currency | None = None) -> str:
    """A money figure with the unit of ``cur`` (default: the active currency)."""
    return (cur or _active[0]).fmt(value, lang)
