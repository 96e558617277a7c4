import json

import numpy as np
import pandas as pd
import pytest
from conftest import SALT, TEST_DATA, tree_digest
from hypothesis import given, settings
from hypothesis import strategies as st
from kequn.data.intake import run_intake
from kequn.data.problems import InputError


def rules(quality, table):
    return {c["rule"]: c["rows"] for c in quality["cleaning"] if c["table"] == table}


def test_clean_demo_passes_through_unchanged_in_size(demo_dir, demo, tmp_path):
    r = run_intake(demo_dir, tmp_path, salt=SALT)
    q = r.quality
    assert q["rows_clean"]["customers"] == len(demo.customers)
    assert q["rows_clean"]["orders"] == len(demo.orders)
    assert q["as_of"] == "2026-06-30"
    assert rules(q, "orders")["returns_kept"] == int((demo.orders["amount"] < 0).sum())
    assert {"name", "phone", "email"}.isdisjoint(r.tables["customers"].columns)
    assert r.tables["orders"]["customer_id"].str.fullmatch(r"K[0-9a-f]{16}").all()
    assert (tmp_path / "clean" / "orders.parquet").exists() and (tmp_path / "quality.json").exists()


def test_messy_export_every_injected_fault_is_found_and_counted(messy_dir, demo, tmp_path):
    before = tree_digest(messy_dir)
    r = run_intake(messy_dir, tmp_path, salt=SALT)
    faults = json.loads((messy_dir / "_truth" / "messy_faults.json").read_text())
    q = r.quality
    c, o = rules(q, "customers"), rules(q, "orders")
    assert c["duplicate_rows_dropped"] == faults["customers_duplicate_rows"]
    assert o["duplicate_rows_dropped"] == faults["orders_duplicate_rows"]
    assert o["future_dated_rows_dropped"] == faults["orders_future_dates"]
    assert o["orphan_rows_dropped"] == faults["orders_orphans"] + faults["orders_keys_lost_zeros"]
    # zero-padded keys kept as written; keys that lost their zeros are said, never merged
    assert len(r.tables["customers"]) == len(demo.customers)
    lost = [
        w
        for w in q["warnings"]
        if w.get("rule") == "keys_differ_by_leading_zeros" and w["file"] == "orders"
    ]
    assert lost and lost[0]["count"] == faults["orders_keys_lost_zeros_distinct"]
    assert q["rows_clean"]["orders"] == faults["orders_valid_rows"]
    birth = [w for w in q["warnings"] if w["column"] == "birth_year"][0]
    assert (
        birth["count"] == faults["customers_birth_year_implausible"]
        and birth["values"][0] == "1890"
    )
    cust = r.tables["customers"]
    # Chinese headers mapped, GBK decoded, 男/女 normalised, 未知 and blanks are missing
    assert cust["gender"].isna().sum() == faults["customers_gender_unknown"]
    assert set(cust["gender"].dropna()) == {"F", "M"}
    assert cust["income"].isna().sum() == faults["customers_income_missing"]
    # all four date formats and ¥-formatted amounts parsed: nothing invalid in orders
    assert q["validity"]["orders"]["order_date"] == 1.0 and q["validity"]["orders"]["amount"] == 1.0
    # GBK Kano words (喜欢 … 不喜欢) read as the five canonical answers
    assert (
        r.tables["kano"]["functional"]
        .isin(["like", "must_be", "neutral", "live_with", "dislike"])
        .all()
    )
    # placeholder and typo years dropped and counted; each table's style, delimiter, sheet, layout
    assert o["dates_out_of_range"] == faults["orders_far_dates"]
    reading, formats = q["reading"], q["date_formats"]
    assert formats["events"]["ts"] == faults["events_ts_style"]
    assert reading["events"]["delimiter"] == faults["events_delimiter"]
    assert formats["feedback"]["created_at"] == faults["feedback_date_style"]
    assert reading["feedback"]["delimiter"] == faults["feedback_delimiter"]
    assert reading["kano"] == {"kind": "excel", "sheet": faults["kano_sheet"], "layout": "wide"}
    assert len(r.tables["kano"]) == faults["kano_pairs"]
    assert reading["orders"]["repeated_headers"] == {
        f"{faults['orders_repeated_header']} (2)": "备注"
    }
    assert q["validity"]["events"]["ts"] == 1.0 and q["validity"]["feedback"]["created_at"] == 1.0
    assert tree_digest(messy_dir) == before  # raw files never touched


