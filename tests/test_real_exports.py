"""Real exports end to end (issues 14 and 16): `make report` on slices of public exports as they
come, with figures computed independently here with plain pandas from the raw slice (read as
text) and compared with what the run wrote: clean tables, quality.json, the stages' JSON and
the pages.

- Ta Feng grocery (tests/data/ta_feng_2000members.csv.gz): item lines without a receipt number,
  dates month/day/year, 8-digit zero-padded member ids, age bands, cost, New Taiwan dollars.
- Online Retail II, December 2009 to June 2010 (tests/data/online_retail_ii_2009-12_2010-06_1500customers.csv.gz):
  invoice lines, cancellations, lines without a customer id, pounds sterling.
- Reppel's fintech Kano survey (tests/data/kano_reppel/storage--cohort1..4): the wide layout,
  importance 1–9 written "9 - Extremely important", F4 with dysfunctional before functional.

Slices and how they were cut: tests/data/SOURCE.md.
"""

from __future__ import annotations

import re
import shutil

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT, TEST_DATA
from kequn.data import privacy
from kequn.data.io import write_table_atomic
from runs import CODE_MARKERS, assert_plain, run_report, visible_text

TA_FENG = TEST_DATA / "ta_feng_2000members.csv.gz"
RETAIL = TEST_DATA / "online_retail_ii_2009-12_2010-06_1500customers.csv.gz"
KANO = sorted((TEST_DATA / "kano_reppel").glob("storage--cohort*-clean.csv"))
PAGES = (
    "index.html",
    "01_profiling.html",
    "02_clustering.html",
    "03_value.html",
    "04_needs.html",
    "05_feedback.html",
    "06_summary.html",
)
SALT = "real-exports"
# A missing value printed as a value: "nan", "NaN", "NaT" as a token of the text a reader sees ("nan%" too).
NAN_TOKEN = re.compile(r"(?<![A-Za-z0-9_])(nan|NaN|NaT)(?![A-Za-z0-9_])")


def config(lang: str, column_map=None) -> str:
    return f"lang: {lang}\nprivacy: {{salt: {SALT}}}\n" + (
        f"column_map: {column_map}\n" if column_map else ""
    )


def pseudonyms(ids: pd.Series) -> pd.Series:
    """The pseudonym intake gives each raw key, kept exactly as written in the export."""
    return privacy.pseudonymize(ids, privacy.load_salt(SALT))


def leading_number(s: pd.Series) -> pd.Series:
    """ "9 - Extremely important" → 9.0, "6" → 6.0."""
    return s.str.extract(r"^\s*(\d+)", expand=False).astype(float)


# --- the runs --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ta_feng(tmp_path_factory):
    """The grocery export as it comes (BOM, every field quoted), named orders.csv.gz, with the
    repository's column map config/columns/ta_feng_grocery.yaml."""
    tmp = tmp_path_factory.mktemp("ta_feng")
    data = tmp / "data"
    data.mkdir()
    shutil.copyfile(TA_FENG, data / "orders.csv.gz")
    return run_report(tmp, data, "ta_feng", config("en", "config/columns/ta_feng_grocery.yaml"))


@pytest.fixture(scope="module")
def retail(tmp_path_factory):
    """Online Retail II with the repository's column map (config/columns/online_retail_ii.yaml),
    its `files:` pointed at the seven-month slice. Report in Chinese: money must not read 元.
    Two rule segments as CRM users write them, on tenure and on time since purchase."""
    tmp = tmp_path_factory.mktemp("retail")
    data = tmp / "data"
    data.mkdir()
    shutil.copyfile(RETAIL, data / RETAIL.name)
    cmap = yaml.safe_load(
        (ROOT / "config" / "columns" / "online_retail_ii.yaml").read_text(encoding="utf-8")
    )
    cmap["files"] = {"orders": RETAIL.name}
    (tmp / "columns.yaml").write_text(yaml.safe_dump(cmap, allow_unicode=True), encoding="utf-8")
    rules = '{注册半年内: "tenure_days <= 180", 三个月未购: "recency_days > 90"}'
    settings = config("zh", tmp / "columns.yaml") + f"clustering: {{rules: {rules}}}\n"
    run = run_report(tmp, data, "retail", settings)
    run.data = data
    return run


