"""Issue 19, the engine setting (``engine: duckdb | spark``, ``spark_master``) and the one
definition of each heavy query (DuckDB SQL, transpiled to Spark SQL): checks that need no JVM.
The Spark runs themselves are in test_spark.py."""

import numpy as np
import pandas as pd
import pytest
from kequn.data import engine
from kequn.data.problems import SettingsError
from kequn.run import config, params
from test_params import _report


def test_engine_settings_default_to_duckdb_on_this_machine():
    assert params.default("engine") == "duckdb" and params.default("spark_master") == "local[*]"
    for stage in params.STAGES:  # every stage may run the heavy queries
        assert {"engine", "spark_master"} <= set(params.stage_names(stage))


@pytest.mark.parametrize(
    "master",
    ["local", "local[*]", "local[2]", "local[4,3]", "spark://m1:7077", "spark://m1:7077,m2:7077"]
    + ["yarn", "k8s://https://k8s.example:443", "mesos://m:5050"],
)
def test_masters_spark_submit_accepts_are_accepted(master):
    assert engine.check("spark", master) == []


@pytest.mark.parametrize(
    "master", ["", "local[0]", "local[two]", "spark://", "yarn-cluster", "http://m:7077", 7077]
)
def test_other_masters_are_refused_with_the_forms_spark_accepts(master):
    (p,) = engine.check("spark", master)
    assert p.key == "bad_spark_master"
    assert "spark://主机:7077" in p.texts("zh")[1] and "spark://host:7077" in p.texts("en")[1]


def test_a_notebook_stops_on_an_unknown_engine_in_the_runs_language_before_any_work():
    ns = {n: params.default(n) for n in params.stage_names("01_profiling")}
    for lang, head in (("zh", "设置有 1 个问题，运行没有开始。"), ("en", "")):
        with pytest.raises(SettingsError) as e:
            params.settings({**ns, "lang": lang, "engine": "sparkk"}, "01_profiling")
        text = e.value.render(lang)
        assert text.startswith(head) and "sparkk" in text and "duckdb, spark" in text
    with pytest.raises(SettingsError):
        params.settings({**ns, "spark_master": "cluster"}, "01_profiling")
    with pytest.raises(SettingsError):  # a type, checked with the others
        params.settings({**ns, "engine": 3}, "01_profiling")


def test_settings_make_the_stages_engine_the_processs_engine():
    ns = {n: params.default(n) for n in params.stage_names("03_value")}
    try:
        params.settings({**ns, "engine": "spark", "spark_master": "local[2]"}, "03_value")
        assert engine.current() == ("spark", "local[2]")
        params.settings(ns, "03_value")
        assert engine.current() == ("duckdb", "local[*]")
    finally:
        engine.use("duckdb", "local[*]")