def test_messy_and_clean_exports_give_the_same_clean_orders(demo_dir, messy_dir, tmp_path):
    a = run_intake(demo_dir, None, salt=SALT).tables["orders"]
    b = run_intake(messy_dir, None, salt=SALT).tables["orders"]
    key = ["order_id"]
    a = a.sort_values(key, ignore_index=True)
    b = b.sort_values(key, ignore_index=True)
    # the messy export lost its orphans and future-dated rows; all else parses identically
    merged = a.merge(b, on="order_id", suffixes=("", "_m"))
    assert len(merged) == len(b)
    assert (merged["order_date"] == merged["order_date_m"]).all()
    assert (merged["amount"].round(2) == merged["amount_m"].round(2)).all()


def _write(folder, name, text, encoding="utf-8"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding=encoding)


CUSTOMERS = "customer_id,signup_date,gender\nC1,2024-01-01,F\nC2,2024-02-01,M\n"


def test_missing_required_column_names_file_column_and_fix(tmp_path):
    raw = tmp_path / "raw"
    _write(raw, "customers.csv", CUSTOMERS)
    _write(raw, "orders.csv", "order_id,customer_id,amount\n1,C1,10\n")
    out = tmp_path / "out"
    with pytest.raises(InputError) as e:
        run_intake(raw, out, salt=SALT)
    msg = str(e.value)
    assert "orders.csv" in msg and "'order_date' is missing" in msg and "column map" in msg
    assert not out.exists()  # nothing half-written


def test_several_problems_reported_together_with_rows(tmp_path):
    raw = tmp_path / "raw"
    _write(raw, "customers.csv", CUSTOMERS)
    _write(
        raw,
        "orders.csv",
        "order_id,customer_id,order_date,amount\n1,C1,2024-03-01,10\n"
        "2,C1,yesterday,12\n3,C2,2024-03-02,ten\n4,C2,2024-03-03,5\n",
    )
    _write(raw, "events.csv", "customer_id,event_type\nC1,like\n")
    with pytest.raises(InputError) as e:
        run_intake(raw, tmp_path / "out", salt=SALT)
    probs = e.value.problems
    assert len(probs) == 3
    by_col = {p.column: p for p in probs}
    assert by_col["order_date"].rows == [3] and by_col["order_date"].values == ["yesterday"]
    assert by_col["amount"].rows == [4] and by_col["amount"].values == ["ten"]
    assert by_col["ts"].file == "events.csv"
    assert "invalid_rows: drop" in by_col["amount"].fix


def test_drop_policy_leaves_bad_rows_out_and_counts_them(tmp_path):
    raw = tmp_path / "raw"
    _write(raw, "customers.csv", CUSTOMERS)
    _write(
        raw,
        "orders.csv",
        "order_id,customer_id,order_date,amount\n1,C1,2024-03-01,10\n2,C1,yesterday,12\n",
    )
    r = run_intake(raw, None, salt=SALT, invalid_rows="drop")
    assert len(r.tables["orders"]) == 1
    assert rules(r.quality, "orders")["invalid_required_rows_dropped"] == 1


def test_empty_and_header_only_files_and_missing_orders(tmp_path):
    raw = tmp_path / "raw"
    _write(raw, "customers.csv", "")
    with pytest.raises(InputError) as e:
        run_intake(raw, None, salt=SALT)
    msg = str(e.value)
    assert "customers.csv: the file is empty" in msg and "the orders table is missing" in msg
    _write(raw, "customers.csv", CUSTOMERS)
    _write(raw, "orders.csv", "order_id,customer_id,order_date,amount\n")
    with pytest.raises(InputError, match="has a header but no rows"):
        run_intake(raw, None, salt=SALT)


