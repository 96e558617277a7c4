import pandas as pd
import pytest
from kequn.lang import i18n
from kequn.models import profiling as pf


def test_bands_have_the_stated_edges():
    s = pd.Series([17, 18, 24, 25, 64, 65, None])
    b = pf.cut(s, pf.AGE_EDGES, "en")
    assert b.tolist() == ["<18", "18–24", "18–24", "25–34", "55–64", "65+", "Unknown"]
    inc = pf.cut(pd.Series([4999, 5000, 50000]), pf.INCOME_EDGES, "zh")
    assert inc.tolist() == ["<5k", "5k–10k", "50k+"]


def test_headline_concentration_known_answer():
    f = pd.DataFrame(
        {
            "orders": [1] * 10,
            "monetary": [100.0, 100] + [10.0] * 8,
            "revenue": [100.0, 100] + [10.0] * 8,
            "returns": [0] * 9 + [1],
            "recency_days": [10] * 5 + [200] * 5,
            "tenure_days": [100] * 10,
        }
    )
    h = pf.headline(f, {"as_of": "2024-12-31"})
    assert h["top20_share"] == pytest.approx(200 / 280, abs=1e-4)
    assert h["active_90d"] == 5 and h["return_rate"] == 0.1 and h["aov"] == 28.0


def test_every_catalogue_entry_has_both_languages_and_unknown_passes_through():
    assert all(len(v) == 2 and all(v) for v in i18n.CATALOGUE.values())
    assert i18n.t("sec.quality", "en") == "Data-quality scorecard"
    assert i18n.t("某个值", "en") == "某个值"
    with pytest.raises(ValueError):
        i18n.t("x", "fr")


def test_cleaning_rules_all_have_labels():
    import inspect
    import re

    from kequn.data import intake

    src = inspect.getsource(intake)
    used = set(re.findall(r'log\.clean\([^,]+, f?"([a-z_{}]+)"', src))
    used = {u.replace("{col}", c) for u in used for c in ("first_response_at", "resolved_at")}
    missing = [u for u in used if u not in i18n.CATALOGUE]
    assert not missing


def test_portrait_recovers_the_planted_personas(demo_dir, demo, tmp_path):
    """The generator plants rich professionals in tier-1 cities and bargain hunters who buy on
    discount; the profile tables must show both."""
    from conftest import SALT
    from kequn.data import privacy
    from kequn.data.features import build_features
    from kequn.data.intake import run_intake

    r = run_intake(demo_dir, tmp_path, salt=SALT)
    f = build_features(tmp_path / "clean", r.quality["as_of"])
    bands = pf.add_bands(f, "en")
    tier = pf.distribution(bands, "city_tier", "en").set_index("City tier")
    spend = tier["Net spend per customer (CNY)"]
    assert spend["Tier 1"] > spend["Tier 3"] > spend["Tier 5"]
    inc = pf.distribution(bands, "income_band", "en").set_index("Monthly income (CNY)")[
        "Net spend per customer (CNY)"
    ]
    assert inc["50k+"] > 2 * inc["<5k"]
    ages = pf.distribution(bands, "age_band", "en").set_index("Age group")["Share of customers"]
    assert ages["25–34"] + ages["35–44"] > 0.45  # trend-seekers, families and professionals
    psy = pf.psychographics(f, "en").set_index("Figure")["Mean"]
    assert 1 <= psy.min() and psy.max() <= 7
    # discount share is highest among the planted bargain hunters
    truth = demo.truth_customers.assign(
        customer_id=lambda d: privacy.pseudonymize(d["customer_id"], privacy.load_salt(SALT))
    )
    m = f.merge(truth[["customer_id", "persona"]], on="customer_id")
    by = m[m["orders"] >= 3].groupby("persona")["discount_share"].mean()
    assert by.idxmax() == "bargain"


def test_spend_crosstab_blanks_cells_too_small_to_trust():
    b = pd.DataFrame(
        {"a": ["x"] * 40 + ["y"] * 5, "c": ["p"] * 45, "monetary": [10.0] * 40 + [99.0] * 5}
    )
    tab = pf.spend_crosstab(b, "a", "c", "en", min_n=30)
    assert tab.loc["x", "p"] == 10.0 and pd.isna(tab.loc["y", "p"])
    assert pf.spend_crosstab(b, "a", "missing_col", "en").empty


def test_psychographic_spread_rows_sum_to_one():
    f = pd.DataFrame({"psy_quality_focus": [1, 7, 7, 4], "psy_brand_loyalty": [2, 2, 3, None]})
    tab = pf.psychographic_spread(f, "en")
    assert list(tab.index) == ["Quality focus", "Brand loyalty"]
    assert tab.sum(axis=1).round(6).eq(1).all() and tab.loc["Quality focus", "7"] == 0.5
    assert pf.psychographic_spread(pd.DataFrame({"x": [1]}), "en").empty


def test_single_value_bands_read_as_one_number():
    b = pf.cut(pd.Series([1, 2, 3, 13]), pf.ORDER_EDGES, "en")
    assert b.tolist() == ["1", "2–3", "2–3", "13+"]


