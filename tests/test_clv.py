"""kequn.clv: published CDNOW figures reproduced, no overflow at high frequency, fits on
distinct histories equal fits on customers, and data that cannot identify a model rejected."""
import numpy as np
import pandas as pd
import pytest

from conftest import TEST_DATA
from kequn import clv

CDNOW = TEST_DATA / "cdnow"


@pytest.fixture(scope="module")
def cdnow():
    return pd.read_csv(CDNOW / "cdnow_customers_summary.csv")


def test_bgnbd_reproduces_fader_hardie_lee_2005(cdnow):
    f = clv.fit_bgnbd(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    p = f.params
    assert (round(p["r"], 3), round(p["alpha"], 3), round(p["a"], 3), round(p["b"], 3)) == (0.243, 4.414, 0.793, 2.426)
    assert round(f.log_likelihood, 1) == -9582.4 and f.n == 2357


def test_pareto_nbd_reproduces_the_published_cdnow_fit(cdnow):
    f = clv.fit_pareto_nbd(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    p = f.params
    assert (round(p["r"], 3), round(p["alpha"], 3), round(p["s"], 3)) == (0.553, 10.578, 0.606)
    # published β = 11.669; the maximum of this likelihood is at 11.6679 (checked with Nelder-Mead
    # and BFGS too), and at 11.669 the log-likelihood is 4e-7 lower: the surface is flat along β
    assert p["beta"] == pytest.approx(11.669, abs=0.0015)
    at_published = clv.pareto_loglik([p["r"], p["alpha"], p["s"], 11.669], cdnow["frequency"], cdnow["recency"],
                                     cdnow["T"]).sum()
    assert f.log_likelihood >= at_published and f.log_likelihood - at_published < 1e-5
    assert round(f.log_likelihood, 1) == -9595.0


def test_gamma_gamma_reproduces_the_published_spend_model():
    g = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")
    f = clv.fit_gamma_gamma(g["x"], g["zbar"])
    assert f.n == 946
    assert (round(f.params["p"], 2), round(f.params["q"], 2)) == (6.25, 3.74)
    # published γ = 15.44; on these spends (2 decimals) the maximum is 15.448
    assert f.params["gamma"] == pytest.approx(15.44, abs=0.01)
    spend = clv.expected_spend([f.params["p"], f.params["q"], f.params["gamma"]], g["x"], g["zbar"])
    pop = f.params["p"] * f.params["gamma"] / (f.params["q"] - 1)
    lo, hi = np.minimum(g["zbar"], pop), np.maximum(g["zbar"], pop)
    rep = g["x"] > 0
    assert ((spend[rep] >= lo[rep] - 1e-9) & (spend[rep] <= hi[rep] + 1e-9)).all()  # shrunk toward the mean


def test_distinct_histories_with_counts_give_the_customer_level_fit(cdnow):
    doubled = pd.concat([cdnow, cdnow])
    a = clv.fit_bgnbd(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    b = clv.fit_bgnbd(doubled["frequency"], doubled["recency"], doubled["T"])
    assert b.log_likelihood == pytest.approx(2 * a.log_likelihood, rel=1e-9)
    assert b.params["r"] == pytest.approx(a.params["r"], rel=1e-4) and b.n == 2 * a.n


@pytest.mark.parametrize("freq", [300, 10_000])
def test_very_frequent_buyers_do_not_overflow(cdnow, freq):
    heavy = pd.DataFrame({"frequency": [freq, freq], "recency": [38.86, 20.0], "T": [38.86, 38.86]})
    d = pd.concat([cdnow, heavy], ignore_index=True)
    for loglik, fit in ((clv.bgnbd_loglik, clv.fit_bgnbd), (clv.pareto_loglik, clv.fit_pareto_nbd)):
        f = fit(d["frequency"], d["recency"], d["T"])
        ll = loglik(list(f.params.values()), heavy["frequency"], heavy["recency"], heavy["T"])
        assert np.isfinite(ll).all() and np.isfinite(f.log_likelihood)
    f = clv.fit_bgnbd(d["frequency"], d["recency"], d["T"])
    alive = clv.bgnbd_p_alive(list(f.params.values()), heavy["frequency"], heavy["recency"], heavy["T"])
    assert np.isfinite(alive).all() and alive[0] > 0.99 and alive[1] < 1e-6  # bought last week vs silent for 19 weeks


def test_p_alive_known_cases(cdnow):
    p = list(clv.fit_bgnbd(cdnow["frequency"], cdnow["recency"], cdnow["T"]).params.values())
    assert clv.bgnbd_p_alive(p, [0], [0], [38.86])[0] == 1.0  # BG/NBD: no repeat, no chance to drop out
    later = clv.bgnbd_p_alive(p, [3, 3, 3], [10, 10, 10], [20, 30, 40])
    assert (np.diff(later) < 0).all()  # the longer the silence, the less likely alive


def test_data_that_cannot_identify_a_model_is_rejected_with_the_reason():
    with pytest.raises(clv.FitError, match="no customer bought again"):
        clv.fit_bgnbd([0, 0, 0], [0, 0, 0], [10, 20, 30])
    with pytest.raises(clv.FitError, match="0 ≤ t_x ≤ T"):
        clv.fit_bgnbd([1, 2], [5, 40], [30, 30])
    with pytest.raises(clv.FitError, match="no customers"):
        clv.fit_pareto_nbd([], [], [])
    with pytest.raises(clv.FitError, match="at least two repeat buyers"):
        clv.fit_gamma_gamma([0, 3], [0, 10.0])


def test_expected_purchases_match_the_papers_worked_example(cdnow):
    """FHL 2005: x = 2, t_x = 30.43, T = 38.86 expects 1.226 purchases in the next 39 weeks."""
    p = list(clv.fit_bgnbd(cdnow["frequency"], cdnow["recency"], cdnow["T"]).params.values())
    assert round(clv.bgnbd_expected_purchases(p, 39, [2], [30.43], [38.86])[0], 3) == 1.226
    heavy = clv.bgnbd_expected_purchases(p, 39, [300, 10_000], [38.86, 38.86], [38.86, 38.86])
    assert np.isfinite(heavy).all() and heavy[1] > heavy[0] > 100  # finite where the textbook form overflows
    grow = clv.bgnbd_expected_purchases(p, [1, 10, 50], [2, 2, 2], [30.43] * 3, [38.86] * 3)
    assert (np.diff(grow) > 0).all()


def test_discounted_value_known_answers(cdnow):
    g = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")
    bg = list(clv.fit_bgnbd(cdnow["frequency"], cdnow["recency"], cdnow["T"]).params.values())
    gg = list(clv.fit_gamma_gamma(g["x"], g["zbar"]).params.values())
    x, tx, T, m = g["x"], g["t_x"], g["T"], g["zbar"]
    flat = clv.discounted_value(bg, gg, x, tx, T, m, horizon=52, step=4.33, discount_rate=0.0)
    expect = clv.expected_spend(gg, x, m) * clv.bgnbd_expected_purchases(bg, 52, x, tx, T)
    assert np.allclose(flat, expect)  # no discounting: purchases over the horizon × spend
    disc = clv.discounted_value(bg, gg, x, tx, T, m, horizon=52, step=4.33, discount_rate=0.01, margin=0.3)
    assert (disc < 0.3 * flat + 1e-9).all() and (disc > 0.3 * flat * 1.01 ** -13 - 1e-9).all()
    with pytest.raises(ValueError, match="horizon and its step must be positive"):
        clv.discounted_value(bg, gg, x, tx, T, m, horizon=0, step=4.33, discount_rate=0.01)


def test_analytic_gradient_matches_finite_differences(cdnow):
    from scipy.optimize import approx_fprime
    x, tx, T = (cdnow[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    w = np.ones(len(x))
    for p in ([0.243, 4.414, 0.793, 2.426], [1.5, 20.0, 3.0, 0.7]):
        analytic = clv.bgnbd_gradient(np.array(p), x, tx, T, w)
        numeric = approx_fprime(np.log(p), lambda lp: clv.bgnbd_loglik(np.exp(lp), x, tx, T).sum(), 1e-7)
        assert np.allclose(analytic, numeric, rtol=1e-4, atol=1e-3), (analytic, numeric)


def test_btyd_summary_from_orders_known_answer(tmp_path):
    from kequn.features import btyd_summary
    clean = tmp_path / "clean"
    clean.mkdir()
    pd.DataFrame({"order_id": list("abcdefg"), "customer_id": ["A", "A", "A", "A", "B", "B", "C"],
                  "order_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-15", "2024-02-12",
                                                "2024-01-08", "2024-03-04", "2024-02-26"]),
                  "amount": [10.0, 5.0, 20.0, 40.0, 7.0, 9.0, -3.0]}).to_parquet(clean / "orders.parquet")
    s = btyd_summary(clean, "2024-03-04", calibration_end="2024-02-26").set_index("customer_id")
    # A: days 01-01 (15), 01-15 (20), 02-12 (40): x = 2, t_x = 6 weeks, T = 8 weeks, m = 30
    assert s.loc["A", ["x", "t_x", "T", "m"]].tolist() == [2, 6.0, 8.0, 30.0]
    # B: one day in calibration, one in the holdout; C only returned goods: not a buyer
    assert s.loc["B", ["x", "x_holdout", "m_holdout"]].tolist() == [0, 1, 9.0] and np.isnan(s.loc["B", "m"])
    assert "C" not in s.index