@pytest.fixture(scope="module")
def kano_run(tmp_path_factory, demo):
    """The small demo company's customers and orders, and kano.csv = Reppel's four cohorts
    concatenated as they come (wide; one header)."""
    tmp = tmp_path_factory.mktemp("kano")
    data = tmp / "data"
    data.mkdir()
    write_table_atomic(demo.customers, data / "customers.csv")
    write_table_atomic(demo.orders, data / "orders.csv")
    parts = [p.read_bytes() for p in KANO]
    assert len({p.split(b"\n", 1)[0] for p in parts}) == 1  # the same header in every cohort
    (data / "kano.csv").write_bytes(parts[0] + b"".join(p.split(b"\n", 1)[1] for p in parts[1:]))
    return run_report(tmp, data, "kano", config("en"))


RUNS = ("ta_feng", "retail", "kano_run")


# --- the raw slices, read with plain pandas as text ------------------------------------------------


@pytest.fixture(scope="module")
def raw_ta_feng():
    t = pd.read_csv(TA_FENG, dtype=str, encoding="utf-8-sig")
    t["date"] = pd.to_datetime(t["TRANSACTION_DT"], format="%m/%d/%Y")
    return t


@pytest.fixture(scope="module")
def raw_retail():
    """Lines kept under the README's policy: exact duplicate lines dropped, lines without a
    customer id dropped (anonymous), cancellations and other negative lines kept as returns."""
    r = pd.read_csv(RETAIL, dtype=str)
    kept = r.drop_duplicates()
    kept = kept[kept["Customer ID"].notna()].copy()
    kept["amount"] = kept["Quantity"].astype(float) * kept["Price"].astype(float)
    kept["date"] = pd.to_datetime(kept["InvoiceDate"], format="%Y-%m-%d %H:%M:%S")
    return r, kept


@pytest.fixture(scope="module")
def raw_kano():
    return pd.concat([pd.read_csv(p, dtype=str) for p in KANO], ignore_index=True)


def test_the_slices_are_what_the_tests_assume(raw_ta_feng, raw_retail, raw_kano):
    t = raw_ta_feng
    assert len(t) == 49_597 and t["CUSTOMER_ID"].nunique() == 2000
    assert t["CUSTOMER_ID"].str.fullmatch(r"0\d{7}").all()  # 8 digits, zero-padded
    assert TA_FENG.read_bytes()[:2] == b"\x1f\x8b"
    r, kept = raw_retail
    assert (
        len(r) == 98_218
        and r["Customer ID"].isna().sum() == 3000
        and kept["Customer ID"].nunique() == 1500
    )
    assert raw_kano["ID"].nunique() == len(raw_kano) == 363


# --- Ta Feng -----------------------------------------------------------------------------------------


def test_ta_feng_every_member_keeps_his_zero_padded_id(ta_feng, raw_ta_feng):
    """2,000 members in, 2,000 out, each with exactly his own lines: no id lost its leading
    zeros (the pseudonym of the id as written), no two ids merged."""
    raw = raw_ta_feng
    customers, orders = ta_feng.clean("customers"), ta_feng.clean("orders")
    expected = pseudonyms(raw["CUSTOMER_ID"])
    assert (
        len(customers) == customers["customer_id"].nunique() == raw["CUSTOMER_ID"].nunique() == 2000
    )
    assert set(customers["customer_id"]) == set(expected)
    assert orders["customer_id"].nunique() == 2000
    lines_raw = expected.astype(str).value_counts().to_dict()
    lines_clean = orders["customer_id"].astype(str).value_counts().to_dict()
    assert lines_clean == lines_raw
    head = ta_feng.json("profiling.json")["headline"]
    assert head["customers"] == head["buyers"] == 2000


