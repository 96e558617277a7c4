"""Exports as they come: keys kept exactly, every common date style, broken lines with their
line numbers, delimiters, misnamed files, workbook sheets, repeated headers, wide Kano
surveys, non-finite and far values, and the user's column map winning over aliases."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pandas as pd
import pytest
from kequn.data import coerce
from kequn.data.intake import run_intake
from kequn.data.io import read_export
from kequn.data.problems import InputError

SALT = "test-salt"
KEYS = [
    "00123",
    "123",
    "007",
    "7",
    "9007199254740993",
    "12345678901234567890",
    "0000",
    "A-01",
    "１２３",
]


def _orders(ids, dates=None, amount=None):
    n = len(ids)
    return pd.DataFrame(
        {
            "order_id": [f"o{i}" for i in range(n)],
            "customer_id": ids,
            "order_date": dates or ["2024-03-05"] * n,
            "amount": amount or ["10"] * n,
        }
    )


FILE_KINDS = ["csv", "csv;", "tsv", "csv|", "gbk", "csv.gz", "xlsx", "parquet", "xlsx_named_csv"]


def write_as(df: pd.DataFrame, folder, kind: str):
    """``df`` written as an export of ``kind`` (delimiter, encoding, container); its path."""
    if kind in ("csv", "csv;", "tsv", "csv|", "gbk"):
        p = folder / "orders.csv"
        df.to_csv(
            p,
            index=False,
            sep={"csv;": ";", "tsv": "\t", "csv|": "|"}.get(kind, ","),
            encoding="gbk" if kind == "gbk" else "utf-8",
        )
    elif kind == "csv.gz":
        p = folder / "orders.csv.gz"
        p.write_bytes(gzip.compress(df.to_csv(index=False).encode()))
    elif kind == "xlsx":
        p = folder / "orders.xlsx"
        df.to_excel(p, index=False)
    elif kind == "parquet":
        p = folder / "orders.parquet"
        df.to_parquet(p)
    else:  # a ".xlsx" that is really CSV
        p = folder / "orders.xlsx"
        p.write_text(df.to_csv(index=False), encoding="utf-8")
    return p


@pytest.mark.parametrize("kind", [k for k in FILE_KINDS if k != "gbk"])
def test_keys_come_back_exactly_as_written_in_every_file_type(tmp_path, kind):
    got = read_export(write_as(_orders(KEYS), tmp_path, kind)).frame["customer_id"].tolist()
    assert got == KEYS


def test_zero_padded_keys_stay_distinct_customers_through_intake(tmp_path):
    ids = [f"{i:08d}" for i in range(1, 41)] + [str(i) for i in range(1, 41)]
    _orders(ids).to_csv(tmp_path / "orders.csv", index=False)
    r = run_intake(tmp_path, salt=SALT)
    assert len(r.tables["customers"]) == 80


def test_excel_numeric_keys_read_as_displayed_and_the_right_sheet_is_chosen(tmp_path):
    p = tmp_path / "orders.xlsx"
    with pd.ExcelWriter(p) as w:
        pd.DataFrame({"说明": ["导出说明"]}).to_excel(w, sheet_name="说明", index=False)
        pd.DataFrame(
            {
                "订单号": [1001, 1002],
                "客户编号": [17850.0, 13085],
                "下单日期": ["2024-03-05"] * 2,
                "金额": [10.5, 3],
            }
        ).to_excel(w, sheet_name="订单", index=False)
    r = run_intake(tmp_path, salt=SALT)
    assert r.quality["reading"]["orders"]["sheet"] == "订单"
    assert len(r.tables["orders"]) == 2
    ex = read_export(p, expected_headers={"客户编号"})
    assert ex.frame["客户编号"].tolist() == ["17850", "13085"] and ex.frame["订单号"].tolist() == [
        "1001",
        "1002",
    ]


@pytest.mark.parametrize(
    "dates,fmt,first",
    [
        (["12/1/10 8:26", "12/13/10 18:26"], "%m/%d/%y %H:%M", "2010-12-01 08:26"),
        (["13/1/2010", "2/1/2010"], "%d/%m/%Y", "2010-01-13"),
        (["11/1/2000", "2/29/2001", "11/30/2000"], "%m/%d/%Y", "2000-11-01"),
        (["2024年3月5日", "2024年12月25日"], "%Y-%m-%d", "2024-03-05"),
        (["45000", "45001.5"], "excel_serial", "2023-03-15"),
        (["1700000000", "1700086400"], "unix_s", "2023-11-14 22:13:20"),
        (["1700000000000", "1700086400000"], "unix_ms", "2023-11-14 22:13:20"),
        (["05.03.2024", "25.03.2024"], "%d.%m.%Y", "2024-03-05"),
        (["20240305", "20241231"], "%Y%m%d", "2024-03-05"),
    ],
)
def test_each_date_style_is_read_from_the_whole_column(dates, fmt, first):
    r = coerce.read_dates(pd.Series(dates, dtype="string"))
    assert r.fmt == fmt and not r.ambiguous
    assert r.values.iloc[0] == pd.Timestamp(first)
    # 2/29/2001 does not exist: that one cell is unreadable, the column is still month/day/year
    assert r.invalid.sum() == sum(d == "2/29/2001" for d in dates)


def test_ambiguous_dates_are_one_problem_with_the_fix_then_read_by_date_format(tmp_path):
    _orders(["1", "2"], dates=["12/1/2010 8:26", "3/5/2010 9:00"]).to_csv(
        tmp_path / "orders.csv", index=False
    )
    with pytest.raises(InputError) as e:
        run_intake(tmp_path, salt=SALT)
    msg = e.value.render("en")
    assert len(e.value.problems) == 1 and "month/day/year and day/month/year" in msg
    assert "date_format" in msg and "'12/1/2010 8:26', '3/5/2010 9:00'" in msg
    cmap = tmp_path / "map.yaml"
    cmap.write_text("date_format:\n  orders:\n    order_date: '%d/%m/%Y %H:%M'\n", encoding="utf-8")
    r = run_intake(tmp_path, column_map=cmap, salt=SALT)
    assert sorted(r.tables["orders"]["order_date"].dt.strftime("%Y-%m-%d")) == [
        "2010-01-12",
        "2010-05-03",
    ]
    assert r.quality["date_formats"]["orders"]["order_date"] == "%d/%m/%Y %H:%M"
    r = run_intake(tmp_path, salt=SALT, date_format="%m/%d/%Y %H:%M")  # the config default
    assert sorted(r.tables["orders"]["order_date"].dt.strftime("%Y-%m-%d")) == [
        "2010-03-05",
        "2010-12-01",
    ]


def _orders_and_feedback(folder, order_dates, feedback_dates):
    """orders (ISO or as given) and feedback whose ``created_at`` is ``feedback_dates``."""
    n = len(order_dates)
    _orders([f"c{i}" for i in range(n)], dates=order_dates).to_csv(
        folder / "orders.csv", index=False
    )
    pd.DataFrame(
        {
            "feedback_id": [f"f{i}" for i in range(len(feedback_dates))],
            "customer_id": [f"c{i % n}" for i in range(len(feedback_dates))],
            "created_at": feedback_dates,
            "kind": "review",
        }
    ).to_csv(folder / "feedback.csv", index=False)


GENERAL = {  # a day-first pattern given for every date column, three ways
    "config": lambda tmp: {"date_format": "%d/%m/%Y"},
    "map, all tables": lambda tmp: {"column_map": _map(tmp, "date_format: '%d/%m/%Y'\n")},
    "map, whole table": lambda tmp: {
        "column_map": _map(tmp, "date_format: {orders: '%d/%m/%Y', feedback: '%d/%m/%Y'}\n")
    },
}


def _map(tmp, text):
    p = tmp / "map.yaml"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize("where", list(GENERAL))
def test_a_general_date_format_settles_ambiguous_columns_only(tmp_path, where):
    """A day-first pattern for all columns: ISO orders stay ISO, a month/day column with a day
    above 12 stays month/day, and the ambiguous feedback column is read day-first; each
    column's style is stated in quality.json."""
    iso = ["2024-03-05", "2024-03-06", "2024-04-01"]
    _orders_and_feedback(tmp_path, iso, ["01/02/2024", "03/04/2024", "05/06/2024"])
    r = run_intake(tmp_path, salt=SALT, as_of="2024-12-31", **GENERAL[where](tmp_path))
    assert r.tables["orders"]["order_date"].dt.strftime("%Y-%m-%d").tolist() == iso
    created = r.tables["feedback"]["created_at"].dt.strftime("%Y-%m-%d")
    assert created.tolist() == ["2024-02-01", "2024-04-03", "2024-06-05"]
    assert r.quality["date_formats"] == {
        "orders": {"order_date": "%Y-%m-%d"},
        "feedback": {"created_at": "%d/%m/%Y"},
    }
    # month/day/year shown by a day above 12 is kept: the pattern only settles what is open
    _orders_and_feedback(tmp_path, ["3/25/2024", "4/1/2024"], ["01/02/2024"])
    r = run_intake(tmp_path, salt=SALT, as_of="2024-12-31", **GENERAL[where](tmp_path))
    dates = r.tables["orders"]["order_date"].dt.strftime("%Y-%m-%d").tolist()
    assert sorted(dates) == ["2024-03-25", "2024-04-01"]
    assert r.quality["date_formats"]["orders"] == {"order_date": "%m/%d/%Y"}


