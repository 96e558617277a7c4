"""Stage 06 from insight to action (issue 17): this period's priorities ranked by value at stake
on a hand-made run, service plans drawn from each segment's own findings on hand-made cards,
and cards labelled by rank with the segment's name."""

import json

import numpy as np
import pandas as pd
import pytest
from kequn.models import priorities
from kequn.models.segment_cards import plan
from kequn.render import overview
from kequn.stages import summary as report


def _run(folder, alerts=True):
    """Eight customers: two key/important lapsing (win back, CLV 300 + 200), two key active
    (keep close, CLV 1000 + 900), complaints on 配送 by K4 and K5 (CLV 40 + 60) and on 退款 by K6
    (CLV 10), a category list for 母婴 (expected spend 0.5 × 200 + 0.5 × 200 = 200 at margin 1)."""
    folder.mkdir(parents=True)
    (folder / "clean").mkdir()
    (folder / "actions").mkdir()
    ids = [f"K{i}" for i in range(8)]
    pd.DataFrame(
        {
            "customer_id": ids,
            "monetary": [500.0, 400, 2000, 1800, 100, 100, 50, 50],
            "clv": [300.0, 200, 1000, 900, 40, 60, 10, 5],
            "tier": ["key", "important", "key", "key", "small", "small", "small", "ordinary"],
            "stage": ["sleeping", "churned", "active", "new", "active", "active", "active", "new"],
            "churn_risk": [0.8, 0.9, 0.1, 0.2, 0.3, 0.3, 0.4, 0.5],
        }
    ).to_parquet(folder / "value.parquet")
    pd.DataFrame(
        {
            "feedback_id": ["F1", "F2", "F3", "F4", "F5"],
            "customer_id": ["K4", "K5", "K6", "K4", "K7"],
            "nps": [2, 3, 1, np.nan, 10],
        }
    ).to_parquet(folder / "clean" / "feedback.parquet")
    pd.DataFrame(
        {
            "feedback_id": ["F1", "F2", "F3", "F4", "F5"],
            "sentiment": ["negative", "negative", "negative", "negative", "positive"],
            "topic": ["配送", "配送", "退款", "配送", None],
        }
    ).to_parquet(folder / "feedback_scored.parquet")
    if alerts:
        pd.DataFrame({"customer_id": ["K4"], "tier": ["small"]}).to_csv(
            folder / "actions" / "feedback_alerts.csv", index=False
        )
    pd.DataFrame(
        {
            "customer_id": ["K4", "K5"],
            "category": ["母婴", "母婴"],
            "segment_name": ["宝妈", "宝妈"],
            "score": [0.5, 0.5],
            "rank": [1, 2],
        }
    ).to_csv(folder / "actions" / "propensity_targets.csv", index=False)
    pd.DataFrame(
        {"customer_id": ids, "monetary": [100.0] * 8, "cat_母婴": [0, 0, 0, 0, 0, 0, 1.0, 1.0]}
    ).assign(monetary=[100.0] * 6 + [200.0, 200.0]).to_parquet(folder / "features.parquet")
    (folder / "value.json").write_text(json.dumps({"margin_rate": 1.0, "margin_source": "revenue"}))
    return folder


def test_priorities_rank_by_value_at_stake(tmp_path):
    p = priorities.priorities(_run(tmp_path / "demo-20260101"), "zh")
    assert p["action"].tolist() == [
        "key_care",  # 1000 + 900
        "winback",  # 300 + 200
        "category_targets",  # (0.5 + 0.5) × 200
        "complaint_followup",  # 配送: K4 and K5, 40 + 60
        "complaint_followup",  # 退款: K6, 10 (a second topic only while places are free)
    ]
    assert p["value"].tolist() == pytest.approx([1900, 500, 200, 100, 10])
    assert p["rank"].tolist() == [1, 2, 3, 4, 5]
    assert "配送" in p.loc[3, "text"] and "75.0%" in p.loc[3, "basis"]  # 3 of 4 negative texts
    assert "NPS -100" in p.loc[3, "basis"]  # K4 and K5 scored 2 and 3
    html = overview.priorities_html(p, "zh", "revenue")
    assert html.startswith("<div id='priorities'") and "按收入计" in html
    assert html.count("href='actions/complaint_followup.csv'") == 2
    assert "data:image/png;base64," in html  # the value at stake as bars