def test_ta_feng_revenue_orders_and_dates(ta_feng, raw_ta_feng):
    """Revenue = sum of SALES_PRICE (no returns in this data); orders = distinct member × day
    baskets (no receipt number); four months, 2000-11-01 .. 2001-02-28."""
    raw = raw_ta_feng
    revenue = raw["SALES_PRICE"].astype(float).sum()
    baskets = raw.groupby(["CUSTOMER_ID", "date"]).ngroups
    first, last = raw["date"].min(), raw["date"].max()
    assert (revenue, baskets, str(first.date()), str(last.date())) == (
        6_341_150.0,
        7_569,
        "2000-11-01",
        "2001-02-28",
    )
    orders = ta_feng.clean("orders")
    assert len(orders) == len(raw)  # no line dropped
    assert orders["amount"].sum() == pytest.approx(revenue, abs=0.01)
    assert (
        orders["quantity"].sum() == raw["AMOUNT"].astype(float).sum()
    )  # AMOUNT is the quantity (the user's map)
    assert orders["order_id"].nunique() == baskets
    assert (
        orders.groupby("customer_id")["order_id"].nunique().sum() == baskets
    )  # a basket belongs to one member
    dates = pd.to_datetime(orders["order_date"])
    assert (dates.min().normalize(), dates.max().normalize()) == (first, last)
    head = ta_feng.json("profiling.json")["headline"]
    assert head["revenue"] == pytest.approx(revenue, abs=0.01) and head["orders"] == baskets
    quality = ta_feng.json("quality.json")
    assert (
        quality["as_of"] == "2001-02-28"
        and quality["timeliness"]["orders"]["latest"] == "2001-02-28"
    )
    feats = ta_feng.parquet("features.parquet")
    assert str(pd.Timestamp(feats["first_order"].min()).date()) == "2000-11-01"
    assert str(pd.Timestamp(feats["last_order"].max()).date()) == "2001-02-28"


def test_ta_feng_cost_gives_margin(ta_feng, raw_ta_feng):
    raw = raw_ta_feng
    margin = (raw["SALES_PRICE"].astype(float) - raw["ASSET"].astype(float)).sum()
    assert margin == 975_562.0
    assert ta_feng.clean("orders")["cost"].sum() == raw["ASSET"].astype(float).sum()
    assert ta_feng.parquet("features.parquet")["margin"].sum() == pytest.approx(margin, abs=0.01)


def test_ta_feng_customer_attributes_come_from_the_order_lines(ta_feng, raw_ta_feng):
    """Residence area and age band are on every line (one value per member here): the customer
    table carries them; the age band is understood, not rejected as a number. (An area written
    "Unknown" may be read as missing.)"""
    per_member = raw_ta_feng.groupby("CUSTOMER_ID").agg(
        region=("PIN_CODE", "first"), age=("AGE_GROUP", "first")
    )
    customers = ta_feng.clean("customers")
    assert "region" in customers
    assert (
        customers["region"].astype("string").fillna("Unknown").value_counts().to_dict()
        == per_member["region"].value_counts().to_dict()
    )
    age_cols = [c for c in ("age_band", "age_group", "age", "birth_year") if c in customers]
    assert age_cols, list(customers.columns)
    assert customers[age_cols[0]].notna().sum() == per_member["age"].notna().sum() == 1963


def test_ta_feng_date_format_is_stated(ta_feng):
    quality = ta_feng.json("quality.json")
    assert quality.get("date_formats", {}).get("orders") == {"order_date": "%m/%d/%Y"}, quality.get(
        "date_formats"
    )
    page = visible_text(ta_feng.page("01_profiling.html"))
    assert any(s in page for s in ("%m/%d/%Y", "month/day/year")), (
        "01 page does not state the date format"
    )


# --- Online Retail II ------------------------------------------------------------------------------


def test_retail_customers_revenue_orders_and_dates(retail, raw_retail):
    """Net revenue = sum of Quantity × Price over the kept lines (cancellations are returns, kept
    and netted); orders = invoices with a line that is not a return (README: negative amount =
    return; invoice 497843 holds one zero-amount line and counts); 2009-12-01 .. 2010-06-30."""
    raw, kept = raw_retail
    revenue = kept["amount"].sum()
    invoices_pos = kept.loc[kept["amount"] >= 0, "Invoice"].nunique()
    assert (
        round(revenue, 2) == 1_625_073.55
        and invoices_pos == 4_305
        and kept["Invoice"].nunique() == 5_390
    )
    first, last = kept["date"].min(), kept["date"].max()
    assert (str(first.date()), str(last.date())) == ("2009-12-01", "2010-06-30")
    customers, orders = retail.clean("customers"), retail.clean("orders")
    assert (
        len(customers)
        == customers["customer_id"].nunique()
        == kept["Customer ID"].nunique()
        == 1500
    )
    assert orders["customer_id"].nunique() == 1500
    assert len(orders) == len(kept)  # anonymous and duplicate lines dropped, nothing else
    assert orders["amount"].sum() == pytest.approx(revenue, abs=0.01)
    assert orders["order_id"].nunique() == kept["Invoice"].nunique()
    dates = pd.to_datetime(orders["order_date"])
    assert (dates.min().normalize(), dates.max().normalize()) == (
        first.normalize(),
        last.normalize(),
    )
    head = retail.json("profiling.json")["headline"]
    assert head["customers"] == 1500 and head["orders"] == invoices_pos
    assert head["revenue"] == pytest.approx(revenue, abs=0.01)
    quality = retail.json("quality.json")
    assert quality["as_of"] == "2010-06-30"
    cleaning = {(c["table"], c["rule"]): c["rows"] for c in quality["cleaning"]}
    assert cleaning[("orders", "duplicate_rows_dropped")] == raw.duplicated().sum()
    assert (
        cleaning[("orders", "anonymous_orders_dropped")]
        == raw.drop_duplicates()["Customer ID"].isna().sum()
    )
    assert cleaning[("orders", "returns_kept")] == (kept["amount"] < 0).sum()