def test_extreme_and_implausible_values_are_handled(tmp_path):
    raw = tmp_path / "raw"
    _write(raw, "customers.csv", "customer_id,income,birth_year\nC1,9999999,1890\nC2,8000,1990\n")
    rows = "".join(f"{i},C2,2024-03-01,{10 + i % 7}\n" for i in range(200))
    _write(
        raw,
        "orders.csv",
        "order_id,customer_id,order_date,amount\n" + rows + "999,C1,2024-03-02,5000000\n",
    )
    r = run_intake(raw, None, salt=SALT)
    c = r.tables["customers"].set_index(r.tables["customers"].index)
    assert c["income"].isna().sum() == 1 and c["birth_year"].isna().sum() == 1
    assert rules(r.quality, "orders")["extreme_amounts_flagged"] == 1


def test_user_column_map_and_its_errors(tmp_path):
    raw = tmp_path / "raw"
    _write(raw, "clients.csv", "Kunde,Anmeldung\nC1,2024-01-01\n")
    _write(raw, "orders.csv", "order_id,customer_id,order_date,amount\n1,C1,2024-03-01,10\n")
    cmap = tmp_path / "map.yaml"
    cmap.write_text(
        "files: {customers: clients.csv}\ncustomers: {customer_id: Kunde, signup_date: Anmeldung}\n"
    )
    r = run_intake(raw, None, column_map=cmap, salt=SALT)
    assert r.tables["customers"]["signup_date"].iloc[0] == pd.Timestamp("2024-01-01")
    cmap.write_text("customers: {kunde_id: Kunde}\n")
    with pytest.raises(InputError, match="unknown column 'kunde_id'"):
        run_intake(raw, None, column_map=cmap, salt=SALT)


def test_two_headers_meaning_the_same_column(tmp_path):
    raw = tmp_path / "raw"
    _write(
        raw, "orders.csv", "order_id,订单号,customer_id,order_date,amount\n1,1,C1,2024-03-01,10\n"
    )
    with pytest.raises(InputError, match="both mean 'order_id'"):
        run_intake(raw, None, salt=SALT)


def test_online_retail_through_a_column_map(tmp_path):
    from kequn.run.config import project_root

    lines = pd.read_csv(TEST_DATA / "online_retail_ii_head30k.csv.gz", dtype=str)
    raw = lines.drop_duplicates()
    r = run_intake(
        TEST_DATA,
        tmp_path,
        column_map=project_root() / "config/columns/online_retail_ii.yaml",
        salt=SALT,
    )
    q = r.quality
    o = rules(q, "orders")
    assert o["anonymous_orders_dropped"] == raw["Customer ID"].isna().sum()
    assert o["duplicate_rows_dropped"] == lines.duplicated().sum() > 0
    with_id = dedup = raw[raw["Customer ID"].notna()]
    cancelled = dedup["Invoice"].str.startswith("C") & (dedup["Quantity"].astype(float) < 0)
    assert o["returns_kept"] >= cancelled.sum() > 0
    assert (
        rules(q, "customers")["customers_derived_from_orders"] == with_id["Customer ID"].nunique()
    )
    amount = r.tables["orders"]["amount"].sum()
    expect = (dedup["Quantity"].astype(float) * dedup["Price"].astype(float)).sum()
    assert amount == pytest.approx(expect)
    assert q["as_of"] == str(pd.to_datetime(raw["InvoiceDate"]).max().date())