def test_a_priority_without_its_inputs_is_not_shown(tmp_path):
    folder = _run(tmp_path / "demo-20260101", alerts=False)  # no complaint follow-up list
    (folder / "features.parquet").unlink()  # no category spend to value the offers by
    p = priorities.priorities(folder, "en")
    assert p["action"].tolist() == ["key_care", "winback"]
    (folder / "value.parquet").unlink()
    assert priorities.priorities(folder, "en").empty
    assert overview.priorities_html(priorities.priorities(folder, "en"), "en") == ""


def _card(**kw) -> pd.Series:
    base = {
        "segment": 1,
        "segment_name": "甲",
        "customers": 100,
        "share": 0.5,
        "need": "balanced",
        "need_share": 0.6,
        "has_categories": True,
        "stage_new": 0.1,
        "stage_active": 0.5,
        "stage_sleeping": 0.2,
        "stage_churned": 0.1,
        "churn_risk": 0.4,
        "n_winback": 0,
        "clv_winback": 0.0,
        "n_new": 10,
        "nps": -20.0,
        "nps_n": 80,
        "negative_share": 0.6,
        "topics": ["配送"],
        "topic_shares": [["配送", 0.4]],
        "kano": {"answers": 200, "key": [["无理由退货", "M"]], "differs": []},
    }
    base.update(kw)
    return pd.Series(base)


def _lines(card, lang="zh"):
    return plan(card, lang)


def test_a_feature_rated_reverse_is_never_recommended():
    kano = {
        "answers": 270,
        "key": [["无理由退货", "M"]],
        "differs": [["个性化推荐", "R", "I"], ["直播购物", "R", "I"]],
    }
    lines = _lines(_card(kano=kano))
    dont = ("不要向本群主动推", "不做个性化推荐")
    for _, what, _ in lines:
        assert "按常购品类推荐" not in what  # the balanced offer pushes recommendations
        if "个性化推荐" in what or "直播购物" in what:
            assert what.startswith(dont) or dont[1] in what, what
    assert any(w.startswith("不要向本群主动推：个性化推荐、直播购物") for _, w, _ in lines)


def test_an_attractive_feature_is_offered():
    kano = {"answers": 359, "key": [["次日达配送", "M"]], "differs": [["专属客服顾问", "A", "I"]]}
    lines = _lines(_card(kano=kano), "en")
    offer = [(w, why) for _, w, why in lines if "专属客服顾问" in w]
    assert offer and offer[0][0].startswith("Offer this segment") and "359" in offer[0][1]


def test_two_segments_with_different_findings_get_different_plans():
    a = _card(kano={"answers": 200, "key": [["会员积分", "A"]], "differs": []})
    b = _card(
        segment=2,
        kano={"answers": 150, "key": [["次日达配送", "M"]], "differs": []},
        n_winback=12,
        clv_winback=34_000.0,
        stage_sleeping=0.4,
    )
    pa, pb = {w for _, w, _ in _lines(a)}, {w for _, w, _ in _lines(b)}
    assert pa != pb
    assert any("会员积分" in w for w in pa) and not any("会员积分" in w for w in pb)
    assert any("12 位沉睡或流失" in w and "34,000" in w for w in pb)  # its own win-back figures


def test_a_segment_without_complaints_gets_no_complaint_line():
    unhappy = _card(topics=[], topic_shares=[])  # negative feedback but no complaint topic
    assert not [k for k, _, _ in _lines(unhappy) if k == "plan.interactive"]
    with_topics = [w for k, w, _ in _lines(_card()) if k == "plan.interactive"]
    assert with_topics == ["先解决他们最常抱怨的：配送（占本群负面反馈 40.0%）；投诉 24 小时内回访"]


