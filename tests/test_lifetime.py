"""kequn.models.lifetime: stage 03's lifetime models (fitted with the public API's estimators,
chosen by AIC without a holdout) and each buyer's figures from them, against the published
CDNOW fit and the BG/NBD and Gamma-Gamma formulas written out here (the textbook forms, not the
library's), plus the holdout and truth checks' answers without a holdout or a planted truth."""

import dataclasses

import kequn
import numpy as np
import pandas as pd
import pytest
from conftest import TEST_DATA
from kequn.data.settings import ValueSettings
from kequn.models import clv_holdout, lifetime
from kequn.models.btyd import BetaGeo, GammaGamma
from kequn.run.config import DEFAULTS
from scipy.special import hyp2f1

V = ValueSettings.from_mapping(DEFAULTS["value"])
# the published CDNOW fits (Fader, Hardie & Lee 2005; Fader & Hardie 2013)
BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
GG = {"p": 6.25, "q": 3.74, "gamma": 15.44}


@pytest.fixture(scope="module")
def cdnow():
    g = pd.read_csv(TEST_DATA / "cdnow" / "cdnow_customers_summary_with_transactions.csv")
    return pd.DataFrame(
        {
            "customer_id": g["ID"].astype(str),
            "x": g["x"],
            "t_x": g["t_x"],
            "T": g["T"],
            "m": g["zbar"],
        }
    )


@pytest.fixture(scope="module")
def fitted(cdnow):
    return lifetime.fit_models(cdnow)


# --- the textbook BG/NBD and Gamma-Gamma -----------------------------------------------------


def p_alive(x, t_x, T, r, alpha, a, b):
    """Fader, Hardie & Lee (2005), eq. 11 (note)."""
    odds = np.where(x > 0, a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x), 0.0)
    return 1 / (1 + odds)


def expected(t, x, t_x, T, r, alpha, a, b):
    """Eq. 10: E[purchases in (T, T+t] | x, t_x, T], the hypergeometric form of the paper."""
    z = t / (alpha + T + t)
    head = (a + b + x - 1) / (a - 1)
    tail = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z)
    return head * tail * p_alive(x, t_x, T, r, alpha, a, b)


def spend(x, m, p, q, gamma):
    """Fader & Hardie (2013): the posterior mean spend, a weighted mean of γp/(q−1) and m."""
    return (gamma + m * x) * p / (p * x + q - 1)


def test_fit_models_uses_the_public_estimators_and_picks_the_lowest_aic(fitted):
    assert isinstance(fitted.fits["bgnbd"], kequn.BetaGeo)
    assert isinstance(fitted.fits["mbgnbd"], kequn.ModifiedBetaGeo)
    assert isinstance(fitted.fits["pareto_nbd"], kequn.ParetoNBD)
    assert isinstance(fitted.fits["nbd"], kequn.NBD) and isinstance(fitted.gg, kequn.GammaGamma)
    bg = fitted.fits["bgnbd"]
    assert {k: round(v, 3) for k, v in bg.params_.items()} == BG
    assert round(bg.log_likelihood_, 1) == -9582.4 and bg.n_ == 2357  # the paper's
    aic = {k: 2 * len(f.params_) - 2 * f.log_likelihood_ for k, f in fitted.fits.items()}
    assert fitted.rule == "likelihood" and fitted.chosen == min(aic, key=aic.get)
    assert fitted.bg is fitted.fits[fitted.chosen]
    assert {k: s["aic"] for k, s in fitted.scores.items()} == pytest.approx(aic)
    assert fitted.weeks == 38.86  # the longest history: the first buyers of CDNOW's 12 weeks
    assert not fitted.errors


def test_margin_rate_setting_cost_or_revenue():
    f = pd.DataFrame({"revenue": [100.0, 20.0], "margin": [40.0, -10.0]})
    assert lifetime.margin_rate(f, 0.3) == lifetime.Margin(0.3, "setting")
    assert lifetime.margin_rate(f, None) == lifetime.Margin(0.25, "cost")  # 30 / 120
    assert lifetime.margin_rate(f.assign(margin=[-40.0, 0.0]), None).rate == 0  # clipped
    assert lifetime.margin_rate(f[["revenue"]], None) == lifetime.Margin(1.0, "revenue")
    assert lifetime.margin_rate(f.assign(margin=np.nan), None).source == "revenue"