def test_a_config_with_a_bad_engine_is_refused_when_it_is_read(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("engine: spark\nspark_master: 'spark//m:7077'\n", encoding="utf-8")
    with pytest.raises(SettingsError) as e:
        config.load_config(p)
    assert [x.key for x in e.value.problems] == ["bad_spark_master"]
    p.write_text("engine: spark\nspark_master: yarn\n", encoding="utf-8")
    assert config.load_config(p)["engine"] == "spark"


def test_make_report_with_a_bad_engine_stops_before_intake_in_chinese(tmp_path):
    err = _report(tmp_path, "lang: zh\nengine: hadoop\n")
    assert "设置有 1 个问题，运行没有开始。" in err and "hadoop" in err and "Traceback" not in err


def test_translation_keeps_parameters_bound_and_fixes_what_the_dialects_read_differently():
    sql = engine.to_spark(
        "SELECT date_diff('day', a, $cut::DATE) / 7.0 AS t, sum(v::DECIMAL(18, 2)) AS s,"
        ' year($cut::DATE) - b AS age, count(DISTINCT hash(c, d)) AS n, "T" FROM x'
        " WHERE k = $k0 GROUP BY ALL"
    )
    assert ":cut" in sql and ":k0" in sql and "$" not in sql  # bound, never inlined
    assert "/ CAST(7.0 AS DOUBLE)" in sql  # DuckDB divides by a decimal literal in floating point
    assert "DECIMAL(18, 2)" in sql  # … but a type's precision stays
    assert "CAST(YEAR(" in sql and "AS BIGINT)" in sql  # BIGINT, as DuckDB's year()
    assert "XXHASH64(c, d)" in sql  # 64-bit, as DuckDB's hash
    assert "`T`" in sql


def test_duckdb_runs_never_load_spark():
    import subprocess
    import sys

    code = (
        "import sys, pandas as pd; from kequn.data import features; from kequn.models import propensity, trends;"
        "assert 'pyspark' not in sys.modules and 'sqlglot' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_headers_stay_names_in_spark_sql():
    """A header is quoted for DuckDB (``features._ident``) and stays one quoted name in the
    Spark text: a backtick in it is doubled, never the end of the name."""
    from kequn.data.features import _ident

    for header in ["psy x`; DROP TABLE t; --", 'a"b', "psy 价格 敏感度", "it's"]:
        sql = engine.to_spark(f"SELECT c.{_ident(header)} FROM customers c WHERE k = $v0")
        quoted = "`" + header.replace("`", "``") + "`"
        assert sql == f"SELECT c.{quoted} FROM customers AS c WHERE k = :v0"


# --- money sums: one answer on any thread count and row order ------------------------------


def _shop(folder, orders: pd.DataFrame):
    from kequn.data.io import write_table_atomic

    clean = folder / "clean"
    customers = pd.DataFrame({"customer_id": sorted(orders["customer_id"].unique())})
    write_table_atomic(customers, clean / "customers.parquet")
    write_table_atomic(orders, clean / "orders.parquet")
    return clean


def test_money_sums_do_not_depend_on_the_order_of_the_rows(tmp_path):
    """A sum of doubles depends on the order of its additions, and DuckDB hands a customer's
    rows to its threads as they come (at 1M customers 13% of the revenue sums differed from
    run to run). The feature table, the propensity snapshot and monthly demand sum money as
    exact decimals: the same bits with the rows shuffled, each sum the decimal sum of the
    amounts (to 4 places) rounded once (recomputed here with Python's Decimal)."""
    from decimal import Decimal

    from kequn.data.features import feature_table
    from kequn.models import propensity, trends

    rng = np.random.default_rng(3)
    n = 6000
    orders = pd.DataFrame(
        {
            "order_id": [f"O{i}" for i in range(n)],
            "customer_id": [f"C{i % 40:02d}" for i in range(n)],
            "order_date": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 360, n), unit="D"),
            "amount": np.round(rng.uniform(-20, 500, n), 2),
            "cost": np.round(rng.uniform(0, 100, n), 2),
            "category": rng.choice(["食品", "服饰", "数码"], n),
        }
    )
    shuffled = orders.sample(frac=1, random_state=5).reset_index(drop=True)
    a, b = _shop(tmp_path / "a", orders), _shop(tmp_path / "b", shuffled)
    as_of = "2024-12-31"

    def results(clean):
        f = feature_table(clean, as_of).frame.set_index("customer_id").sort_index()
        s = propensity.snapshot(clean, "2024-09-30", ["食品", "服饰"], 60)
        m = trends.monthly(clean, as_of)
        return f, s.set_index("customer_id").sort_index(), m

    for x, y in zip(results(a), results(b)):
        pd.testing.assert_frame_equal(x, y, check_exact=True)
    f, s, m = results(a)
    buys = orders[orders["amount"] >= 0]

    def exact(values) -> float:  # each value to 4 places, then one rounding of the sum
        places = Decimal("0.0001")
        return float(sum((Decimal(repr(v)).quantize(places) for v in values), Decimal(0)))

    expected = buys.groupby("customer_id")["amount"].agg(exact)
    assert f["revenue"].to_dict() == expected.to_dict()
    assert exact([0.1, 0.2]) == 0.3 != 0.1 + 0.2  # what "exact" buys over a double sum
    margin = buys.assign(m=buys["amount"] - buys["cost"]).groupby("customer_id")["m"].agg(exact)
    assert f["margin"].to_dict() == margin.to_dict()
    spend = buys[buys["order_date"] <= "2024-09-30"].groupby("customer_id")["amount"].agg(exact)
    assert s["spend"].to_dict() == spend.to_dict()
    month = orders.assign(month=orders["order_date"].dt.to_period("M").dt.start_time)
    by_month = month.groupby(["month", "category"])["amount"].agg(exact)
    got = m.set_index(["month", "category"])["revenue"]
    assert got.to_dict() == by_month.reindex(got.index).to_dict()


def test_a_nan_cost_counts_as_missing_instead_of_stopping_the_money_sums(tmp_path):
    """Kequn's intake stores NaN as missing, but a clean table written otherwise (Spark intake
    over a Parquet source, an analyst's own) may hold NaN: it is left out of the sum as NULL is,
    not a "could not cast nan to DECIMAL" error."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    from kequn.data.features import btyd_summary, feature_table

    clean = tmp_path / "clean"
    clean.mkdir()
    pq.write_table(pa.table({"customer_id": ["A", "B"]}), clean / "customers.parquet")
    orders = pa.table(
        {
            "order_id": ["1", "2", "3"],
            "customer_id": ["A", "A", "B"],
            "order_date": pa.array(pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"])),
            "amount": [10.0, 5.5, 3.0],
            "cost": pa.array([1.0, float("nan"), float("inf")], from_pandas=False),
        }
    )
    assert pc.is_nan(orders["cost"]).to_pylist() == [False, True, False]
    pq.write_table(orders, clean / "orders.parquet")
    f = feature_table(clean, "2024-06-30").frame.set_index("customer_id")
    assert f["revenue"].to_dict() == {"A": 15.5, "B": 3.0}
    assert f.loc["A", "margin"] == 9.0 and f.loc["B", "margin"] == 0.0  # NaN and -inf left out
    assert len(btyd_summary(clean, "2024-06-30")) == 2