def test_cards_are_labelled_by_rank_with_the_name_and_a_quiet_id():
    cards = pd.DataFrame(
        [
            _card(segment=3, segment_name="品质客", rank=1),
            _card(segment=1, segment_name="比价族", rank=2),
        ]
    )
    html = report.cards_html(cards, "zh")
    assert "<h3>吸引力第 1 位 · 品质客 <span class='seg-id'>群 3</span></h3>" in html
    assert html.index("品质客") < html.index("比价族")
    assert "3 · 品质客" not in html


# The demo run's segments (20,000 customers): customers, spend per customer, revenue share and
# risk, by rank; ranks 4 and 5 (2,660 and 2,800 customers at 930 and 1,184 元) overlap.
MAP = pd.DataFrame(
    {
        "customers": [3460, 3065, 1152, 2655, 2793, 1433, 3311, 2131],
        "spend": [3393.0, 2585, 5929, 930, 1184, 814, 170, 498],
        "revenue_share": [0.33, 0.23, 0.19, 0.07, 0.09, 0.03, 0.016, 0.03],
        "risk": [0.66, 0.62, 0.62, 0.6, 0.55, 0.62, 0.92, 0.88],
    }
)
PHONE_IMG_PX = 350  # a 390 px phone shows the map about 350 px wide (card and page padding)


def test_segment_map_labels_stay_readable_where_bubbles_overlap():
    """Issue 17: on the demo's segment map no rank label touches another label, no bubble's
    rim runs through a label, every label lies inside the axes, and at phone width the labels
    read at 13 px and every other word at 11 px or more."""
    import matplotlib.pyplot as plt
    from kequn.render import plotting
    from matplotlib.text import Text

    plotting.setup("zh")
    ranks = [str(i + 1) for i in range(len(MAP))]
    fig = plotting.segment_bubbles(
        MAP["customers"],
        MAP["spend"],
        MAP["revenue_share"],
        MAP["risk"],
        ranks,
        [f"{r} 客户群名称{r}" for r in ranks],
        "客户群地图",
        "客户数",
        "人均净消费（元）",
        "90 天内不再购买的平均风险",
    )
    fig.canvas.draw()
    ax = fig.axes[0]
    bubbles = ax.collections[0]
    centres = ax.transData.transform(bubbles.get_offsets())
    radii = np.sqrt(bubbles.get_sizes() / np.pi) * fig.dpi / 72  # points² → pixels
    labels = [a for a in ax.texts if a.get_text() in ranks]
    assert sorted(a.get_text() for a in labels) == sorted(ranks)
    boxes = [Text.get_window_extent(a) for a in labels]  # the words, not the leader line
    inside = ax.get_window_extent()
    for i, b in enumerate(boxes):
        assert inside.contains(b.x0, b.y0) and inside.contains(b.x1, b.y1), labels[i].get_text()
        for j in range(i + 1, len(boxes)):
            assert not b.overlaps(boxes[j]), (labels[i].get_text(), labels[j].get_text())
        for c, r in zip(centres, radii):  # no rim through the label's box
            dx, dy = (
                max(abs(c[0] - (b.x0 + b.x1) / 2) - b.width / 2, 0),
                max(abs(c[1] - (b.y0 + b.y1) / 2) - b.height / 2, 0),
            )
            near = np.hypot(dx, dy)
            far = max(np.hypot(c[0] - x, c[1] - y) for x in (b.x0, b.x1) for y in (b.y0, b.y1))
            assert not near < r < far, (labels[i].get_text(), c, r)
    scale = PHONE_IMG_PX / (fig.get_figwidth() * 72)  # CSS px per point at phone width
    for a in labels:
        assert a.get_fontsize() * scale >= 13, a.get_text()
    for t in fig.findobj(lambda o: hasattr(o, "get_fontsize") and hasattr(o, "get_text")):
        if t.get_text().strip() and t.get_visible():
            assert t.get_fontsize() * scale >= 11, (t.get_text(), t.get_fontsize())
    plt.close(fig)