def test_notebook_intake_reruns_only_when_inputs_change(tmp_path):
    import os

    from kequn.data.run_folder import load_or_run_intake

    raw = tmp_path / "raw"
    _write(raw, "customers.csv", CUSTOMERS)
    _write(raw, "orders.csv", "order_id,customer_id,order_date,amount\n1,C1,2024-03-01,10\n")
    out = tmp_path / "proc"
    kw = dict(privacy={"salt": SALT})
    assert load_or_run_intake(raw, out, **kw)["rows_clean"]["orders"] == 1
    (out / "quality.json").write_text(json.dumps({"marker": True, "rows_clean": {"orders": 1}}))
    assert load_or_run_intake(raw, out, **kw).get("marker")  # unchanged inputs: reused
    _write(
        raw,
        "orders.csv",
        "order_id,customer_id,order_date,amount\n1,C1,2024-03-01,10\n2,C2,2024-03-02,5\n",
    )
    os.utime(raw / "orders.csv", ns=(1, 10**18))
    q = load_or_run_intake(raw, out, **kw)
    assert "marker" not in q and q["rows_clean"]["orders"] == 2


def test_duplicate_rows_match_pandas_including_missing_values():
    from kequn.data.intake import _duplicate_rows

    df = pd.DataFrame(
        {
            "a": ["x", "x", "y", None, None, "x"],
            "b": [1.0, 1.0, 2.0, None, None, 2.0],
            "c": pd.array(["p", "p", "p", "q", "q", "p"], dtype="string[pyarrow]"),
        }
    )
    assert _duplicate_rows(df).tolist() == [False, True, False, False, True, False]
    assert _duplicate_rows(df).tolist() == df.duplicated().tolist()
    unique = pd.DataFrame({"k": ["1", "2", "3"], "v": [1, 1, 1]})
    assert not _duplicate_rows(unique).any()


def test_problems_read_the_same_in_chinese_and_english(tmp_path):
    raw = tmp_path / "raw"
    _write(raw, "customers.csv", CUSTOMERS)
    _write(raw, "orders.csv", "order_id,customer_id,amount\n1,C1,ten\n")
    with pytest.raises(InputError) as e:
        run_intake(raw, None, salt=SALT)
    zh, en = e.value.render("zh"), e.value.render("en")
    assert (
        "输入数据有 1 个问题，未写入任何文件。" in zh
        and "缺少必填字段“order_date”" in zh
        and "修改:" in zh
    )
    assert (
        "1 problem in the input data; nothing was written." in en
        and "'order_date' is missing" in en
    )


