import numpy as np
import pandas as pd
from kequn.demo import personas, synth
from scipy.stats import spearmanr


def test_same_seed_same_tables_and_other_seed_differs(demo):
    again = synth.generate(3000, seed=11)
    for name in synth.Demo.TABLES:
        pd.testing.assert_frame_equal(getattr(demo, name), getattr(again, name))
    other = synth.generate(3000, seed=12)
    assert not demo.orders["amount"].head(100).equals(other.orders["amount"].head(100))


def test_every_persona_planted_with_its_share(demo):
    share = demo.truth_customers["persona"].value_counts(normalize=True)
    assert set(share.index) == set(personas.PERSONAS)
    for key, p in personas.PERSONAS.items():
        assert abs(share[key] - p["share"]) < 0.03, key


def test_orders_follow_the_planted_buying_process(demo):
    t = demo.truth_customers.set_index("customer_id")
    n = demo.orders[demo.orders["amount"] > 0].groupby("customer_id").size()
    t["orders"] = n.reindex(t.index).fillna(0)
    buyers = t[t["buyer"]]
    # more purchases where the planted purchase rate is higher and dropout lower
    assert spearmanr(buyers["lambda_per_year"], buyers["orders"]).statistic > 0.3
    assert spearmanr(buyers["dropout_p"], buyers["orders"]).statistic < -0.2
    # order values centre on each customer's planted mean
    aov = demo.orders[demo.orders["amount"] > 0].groupby("customer_id")["amount"].mean()
    assert spearmanr(t.loc[aov.index, "mean_order_value"], aov).statistic > 0.8
    # never-buyers have no orders; every order is inside the window
    assert t.loc[~t["buyer"], "orders"].eq(0).all()
    d = pd.to_datetime(demo.orders["order_date"])
    assert d.min() >= synth.START and d.max() <= synth.END
    assert (demo.orders["amount"] < 0).mean() > 0.01  # returns exist


def test_feedback_and_kano_truth_line_up(demo):
    fb = demo.feedback.merge(demo.truth_feedback, on="feedback_id")
    assert len(fb) == len(demo.feedback)
    # review ratings follow the text's sentiment, with the disagreement real exports have
    rev = fb[fb["kind"] == "review"]
    agree = np.where(rev["sentiment"] == "positive", rev["rating"] >= 4, rev["rating"] <= 2)
    assert 0.90 < agree.mean() < 0.96
    # a complaint's rating judges its handling: only resolved ones carry one
    c = fb[fb["kind"] == "complaint"]
    assert (
        c.loc[c["status"] != "resolved", "rating"].isna().all() and c["rating"].notna().mean() > 0.5
    )
    # a quarter of the verdicts open with a clause of the other sentiment
    verdict = fb[fb["sentiment"].isin(["positive", "negative"])]
    assert (
        0.2
        < verdict["text"].str.contains("但是|不过|可是|然而|, but |, however |, yet ").mean()
        < 0.3
    )
    assert (fb["language"] == "en").mean() > 0.02
    assert fb["text"].str.len().min() > 3
    assert set(demo.truth_kano["category"]) <= {"M", "O", "A", "I", "R"}
    # a feature is must-be for one persona and attractive for another
    k = demo.truth_kano.pivot(index="feature", columns="persona", values="category")
    assert ((k == "M").any(axis=1) & (k == "A").any(axis=1)).any()


def test_pii_present_in_demo_for_privacy_tests(demo):
    c = demo.customers
    assert c["phone"].str.fullmatch(r"1[3-9]\d{9}").all()
    assert c["email"].str.contains("@").all()
    assert c["name"].str.len().eq(3).all()


def test_messy_faults_are_recorded(messy_dir):
    import json

    faults = json.loads((messy_dir / "_truth" / "messy_faults.json").read_text())
    assert faults["orders_duplicate_rows"] > 0 and faults["orders_orphans"] > 0
    raw = (messy_dir / "customers.csv").read_bytes()
    try:
        raw.decode("utf-8")
        is_utf8 = True
    except UnicodeDecodeError:
        is_utf8 = False
    assert not is_utf8 and "客户编号" in raw.decode("gbk")
    assert (messy_dir / "kano.xlsx").exists()


def test_scales_to_large_sizes_without_loops():
    d = synth.generate(60_000, seed=1)
    assert len(d.customers) == 60_000 and len(d.orders) > 300_000
    assert d.customers["customer_id"].is_unique and d.orders["order_id"].is_unique
    assert np.isfinite(d.orders["amount"]).all()
