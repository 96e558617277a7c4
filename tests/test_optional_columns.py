"""Every optional column of every table is truly optional through every stage: an export that
holds only the contract's required columns (``schema.CONTRACT``, ``required=True``) runs end to
end, each page says which input is missing instead of crashing, and no page shows a missing
value as "nan". Two full runs keep it fast: every table minimal at once (en), and only the
feedback minimal but with its text (zh, the export of issue 14 that failed with KeyError 'nps')."""

import re
import shutil

import pandas as pd
import pytest
from kequn.data import schema
from kequn.demo import synth
from runs import assert_plain, run_report, visible_text

PAGES = (
    "01_profiling.html",
    "02_clustering.html",
    "03_value.html",
    "04_needs.html",
    "05_feedback.html",
    "06_summary.html",
    "index.html",
)
SHOWN_MISSING = re.compile(r"(?<![\w.])(nan|NaN|NaT|<NA>|None|inf)(?![\w])")


def required(table: str) -> list[str]:
    return [c.name for c in schema.CONTRACT[table] if c.required]


def minimal_export(src, dst, tables, keep=()):
    """The export in ``src`` with only the required columns (and ``keep``) of ``tables``."""
    dst.mkdir()
    for p in src.glob("*.csv"):
        if p.stem in tables:
            df = pd.read_csv(p, dtype=str, keep_default_na=False)
            df[[c for c in df.columns if c in required(p.stem) or c in keep]].to_csv(
                dst / p.name, index=False
            )
        else:
            shutil.copy(p, dst / p.name)
    return dst


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    return synth.write(synth.generate(1500, seed=5), tmp_path_factory.mktemp("full"))


@pytest.fixture(scope="module")
def all_minimal(tmp_path_factory, export):
    tmp = tmp_path_factory.mktemp("allmin")
    data = minimal_export(export, tmp / "raw", schema.TABLES)
    for table in schema.TABLES:  # the export really is minimal
        assert list(pd.read_csv(data / f"{table}.csv", nrows=1).columns) == required(table), table
    return run_report(tmp, data, "allmin", "lang: en\nprivacy: {salt: e2e}\n")


@pytest.fixture(scope="module")
def feedback_text_only(tmp_path_factory, export):
    tmp = tmp_path_factory.mktemp("fbmin")
    data = minimal_export(export, tmp / "raw", ("feedback",), keep=("text",))
    run = run_report(tmp, data, "fbmin", "lang: zh\nprivacy: {salt: e2e}\n")
    run.data = data
    return run


def pages(run) -> dict[str, str]:
    out = {name: visible_text(run.page(name)) for name in PAGES}
    for name, text in out.items():
        shown = [text[max(m.start() - 60, 0) : m.end() + 20] for m in SHOWN_MISSING.finditer(text)]
        assert not shown, (name, shown[:3])
    return out


def test_every_table_minimal_runs_and_each_page_says_what_is_missing(all_minimal):
    p = pages(all_minimal)
    for table, name in (
        ("customers", "customers"),
        ("orders", "orders"),
        ("events", "events"),
        ("feedback", "feedback"),
        ("kano", "Kano survey"),
    ):
        assert f"The {name} table lacks the optional columns" in p["01_profiling.html"], table
    assert (
        "The orders table lacks the optional columns category, channel, quantity, discount, cost, coupon_used"
        in p["01_profiling.html"]
    )
    assert "Gender: not in this data; skipped." in p["01_profiling.html"]
    # complaints cannot be told apart without feedback.kind: no made-up zero anywhere
    assert "Customers who complained" not in p["01_profiling.html"]
    assert (
        "Complaints per year" not in p["02_clustering.html"]
        and "Complaints per 100" not in p["02_clustering.html"]
    )
    assert "complaints" not in all_minimal.parquet("features.parquet").columns
    assert "The data has no cost, so CLV is in revenue" in p["03_value.html"]
    needs = p["04_needs.html"]
    assert (
        "Price-seeking: this data holds none of its signals (they come from the orders' discount"
        in needs
    )
    assert (
        "The Kano table has no importance column" in needs
        and "The Kano table has no customer_id column" in needs
    )
    assert "Orders have no category" in needs
    fb = p["05_feedback.html"]
    for text in (
        "The feedback table has no text column: no language, sentiment or topic analysis",
        "The feedback table has neither an nps nor a rating column",
        "The feedback table has no channel column",
        "The feedback table has no kind column, so complaints cannot be told apart",
        "The feedback table has no nps column: no driver analysis",
    ):
        assert text in fb, text
    assert "Complaints" not in fb.split("Complaint handling")[-1].split("What moves NPS")[
        0
    ].replace("complaints cannot", "")  # no complaint count of 0
    assert (
        "The feedback table lacks the optional columns" in p["06_summary.html"]
        and re.search(r"NPS\n(?:[^\n]*\n)?—", p["index.html"])  # its basis line, then "—"
    )
    figures = all_minimal.json("feedback.json")
    assert figures["nps"] is None and figures["csat"] is None and figures["sentiment"] is None


def test_feedback_with_only_text_gets_sentiment_and_topics_and_says_the_rest_is_missing(
    feedback_text_only,
):
    p = pages(feedback_text_only)
    fb = p["05_feedback.html"]
    assert "反馈表没有 NPS 打分（nps）和评分（rating）字段：不计算 NPS 和满意度。" in fb
    assert "反馈表没有类型字段（kind）" in fb and "反馈表没有渠道字段（channel）" in fb
    assert "反馈表没有 NPS 打分字段（nps）：不做驱动分析。" in fb
    assert (
        "情感由 Kequn 自带的通用模型给出" in fb and "有明确话题的文本占" in fb
    )  # what the text allows is done
    assert "投诉数" not in fb  # no complaint count without kind
    scored = feedback_text_only.parquet("feedback_scored.parquet")
    assert scored["sentiment"].notna().mean() > 0.9 and scored["topic"].notna().any()
    alerts = pd.read_csv(
        feedback_text_only.reports / "actions" / "complaint_followup.csv", encoding="utf-8-sig"
    )
    assert set(alerts["原因"]) == {
        "近期负面反馈"
    }  # no "complaint still open" without kind and status
    assert "反馈表没有这些可选字段：channel, kind, rating, nps" in p["index.html"]
    assert (
        "客户表没有这些可选字段" not in p["01_profiling.html"]
        and "订单表没有这些可选字段" not in p["01_profiling.html"]
    )


def test_zh_index_cards_speak_chinese_and_priorities_link_to_lists(feedback_text_only):
    """The zh run's index (issue 17): priorities link to action lists that exist, and no card
    shows "nan" or an English term outside the allowed units, ids and kept terms."""
    from test_end_to_end import check_index

    dom = feedback_text_only.page("index.html")
    assert '<html lang="zh' in dom
    check_index(dom, feedback_text_only.reports)


def test_zh_pages_speak_chinese_where_inputs_are_missing(feedback_text_only):
    """Every page of the zh run, the sentences that say what is missing included: no Latin
    jargon, no untranslated word (issue 17; the allowed words are runs.LATIN_KEPT)."""
    assert_plain(feedback_text_only, feedback_text_only.data)
