"""Plain words and the run's own settings (issues 16 and 17), on a Chinese run of the small
demo company with settings that differ from the defaults: a 6-month CLV horizon, risk of no
purchase over 60 days and complaints answered within 48 hours.

- No page of a zh run shows Latin jargon (Better/Worse, AUC, MAPE, P(alive), Jaccard, HDBSCAN
  …): headings, table headers, sentences and chart labels (each chart's alternative text) are
  Chinese; the English terms stay in the glossary (marked as English) and in the en run.
- Every figure that rests on a setting says the run's value of it, not the default's.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from runs import NO_ALT, assert_plain, page_words, run_report

SETTINGS = (
    "lang: zh\nprivacy: {salt: e2e}\n"
    "value: {horizon_months: 6, lifecycle: {risk_days: 60}}\n"
    "feedback: {response_sla_hours: 48}\n"
)


@pytest.fixture(scope="module")
def zh_run(tmp_path_factory, demo_dir):
    tmp = tmp_path_factory.mktemp("zh")
    run = run_report(tmp, demo_dir, "zh-plain", SETTINGS)
    run.data = demo_dir
    return run


def test_no_latin_jargon_on_any_page_of_a_zh_run(zh_run):
    assert_plain(zh_run, zh_run.data)


def test_every_chart_says_what_it_shows(zh_run):
    """Each chart carries its title, axes, ticks and legend as alternative text (what a
    screen reader says, and what the check above reads), in the run's language."""
    for name, html in zh_run.pages().items():
        alts = re.findall(r"<img\b[^>]*?\balt=(['\"])(.*?)\1", html, re.S)
        imgs = len(re.findall(r"<img\b", html))
        assert len(alts) == imgs, (name, imgs, len(alts))
        for _, alt in alts:
            assert alt and alt != NO_ALT and re.search(r"[\u4e00-\u9fff]", alt), (name, alt)


def test_the_glossary_gives_the_english_terms(zh_run):
    """The English terms a zh page leaves out are in its glossary, marked as English."""
    six = zh_run.page("06_summary.html")
    glossary = six[six.index('id="glossary"') :]
    english = set(re.findall(r"<span\b[^>]*lang=.en.[^>]*>([^<]+)</span>", glossary))
    for term in ("Better", "Worse", "AUC", "MAPE", "P(alive)", "Jaccard", "HDBSCAN", "CLV"):
        assert any(term in e for e in english), term
    assert "存续概率" in page_words(glossary) and "满意系数" in page_words(glossary)


def test_texts_state_the_runs_horizon_risk_window_and_sla(zh_run):
    """The CLV horizon (6 months), the risk window (60 days) and the complaint call-back time
    (48 hours) of this run, wherever a page or an action list states them; never the
    defaults' 12 months, 90 days or 24 hours."""
    pages = {name: page_words(html) for name, html in zh_run.pages().items()}
    every = "\n".join(pages.values())
    index = pages["index.html"]
    assert "6 个月毛利，按购买客户" in index  # card: CLV per customer
    assert "他们的 6 个月客户终身价值合计" in index  # priorities
    assert "所涉客户未来 6 个月的客户终身价值之和" in index  # the ranking rule
    assert "投诉 48 小时内回访" in index  # plan: fix complaints
    assert "60 天内不再购买的平均风险" in index  # card: risk
    for default in (
        "12 个月毛利",
        "12 个月收入",
        "12 个月客户终身价值",
        "12 个月终身价值",
        "24 小时内回访",
        "90 天内不再购买",
        "今后 90 天",
    ):
        assert default not in every, default
    header = pd.read_csv(
        zh_run.reports / "actions" / "winback.csv", encoding="utf-8-sig", nrows=0
    ).columns
    assert "6 个月客户终身价值" in header and "60 天内不再购买的概率" in header, list(header)


def test_the_browser_sees_priorities_linked_to_lists_and_plain_cards(zh_run, tmp_path):
    """Issue 17's browser check on a zh run: the index, opened in headless Chromium with its
    scripts run, has its priorities, each linking to an action list that exists, and no card
    shows "nan" or an English term (runs.LATIN_KEPT)."""
    from test_end_to_end import check_index, open_in_chromium

    dom, console = open_in_chromium(zh_run.reports / "index.html", tmp_path / "chromium")
    assert not console, console
    check_index(dom, zh_run.reports)
