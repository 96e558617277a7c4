"""Stage 06 (``kequn.models.summary``, ``kequn.models.segment_cards``, ``kequn.stages.summary``):
headline figures with their change since the previous run, the segment cards' figures and service
plans on a hand-made run folder with known answers, what changed between two runs, and cards that
survive missing stages."""

import json

import numpy as np
import pandas as pd
import pytest
from kequn.models import segment_cards as mc
from kequn.models import summary as ms
from kequn.stages import summary as report


def _run(folder, customers=8, top20=0.6, sla=0.7):
    folder.mkdir(parents=True)
    (folder / "clean").mkdir()
    ids = [f"K{i}" for i in range(8)]
    pd.DataFrame(
        {
            "customer_id": ids,
            "segment": [1, 1, 1, 1, 2, 2, 2, 2],
            "segment_name": ["价格敏感"] * 4 + ["<b>高端</b>"] * 4,
        }
    ).to_parquet(folder / "segments.parquet")
    pd.DataFrame(
        {
            "customer_id": ids,
            "monetary": [100.0, 100, 100, 100, 1000, 500, 250, 150],
            "clv": [10.0, 20, 30, 40, 400, 300, 200, 100],
            "tier": [
                "small",
                "small",
                "ordinary",
                "small",
                "key",
                "important",
                "ordinary",
                "small",
            ],
            "strategy": ["adaptive"] * 4 + ["yielding", "caring", "adaptive", "adaptive"],
            "stage": [
                "sleeping",
                "churned",
                "active",
                "new",
                "active",
                "active",
                "active",
                "sleeping",
            ],
            "churn_risk": [0.8, 0.9, 0.2, 0.3, 0.1, 0.1, 0.2, 0.6],
        }
    ).to_parquet(folder / "value.parquet")
    pd.DataFrame(
        {
            "customer_id": ids,
            "needs_group": [
                "price",
                "price",
                "price",
                "balanced",
                "quality",
                "quality",
                "service",
                "quality",
            ],
        }
    ).to_parquet(folder / "needs.parquet")
    pd.DataFrame(
        {
            "feedback_id": ["F1", "F2", "F3", "F4", "F5"],
            "customer_id": ["K0", "K1", "K2", "K4", "K5"],
            "nps": [10, 9, 3, 10, np.nan],
        }
    ).to_parquet(folder / "clean" / "feedback.parquet")
    pd.DataFrame(
        {
            "feedback_id": ["F1", "F2", "F3", "F4", "F5"],
            "sentiment": ["negative", "negative", "positive", "positive", "positive"],
            "topic": ["退款", "退款", "物流", None, "物流"],
        }
    ).to_parquet(folder / "feedback_scored.parquet")
    (folder / "profiling.json").write_text(
        json.dumps(
            {
                "headline": {
                    "customers": customers,
                    "active_90d": 5,
                    "revenue": 2300.0,
                    "top20_share": top20,
                }
            }
        )
    )
    (folder / "value.json").write_text(json.dumps({"clv_mean": 137.5}))
    (folder / "feedback.json").write_text(
        json.dumps({"nps": 40.0, "complaints": {"resolution_within_sla": sla}})
    )
    (folder / "clustering.json").write_text(
        json.dumps(
            {
                "attractiveness_rank": {"1": 2, "2": 1},
                "portraits": {"1": "爱比价的年轻人", "2": "高收入的品质客"},
            }
        )
    )
    (folder / "needs.json").write_text(
        json.dumps(
            {
                "kano_segments": {
                    "1": {
                        "answers": 120,
                        "key": [["快递", "M"], ["积分", "A"]],
                        "differs": [["积分", "A", "I"]],
                    },
                    "2": {"answers": 12, "key": [], "differs": []},
                }
            }
        )
    )
    return folder