def test_retail_transactions_only_pages_say_what_is_missing(retail):
    """Online Retail II has orders only: no demographics, events or feedback; each page says
    what is missing. (Moved from test_end_to_end, where it made a run of its own on the
    30,000-line head of the same export with the same zh settings; the shipped column map on
    that head is read by test_intake.test_online_retail_through_a_column_map.)"""
    html = retail.page("01_profiling.html")
    assert "此数据中没有这一项" in html  # psychographics, events ... are reported absent
    seg_html = retail.page("02_clustering.html")
    assert (
        "数据中没有这组特征" in seg_html
    )  # demographic, psychographic ... sets are said to be absent
    assert "无客户编号的订单（匿名）已删除" in html and "负金额记为退货/取消（保留）" in html
    val_html = retail.page("03_value.html")
    assert (
        "八类 RFM 客户" in val_html
        and "模型检验：留出期预测" in val_html
        and "贝塔几何/负二项模型（购买次数与流失）" in val_html
    )
    needs_html = retail.page("04_needs.html")
    assert (
        "此数据没有 Kano 问卷" in needs_html
        and "不做购买可能性评分" in needs_html
        and "不做趋势预测" in needs_html
    )
    assert "此数据没有反馈表" in retail.page("05_feedback.html")
    index = retail.page("index.html")
    assert (
        "id='segment-1'" in index and "价值层应对" in index and "<th>互动式服务</th>" not in index
    )  # no feedback, no such plan
    assert not CODE_MARKERS.search(html)


# --- Kano, wide --------------------------------------------------------------------------------------


def test_kano_wide_survey_is_read_pair_by_pair(kano_run, raw_kano):
    """363 respondents × F1..F5, each answer pair from its own columns (F4 lists dysfunctional
    first): every raw answer maps to one clean answer, the same in every feature."""
    raw = raw_kano
    kano = kano_run.clean("kano")
    assert kano["respondent_id"].nunique() == len(raw) == 363
    ids = kano["respondent_id"].astype(str)
    key = pseudonyms(raw["ID"])  # pseudonymised, though the survey has no customer_id
    assert set(ids) == set(key) and not set(ids) & set(raw["ID"])
    answered = kano.dropna(subset=["functional", "dysfunctional"])
    assert answered.groupby(answered["feature"].astype(str)).size().to_dict() == {
        f"F{i}": 363 for i in range(1, 6)
    }
    by_id = dict(zip(key, raw.index))
    for side in ("functional", "dysfunctional"):
        pairs = pd.DataFrame(
            {
                "raw": [
                    raw.at[by_id[r], f"{f}_{side}"]
                    for r, f in zip(ids, kano["feature"].astype(str))
                ],
                "clean": kano[side].astype(str).to_numpy(),
            }
        )
        per_word = pairs.groupby("raw")["clean"].nunique()
        assert (per_word == 1).all(), (side, per_word[per_word > 1].index.tolist()[:5])


def test_kano_importance_on_its_1_to_9_scale(kano_run, raw_kano):
    """Mean importance per feature = the pandas mean of the leading digits ("9 - Extremely
    important" is 9), and it is what the 04 page shows."""
    expected = {f"F{i}": leading_number(raw_kano[f"F{i}_importance"]).mean() for i in range(1, 6)}
    assert {f: round(v, 2) for f, v in expected.items()} == {
        "F1": 5.07,
        "F2": 6.79,
        "F3": 7.13,
        "F4": 7.73,
        "F5": 6.85,
    }
    kano = kano_run.clean("kano")
    assert kano["importance"].notna().sum() == 5 * 363
    got = kano.groupby(kano["feature"].astype(str))["importance"].mean().to_dict()
    assert got == pytest.approx(expected, rel=1e-9)
    needs = kano_run.json("needs.json")
    assert set(needs["categories"]) == set(expected)
    page = visible_text(kano_run.page("04_needs.html"))
    for f, v in expected.items():
        assert f"{v:.2f}" in page, (f, f"{v:.2f}")