@pytest.mark.parametrize(
    "spec", ["{orders: {order_date: '%m/%d/%Y'}}", "{orders.order_date: '%m/%d/%Y'}"]
)
def test_a_date_format_for_one_column_wins_over_the_general_one(tmp_path, spec):
    """The config says day-first for all; the column map says month-first for orders.order_date:
    that column is month-first, the other ambiguous column day-first."""
    _orders_and_feedback(tmp_path, ["01/02/2024", "03/04/2024"], ["01/02/2024", "03/04/2024"])
    cmap = _map(tmp_path, f"date_format: {spec}\n")
    r = run_intake(tmp_path, salt=SALT, column_map=cmap, date_format="%d/%m/%Y", as_of="2024-12-31")
    orders = r.tables["orders"]["order_date"].dt.strftime("%Y-%m-%d")
    assert sorted(orders) == ["2024-01-02", "2024-03-04"]
    created = r.tables["feedback"]["created_at"].dt.strftime("%Y-%m-%d")
    assert sorted(created) == ["2024-02-01", "2024-04-03"]
    assert r.quality["date_formats"] == {
        "orders": {"order_date": "%m/%d/%Y"},
        "feedback": {"created_at": "%d/%m/%Y"},
    }


def test_read_dates_default_pattern_against_one_for_the_column():
    iso = pd.Series(["2024-03-05", "2024-12-31"], dtype="string")
    r = coerce.read_dates(iso, default="%d/%m/%Y")
    assert r.fmt == "%Y-%m-%d" and not r.invalid.any()
    assert coerce.read_dates(iso, "%d/%m/%Y").invalid.all()  # the column's own pattern wins
    both = pd.Series(["01.02.24", "03.04.24"], dtype="string")
    assert coerce.read_dates(both).ambiguous
    r = coerce.read_dates(both, default="%d/%m/%Y")
    assert r.fmt == "%d.%m.%y" and r.values.iloc[0] == pd.Timestamp("2024-02-01")
    # a pattern without month/day order (day of the year) is used where it reads more
    r = coerce.read_dates(pd.Series(["2024065", "2024366"], dtype="string"), default="%Y%j")
    assert r.fmt == "%Y%j" and r.values.tolist() == [
        pd.Timestamp("2024-03-05"),
        pd.Timestamp("2024-12-31"),
    ]
    assert coerce.read_dates(iso, default="%Y%j").fmt == "%Y-%m-%d"


