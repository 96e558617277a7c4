"""Issue 19, Spark-side intake of a clean export (``kequn.data.spark_intake``): the same clean tables
and pseudonyms as the pandas intake on a clean demo export, partitioned Parquet the Spark engine
reads into the same feature table; invalid rows stop it with counts or are dropped and counted;
tables from the session catalog (the path Hive tables take)."""

import pandas as pd
import pytest
from conftest import SALT
from kequn.data.features import build_features
from kequn.data.intake import run_intake
from kequn.data.problems import InputError
from kequn.data.spark_intake import run_spark_intake
from kequn.demo import synth
from test_spark import same

pytestmark = pytest.mark.spark
KEYS = {
    "customers": ["customer_id"],
    "orders": ["order_id"],
    "events": ["customer_id", "ts", "event_type"],
    "feedback": ["feedback_id"],
}


def _normal(df: pd.DataFrame, keys) -> pd.DataFrame:
    """Rows by key, datetimes in ns, text as object (Spark writes µs and plain strings)."""
    df = df.drop(columns=["month"], errors="ignore").copy()
    for c in df.columns:
        if df[c].dtype.kind == "M":
            df[c] = df[c].astype("datetime64[ns]")
        elif df[c].dtype.kind not in "fiu":  # text and yes/no: plain objects, None for missing
            df[c] = df[c].astype(object).where(df[c].notna(), None)
    return df.sort_values(keys, kind="stable").reset_index(drop=True)


@pytest.fixture(scope="module")
def both(tmp_path_factory, spark):
    root = tmp_path_factory.mktemp("spark_intake")
    raw = synth.write(synth.generate(400, seed=5), root / "raw")
    r = run_intake(raw, root / "pandas", salt=SALT)
    facts = run_spark_intake(spark, raw, root / "spark", salt=SALT)
    return r.quality, facts, root


def test_clean_tables_and_pseudonyms_equal_the_pandas_intakes(both):
    quality, facts, root = both
    assert facts["as_of"] == str(quality["as_of"])[:10]
    for t, keys in KEYS.items():
        a = pd.read_parquet(root / "pandas" / "clean" / f"{t}.parquet")
        b = pd.read_parquet(root / "spark" / "clean" / f"{t}.parquet")
        assert len(a) == len(b) == facts["rows_clean"][t] > 0, t
        a, b = _normal(a, keys), _normal(b[list(a.columns)], keys)
        pd.testing.assert_frame_equal(a, b, check_dtype=False, obj=t)
    rules = {(x["table"], x["rule"]) for x in facts["cleaning"]}
    assert ("customers", "pii_columns_dropped") in rules  # name, phone, e-mail
    reid = pd.read_parquet(root / "spark" / "reid" / "reid.parquet")
    assert (
        len(reid) == facts["rows_clean"]["customers"] and reid["crm_id"].str.startswith("C").all()
    )
    assert (root / "spark" / "clean" / "orders.parquet").is_dir()
    assert any(p.name.startswith("month=") for p in (root / "spark/clean/orders.parquet").iterdir())


def test_the_spark_engine_reads_them_into_the_same_feature_table(both):
    quality, facts, root = both
    duck = build_features(root / "pandas" / "clean", quality["as_of"], engine="duckdb")
    spk = build_features(root / "spark" / "clean", facts["as_of"], engine="spark")
    for df in (duck, spk):
        df["signup_date"] = df["signup_date"].astype("datetime64[ns]")  # Spark writes µs
    same(duck, spk)


def test_invalid_rows_stop_with_counts_or_are_dropped(spark, tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "orders.csv").write_text(
        "order_id,customer_id,order_date,amount\n1,A,2024-05-01,10\n2,B,someday,5\n"
        "3,A,2024-05-03,x\n4,C,2024-05-04,-3\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as e:
        run_spark_intake(spark, raw, tmp_path / "out", salt=SALT)
    text = e.value.render("zh")
    assert "2 行" in text and "order_date" in text and "amount" in text
    facts = run_spark_intake(spark, raw, tmp_path / "out", salt=SALT, invalid_rows="drop")
    assert facts["rows_clean"] == {"orders": 2, "customers": 2}  # customers from the orders
    assert {"table": "orders", "rule": "invalid_rows_dropped", "rows": 2} in facts["cleaning"]


def test_tables_from_the_session_catalog(spark, tmp_path):
    """``hive:db.table`` reads ``spark.table``: here a view of the session catalog, as a Hive
    table would be on a cluster whose session has Hive support."""
    spark.createDataFrame(
        pd.DataFrame(
            {
                "order_id": ["1", "2"],
                "customer_id": ["A", "B"],
                "order_date": pd.to_datetime(["2024-05-01", "2024-05-02"]),
                "amount": [10.0, 20.0],
            }
        )
    ).createOrReplaceTempView("lake_orders")
    facts = run_spark_intake(spark, {"orders": "hive:lake_orders"}, tmp_path / "o", salt=SALT)
    assert facts["rows_clean"]["orders"] == 2 and facts["as_of"] == "2024-05-02"


def test_rules_a_clean_demo_never_meets_give_the_pandas_intakes_tables(spark, tmp_path):
    """Spellings of enumerations and yes/no, out-of-range values, rows after the as-of date,
    orphans, a phone number typed into a text, a personal-data column: both intakes agree."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "customers.csv").write_text(
        "customer_id,gender,birth_year,city_tier,income,phone\n"
        "A,女,1990,一线城市,9000,13800138000\nB,male,1850,tier 2,-5,\nC,F,1975,,12000,\n",
        encoding="utf-8",
    )
    (raw / "orders.csv").write_text(
        "order_id,customer_id,order_date,amount,category,coupon_used,discount\n"
        "1,A,2024-05-01,10,食品,是,0.1\n2,B,2024-05-02,5,客服电话13900139000,否,1.5\n"
        "3,A,2024-07-03,7,食品,yes,0\n4,Z,2024-05-04,3,食品,no,0\n5,C,2024-05-05,-2,服饰,,\n",
        encoding="utf-8",
    )
    (raw / "events.csv").write_text(
        "customer_id,ts,event_type,channel\nA,2024-05-01 10:00:00,like,app\n"
        "C,2024-06-09 08:00:00,share,web\nQ,2024-05-01 09:00:00,like,app\n",
        encoding="utf-8",
    )
    r = run_intake(raw, tmp_path / "pandas", salt=SALT, as_of="2024-06-01", invalid_rows="drop")
    assert str(r.quality["as_of"])[:10] == "2024-06-01"
    facts = run_spark_intake(
        spark, raw, tmp_path / "spark", salt=SALT, as_of="2024-06-01", invalid_rows="drop"
    )
    for t in ("customers", "orders", "events"):
        a = pd.read_parquet(tmp_path / "pandas" / "clean" / f"{t}.parquet")
        b = pd.read_parquet(tmp_path / "spark" / "clean" / f"{t}.parquet")
        a, b = _normal(a, KEYS[t]), _normal(b[list(a.columns)], KEYS[t])
        pd.testing.assert_frame_equal(a, b, check_dtype=False, obj=t)
    assert facts["rows_clean"] == {"customers": 3, "orders": 3, "events": 1}
    assert "phone" not in pd.read_parquet(tmp_path / "spark" / "clean" / "customers.parquet")