# --- every run: pages --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", RUNS)
def test_every_page_is_written_without_code_or_nan(request, name):
    run = request.getfixturevalue(name)
    pages = run.pages()
    assert sorted(pages) == sorted(PAGES)
    found = {}
    for page, html in pages.items():
        assert not CODE_MARKERS.search(html), page
        text = visible_text(html)
        hits = [
            text[max(0, m.start() - 40) : m.end() + 20].replace("\n", " ")
            for m in NAN_TOKEN.finditer(text)
        ]
        if hits:
            found[page] = hits[:3]
    assert not found, found


@pytest.mark.parametrize(
    "name, shown, absent",
    [
        ("ta_feng", ("TWD", "NT$"), ("CNY", "元")),  # report in English
        (
            "retail",
            ("£", "GBP", "英镑"),
            ("CNY", "元"),
        ),  # report in Chinese: amounts read "1,234 英镑"
    ],
)
def test_money_in_the_exports_currency(request, name, shown, absent):
    """The 03 page and the index name the export's currency; no page names yuan."""
    run = request.getfixturevalue(name)
    for page in ("03_value.html", "index.html"):
        text = visible_text(run.page(page))
        assert any(s in text for s in shown), (page, shown)
    found = {}
    for page, html in run.pages().items():
        text = visible_text(html)
        hits = [
            text[max(0, m.start() - 30) : m.end() + 10].replace("\n", " ")
            for s in absent
            for m in re.finditer(re.escape(s), text)
        ]
        if hits:
            found[page] = hits[:3]
    assert not found, found


# --- Online Retail: signals or silence (issue 16) ---------------------------------------------------

# What a page may only say with its inputs: a reach figure (its label always carries its basis in
# brackets), a needs group, a plan line built on one, a negative margin, category recommendations.
REACH = re.compile(r"可触达（|Reach \(")
NEEDS_WORDS = ("价格敏感型", "服务导向型", "品质导向型", "均衡型", "定制化服务")
PLAN_WITHOUT_INPUTS = ("品质保障", "按常购品类", "毛利为负")
GROWTH_FIGURE = re.compile(r"[+\-−]\d[\d,]*(\.\d+)?%")


def attract_section(text: str) -> str:
    """The 02 page's ranking: from its heading (after the table of contents) to the next section."""
    start = text.rindex("目标客群吸引力排名")
    return text[start : text.index("规则分群与数据分群对比", start)]


def test_retail_history_span_and_no_growth_from_a_partial_window(retail):
    """Seven months of history: the 6 months before the last 6 start 2009-07-02, before the
    export's first order, so no growth figure anywhere and the 02 page says why."""
    assert retail.json("quality.json")["span"]["orders"] == {
        "first": "2009-12-01",
        "last": "2010-06-30",
    }
    assert retail.parquet("features.parquet")["revenue_prior_6m"].isna().all()
    attract = retail.json("clustering.json")["attractiveness"]
    assert all(r["growth"] is None for r in attract["rows"])
    assert attract["growth_gap"] == {"first": "2009-12-01", "needed": "2009-07-02"}
    section = attract_section(visible_text(retail.page("02_clustering.html")))
    assert not GROWTH_FIGURE.search(section), GROWTH_FIGURE.search(section).group()
    assert "收入增长未计入" in section and "2009-12-01" in section
    for page in ("index.html", "06_summary.html"):
        text = visible_text(retail.page(page))
        assert "收入增长未计入" in text and "历史从 2009-12-01 开始" in text, page