def test_a_column_in_one_unknown_style_says_so_once(tmp_path):
    _orders([str(i) for i in range(12)], dates=["March the 5th"] * 12).to_csv(
        tmp_path / "orders.csv", index=False
    )
    with pytest.raises(InputError) as e:
        run_intake(tmp_path, salt=SALT)
    assert len(e.value.problems) == 1
    assert "no value of the whole column reads as a date (12 values)" in e.value.render("en")
    assert e.value.problems[0].values == ["March the 5th"]  # distinct examples


def test_far_dates_are_a_counted_rule_not_a_stop(tmp_path):
    _orders(
        ["1", "2", "3", "4"], dates=["2999-01-01", "1900-01-01", "2024-03-05", "2024-03-06"]
    ).to_csv(tmp_path / "orders.csv", index=False)
    r = run_intake(tmp_path, salt=SALT)
    assert len(r.tables["orders"]) == 2
    rule = [c for c in r.quality["cleaning"] if c["rule"] == "dates_out_of_range"]
    assert rule and rule[0]["rows"] == 2 and rule[0]["column"] == "order_date"


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_placeholder_dates_in_plain_iso_are_counted_out_of_range_too(tmp_path, suffix):
    """Every value reads as ISO (the fast path) or is a typed date (Parquet): the year rule
    still drops 1900-01-01 and 2230-01-01, as it does for any other style."""
    d = _orders(
        ["1", "2", "3", "4"], dates=["1900-01-01", "2024-03-05", "2024-03-06", "2230-01-01"]
    )
    if suffix == "csv":
        d.to_csv(tmp_path / "orders.csv", index=False)
    else:
        d.assign(order_date=pd.to_datetime(d["order_date"])).to_parquet(tmp_path / "orders.parquet")
    r = run_intake(tmp_path, salt=SALT)
    assert sorted(r.tables["orders"]["order_date"].dt.year) == [2024, 2024]
    rule = [c for c in r.quality["cleaning"] if c["rule"] == "dates_out_of_range"]
    assert rule and rule[0]["rows"] == 2 and rule[0]["column"] == "order_date"