def test_scores_of_a_buyer_are_the_papers_formulas():
    """The worked example of the BG/NBD paper (x = 2, t_x = 30.43, T = 38.86 weeks) and a
    one-time buyer, scored with the published parameters."""
    models = lifetime.Models(
        fits={"bgnbd": BetaGeo(params=BG)}, gg=GammaGamma(params=GG), chosen="bgnbd"
    )
    b = pd.DataFrame(
        {"customer_id": ["E", "O"], "x": [2, 0], "t_x": [30.43, 0.0], "T": [38.86, 20.0]}
    ).assign(m=[35.0, np.nan])
    v = dataclasses.replace(V, horizon_months=39 / lifetime.WEEKS_PER_MONTH)  # 39 weeks
    got = lifetime.score_buyers(b, models, v, rate=0.4).set_index("customer_id")
    x, t_x, T = b["x"].to_numpy(), b["t_x"].to_numpy(), b["T"].to_numpy()
    pa = p_alive(x, t_x, T, **BG)
    np.testing.assert_allclose(got["p_alive"], pa, rtol=1e-9)
    assert got.loc["O", "p_alive"] == 1  # no repeat purchase: no dropout under BG/NBD
    assert got.loc["E", "expected_purchases"] == pytest.approx(1.226, abs=5e-4)  # the paper's
    np.testing.assert_allclose(got["expected_purchases"], expected(39, x, t_x, T, **BG))
    t = V.lifecycle.risk_days / 7
    quiet = ((BG["alpha"] + T) / (BG["alpha"] + T + t)) ** (BG["r"] + x)
    np.testing.assert_allclose(got["churn_risk"], 1 - pa + pa * quiet, rtol=1e-9)
    m = np.nan_to_num(b["m"].to_numpy())
    np.testing.assert_allclose(got["expected_spend"], spend(x, m, **GG), rtol=1e-12)
    # CLV: the purchases of each month of the horizon × spend × margin, discounted monthly
    yearly = dataclasses.replace(V, horizon_months=12)
    clv = lifetime.score_buyers(b, models, yearly, rate=0.4)["clv"].to_numpy()
    step, monthly = lifetime.WEEKS_PER_MONTH, 1.10 ** (1 / 12) - 1
    months = np.arange(1, 13)
    per_month = np.array(
        [
            expected(i * step, x, t_x, T, **BG) - expected((i - 1) * step, x, t_x, T, **BG)
            for i in months
        ]
    )
    want = (per_month / (1 + monthly) ** months[:, None]).sum(axis=0) * spend(x, m, **GG) * 0.4
    np.testing.assert_allclose(clv, want, rtol=1e-7)


def test_without_a_model_the_scores_are_missing_not_invented():
    b = pd.DataFrame({"customer_id": ["A"], "x": [1], "t_x": [3.0], "T": [9.0], "m": [5.0]})
    got = lifetime.score_buyers(b, lifetime.Models(), V, 1.0)
    assert got[["p_alive", "churn_risk", "expected_purchases", "clv"]].isna().all().all()
    no_spend = lifetime.Models(
        fits={"nbd": kequn.NBD(params={"r": 1.0, "alpha": 2.0})}, chosen="nbd"
    )
    got = lifetime.score_buyers(b, no_spend, V, 1.0)
    assert got["p_alive"].item() == 1 and np.isnan(got["clv"].item())


def test_first_day_buyers_join_the_summary_with_no_history():
    btyd = pd.DataFrame({"customer_id": ["A"], "x": [1], "t_x": [2.0], "T": [5.0], "m": [9.0]})
    f = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C", "D"],
            "orders": [2, 1, 1, 0],
            "recency_days": pd.array([3, 0, 5, None], "Int64"),
            "active_days": [14, 0, 0, None],
        }
    )
    got = lifetime.with_first_day_buyers(btyd, f)
    assert got["customer_id"].tolist() == ["A", "B"]  # C bought 5 days ago: in no summary
    assert got.iloc[1][["x", "t_x", "T"]].tolist() == [0, 0.0, 0.0] and np.isnan(got.iloc[1]["m"])
    assert got.dtypes.equals(btyd.dtypes)
    assert lifetime.with_first_day_buyers(btyd, f.iloc[[0, 2, 3]]) is btyd


