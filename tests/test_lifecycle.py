"""Stage 03 beyond the published fits: holdout validation on a simulated BG/NBD population
(planted truth recovered), lifecycle rules on hand-made customers, churn risk, migration
between runs, the stage's settings and data that cannot identify a model."""

import numpy as np
import pandas as pd
import pytest
from kequn.data.features import btyd_summary, build_features, holdout_weekly
from kequn.data.intake import run_intake
from kequn.data.privacy import load_salt, pseudonymize
from kequn.data.problems import InputError
from kequn.data.runs import migration
from kequn.data.settings import ValueSettings
from kequn.models import clv, clv_holdout, lifecycle, lifetime, settings_rules, value
from kequn.run.config import DEFAULTS
from kequn.stages import value as stage_value

V = ValueSettings.from_mapping(DEFAULTS["value"])

TRUE = {"r": 0.6, "alpha": 4.0, "a": 0.8, "b": 3.0}


def simulate_bgnbd(n: int, T_cal: float, t_hold: float, seed: int = 3) -> pd.DataFrame:
    """A BG/NBD population with the parameters ``TRUE``: every customer's first purchase at
    week 0, Poisson purchases at rate λ ~ Gamma(r, α) and dropout with probability p ~ Beta(a, b)
    after each repeat purchase; returns x, t_x, T of the calibration weeks and x_holdout."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(TRUE["r"], 1 / TRUE["alpha"], n)
    p = rng.beta(TRUE["a"], TRUE["b"], n)
    end = T_cal + t_hold
    x = np.zeros(n, int)
    tx = np.zeros(n)
    xh = np.zeros(n, int)
    t = np.zeros(n)
    alive = np.ones(n, bool)
    while alive.any():
        idx = np.flatnonzero(alive)
        t[idx] += rng.exponential(1 / lam[idx])
        done = t[idx] > end
        alive[idx[done]] = False
        buy = idx[~done]
        cal = t[buy] <= T_cal
        x[buy[cal]] += 1
        tx[buy[cal]] = t[buy[cal]]
        xh[buy[~cal]] += 1
        dies = rng.random(buy.size) < p[buy]
        alive[buy[dies]] = False
    return pd.DataFrame({"x": x, "t_x": tx, "T": T_cal, "x_holdout": xh, "m": np.nan})


@pytest.fixture(scope="module")
def simulated():
    return simulate_bgnbd(30_000, T_cal=52.0, t_hold=26.0)


def test_simulated_population_parameters_and_holdout_are_recovered(simulated):
    h = clv_holdout.fit_calibration(simulated, 26.0)
    for k, v in TRUE.items():
        assert h.bg.params_[k] == pytest.approx(v, rel=0.25), k
    e = clv_holdout.errors(h)
    assert abs(e["total_error"]) < 0.05
    assert e["mae"] < e["naive_mae"]  # better than carrying each customer's past rate forward
    assert e["quiet_predicted"] == pytest.approx(
        e["quiet_share"], abs=0.02
    )  # churn risk is calibrated
    assert e["churn_auc"] > 0.7
    freq = clv_holdout.by_frequency(h)
    assert freq["customers"].sum() == len(simulated)
    big = freq[freq["customers"] >= 500]
    assert np.allclose(big["predicted"], big["actual"], rtol=0.15, atol=0.05)


def test_tracking_curve_is_the_sum_of_customer_expectations(simulated):
    h = clv_holdout.fit_calibration(simulated.head(2000), 26.0)
    p = list(h.bg.params_.values())
    c = h.cal
    weekly = pd.DataFrame({"period": [1, 13, 26], "purchases": [10, 20, 30]})
    tr = clv_holdout.tracking(h, weekly)
    for t_, pred in zip(weekly["period"], tr["predicted"]):
        assert pred == pytest.approx(
            clv.bgnbd_expected_purchases(p, t_, c["x"], c["t_x"], c["T"]).sum(), rel=1e-9
        )
    assert tr["actual"].tolist() == [10, 30, 60]


def test_churn_risk_limits_and_one_time_buyers():
    p = list(TRUE.values())
    x, tx, T = np.array([0, 0, 3]), np.array([0.0, 0.0, 10.0]), np.array([5.0, 50.0, 50.0])
    assert np.allclose(clv.p_no_purchase(p, 1e-9, x, tx, T), 1.0)
    far = clv.p_no_purchase(p, 1e7, x, tx, T)
    assert np.allclose(far, 1 - clv.bgnbd_p_alive(p, x, tx, T), atol=1e-3)
    soon = clv.p_no_purchase(p, 13, x, tx, T)
    assert (
        soon[1] > soon[0]
    )  # a one-time buyer silent for 50 weeks is likelier to stay silent than one of 5
    assert clv.bgnbd_p_alive(p, x, tx, T)[:2].tolist() == [
        1.0,
        1.0,
    ]  # … although BG/NBD's P(alive) is 1 for both


def test_btyd_summary_and_holdout_weekly_from_orders(tmp_path):
    clean = tmp_path / "clean"
    clean.mkdir()
    orders = pd.DataFrame(
        {
            "customer_id": ["A", "A", "A", "A", "B", "C", "C"],
            "order_date": pd.to_datetime(
                [
                    "2024-01-01",
                    "2024-01-01",
                    "2024-01-15",
                    "2024-03-01",
                    "2024-02-01",
                    "2024-02-26",
                    "2024-03-04",
                ]
            ),
            "amount": [10.0, 5.0, 20.0, 40.0, 7.0, 3.0, 0.0],
        }
    )
    orders.to_parquet(clean / "orders.parquet")
    s = btyd_summary(clean, "2024-03-04", calibration_end="2024-02-19").set_index("customer_id")
    assert list(s.index) == ["A", "B"]  # C first bought after the calibration end
    assert (
        s.loc["A", "x"] == 1
        and s.loc["A", "t_x"] == 2
        and s.loc["A", "T"] == 7
        and s.loc["A", "m"] == 20
    )
    assert s.loc["A", "x_holdout"] == 1 and s.loc["A", "m_holdout"] == 40 and s.loc["B", "x"] == 0
    w = holdout_weekly(clean, "2024-03-04", "2024-02-19")
    assert w["period"].tolist() == [1, 2] and w["purchases"].tolist() == [
        0,
        1,
    ]  # A on 1 March (week 2); C not kept


def feats(rows):
    f = pd.DataFrame(rows, columns=["customer_id", "orders", "recency_days", "active_days"])
    f["recency_days"] = f["recency_days"].astype("Int64")
    return f


def test_lifecycle_rules_on_hand_made_customers():
    f = feats(
        [
            ("P", 0, None, None),
            ("N", 1, 20, 0),
            ("A", 5, 50, 400),
            ("S", 5, 250, 400),
            ("C", 5, 500, 400),
            ("D", 5, 50, 400),
            ("O", 1, 250, 0),
            ("Q", 3, 95, 10),
        ]
    )
    b = pd.DataFrame(
        {
            "customer_id": ["N", "A", "S", "C", "D", "O", "Q"],
            "x": [0, 4, 4, 4, 4, 0, 2],
            "t_x": [0, 400 / 7, 400 / 7, 400 / 7, 400 / 7, 0, 10 / 7],
        }
    )
    p_alive = pd.Series({"N": 1.0, "A": 0.9, "S": 0.5, "C": 0.3, "D": 0.05, "O": 1.0, "Q": 0.9})
    s = lifecycle.stages(f, b, p_alive, {}).set_index("customer_id")
    assert s["stage"].to_dict() == {
        "P": "potential",
        "N": "new",
        "A": "active",
        "S": "sleeping",
        "C": "churned",
        "D": "churned",
        "O": "sleeping",
        "Q": "sleeping",
    }
    assert s.loc["A", "rhythm_days"] == 100 and s.loc["A", "silence"] == 0.5
    assert s.loc["O", "rhythm_days"] == 100  # one-time buyer: the base's median rhythm
    assert (
        s.loc["Q", "rhythm_days"] == 30
    )  # 5 days apart is not a habit: the floor (else 19 rhythms: churned)
    strict = lifecycle.stages(f, b, None, {"sleeping_after": 1.0, "churned_after": 1.4}).set_index(
        "customer_id"
    )
    assert strict.loc["D", "stage"] == "active"  # without a model the rhythm rule alone decides
    assert strict.loc["O", "stage"] == "churned"


def test_lifecycle_and_churn_risk_recover_the_planted_state(demo_dir, tmp_path):
    res = run_intake(demo_dir, tmp_path, salt="life-test")
    f = build_features(tmp_path / "clean", res.quality["as_of"])
    b = btyd_summary(tmp_path / "clean", res.quality["as_of"])
    models = lifetime.fit_models(b)
    assert not models.errors
    life = lifetime.lifetime(b, models, V, 1.0)
    st = lifecycle.stages(f, b, life.set_index("customer_id")["p_alive"], V.lifecycle)
    truth = pd.read_parquet(demo_dir / "_truth" / "customers.parquet")
    alive = pd.Series(
        truth["alive_at_end"].to_numpy(),
        index=pseudonymize(truth["customer_id"], load_salt("life-test")),
    )
    st["alive"] = st["customer_id"].map(alive)
    share = st.groupby("stage", observed=True)["alive"].mean()
    assert (
        share["active"] > 0.85 and share["churned"] < 0.15 and share["sleeping"] < share["active"]
    )
    assert share["potential"] == 0  # never bought: the generator marks them not alive
    figs, cal = clv_holdout.against_truth(life, alive)
    assert figs["churn_auc"] > 0.88 and figs["p_alive_auc"] > 0.9
    assert figs["mean_p_alive"] == pytest.approx(figs["share_alive"], abs=0.06)
    assert cal["alive"].is_monotonic_increasing or cal["alive"].diff().min() > -0.05


def test_value_frame_columns_and_cannot_fit_is_reported_not_nan():
    f = pd.DataFrame(
        {
            "customer_id": ["A", "B"],
            "orders": [1, 1],
            "recency_days": pd.array([0, 0], "Int64"),
            "active_days": [0, 0],
            "monetary": [10.0, 20.0],
            "revenue": [10.0, 20.0],
        }
    )
    b = pd.DataFrame(
        {
            "customer_id": ["A", "B"],
            "x": [0, 0],
            "t_x": [0.0, 0.0],
            "T": [1.0, 1.0],
            "m": [np.nan] * 2,
        }
    )
    models = lifetime.fit_models(b)  # nobody bought twice
    assert models.bg is None and models.errors == {
        **dict.fromkeys(clv.MODELS, "no_repeat"),
        "gamma_gamma": "too_few_spend",
    }
    life = lifetime.lifetime(b, models, V, 1.0)
    vt = value.value_frame(f, life, lifecycle.stages(f, b, None, V.lifecycle), V).table
    assert vt["clv"].isna().all() and vt["tier"].notna().all() and (vt["stage"] == "new").all()
    table = stage_value.fits_table(models, "en")
    assert table.iloc[0, 2].startswith("not fitted: no customer bought again")
    assert stage_value.fits_table(models, "zh").iloc[0, 2].startswith("未估计")


def test_gamma_gamma_with_an_undefined_mean_spend_is_rejected():
    rng = np.random.default_rng(1)
    x = rng.integers(1, 5, 3000)
    m = (rng.pareto(0.7, 3000) + 1) * 10  # tail so heavy that the mean does not exist
    with pytest.raises(clv.FitError) as e:
        clv.fit_gamma_gamma(x, m)
    assert e.value.code in ("infinite_mean", "at_bound", "not_converged")


def test_rfm_grid_names_every_cell_once():
    cells = [(r, f) for r in range(1, 6) for f in range(1, 6)]
    scores = pd.DataFrame(cells, columns=["R", "F"])
    named = value.rfm_named(scores)
    assert named.notna().all()
    hits = sum(
        ((scores["R"].isin(rs)) & (scores["F"].isin(fs))).astype(int) for _, rs, fs in value.RF_GRID
    )
    assert (hits == 1).all()
    assert named[(scores["R"] == 5) & (scores["F"] == 5)].item() == "champions"
    assert named[(scores["R"] == 1) & (scores["F"] == 1)].item() == "hibernating"


def test_migration_matrix_between_runs():
    before = pd.DataFrame(
        {"customer_id": list("ABCD"), "stage": ["active", "active", "sleeping", "new"]}
    )
    now = pd.DataFrame(
        {"customer_id": list("ABCE"), "stage": ["active", "churned", "active", "new"]}
    )
    m = migration(before, now, "stage", lifecycle.STAGES)
    assert m.shape == (5, 5) and m.to_numpy().sum() == 3  # D left, E is new: in one run only
    assert (
        m.loc["active", "churned"] == 1
        and m.loc["sleeping", "active"] == 1
        and m.loc["active", "active"] == 1
    )
    tiers_b = pd.DataFrame(
        {"customer_id": list("AB"), "tier": ["key", "small"], "stage": ["active", "active"]}
    )
    tiers_n = pd.DataFrame(
        {"customer_id": list("AB"), "tier": ["small", "small"], "stage": ["churned", "active"]}
    )
    assert value.slipped(tiers_b, tiers_n, "before").as_json() == {
        "run": "before",
        "customers_both": 2,
        "tier_down": 1,
        "lapsed": 1,
    }


@pytest.mark.parametrize(
    "change, name",
    [
        ({"horizon_months": 0}, "value.horizon_months"),
        ({"tier_shares": [0.2, 0.05, 0.01]}, "value.tier_shares"),
        ({"annual_discount_rate": 1.5}, "value.annual_discount_rate"),
        ({"rfm_cut": "mode"}, "value.rfm_cut"),
        ({"lifecycle": {"sleeping_after": 5.0}}, "value.lifecycle.sleeping_after"),
        ({"lifecycle": {"sleepy": 1}}, "value.lifecycle"),
    ],
)
def test_bad_value_settings_are_named(change, name):
    v = {**DEFAULTS["value"], **change}
    with pytest.raises(InputError) as e:
        settings_rules.value(v)
    assert f"'{name}'" in str(e.value)


def test_one_customer_and_zero_or_negative_amounts_do_not_make_nan_tables():
    f = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C"],
            "orders": [3, 1, 0],
            "recency_days": pd.array([10, 30, None], "Int64"),
            "active_days": [200, 0, None],
            "monetary": [120.0, -40.0, 0.0],
            "revenue": [120.0, 0.0, 0.0],
            "margin": [30.0, -45.0, 0.0],
        }
    )
    b = pd.DataFrame(
        {"customer_id": ["A"], "x": [2], "t_x": [200 / 7], "T": [210 / 7], "m": [50.0]}
    )
    models = lifetime.fit_models(b)  # one buyer's history cannot identify either model
    assert (
        models.bg is None
        and models.gg is None
        and set(models.errors) == {*clv.MODELS, "gamma_gamma"}
    )
    assert models.errors["bgnbd"] == "too_few"  # not converged=True with r = 6,079
    life = lifetime.lifetime(b, models, V, 1.0)
    vt = value.value_frame(f, life, lifecycle.stages(f, b, None, V.lifecycle), V).table
    assert vt.set_index("customer_id")["strategy"].to_dict() == {
        "A": "yielding",
        "B": "indifferent",
        "C": "adaptive",
    }
    assert vt["stage"].tolist() == ["active", "new", "potential"]
    tiers = stage_value.tier_table(vt, V.tier_shares, "en")
    assert tiers.notna().all().all() and "with negative margin" in " ".join(tiers.iloc[:, -1])
    assert stage_value.stage_table(vt, "en").iloc[:, 1].sum() == 3


def test_spend_independence_check_matches_the_cdnow_figure():
    from conftest import TEST_DATA

    g = pd.read_csv(TEST_DATA / "cdnow" / "cdnow_customers_summary_with_transactions.csv")
    r = lifetime.spend_independence(pd.DataFrame({"x": g["x"], "m": g["zbar"]}))
    assert (
        round(r, 2) == 0.11
    )  # Fader & Hardie (2013), "The Gamma-Gamma model of monetary value", p. 4
    assert lifetime.spend_independence(pd.DataFrame({"x": [0, 1], "m": [np.nan, 5.0]})) is None