def test_broken_lines_are_listed_with_line_numbers_or_dropped_and_counted(tmp_path):
    text = (
        "order_id,customer_id,order_date,amount,note\n"
        '1,C1,2024-03-05,10,"two\nlines"\n'
        "2,C2,2024-03-05,11,ok\n"
        "\n"
        "3,C3,2024-03-05,oops,x,extra\n"
        "4,C4,2024-03-05,12,ok\n"
        "5,C5,2024-03"
    )
    (tmp_path / "orders.csv").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as e:
        run_intake(tmp_path, salt=SALT)
    p = e.value.problems[0]
    assert p.key == "broken_lines" and p.rows == [6, 8] and p.count == 2
    assert "expected 5" in e.value.render("en")
    r = run_intake(tmp_path, salt=SALT, invalid_rows="drop")
    assert len(r.tables["orders"]) == 3
    rule = [c for c in r.quality["cleaning"] if c["rule"] == "broken_lines_skipped"][0]
    assert rule["rows"] == 2 and rule["lines"] == [6, 8]


def test_line_numbers_of_bad_values_count_quoted_line_breaks(tmp_path):
    text = (
        "order_id,customer_id,order_date,amount,note\n"
        '1,C1,2024-03-05,10,"a\nb\nc"\n'
        "2,C2,2024-03-05,abc,ok\n"
    )
    (tmp_path / "orders.csv").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as e:
        run_intake(tmp_path, salt=SALT)
    assert e.value.problems[0].rows == [5]


def test_huge_text_fields_are_read(tmp_path):
    big = "长" * 3_000_000
    (tmp_path / "orders.csv").write_text(
        f'order_id,customer_id,order_date,amount,note\n1,C1,2024-03-05,10,"{big}"\n2,C2,2024-03-05,5,x\n',
        encoding="utf-8",
    )
    assert len(run_intake(tmp_path, salt=SALT).tables["orders"]) == 2


def test_repeated_headers_are_reported_not_crashed_on(tmp_path):
    (tmp_path / "orders.csv").write_text(
        "order_id,customer_id,order_date,amount,note,note\n1,C1,2024-03-05,10,a,b\n",
        encoding="utf-8",
    )
    r = run_intake(tmp_path, salt=SALT)
    assert r.quality["reading"]["orders"]["repeated_headers"] == {"note (2)": "note"}
    (tmp_path / "orders.csv").write_text(
        "order_id,customer_id,order_date,amount,amount\n1,C1,2024-03-05,10,11\n", encoding="utf-8"
    )
    with pytest.raises(InputError) as e:
        run_intake(tmp_path, salt=SALT)
    assert "both mean 'amount'" in e.value.render("en")


def test_non_finite_and_absurd_amounts_are_violations_with_rows(tmp_path):
    _orders(["1", "2", "3", "4"], amount=["10", "inf", "1e308", "-1e12"]).to_csv(
        tmp_path / "orders.csv", index=False
    )
    with pytest.raises(InputError) as e:
        run_intake(tmp_path, salt=SALT)
    p = e.value.problems[0]
    assert p.column == "amount" and p.rows == [3, 4, 5]


