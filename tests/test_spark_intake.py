"""Issue 19, Spark-side intake of a clean export (``kequn.spark_intake``): the same clean tables
and pseudonyms as the pandas intake on a clean demo export, partitioned Parquet the Spark engine
reads into the same feature table; invalid rows stop it with counts or are dropped and counted;
tables from the session catalog (the path Hive tables take)."""

import pandas as pd
import pytest
from conftest import SALT
from kequn import synth
from kequn.features import build_features
from kequn.intake import run_intake
from kequn.problems import InputError
from kequn.spark_intake import run_spark_intake
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
        elif df[c].dtype == "string" or str(df[c].dtype).startswith("large_string"):
            df[c] = df[c].astype(object)
        elif df[c].dtype == "boolean":
            df[c] = df[c].astype(object)
        elif df[c].dtype == object:
            df[c] = df[c].where(df[c].notna(), None)
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