def test_cli_reports_bad_input_in_the_run_language_without_traceback(tmp_path):
    import subprocess
    import sys

    import yaml

    raw = tmp_path / "raw"
    _write(raw, "customers.csv", CUSTOMERS)
    _write(raw, "orders.csv", "order_id,customer_id,order_date,amount\n1,C1,昨天,10\n")
    params = tmp_path / "params.yaml"
    params.write_text(
        yaml.safe_dump(
            {
                "data_dir": str(raw),
                "processed_dir": str(tmp_path / "out"),
                "lang": "zh",
                "privacy": {"salt": SALT},
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    r = subprocess.run(
        [sys.executable, "-m", "kequn.run.cli", "intake", "--params", str(params)],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert (
        "orders.csv，字段“order_date”，第 2 行: 值无法识别（应为日期，如 2024-03-05）" in r.stderr
    )
    assert "'昨天'" in r.stderr and not (tmp_path / "out").exists()


def test_unknown_kano_answers_are_rejected_with_the_files_rows(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "orders.csv").write_text("order_id,customer_id,order_date,amount\nO1,C1,2024-01-01,10\n")
    (raw / "kano.csv").write_text(
        "respondent_id,feature,functional,dysfunctional\nR1,配送,喜欢,不喜欢\n"
        "R2,配送,超喜欢,不喜欢\nR3,配送,I like it,maybe\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as e:
        run_intake(raw, tmp_path / "out", salt="k")
    text = str(e.value)
    assert "kano.csv, column 'functional', row 3" in text and "'超喜欢'" in text
    assert "kano.csv, column 'dysfunctional', row 4" in text and "'maybe'" in text
    assert "a Kano answer: 1–5" in text and not (tmp_path / "out" / "clean").exists()


def test_messy_fault_catalogue_each_case_is_reported_or_read_as_its_census_says(
    messy_dir, tmp_path
):
    """The stopping faults of `--messy` (one small export each): the problem, its lines and
    count with `invalid_rows: error`, the rows kept with `drop`; the others read as they are."""
    from kequn.data.problems import InputError

    folder = messy_dir / "_faults"
    census = json.loads((folder / "census.json").read_text(encoding="utf-8"))
    assert len(census) >= 7
    for name, want in census.items():
        if want["stops"]:
            with pytest.raises(InputError) as e:
                run_intake(folder / name, salt=SALT)
            p = [x for x in e.value.problems if x.key == want["key"]]
            assert len(p) == 1, (name, e.value.render("en"))
            assert p[0].count == want["count"], name
            if "lines" in want:
                assert p[0].rows == want["lines"], name
            if "column" in want:
                assert p[0].column == want["column"], name
            if "kept_with_drop" in want:
                r = run_intake(folder / name, salt=SALT, invalid_rows="drop")
                assert len(r.tables["orders"]) == want["kept_with_drop"], name
        else:
            r = run_intake(folder / name, salt=SALT)
            assert len(r.tables["orders"]) == want["rows"], name
            for k in ("delimiter", "kind"):
                if k in want:
                    assert r.quality["reading"]["orders"][k] == want[k], name
            if "feedback_rows" in want:
                assert len(r.tables["feedback"]) == want["feedback_rows"], name


# Exact duplicate rows found by a row hash and confirmed value by value (intake._duplicate_rows)
# give what the rule itself gives (intake._duplicate_rows_exact: pd.factorize per column).
_FEW_TEXT = st.sampled_from([None, "a", "b", "00123", "123", "中文", ""])
_FEW_FLOAT = st.sampled_from([float("nan"), 0.0, -0.0, 1.5, 1e300, float("inf")])
_FEW_TIME = st.sampled_from([None, "2024-03-05", "2024-03-05 10:00", "1970-01-01"])


def _dup_frame(rows) -> pd.DataFrame:
    text, floats, ints, when = map(list, zip(*rows))
    return pd.DataFrame(
        {
            "arrow": pd.Series(text, dtype="string[pyarrow]"),
            "object": pd.Series(text, dtype=object),
            "float": pd.Series(floats, dtype=float),
            "int": pd.Series(ints, dtype="int64"),
            "when": pd.to_datetime(pd.Series(when, dtype=object), format="mixed"),
            "utc": pd.to_datetime(pd.Series(when, dtype=object), format="mixed").dt.tz_localize(
                "UTC"
            ),
            "category": pd.Categorical(text),
            "flag": pd.Series([i % 2 == 0 for i in ints], dtype=bool),
        }
    )


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(_FEW_TEXT, _FEW_FLOAT, st.integers(-2, 2), _FEW_TIME), min_size=1, max_size=60
    ),
    st.booleans(),
)
def test_duplicate_rows_by_hash_are_the_rules_duplicates(rows, every_row_collides):
    """Duplicates found through the row hash equal the rule's: NaN equals NaN, -0.0 and 0.0,
    missing text, dates with and without a zone; and when every hash collides (all rows
    candidates) the value-by-value check alone still decides."""
    from kequn.data import intake

    df = _dup_frame(rows)
    want = intake._duplicate_rows_exact(df)
    if every_row_collides:
        with pytest.MonkeyPatch.context() as m:
            m.setattr(intake, "_row_hash", lambda d: np.zeros(len(d), dtype=np.uint64))
            got = intake._duplicate_rows(df)
    else:
        got = intake._duplicate_rows(df)
    assert got.tolist() == want.tolist()
    for cols in (["float"], ["when", "int"], ["arrow"], ["utc", "category", "flag"]):
        assert (
            intake._duplicate_rows(df[cols]).tolist()
            == intake._duplicate_rows_exact(df[cols]).tolist()
        )