def test_the_users_column_map_wins_over_built_in_aliases(tmp_path):
    (tmp_path / "orders.csv").write_text(
        "TRANSACTION_DT,CUSTOMER_ID,AMOUNT,SALES_PRICE,AGE_GROUP\n"
        "11/1/2000,00001,2,30,35-39\n11/1/2000,00001,1,8,35-39\n"
        "11/13/2000,00002,1,5,<25\n",
        encoding="utf-8",
    )
    cmap = tmp_path / "map.yaml"
    cmap.write_text(
        "orders:\n  order_date: TRANSACTION_DT\n  customer_id: CUSTOMER_ID\n  quantity: AMOUNT\n"
        "  amount: SALES_PRICE\n  age: AGE_GROUP\ncurrency: TWD\n",
        encoding="utf-8",
    )
    r = run_intake(tmp_path, column_map=cmap, salt=SALT, as_of="2000-12-01")
    o, c = r.tables["orders"], r.tables["customers"]
    assert o["amount"].sum() == 43 and o["quantity"].sum() == 4
    assert o["order_id"].nunique() == 2  # a customer's lines on one day are one order
    assert any(
        x["rule"] == "orders_formed_from_customer_and_day" and x["rows"] == 2
        for x in r.quality["cleaning"]
    )
    assert sorted(c["age_band"].tolist()) == ["35-39", "<25"]
    assert sorted(c["birth_year"].tolist()) == [1963.0, 1978.0]  # 2000 - 37, 2000 - 22
    assert r.quality["currency"]["code"] == "TWD"
    assert r.quality["date_formats"]["orders"]["order_date"] == "%m/%d/%Y"


def test_wide_kano_survey_with_a_nine_point_importance_is_reshaped(tmp_path, demo_dir):
    import shutil

    for name in ("customers.csv", "orders.csv"):
        shutil.copy(demo_dir / name, tmp_path / name)
    (tmp_path / "kano.csv").write_text(
        "ID,Age,F1_importance,F1_functional,F1_dysfunctional,F2_importance,F2_dysfunctional,F2_functional\n"
        "R1,24,9 - Extremely important,I like it that way,I dislike it that way,3 - Somewhat important,"
        "I am neutral,I expect it\n"
        "R2,31,6,I am neutral,I am neutral,1 - Not at all important,I dislike it,I like it\n",
        encoding="utf-8",
    )
    r = run_intake(tmp_path, salt=SALT)
    k = r.tables["kano"].sort_values(["feature", "respondent_id"])
    assert r.quality["reading"]["kano"]["layout"] == "wide"
    assert k["feature"].tolist() == ["F1", "F1", "F2", "F2"]
    assert k["importance"].tolist() == [9, 6, 3, 1]
    assert k["functional"].tolist()[2:] == ["must_be", "like"] and k["dysfunctional"].tolist()[
        2:
    ] == ["neutral", "dislike"]


def test_keys_differing_only_by_leading_zeros_between_tables_are_said(tmp_path):
    pd.DataFrame({"customer_id": ["00987", "00456"], "gender": ["F", "M"]}).to_csv(
        tmp_path / "customers.csv", index=False
    )
    _orders(["987", "00456"]).to_csv(tmp_path / "orders.csv", index=False)
    r = run_intake(tmp_path, salt=SALT)
    w = [x for x in r.quality["warnings"] if x.get("rule") == "keys_differ_by_leading_zeros"]
    assert w and w[0]["count"] == 1
    assert "987" not in json.dumps(w)  # examples are masked: no original key in processed data


# Keys as exports write them: leading zeros, long digit runs, letters, CJK, separators and
# quotes inside the key ("=" is left out: Excel would store it as a formula).
_KEY_CHARS = "0123456789" * 4 + "AbZx-_./,;|\"' 中文编号"


@pytest.mark.parametrize("kind", FILE_KINDS)
def test_any_key_written_in_any_file_type_comes_back_identical(tmp_path_factory, kind):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    key = (
        st.text(alphabet=_KEY_CHARS, min_size=1, max_size=24)
        .map(str.strip)
        .filter(lambda k: k and k.lower() not in coerce.MISSING_TOKENS)
    )

    digits = st.text(alphabet="0123456789", min_size=1, max_size=24)  # a column of numbers-as-text

    @settings(max_examples=25, deadline=None, database=None)
    @given(
        st.one_of(st.lists(digits, min_size=1, max_size=30), st.lists(key, min_size=1, max_size=30))
    )
    def roundtrip(keys):
        folder = tmp_path_factory.mktemp("keys")
        df = pd.DataFrame({"customer_id": keys, "amount": np.arange(len(keys)).astype(str)})
        p = write_as(df, folder, kind)
        got = read_export(p).frame
        assert got["customer_id"].tolist() == keys
        assert got["amount"].tolist() == df["amount"].tolist()

    roundtrip()