def test_cards_are_the_same_whatever_order_the_stage_tables_list_their_customers(tmp_path):
    """The cards lay stage 03's and 04's columns onto the segments by customer (a left join,
    ``segment_cards._add_by_customer``): tables in another order, and a customer left out of
    every segment (HDBSCAN's noise, segment −1) with value, needs and feedback rows of its own,
    give the very same cards."""
    want = mc.segment_cards(_run(tmp_path / "demo-20260101"))
    folder = _run(tmp_path / "shuffled-20260101")
    for name in ("value.parquet", "needs.parquet"):
        t = pd.read_parquet(folder / name)
        extra = t.iloc[[0]].assign(customer_id="K-noise")
        pd.concat([t, extra]).iloc[::-1].to_parquet(folder / name)  # reversed, one more
    seg = pd.read_parquet(folder / "segments.parquet")
    noise = pd.DataFrame({"customer_id": ["K-noise"], "segment": [-1], "segment_name": ["—"]})
    pd.concat([noise, seg.iloc[[5, 1, 7, 0, 2, 6, 3, 4]]]).to_parquet(folder / "segments.parquet")
    fb = pd.read_parquet(folder / "clean" / "feedback.parquet")
    extra = pd.DataFrame({"feedback_id": ["F9"], "customer_id": ["K-noise"], "nps": [0.0]})
    pd.concat([extra, fb]).to_parquet(folder / "clean" / "feedback.parquet")
    scored = pd.read_parquet(folder / "feedback_scored.parquet")
    extra = pd.DataFrame({"feedback_id": ["F9"], "sentiment": ["negative"], "topic": ["退款"]})
    pd.concat([scored, extra]).to_parquet(folder / "feedback_scored.parquet")
    got = mc.segment_cards(folder)
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_cards_hold_the_known_figures(tmp_path):
    c = mc.segment_cards(_run(tmp_path / "demo-20260101")).set_index("segment")
    assert c.loc[1, "customers"] == 4 and c.loc[1, "share"] == 0.5
    assert c.loc[2, "revenue_share"] == pytest.approx(1900 / 2300)
    assert c.loc[2, "high_value_share"] == 0.5 and c.loc[
        2, "high_value_revenue_share"
    ] == pytest.approx(1500 / 1900)
    assert (c.loc[2, "n_yielding"], c.loc[2, "n_caring"], c.loc[2, "n_adaptive"]) == (1, 1, 2)
    assert (
        c.loc[1, "stage_sleeping"] + c.loc[1, "stage_churned"] == 0.5
        and c.loc[1, "stage_new"] == 0.25
    )
    assert (c.loc[1, "need"], c.loc[1, "need_share"]) == ("price", 0.75) and c.loc[
        2, "need"
    ] == "quality"
    assert c.loc[1, "nps"] == pytest.approx(100 * (2 - 1) / 3) and c.loc[1, "nps_n"] == 3
    assert c.loc[1, "negative_share"] == pytest.approx(2 / 3) and c.loc[1, "topics"] == ["退款"]
    assert c.loc[2, "clv_mean"] == 250 and c.loc[2, "rank"] == 1
    assert c.loc[1, ["tier_key", "tier_important", "tier_ordinary", "tier_small"]].tolist() == [
        0,
        0,
        0.25,
        0.75,
    ]
    assert c.loc[2, "portrait"] == "高收入的品质客" and c.loc[1, "kano"]["key"][0] == ["快递", "M"]


def test_card_facts_say_who_value_lifecycle_needs_and_feeling(tmp_path):
    c = mc.segment_cards(_run(tmp_path / "demo-20260101")).set_index("segment")
    one = dict(mc.facts(c.loc[1], "en"))
    assert "Key 0.0% · Important 0.0% · Ordinary 25.0% · Small 75.0%" in one["card.f.value"]
    assert one["card.f.lifecycle"].startswith(
        "New 25.0% · Active 25.0% · Sleeping 25.0% · Churned 25.0%"
    )
    assert (
        "must-be 快递 · attractive 积分" in one["card.f.needs"]
        and "积分 is attractive (everyone: indifferent)" in one["card.f.needs"]
    )
    assert (
        one["card.f.feel"]
        == "NPS +33 (3 scores); negative feedback 66.7%; commonest complaints: 退款"
    )
    two = dict(mc.facts(c.loc[2], "zh"))
    assert "本群回答太少" in two["card.f.needs"]  # every Kano cell of the segment was weak
    html = report.cards_html(c.reset_index(), "zh")
    assert (
        "<p class='portrait'>高收入的品质客</p>" in html
        and "<th>生命周期（占本群客户）</th>" in html
    )