def test_clv_interval_per_group_is_centred_on_the_mean_clv(cdnow, fitted):
    groups = np.where(cdnow["x"] > 0, "repeat", "once")
    got = lifetime.clv_interval(cdnow, fitted, V, 0.5, groups, draws=60)
    clv = lifetime.score_buyers(cdnow, fitted, V, 0.5)["clv"]
    want = clv.groupby(groups).mean()
    assert got.index.tolist() == ["once", "repeat", "all"]
    np.testing.assert_allclose(
        got.loc[["once", "repeat"], "mean"], want[["once", "repeat"]], rtol=1e-9
    )
    assert got.loc["all", "mean"] == pytest.approx(clv.mean(), rel=1e-9)
    assert got.loc["all", "customers"] == len(cdnow) and (got["draws"] == 60).all()
    assert (got["low"] < got["mean"]).all() and (got["mean"] < got["high"]).all()
    assert (
        lifetime.clv_interval(cdnow, dataclasses.replace(fitted, gg=None), V, 0.5, groups) is None
    )


def test_model_facts_state_the_rule_and_the_refused_with_their_reasons():
    m = lifetime.Models(
        errors={"pareto_nbd": "at_bound", "gamma_gamma": "too_few_spend"},
        chosen="bgnbd",
        rule="likelihood",
        scores={"bgnbd": {"log_likelihood": -10.0, "aic": 28.0}},
        weeks=17.0,
    )
    reasons = {"pareto_nbd": "dropout ran to 0", "gamma_gamma": "too few"}
    f = lifetime.model_facts(m, reasons)
    assert f["rule_text"].startswith("lowest AIC") and f["interval"] is None
    assert f["refused"] == {
        "pareto_nbd": {"code": "at_bound", "reason": "dropout ran to 0"},
        "gamma_gamma": {"code": "too_few_spend", "reason": "too few"},
    }
    assert f["candidates"] == {"bgnbd": {"log_likelihood": -10.0, "aic": 28.0}}
    interval = pd.DataFrame({"draws": [180]}, index=["all"])
    assert lifetime.model_facts(m, reasons, interval)["interval"]["draws"] == 180
    assert lifetime.params_of(None) is None
    assert lifetime.params_of(BetaGeo(params=BG)) == BG


def test_no_holdout_and_no_planted_truth_say_so(tmp_path):
    off = clv_holdout.holdout_check(tmp_path, "2024-06-30", 0)
    assert off.why == ("v.holdout_off", {}) and off.holds == {} and off.errors("bgnbd") is None
    life = pd.DataFrame({"customer_id": ["A"], "x": [1], "p_alive": [0.5], "churn_risk": [0.4]})
    real = clv_holdout.truth_check(tmp_path, {"salt": "s"}, life)  # no _truth beside the export
    assert real == clv_holdout.TruthCheck() and real.figures is None


def test_holdout_models_share_one_spend_fit_and_predict_as_each_alone(cdnow):
    """``clv_holdout.compare`` collapses the calibration histories once and fits Gamma-Gamma
    once for every model: each model's holdout equals ``fit_calibration`` of that model alone
    (predictions and value to the last bit), and all hold the same Gamma-Gamma."""
    from kequn.models import clv_holdout as ch

    cal, length = cdnow, 39.0  # CDNOW's 39 weeks after its 39-week calibration period
    holds, failed = ch.compare(cal, length)
    assert not failed and list(holds) == ["bgnbd", "mbgnbd", "pareto_nbd", "nbd"]
    assert len({id(h.gg) for h in holds.values()}) == 1
    for key, h in holds.items():
        alone = ch.fit_calibration(cal, length, key)
        assert h.bg.params_ == alone.bg.params_ and h.gg.params_ == alone.gg.params_
        pd.testing.assert_frame_equal(h.cal, alone.cal, check_exact=True)