XLS = "online_retail_ii_15lines.xls"  # tests/data/xls: a BIFF8 workbook, see SOURCE.md


def test_a_legacy_xls_workbook_is_read_as_the_text_it_shows():
    """.xls as .xlsx: the sheet whose header row holds the table's headers (not the notes sheet
    first), number cells as the text they show (13085.0 as 13085, a '00000' format as 00123),
    dates as ISO text, line numbers past an empty row."""
    from conftest import TEST_DATA

    p = TEST_DATA / "xls" / XLS
    assert p.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"  # a real compound-document workbook
    ex = read_export(p, expected_headers={"invoice", "customer id", "invoicedate"})
    assert ex.describe() == {"kind": "excel", "sheet": "Year 2009-2010"}
    f = ex.frame
    assert len(f) == 15 and list(ex.lines) == [2, 3, 4, 5, 6] + list(range(8, 18))
    assert f["Invoice"].iloc[0] == "489434" and f["Customer ID"].iloc[0] == "13085"
    assert f["StockCode"].tolist()[:2] == ["85048", "79323P"]
    assert f["InvoiceDate"].iloc[0] == "2009-12-01 07:45:00"
    assert f["Price"].tolist()[:4] == ["6.95", "6.75", "6.75", "2.1"]
    c = read_export(p, sheet="客户").frame
    assert c.to_dict("list") == {
        "客户编号": ["00123", "13085"],
        "注册日期": ["2009-03-05 00:00:00", "2009-12-01 00:00:00"],
        "性别": ["女", "男"],
        "VIP": ["TRUE", "FALSE"],
    }
    with pytest.raises(InputError) as e:
        read_export(p, sheet="Orders")
    assert "Year 2009-2010" in e.value.render("en")


def test_an_xls_export_goes_through_intake(tmp_path):
    import shutil

    from conftest import TEST_DATA

    shutil.copy(TEST_DATA / "xls" / XLS, tmp_path / "orders.xls")
    cmap = tmp_path / "map.yaml"
    cmap.write_text(
        "orders:\n  order_id: Invoice\n  customer_id: Customer ID\n  order_date: InvoiceDate\n"
        "  quantity: Quantity\n  unit_price: Price\n  region: Country\n",
        encoding="utf-8",
    )
    r = run_intake(tmp_path, column_map=cmap, salt=SALT)
    assert r.quality["reading"]["orders"] == {"kind": "excel", "sheet": "Year 2009-2010"}
    o = r.tables["orders"]
    lines = pd.read_csv(TEST_DATA / "online_retail_ii_head30k.csv.gz", nrows=15)
    assert len(o) == 15 and sorted(o["order_id"].unique()) == ["489434", "489435", "489436"]
    assert o["amount"].sum() == pytest.approx((lines["Quantity"] * lines["Price"]).sum())
    assert o["order_date"].min() == pd.Timestamp("2009-12-01 07:45")
    assert r.quality["date_formats"]["orders"]["order_date"] == "%Y-%m-%d %H:%M:%S"


def test_without_xlrd_an_xls_export_is_one_problem_naming_the_file_and_the_fix(
    tmp_path, monkeypatch
):
    import shutil
    import sys

    from conftest import TEST_DATA

    shutil.copy(TEST_DATA / "xls" / XLS, tmp_path / "orders.xls")
    monkeypatch.setitem(sys.modules, "xlrd", None)  # import xlrd raises ImportError
    with pytest.raises(InputError) as e:
        run_intake(tmp_path, salt=SALT)
    assert len(e.value.problems) == 1
    en, zh = e.value.render("en"), e.value.render("zh")
    assert "orders.xls" in en and "xlrd" in en and ".xlsx or CSV" in en and "make setup" in en
    assert "orders.xls" in zh and "另存为 .xlsx 或 CSV" in zh
