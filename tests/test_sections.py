"""The branching that left the stage notebooks (issue 18): what a section shows when an input is
missing is decided in the stage's section function, where these fast tests reach it."""

from __future__ import annotations

import numpy as np
import pandas as pd
from kequn.models import value as kv
from kequn.render.section import Section
from kequn.stages import value as sv

# ---- 03 value


def test_concentration_only_when_someone_has_value():
    assert kv.concentration_if_any([0.0, -3.0, np.nan]) == (None, {})
    curve, conc = kv.concentration_if_any([1.0, 1.0, 2.0])
    assert len(curve) == 101 and conc == kv.concentration([1.0, 1.0, 2.0])[1]
    assert len(sv.concentration_section(None, {}, "en")) == 0


def test_value_sections_say_why_a_check_is_missing():
    from kequn.models.clv_holdout import HoldoutCheck, TruthCheck
    from kequn.models.lifetime import Models

    off = sv.holdout_section(
        Models(), HoldoutCheck(why=("v.holdout_off", {})), None, {}, None, "en"
    )
    assert off.sentences() == ["No holdout check: value.holdout_weeks is 0."]
    assert len(sv.truth_section(TruthCheck(), "en")) == 0  # real data: no planted truth
    assert kv.migration_figures(None, None, pd.DataFrame()) is None
    first = sv.migration_section(None, None, None, "en")
    assert first.sentences() == [
        "This is the first value analysis of this data set; there is no previous run to "
        "compare with."
    ]
    assert isinstance(first, Section) and first.charts() == 0


# ---- 04 needs


def test_needs_sections_without_a_kano_survey():
    from kequn.models import kano
    from kequn.stages import needs as sn

    assert sn.kano_evaluation(None, {}) == (None, None)
    assert kano.key_needs_on_scale(None, None, "cat_mom", {}) is None
    assert kano.importance_scale({}) == [1, 5] and kano.importance_scale({"scales": None}) == [1, 5]
    assert sn.kano_section(None, None, None, {}, "en").sentences() == [
        "This data has no Kano survey (kano table); the Kano analysis is skipped."
    ]
    assert len(sn.key_needs_section(None, None, {}, "en")) == 0  # left out with its narration
    assert sn.kano_by_groups(None, {}) == {}
    assert len(sn.kano_group_section(None, {}, "segment", {}, "en")) == 0
    assert kano.group_evaluation({}, "segment") is None
    assert len(sn.needs_truth_section(None, "en")) == 0
    assert sn.target_list("unused", None, {}, None, "en") == (None, None)
    assert sn.trends_section(None, None, {}, "en").sentences() == [sn.t("tr.none", "en")]


def test_kano_disagreements_only_for_groups_that_could_be_compared():
    from kequn.models import kano
    from kequn.stages import needs as sn

    dis = pd.DataFrame({1: ["M", "O"]}, index=["points", "delivery"])
    groups = {"segment": kano.GroupKano("ev", pd.DataFrame({1: ["M"]}), dis), "tier": None}
    assert kano.disagreeing_features(groups) == {"segment": ["points", "delivery"]}
    assert kano.group_evaluation(groups, "segment") == "ev"
    answers = kano.ParsedAnswers(pd.DataFrame({"a": [1]}), 0)
    sec = sn.kano_group_section(answers, groups, "tier", {}, "en")
    assert sec.sentences() == [sn.t("k.no_customer_id", "en")]


# ---- 05 feedback


def test_feedback_steps_pass_a_missing_feedback_table_on():
    from kequn.stages import feedback as sf

    assert sf.prepared(None) is None and sf.with_topics(None, 8, 7) is None
    fb, sent, truth = sf.score_sentiment(None, "unused", 7)
    assert fb is None and truth is None and sent.why_none == "fsec.none" and sent.score is None
    assert sf.complaints_of(None, {}, {}, "en") == (None, None, None)
    assert sf.alert_list(None, {}, {}, "en").empty
    for sec in (
        sf.texts_section(None, {}, "en"),
        sf.sentiment_section(None, sent, None, "en"),
        sf.topics_section(None, 8, "en"),
        sf.satisfaction_section(None, {}, "en"),
        sf.complaints_section("unused", None, None, {}, "en"),
        sf.drivers_section(None, "en"),
        sf.alerts_section(None, pd.DataFrame(), {}, "en"),
    ):
        assert len(sec) == 0  # each left out of the page with its narration
    figures = sf.write_results("unused", "r1", "en", None, sent, None, None, None)
    assert figures == {"run": "r1", "lang": "en", "feedback": 0}


def test_feedback_sections_say_which_column_is_missing():
    from kequn.stages import feedback as sf

    fb = pd.DataFrame({"feedback_id": ["f1"], "customer_id": ["c1"], "text": ["ok"]})
    assert sf.complaints_of(fb, {"as_of": "2026-06-30"}, {}, "en") == (None, None, None)
    drivers = sf.drivers_section(fb, "en")
    assert drivers.sentences() == sf.missing_notes(fb, "drivers", "en") and len(drivers) == 1
    assert sf.alerts_section(fb.drop(columns="text"), pd.DataFrame(), {}, "en").sentences() == (
        sf.missing_notes(fb.drop(columns="text"), "alerts", "en")
    )


# ---- 02 clustering, 06 summary


def test_clustering_sections_on_a_first_run_and_without_rules():
    from types import SimpleNamespace

    from kequn.models import segment_quality as sq
    from kequn.stages import clustering as sc

    first = sq.drift_since(None, None, pd.DataFrame())
    assert first == sq.Drift() and first.figures == {} and first.moves is None
    assert sc.drift_section(first, "en").sentences() == [sc.t("seg.drift_none", "en")]
    no_rules = SimpleNamespace(rules={})
    assert sc.rules_section(None, no_rules, {}, None, None, "en").sentences() == [
        sc.t("sec.rules_none", "en")
    ]
    facts = sc.separation_facts(sc.cl.Separation(0.1234, 12345.6, 0.5), "en")
    assert list(facts.values()) == ["0.123", "12,346", "0.500"]


def test_summary_fragments_only_when_there_is_one():
    from kequn.stages import summary as report

    assert len(report.fragment_section("")) == 0
    assert len(report.fragment_section("<div id='priorities'></div>")) == 1