def test_service_plan_follows_the_figures(tmp_path):
    c = mc.segment_cards(_run(tmp_path / "demo-20260101")).set_index("segment")
    one = dict((k, (what, why)) for k, what, why in mc.plan(c.loc[1], "en"))
    assert set(one) == {"plan.response", "plan.custom", "plan.flexible", "plan.interactive"}
    assert (
        "come-back" in one["plan.flexible"][0] and "50.0%" in one["plan.flexible"][1]
    )  # half sleeping or lapsed
    assert "退款" in one["plan.interactive"][0]  # unhappy: fix the commonest complaint first
    assert one["plan.custom"][0].startswith("Member prices") and "75.0%" in one["plan.custom"][1]
    two = dict((k, (what, why)) for k, what, why in mc.plan(c.loc[2], "zh"))
    assert "屈从型" in two["plan.response"][0] and "大客户 1 位" in two["plan.response"][0]
    assert "邀请评价" in two["plan.interactive"][0]  # content: engage, not fix
    html = report.cards_html(c.reset_index(), "zh")
    assert html.index("segment-2") < html.index("segment-1")  # most attractive first
    assert "&lt;b&gt;高端&lt;/b&gt;" in html and "<b>高端" not in html


def test_headline_changes_against_the_previous_run_of_the_same_data(tmp_path):
    _run(tmp_path / "demo-20260101", customers=8, top20=0.6, sla=0.7)
    _run(tmp_path / "other-20260102", customers=99)
    now = _run(tmp_path / "demo-20260201", customers=10, top20=0.65, sla=0.5)
    head = ms.headline(now, "demo-20260201")
    assert head.previous == "demo-20260101"  # not the other data set's run
    h = head.table.set_index("key")
    assert h.loc["customers", "change"] == 2 and h.loc["top20_share", "change"] == pytest.approx(
        5.0
    )
    assert h.loc["sla_share", "change"] == pytest.approx(-20.0)
    html = report.headline_html(head, "en")
    assert "+2" in html and "+5.0 points" in html and "demo-20260101" in html
    first = ms.headline(tmp_path / "demo-20260101", "demo-20260101")
    assert first.previous is None and first.table["change"].isna().all()
    assert "first run" in report.headline_html(first, "en")


def test_changes_between_runs_name_segments_and_slipping_customers(tmp_path):
    _run(tmp_path / "demo-20260101")
    now = _run(tmp_path / "demo-20260201")
    v = pd.read_parquet(now / "value.parquet")
    v.loc[4, "tier"], v.loc[5, "stage"] = (
        "ordinary",
        "churned",
    )  # the key customer drops, the important one lapses
    v.to_parquet(now / "value.parquet")
    ch = ms.changes(now, "demo-20260201")
    assert ch.previous == "demo-20260101" and ch.slipped == 2
    assert ch.tiers.loc["key", "ordinary"] == 1 and ch.tiers.to_numpy().sum() == 8
    assert ch.sizes.set_index("segment_name").loc["价格敏感", "before"] == 4
    first = ms.changes(tmp_path / "demo-20260101", "demo-20260101")
    assert (first.previous, first.sizes, first.tiers, first.slipped) == (None, None, None, None)
    html = report.changes_html(ch, ms.RisingTopics(), "en")
    assert (
        "Segments that changed most in size" not in html
        and "Segment sizes are the same as last run." in html
    )
    assert "ordinary / small: 2 customers." in html


def test_segment_sizes_pair_segments_by_their_customers_not_their_names():
    ids = [f"K{i}" for i in range(10)]
    before = pd.DataFrame(
        {
            "customer_id": ids,
            "segment": [1] * 6 + [2] * 3 + [3],
            "segment_name": ["price seekers"] * 6 + ["premium"] * 3 + ["tiny"],
        }
    )
    # the same price seekers under a Chinese name and number 2, premium grew by one, "tiny" dissolved
    now = pd.DataFrame(
        {
            "customer_id": ids + ["K10"],
            "segment": [2] * 6 + [1] * 4 + [1],
            "segment_name": ["价格敏感"] * 6 + ["高端"] * 5,
        }
    )
    sizes = ms.segment_sizes(before, now).set_index("segment_name")
    assert sizes.to_dict("index") == {
        "价格敏感": {"before": 6, "now": 6},
        "高端": {"before": 3, "now": 5},
        "tiny": {"before": 1, "now": 0},
    }