def test_retail_no_reach_needs_group_or_plan_without_inputs(retail):
    """No events and no order channel: no reach; no discount, coupon, feedback, channel, category
    or survey: no needs group (order value alone is none) and no plan built on one; no cost: no
    negative margin."""
    assert retail.parquet("needs.parquet")["needs_group"].isna().all()
    assert all(r["reach"] is None for r in retail.json("clustering.json")["attractiveness"]["rows"])
    found = {}
    for page, html in retail.pages().items():
        text = visible_text(html)
        if (
            page == "06_summary.html"
        ):  # the glossary defines every needs group: a term, not a finding
            text = text.rsplit("\n术语表\n", 1)[
                0
            ]  # the last heading: the section, not the contents
        hits = [m.group() for m in REACH.finditer(text)]
        hits += [
            w
            for w in PLAN_WITHOUT_INPUTS
            if w in text and not (page == "03_value.html" and w == "毛利为负")
        ]
        if (
            page != "04_needs.html"
        ):  # 04 names each need (and the plan on it) to say it has no signal
            hits += [w for w in NEEDS_WORDS if w in text]
        if hits:
            found[page] = hits
    assert not found, found
    assert "此数据中没有任何需求的信号" in visible_text(retail.page("04_needs.html"))
    assert "可触达未计入" in visible_text(retail.page("index.html"))
    assert (retail.parquet("value.parquet")["strategy"] != "indifferent").all()


def test_retail_attractiveness_formula_and_geography_heading(retail):
    """The ranking is led by value and its formula and weights stand beside it on the 02 page
    and the index; the region column holds countries, so the heading is not 省份."""
    for page in ("02_clustering.html", "index.html"):
        text = visible_text(retail.page(page))
        assert "吸引力得分 = Σ（权重 × 指标）÷ Σ 权重" in text and "收入占比 3" in text, page
    rows = pd.DataFrame(retail.json("clustering.json")["attractiveness"]["rows"])
    ranks = retail.json("clustering.json")["attractiveness_rank"]
    top = max(rows.itertuples(), key=lambda r: r.revenue_share).segment
    assert ranks[str(top)] == 1
    text = visible_text(retail.page("01_profiling.html"))
    assert "国家/地区" in text and "省份" not in text
    assert "退货率（按单数" in text  # a return rate says what it counts


@pytest.mark.parametrize("name", ("ta_feng", "retail"))
def test_a_lifetime_model_is_fitted_and_clv_shown(request, name):
    """Issue 16: four (Ta Feng) or seven (Online Retail) months of real history are enough for a
    lifetime model: every buyer has a CLV and the headline shows its mean."""
    run = request.getfixturevalue(name)
    val = run.parquet("value.parquet")
    buyers = val["orders"] > 0
    assert buyers.sum() > 0
    assert val.loc[buyers, "clv"].notna().all(), (
        f"{val.loc[buyers, 'clv'].isna().sum()} of {buyers.sum()} buyers have no CLV"
    )
    figures = run.json("value.json")
    assert figures.get("clv_mean") is not None and np.isfinite(figures["clv_mean"])


def test_retail_pages_speak_chinese(retail):
    """A zh run on an export in English (product and country names): no Latin jargon on any
    page; the export's own words and its currency code may be quoted (issue 17)."""
    assert_plain(retail, retail.data, extra={"gbp"})


def test_retail_tenure_names_say_where_history_starts(retail):
    """History starts with the export (2009-12-01, no sign-up dates): a rule segment on tenure
    or time since purchase carries where history starts wherever it is shown, and no segment
    is named by tenure ("recently registered", "long-standing"), which the export caps."""
    text = visible_text(retail.page("02_clustering.html"))
    rules = text[text.rindex("规则分群与数据分群对比") :]
    assert "注册半年内（历史始于 2009-12-01）" in rules
    assert "三个月未购（历史始于 2009-12-01）" in rules
    names = " ".join(retail.json("clustering.json")["names"].values())
    assert "注册不久" not in names and "老客户" not in names


def test_ta_feng_no_growth_or_reach_without_their_inputs(ta_feng):
    """Issue 16 on the second real export: four months of history (November 2000 to February
    2001) hold no two complete 6-month windows, so no growth figure anywhere and the pages say
    why; no events table and no order channel, so no reach."""
    quality = ta_feng.json("quality.json")["span"]["orders"]
    attract = ta_feng.json("clustering.json")["attractiveness"]
    assert attract["growth_gap"]["first"] == quality["first"]
    assert all(r["growth"] is None and r["reach"] is None for r in attract["rows"])
    assert ta_feng.parquet("features.parquet")["revenue_prior_6m"].isna().all()
    for page in ("02_clustering.html", "06_summary.html", "index.html"):
        text = visible_text(ta_feng.page(page))
        assert "Revenue growth is not counted" in text and "Reach is not counted" in text, page
        assert not re.search(r"Revenue growth\s*\n?\s*[+\-−]\d", text), page
