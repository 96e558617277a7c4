import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kequn.data import coerce
from kequn.data.io import read_table, write_table_atomic
from kequn.data.problems import InputError

FRAME = pd.DataFrame(
    {"客户编号": ["C1", "C2"], "城市": ["北京", "深圳"], "金额": ["1,234.50", "88"]}
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_reads_chinese_csv_in_every_export_encoding(tmp_path, encoding):
    p = tmp_path / "t.csv"
    FRAME.to_csv(p, index=False, encoding=encoding)
    df = read_table(p)
    assert list(df.columns) == ["客户编号", "城市", "金额"]
    assert df["城市"].tolist() == ["北京", "深圳"]


@pytest.mark.parametrize("suffix", ["parquet", "xlsx"])
def test_reads_parquet_and_excel(tmp_path, suffix):
    p = write_table_atomic(FRAME, tmp_path / f"t.{suffix}")
    assert read_table(p)["城市"].tolist() == ["北京", "深圳"]


def test_empty_file_is_a_clear_error(tmp_path):
    p = tmp_path / "orders.csv"
    p.write_bytes(b"")
    with pytest.raises(InputError) as e:
        read_table(p)
    assert "orders.csv: the file is empty" in str(e.value)


def test_undecodable_bytes_name_the_row_and_the_fix(tmp_path):
    p = tmp_path / "orders.csv"
    p.write_bytes("order_id,amount\n1,2\n".encode() + b"\x81\xff\xfe,3\n")
    with pytest.raises(InputError) as e:
        read_table(p)
    msg = str(e.value)
    assert "neither UTF-8 nor GBK" in msg and "row 3" in msg and "CSV UTF-8" in msg


def test_atomic_write_leaves_no_partial_file(tmp_path):
    class Boom(pd.DataFrame):
        def to_csv(self, *a, **k):
            raise OSError("disk full")

    with pytest.raises(OSError):
        write_table_atomic(Boom({"a": [1]}), tmp_path / "x.csv")
    assert list(tmp_path.iterdir()) == []


def test_dates_in_mixed_export_formats():
    s = pd.Series(
        [
            "2024-03-05",
            "2024/3/5",
            "2024.03.05",
            "20240305",
            "2024年3月5日",
            "2024-03-05 14:30:00",
            "",
            "未知",
            "05/03/2024",
            "not a date",
        ],
        dtype="string",
    )
    v, bad = coerce.parse_dates(s)
    assert (v.iloc[:6].dt.normalize() == pd.Timestamp("2024-03-05")).all()
    assert v.iloc[5] == pd.Timestamp("2024-03-05 14:30")
    assert v.iloc[6:].isna().all()
    assert bad.tolist() == [False] * 8 + [True, True]


def test_numbers_with_currency_separators_and_percent():
    s = pd.Series(["¥1,234.50", "￥88元", "15%", "-3.5", "abc", None], dtype="string")
    v, bad = coerce.parse_numbers(s)
    assert v.iloc[:4].tolist() == [1234.5, 88.0, 0.15, -3.5]
    assert bad.tolist() == [False, False, False, False, True, False]


def test_booleans_enums_and_float_keys():
    v, bad = coerce.parse_bool(pd.Series(["是", "否", "1", "0", "yes", "maybe"], dtype="string"))
    assert v.tolist()[:5] == [True, False, True, False, True] and bad.tolist()[-1]
    g, bad = coerce.parse_enum(
        pd.Series(["女", "Male", "未知", "x"], dtype="string"), {"女": "F", "male": "M"}
    )
    assert (
        g.tolist()[:2] == ["F", "M"]
        and pd.isna(g.iloc[2])
        and bad.tolist() == [False, False, False, True]
    )
    k, _ = coerce.parse_id(pd.Series([13085.0, 12346.0, None]))
    assert k.tolist()[:2] == ["13085", "12346"] and pd.isna(k.iloc[2])


def test_coerce_examples_run():
    import doctest

    res = doctest.testmod(coerce, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.attempted > 0 and res.failed == 0


def test_parse_age_says_how_far_inside_an_open_band_it_takes_the_age():
    """The docstring's "N years inside the bound" is the code's offset, for both open ends."""
    import re

    words = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
    said = re.search(r"(\w+) years inside the bound", " ".join(coerce.parse_age.__doc__.split()))
    age, _, _ = coerce.parse_age(pd.Series(["<25", ">65", "25岁以下", "65岁以上"]))
    assert said and [25 - age[0], age[1] - 65, 25 - age[2], age[3] - 65] == [words[said[1]]] * 4


_PLAIN = st.one_of(
    st.none(),
    st.builds(
        lambda sign, whole, frac, pad: f"{pad}{sign}{whole}{'.' + frac if frac else ''}{pad}",
        st.sampled_from(["", "-"]),
        st.integers(0, 10**15).map(str),
        st.one_of(st.just(""), st.text("0123456789", min_size=1, max_size=6)),
        st.sampled_from(["", " ", "  "]),
    ),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_PLAIN, min_size=1, max_size=30), st.sampled_from([coerce.STR, object]))
def test_plain_decimal_columns_read_as_python_reads_each_value(values, dtype):
    """The one-cast path for columns of plain decimals gives what float() gives per value."""
    num, bad = coerce.parse_numbers(pd.Series(values, dtype=dtype))
    want = [float(v) if v is not None else None for v in values]
    assert [None if pd.isna(x) else x for x in num.tolist()] == want
    assert not bad.any()


def test_a_column_with_one_non_plain_value_keeps_every_rule():
    num, bad = coerce.parse_numbers(pd.Series(["12.5", "¥1,200", "N/A", "5%", "abc", "1" * 400]))
    assert num.iloc[:2].tolist() == [12.5, 1200.0] and pd.isna(num.iloc[2]) and num.iloc[3] == 0.05
    assert bad.tolist() == [False, False, False, False, True, True]