def test_cards_without_the_later_stages(tmp_path):
    folder = tmp_path / "demo-20260101"
    _run(folder)
    for name in (
        "value.parquet",
        "needs.parquet",
        "feedback_scored.parquet",
        "clean/feedback.parquet",
    ):
        (folder / name).unlink()
    c = mc.segment_cards(folder)
    assert list(c["customers"]) == [4, 4] and "clv_mean" not in c
    assert all(  # only stage 04's Kano answers (needs.json) are left to plan on
        "Kano" in why for _, _, why in mc.plan(c.iloc[0], "zh")
    ) and "segment-1" in report.cards_html(c, "zh")
    (folder / "segments.parquet").unlink()
    assert mc.segment_cards(folder).empty and "02" in report.cards_html(pd.DataFrame(), "zh")


def test_rising_complaint_topics_from_the_feedback(tmp_path):
    folder = _run(tmp_path / "demo-20260101")
    rng = np.random.default_rng(5)
    n = 3000
    month = rng.integers(1, 13, n)
    topic = np.where(
        rng.random(n) < np.where(month >= 10, 0.4, 0.1), "退款慢", rng.choice(["物流", "包装"], n)
    )
    created = pd.to_datetime(pd.DataFrame({"year": 2025, "month": month, "day": 3}))
    ids = [f"F{i}" for i in range(n)]
    pd.DataFrame(
        {
            "feedback_id": ids,
            "customer_id": "K0",
            "created_at": created,
            "kind": "complaint",
            "nps": np.nan,
        }
    ).to_parquet(folder / "clean" / "feedback.parquet")
    pd.DataFrame({"feedback_id": ids, "sentiment": "negative", "topic": topic}).to_parquet(
        folder / "feedback_scored.parquet"
    )
    assert ms.rising_topics(folder) == ms.RisingTopics(new=(), rising=("退款慢",))
    newcomer = np.where(
        month >= 10, np.where(rng.random(n) < 0.2, "漏发", topic), topic
    )  # never seen before October
    pd.DataFrame({"feedback_id": ids, "sentiment": "negative", "topic": newcomer}).to_parquet(
        folder / "feedback_scored.parquet"
    )
    assert ms.rising_topics(folder) == ms.RisingTopics(new=("漏发",), rising=("退款慢",))
    html = report.changes_html(ms.changes(folder, "demo-20260101"), ms.rising_topics(folder), "en")
    assert (
        "New complaint topics in the last 3 months (next to absent in the 3 before): 漏发." in html
    )
    (folder / "feedback_scored.parquet").unlink()
    assert ms.rising_topics(folder) == ms.RisingTopics()


# ---- the models one by one (kequn.models.summary, kequn.models.segment_cards)


def test_cards_count_the_lapsing_high_value_and_the_new(tmp_path):
    folder = _run(tmp_path / "demo-20260101")
    v = pd.read_parquet(folder / "value.parquet")
    v.loc[5, "stage"] = "sleeping"  # K5, important, CLV 300, lapses
    v.to_parquet(folder / "value.parquet")
    c = mc.segment_cards(folder).set_index("segment")
    # segment 1: K0–K3 spend 100 each, none key or important, K3 new
    assert (c.loc[1, "spend_mean"], c.loc[1, "n_winback"], c.loc[1, "n_new"]) == (100, 0, 1)
    assert c.loc[1, "clv_winback"] == 0
    # segment 2: spends 1000 + 500 + 250 + 150; K5 the one high-value customer lapsing
    assert c.loc[2, "spend_mean"] == 1900 / 4 and c.loc[2, "n_winback"] == 1
    assert c.loc[2, "clv_winback"] == 300 and c.loc[2, "n_new"] == 0
    assert mc.lifecycle_plan(c.loc[2]) == "winback_high"  # K5 and K7 sleeping, K5 important
    assert mc.lifecycle_plan(c.loc[1]) == "winback"  # half lapsing, none of them high value


def test_lifecycle_plan_thresholds():
    card = pd.Series({"stage_sleeping": 0.3, "stage_churned": 0.1, "stage_new": 0.5})
    assert mc.lifecycle_plan(card) == "winback"  # 40% lapsing comes before 50% new
    assert mc.lifecycle_plan({**card, "n_winback": 3}) == "winback_high"
    assert mc.lifecycle_plan({**card, "stage_churned": 0.09}) == "onboard"
    assert mc.lifecycle_plan({**card, "stage_churned": 0.09, "stage_new": 0.19}) == "rhythm"


