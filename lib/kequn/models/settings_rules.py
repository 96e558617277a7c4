"""The value rules of each stage's settings: what no run can use, named before any work.

``make report`` checks every stage's settings before it starts its kernels or reads the export
(``kequn.run.params.check_values``), so these rules import nothing heavy: they lived in the
stage modules, whose import (scikit-learn, scipy, statsmodels) cost the run's own process ~2.7 s
at the head of every run. Segment rules are parsed here, never run (``segment_rules.check_rules``).
"""

from __future__ import annotations

from kequn.data.problems import InputError, Problem, check_settings
from kequn.data.settings import defaults
from kequn.models import kano
from kequn.models.segment_rules import check_rules

METHODS = ("kmeans", "gmm", "hdbscan")  # clustering methods (``kequn.models.clustering``)
CRITERIA = ("prediction_strength", "silhouette", "calinski_harabasz", "davies_bouldin", "bic")


def clustering(c: dict) -> None:
    """Values of the clustering settings that no run can use, named before any work."""
    problems = []
    if c["method"] not in METHODS:
        problems.append(
            Problem.of("unknown_method", "config", value=c["method"], allowed=", ".join(METHODS))
        )
    if c["criterion"] not in CRITERIA:
        problems.append(
            Problem.of(
                "unknown_criterion", "config", value=c["criterion"], allowed=", ".join(CRITERIA)
            )
        )
    lo, hi = (c["k_range"] + [None, None])[:2]
    if lo is None or hi is None or not (2 <= lo <= hi <= 30):
        problems.append(
            Problem.of(
                "bad_setting",
                "config",
                name="clustering.k_range",
                value=c["k_range"],
                rule="[2 ≤ min ≤ max ≤ 30]",
            )
        )
    if c.get("k") is not None and not (2 <= c["k"] <= 30):
        problems.append(
            Problem.of("bad_setting", "config", name="clustering.k", value=c["k"], rule="2–30")
        )
    if not (0 <= c["min_share"] < 0.5):
        problems.append(
            Problem.of(
                "bad_setting",
                "config",
                name="clustering.min_share",
                value=c["min_share"],
                rule="0–0.5",
            )
        )
    if c["sample_size"] < 100:
        problems.append(
            Problem.of(
                "bad_setting",
                "config",
                name="clustering.sample_size",
                value=c["sample_size"],
                rule="≥ 100",
            )
        )
    problems += check_rules(c.get("rules") or {})  # parsed, never run: before any stage
    if problems:
        raise InputError(problems)


def value(v: dict) -> None:
    """Values of the value settings no run can use, named before any work."""
    rules = [
        ("value.rfm_bins", v["rfm_bins"], 2 <= v["rfm_bins"] <= 10, "2–10"),
        ("value.rfm_cut", v["rfm_cut"], v["rfm_cut"] in ("mean", "median"), "mean / median"),
        (
            "value.tier_shares",
            v["tier_shares"],
            len(v["tier_shares"]) == 3
            and 0 < v["tier_shares"][0] < v["tier_shares"][1] < v["tier_shares"][2] < 1,
            "[0 < a < b < c < 1]",
        ),
        ("value.horizon_months", v["horizon_months"], v["horizon_months"] > 0, "> 0"),
        (
            "value.annual_discount_rate",
            v["annual_discount_rate"],
            0 <= v["annual_discount_rate"] < 1,
            "0–1",
        ),
        (
            "value.holdout_weeks",
            v["holdout_weeks"],
            v["holdout_weeks"] >= 0,
            "≥ 0 (0 = no holdout check)",
        ),
        ("value.margin", v["margin"], v["margin"] is None or 0 < v["margin"] <= 1, "0–1 or null"),
    ]
    known = defaults()["value"]["lifecycle"]
    lc = {**known, **v["lifecycle"]}
    unknown = sorted(set(v["lifecycle"]) - set(known))
    rules += [
        ("value.lifecycle", ", ".join(unknown), not unknown, ", ".join(known)),
        (
            "value.lifecycle.sleeping_after",
            lc["sleeping_after"],
            0 < lc["sleeping_after"] < lc["churned_after"],
            "0 < sleeping_after < churned_after",
        ),
        ("value.lifecycle.churn_p_alive", lc["churn_p_alive"], 0 <= lc["churn_p_alive"] < 1, "0–1"),
        ("value.lifecycle.risk_days", lc["risk_days"], lc["risk_days"] > 0, "> 0"),
        ("value.lifecycle.new_days", lc["new_days"], lc["new_days"] >= 0, "≥ 0"),
    ]
    check_settings(rules)


def needs(n: dict) -> None:
    """The value rules of the ``needs`` section (called with the nested mapping, before the
    settings become ``NeedsSettings``)."""
    rules = [
        (
            "needs.kano_table",
            n["kano_table"],
            n["kano_table"] in kano.TABLES,
            " / ".join(kano.TABLES),
        ),
        (
            "needs.kano_rule",
            n["kano_rule"],
            n["kano_rule"] in kano.RULES_BY_NAME,
            " / ".join(kano.RULES_BY_NAME),
        ),
        ("needs.kano_margin", n["kano_margin"], 0 <= n["kano_margin"] < 0.5, "0–0.5"),
        ("needs.kano_min_n", n["kano_min_n"], n["kano_min_n"] >= 1, "≥ 1"),
        ("needs.min_score", n["min_score"], 0 <= n["min_score"] <= 1, "0–1"),
        ("needs.min_gap", n["min_gap"], 0 <= n["min_gap"] < 1, "0–1"),
        ("needs.horizon_days", n["horizon_days"], n["horizon_days"] >= 7, "≥ 7"),
        ("needs.top_categories", n["top_categories"], 1 <= n["top_categories"] <= 30, "1–30"),
        ("needs.target_share", n["target_share"], 0 < n["target_share"] <= 1, "0–1"),
        (
            "needs.trend_measure",
            n["trend_measure"],
            n["trend_measure"] in ("revenue", "orders", "buyers"),
            "revenue / orders / buyers",
        ),
        ("needs.trend_window", n["trend_window"], 6 <= n["trend_window"] <= 60, "6–60"),
        ("needs.trend_alpha", n["trend_alpha"], 0 < n["trend_alpha"] < 0.5, "0–0.5"),
        ("needs.forecast_months", n["forecast_months"], 1 <= n["forecast_months"] <= 12, "1–12"),
        ("needs.backtest_origins", n["backtest_origins"], 1 <= n["backtest_origins"] <= 24, "1–24"),
    ]
    check_settings(rules)


def feedback(f: dict) -> None:
    """Values of the feedback settings no run can use, named before any work."""
    rules = [
        (
            "feedback.response_sla_hours",
            f["response_sla_hours"],
            f["response_sla_hours"] > 0,
            "> 0",
        ),
        (
            "feedback.resolution_sla_hours",
            f["resolution_sla_hours"],
            f["resolution_sla_hours"] > 0,
            "> 0",
        ),
        ("feedback.max_half_width", f["max_half_width"], 0 < f["max_half_width"] <= 50, "0–50"),
        ("feedback.min_answers", f["min_answers"], f["min_answers"] >= 1, "≥ 1"),
        ("feedback.topics", f["topics"], 2 <= f["topics"] <= 30, "2–30"),
        ("feedback.alert_days", f["alert_days"], f["alert_days"] >= 1, "≥ 1"),
    ]
    check_settings(rules)


CHECKS = {"clustering": clustering, "value": value, "needs": needs, "feedback": feedback}