def test_scores_once_per_distinct_history_are_each_buyers_own(cdnow, fitted):
    """score_buyers computes P(alive), churn risk and expected purchases once per distinct
    (x, t_x, T) and hands them to the buyers who share it: the very numbers of a per-buyer
    computation, row by row, in any row order."""
    shuffled = cdnow.sample(frac=1.0, random_state=3).reset_index(drop=True)
    got = lifetime.score_buyers(shuffled, fitted, V, 0.5)
    x, t_x, T = (shuffled[c].to_numpy(dtype="float64") for c in ("x", "t_x", "T"))
    assert len(np.unique(np.c_[x, t_x, T], axis=0)) < len(shuffled)  # histories repeat
    bg = fitted.bg
    np.testing.assert_array_equal(got["p_alive"], bg.p_alive(x, t_x, T))
    risk = bg.p_no_purchase(V.lifecycle.risk_days / 7, x, t_x, T)
    np.testing.assert_array_equal(got["churn_risk"], risk)
    horizon = V.horizon_months * lifetime.WEEKS_PER_MONTH
    np.testing.assert_array_equal(
        got["expected_purchases"], bg.expected_purchases(horizon, x, t_x, T)
    )


@pytest.mark.parametrize("key", ["bgnbd", "mbgnbd", "pareto_nbd", "nbd"])
def test_p_alive_computed_once_gives_every_score_its_own_numbers(cdnow, fitted, key, monkeypatch):
    """score_buyers computes P(alive) once and hands it to churn risk, expected purchases and
    CLV (under Pareto/NBD it is the costly hyp2f1): each must equal that score computed on its
    own, bit for bit, under every model; and P(alive) is computed once, on distinct histories."""
    from dataclasses import replace

    from kequn.models import clv

    models = replace(fitted, chosen=key)
    shuffled = cdnow.sample(frac=1.0, random_state=5).reset_index(drop=True)
    calls = []
    real = clv.p_alive
    monkeypatch.setattr(clv, "p_alive", lambda *a, **k: calls.append(len(a[1])) or real(*a, **k))
    got = lifetime.score_buyers(shuffled, models, V, 0.5)
    assert len(calls) == 1 and calls[0] < len(shuffled)  # once, per distinct history
    monkeypatch.setattr(clv, "p_alive", real)
    bg, x, t_x, T, m = models.bg, *(shuffled[c] for c in ("x", "t_x", "T", "m"))
    horizon = V.horizon_months * lifetime.WEEKS_PER_MONTH
    want = {
        "p_alive": bg.p_alive(x, t_x, T),
        "churn_risk": bg.p_no_purchase(V.lifecycle.risk_days / 7, x, t_x, T),
        "expected_purchases": bg.expected_purchases(horizon, x, t_x, T),
        "clv": bg.clv(x, t_x, T, m, spend=models.gg, horizon_months=V.horizon_months,
                      annual_discount_rate=V.annual_discount_rate, margin=0.5, freq="W"),
    }  # fmt: skip
    for col, values in want.items():
        np.testing.assert_array_equal(got[col], values, err_msg=f"{key} {col}")


def test_holdout_predictions_once_per_distinct_history_are_each_customers_own(cdnow):
    """``clv_holdout.predicted`` computes expected holdout purchases and P(no purchase) once per
    distinct (x, t_x, T): the very numbers of a per-customer computation, row by row, for every
    model."""
    from kequn.models import clv_holdout as ch

    cal = cdnow.sample(frac=1.0, random_state=5).reset_index(drop=True)
    x, t_x, T = (cal[c].to_numpy(dtype="float64") for c in ("x", "t_x", "T"))
    assert len(np.unique(np.c_[x, t_x, T], axis=0)) < len(cal)  # histories repeat
    holds, _ = ch.compare(cal, 39.0)
    for key, h in holds.items():
        np.testing.assert_array_equal(h.cal["predicted"], h.bg.expected_purchases(39.0, x, t_x, T))
        np.testing.assert_array_equal(h.cal["p_none"], h.bg.p_no_purchase(39.0, x, t_x, T))