def test_mix_names_the_shares_a_card_has():
    card = pd.Series({"tier_key": 0.125, "tier_important": np.nan, "tier_small": 0.5})
    assert mc.mix(card, "tier_", ("key", "important", "ordinary", "small"), "tier", "en") == (
        "Key 12.5% · Small 50.0%"
    )
    assert mc.mix(card, "stage_", ("new",), "stage", "en") == ""


def test_kano_classes_take_the_departures_over_the_key_needs():
    k = {"answers": 50, "key": [["快递", "M"], ["积分", "A"]], "differs": [["积分", "R", "A"]]}
    assert mc.kano_classes(k) == {"快递": "M", "积分": "R"}
    assert mc.kano_classes({"answers": 5, "key": [], "differs": []}) == {}
    assert mc.kano_classes(np.nan) == {}


def test_slipped_counts_high_value_customers_lapsing_or_dropping():
    before = pd.DataFrame(
        {
            "customer_id": list("ABCDEF"),
            "tier": ["key", "important", "key", "key", "ordinary", "important"],
            "stage": ["active", "active", "sleeping", "active", "active", "active"],
        }
    )
    now = pd.DataFrame(
        {
            "customer_id": list("ABCDEF"),
            "tier": ["key", "small", "key", "key", "ordinary", "important"],
            "stage": ["churned", "active", "churned", "active", "sleeping", "active"],
        }
    )
    # A lapsed, B dropped to small; C was sleeping already; E was never high value
    assert ms.slipped(before, now) == 2
    assert ms.slipped(before.drop(columns="stage"), now) == 3  # no stage before: C counts too


def test_a_headline_change_is_in_points_for_shares():
    assert ms.change(0.65, 0.6, "pct") == pytest.approx(5.0)
    assert ms.change(10, 8, "int") == 2 and ms.change(None, 8, "int") is None


def test_run_inputs_say_what_the_summary_stands_on(tmp_path):
    _run(tmp_path / "demo-20260101")
    now = _run(tmp_path / "demo-20260201")
    (now / "quality.json").write_text(json.dumps({"as_of": "2026-01-31", "cleaning": []}))
    inputs = ms.run_inputs(now, "demo-20260201")
    assert (inputs.run, inputs.as_of, inputs.previous) == (
        "demo-20260201",
        "2026-01-31",
        "demo-20260101",
    )
    assert inputs.stages_ran == ("profiling", "clustering", "value", "needs", "feedback")
    first = ms.run_inputs(tmp_path / "demo-20260101", "demo-20260101")
    assert first.previous is None and first.as_of is None and first.quality == {}
    facts = report.inputs_section(first, "en").parts[0][1][0]
    assert facts["Previous run"] == "—" and facts["As-of date"] == "—"


def test_the_ranking_table_names_its_share_columns(tmp_path):
    c = mc.segment_cards(_run(tmp_path / "demo-20260101"))
    ranking = report.attractiveness_table(c, "en", tmp_path / "demo-20260101")
    assert ranking.table.iloc[0, 1] == "2 · <b>高端</b>"  # rank 1 first
    assert set(ranking.pct) <= set(ranking.table.columns) and len(ranking.pct) == 4
    assert report.attractiveness_table(pd.DataFrame(), "en").pct == []
    assert mc.attractiveness_note(tmp_path / "demo-20260101", c, "en") == ""  # no figures


def test_the_tier_migration_is_shown_in_the_report_language(tmp_path):
    _run(tmp_path / "demo-20260101")
    ch = ms.changes(_run(tmp_path / "demo-20260201"), "demo-20260201")
    assert list(ch.tiers.index) == ["key", "important", "ordinary", "small"]
    sec = report.changes_section(ch, "", "zh")
    shown = next(args[1] for kind, args, _ in sec.parts if kind == "chart")  # (draw, table, …)
    assert list(shown.index) == ["大客户", "重要客户", "普通客户", "小客户"]
    assert np.diag(shown.to_numpy()).tolist() == [1, 1, 2, 4]  # nobody moved
