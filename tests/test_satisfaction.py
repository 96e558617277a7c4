"""kequn.models.satisfaction and kequn.models.complaints: NPS and CSAT with intervals checked against known
answers and a simulation, small samples not shown, complaint handling figures on hand-made
records including impossible timestamps."""

import numpy as np
import pandas as pd
import pytest
from kequn.models import complaints, satisfaction


def test_nps_known_answer_and_interval_coverage():
    f = satisfaction.nps([10] * 50 + [8] * 30 + [3] * 20)
    assert (f["n"], f["promoters"], f["detractors"], round(f["nps"], 6)) == (100, 0.5, 0.2, 30.0)
    assert f["half_width"] == pytest.approx(100 * 1.959964 * np.sqrt((0.7 - 0.09) / 100), rel=1e-6)
    rng = np.random.default_rng(1)
    p, d = 0.4, 0.25  # true NPS 15
    hits = 0
    for _ in range(400):
        u = rng.random(200)
        s = np.where(u < p, 10, np.where(u < p + d, 2, 7))
        f = satisfaction.nps(s)
        hits += f["low"] <= 15 <= f["high"]
    assert 0.92 <= hits / 400 <= 0.98  # a 95% interval covers the truth about 95% of the time
    assert satisfaction.nps([11, -1, None])["n"] == 0  # out of range and missing are not answers


def test_csat_wilson_and_minimum_sample():
    c = satisfaction.csat([5, 4, 4, 3, 1, 2, 5, 5, 4, 3])
    assert (c["n"], c["csat"]) == (10, 0.6)
    assert (round(c["low"], 4), round(c["high"], 4)) == (0.3127, 0.8318)  # Wilson 95% for 6 of 10
    assert satisfaction.min_sample(c, "csat", 10) == 93  # 1.96² · 0.24 · 100² / 10²
    f = satisfaction.nps([10] * 50 + [8] * 30 + [3] * 20)
    assert satisfaction.min_sample(f, "nps", 10) == 235


def test_groups_with_too_few_answers_are_not_shown():
    df = pd.DataFrame(
        {
            "g": ["a"] * 400 + ["b"] * 12,
            "nps": [10, 9, 7, 3] * 100 + [10] * 12,
            "rating": [5, 4, 2, 1] * 100 + [5] * 12,
        }
    )
    t = satisfaction.by_group(df, "g").set_index("g")
    assert (
        t.loc["a", "nps_shown"] and not t.loc["b", "nps_shown"]
    )  # 12 of 12 promoters: too few to say 100
    assert t.loc["a", "nps"] == pytest.approx(25.0) and t.loc["a", "csat"] == 0.5


def test_complaint_timeliness_effectiveness_and_silent_groups():
    t0 = pd.Timestamp("2024-01-01 09:00")
    c = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C", "D"],
            "kind": "complaint",
            "created_at": [t0] * 4,
            "first_response_at": [t0 + pd.Timedelta(hours=h) for h in (2, 30, 5, -1)],
            "resolved_at": [
                t0 + pd.Timedelta(hours=48),
                t0 + pd.Timedelta(hours=100),
                pd.NaT,
                pd.NaT,
            ],
            "status": ["resolved", "resolved", "open", "reopened"],
            "rating": [5, 2, np.nan, np.nan],
        }
    )
    tm = complaints.timeliness(
        c, t0 + pd.Timedelta(days=10), response_sla_h=24, resolution_sla_h=72
    )
    assert (
        tm["time_travel"] == 1
        and tm["response_median_h"] == 5
        and tm["response_within_sla"] == pytest.approx(2 / 3)
    )
    assert tm["resolution_within_sla"] == 0.5 and tm["backlog"] == 2 and tm["backlog_over_sla"] == 2
    ef = complaints.effectiveness(c)
    assert (ef["resolution_rate"], ef["reopen_rate"], ef["satisfied_after"]) == (0.5, 0.25, 0.5)
    cust = pd.DataFrame({"customer_id": list("ABCDEFGH"), "segment": [1, 1, 1, 1, 2, 2, 2, 2]})
    cov = complaints.coverage(cust, c, "segment").set_index("segment")
    assert cov.loc[1, "feedback_share"] == 1.0 and cov.loc[2, "feedback_share"] == 0.0
    assert bool(cov.loc[2, "silent"]) and not bool(cov.loc[1, "silent"])
    assert cov["customers"].tolist() == [4, 4]
    # B's feedback a compliment: 3 of segment 1's 4 complained; a compliment by E: segment 2 voiced
    more = pd.concat(
        [c.assign(kind=["complaint", "compliment", "complaint", "complaint"]), c.head(1)]
    )
    more.iloc[-1, more.columns.get_loc("customer_id")] = "E"
    more.iloc[-1, more.columns.get_loc("kind")] = "compliment"
    cov = complaints.coverage(cust, more, "segment").set_index("segment")
    assert cov["complaint_share"].tolist() == [0.75, 0.0]
    assert cov["feedback_share"].tolist() == [1.0, 0.25]