def test_caveats_name_absent_tables_dropped_rows_rules_and_stale_data():
    q = {
        "as_of": "2026-06-30",
        "files": {"customers": "客户.csv", "orders": "订单.csv", "feedback": "fb.csv"},
        "rows_raw": {"customers": 100, "orders": 1000, "feedback": 50},
        "rows_clean": {"customers": 100, "orders": 990, "feedback": 50},
        "cleaning": [
            {"table": "orders", "rule": "duplicate_rows_dropped", "rows": 10},
            {
                "table": "orders",
                "rule": "invalid_values_set_missing",
                "rows": 3,
                "column": "amount",
            },
            {
                "table": "customers",
                "rule": "pii_columns_dropped",
                "rows": 100,
                "columns": ["phone"],
            },
        ],
        "timeliness": {
            "orders": {"latest": "2026-06-29", "days_before_as_of": 1},
            "feedback": {"latest": "2026-03-01", "days_before_as_of": 121},
            "customers": {"latest": "2025-01-01", "days_before_as_of": 545},
        },
    }
    en = pf.caveats(q, ("customers", "orders", "feedback", "kano"), "en")
    assert en == [
        "orders (订单.csv): 1,000 rows read, 990 kept, 10 dropped.",
        "orders: Exact duplicate rows dropped: 10.",
        f"orders: {i18n.t('invalid_values_set_missing', 'en')} (amount): 3.",
        "The latest feedback record is from 2026-03-01, 121 days before the as-of date: recent figures may be low.",
        "The export has no Kano survey table: the parts that need it are left out.",
    ]
    assert (
        pf.caveats(q, ("customers",), "zh") == []
    )  # contact columns dropped is policy, sign-ups are not activity
    assert (
        pf.caveats(q, ("orders",), "zh")[0]
        == "订单（订单.csv）：读入 1,000 行，保留 990 行，删除 10 行。"
    )


# ---- stage 01's sections read their settings as attributes (kequn.stages.profiling)


def test_the_geography_section_shows_the_settings_top_regions():
    from kequn.data.settings import ProfilingSettings
    from kequn.stages import profiling as sp

    bands = pd.DataFrame(
        {
            "region": ["东"] * 5 + ["南"] * 3 + ["西"] * 2 + ["北"],
            "city_tier": ["tier1"] * 11,
            "monetary": [10.0] * 11,
            "orders": [1] * 11,
        }
    )
    settings = ProfilingSettings(age_edges=[18, 65], income_edges=[5000], top_n=2)
    regions = sp.geographic_section(bands, settings, "en").tables()[-1]
    assert regions.iloc[:, 0].tolist() == ["东", "南"] and regions.iloc[:, 1].tolist() == [5, 3]


def test_the_saved_headline_is_what_the_summary_reads(tmp_path):
    """profiling.json as stage 01 writes it: stage 06 finds its figures and its currency."""
    from kequn.lang.currency import resolve
    from kequn.models import summary as ms
    from kequn.stages import profiling as sp

    headline = {"customers": 20, "active_90d": 7, "revenue": 1234.5, "top20_share": 0.6}
    sp.save_headline(tmp_path, "shop-20260101", "en", resolve("GBP"), headline)
    figures = ms.headline_figures(tmp_path)
    assert (figures["customers"], figures["revenue"], figures["clv_mean"]) == (20, 1234.5, None)
    assert ms.currency_code(tmp_path) == "GBP"


def test_describe_is_pandas_describe_without_copying_the_table(tmp_path, monkeypatch):
    """``pf.describe`` gives ``DataFrame.describe``'s table exactly (dates, nullable integers,
    an empty column, text and yes/no left out as pandas leaves them out) and leaves the frame's
    columns in their own blocks, as ``load_features`` handed them over (at 1M customers
    pandas' merge of them was 5–6 s of the 6.8 s cell)."""
    import numpy as np
    from kequn.data.features import load_features
    from kequn.data.io import write_table_atomic

    rng = np.random.default_rng(1)
    n = 500
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(n)],
            "revenue": rng.gamma(2, 100, n),
            "orders": rng.integers(0, 9, n),
            "birth_year": pd.array(rng.integers(1950, 2005, n), dtype="Int64"),
            "first_order": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 300, n), "D"),
            "empty": np.full(n, np.nan),
            "vip": rng.random(n) > 0.5,
            "city": rng.choice(["上海", "北京"], n),
        }
    )
    frame.loc[::7, "revenue"] = np.nan
    write_table_atomic(frame, tmp_path / "features.parquet")
    (tmp_path / "feature_labels.json").write_text("{}", encoding="utf-8")
    loaded = load_features(tmp_path)
    assert not loaded._mgr.is_consolidated()  # one block per column, as loaded
    from pandas.core.internals import managers

    merged_rows = []  # the rows of every column block pandas merges into a 2-D one (a copy)

    def merge(blocks, *a, **k):
        merged_rows.extend(b.shape[-1] for b in blocks if len(blocks) > 1)
        return real_merge(blocks, *a, **k)

    real_merge = managers._merge_blocks
    monkeypatch.setattr(managers, "_merge_blocks", merge)
    got = pf.describe(loaded)
    assert max(merged_rows, default=0) <= 8  # the 2 rows read for the row order, the result
    loaded.describe()
    assert max(merged_rows) == n  # what pandas' own describe copies
    monkeypatch.undo()
    pd.testing.assert_frame_equal(got, loaded.describe(), check_exact=True)
    assert list(got.columns) == ["revenue", "orders", "birth_year", "first_order", "empty"]
    assert got.loc["count", "revenue"] == n - len(range(0, n, 7))
    only_text = frame[["customer_id", "city"]]
    pd.testing.assert_frame_equal(pf.describe(only_text), only_text.describe())
