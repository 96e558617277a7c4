"""The public API (``kequn.api``, exported from ``kequn``): its examples run as doctests, and
the promises the examples do not show are tested here."""

import doctest
from pathlib import Path

import kequn
import numpy as np
import pandas as pd
import pytest
from kequn import api
from kequn.models import btyd, clv, segmenter, sentiment_model
from kequn.models import kano as kano_module

ROOT = Path(__file__).resolve().parents[1]
CDNOW = ROOT / "tests/data/cdnow"


@pytest.mark.parametrize(
    "module",
    [api, segmenter, btyd, sentiment_model, kano_module],
    ids=["api", "segmenter", "btyd", "sentiment", "kano"],
)
def test_examples_run(module, monkeypatch):
    monkeypatch.chdir(ROOT)  # the examples read tests/data/... as an analyst in the repo would
    res = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert res.attempted > 0 and res.failed == 0


def test_exported_with_all():
    import kequn.api

    for name in kequn.api.__all__:
        assert getattr(kequn, name) is getattr(kequn.api, name)
    assert set(kequn.api.__all__) == set(kequn.__all__) - {"kano"}
    assert kequn.kano.evaluate is kano_module.evaluate


@pytest.fixture(scope="module")
def cdnow():
    return pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")


def test_clv_takes_a_yearly_rate(cdnow):
    rep = cdnow[cdnow["x"] > 0]
    bg = kequn.BetaGeo().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
    gg = kequn.GammaGamma().fit(rep["x"], rep["zbar"])
    got = bg.clv(rep["x"], rep["t_x"], rep["T"], rep["zbar"], spend=gg, annual_discount_rate=0.10)
    step = 365.25 / 12 / 7
    monthly = 1.10 ** (1 / 12) - 1
    want = clv.discounted_value(
        list(bg.params_.values()), list(gg.params_.values()), rep["x"], rep["t_x"], rep["T"],
        rep["zbar"], horizon=12 * step, step=step, discount_rate=monthly,
    )  # fmt: skip
    np.testing.assert_allclose(got, want)
    # the trap of the per-step interface: 0.10 read as a monthly rate gives far less
    per_step = clv.discounted_value(
        list(bg.params_.values()), list(gg.params_.values()), rep["x"], rep["t_x"], rep["T"],
        rep["zbar"], horizon=12 * step, step=step, discount_rate=0.10,
    )  # fmt: skip
    assert per_step.sum() < 0.75 * got.sum()
    with pytest.raises(ValueError, match="yearly"):
        bg.clv(rep["x"], rep["t_x"], rep["T"], rep["zbar"], spend=gg, annual_discount_rate=10)


@pytest.mark.parametrize("cls", [kequn.BetaGeo, kequn.ModifiedBetaGeo, kequn.ParetoNBD, kequn.NBD])
def test_params_pass_back_and_T_column(cls, cdnow):
    df = cdnow.rename(columns={"x": "frequency", "t_x": "recency"})
    m = cls().fit(df["frequency"], df["recency"], df["T"])
    assert m.fit(df) is m  # a DataFrame: its T column, never the transpose
    again = cls(params=m.params_)
    np.testing.assert_allclose(
        again.p_alive(df["frequency"], df["recency"], df["T"]),
        m.p_alive(df["frequency"], df["recency"], df["T"]),
    )
    np.testing.assert_allclose(
        again.expected_purchases(10, df["frequency"], df["recency"], df["T"]),
        m.expected_purchases(10, df["frequency"], df["recency"], df["T"]),
    )
    with pytest.raises(TypeError, match="transpose"):
        m.p_alive(df["frequency"], df["recency"], df.T)
    with pytest.raises(ValueError, match="params"):
        cls(params={"r": 1.0})


def test_preparer_transforms_new_customers_as_fitted():
    from kequn.demo.synth import generate

    c = generate(600, seed=3).customers
    old, new = c.iloc[:400], c.iloc[400:]
    prep = kequn.Preparer()
    X = prep.fit_transform(old)
    np.testing.assert_allclose(prep.transform(old), X, atol=1e-5)
    Xn = prep.transform(new)
    assert Xn.shape == (200, X.shape[1]) and np.isfinite(Xn).all()
    # new customers are scaled by the fitted customers' figures, not their own
    mean, sd = prep.scales_["family_size"]
    w = np.sqrt(prep.steps_.set_index("column").loc["family_size", "weight"])
    fam = np.clip(new["family_size"].astype(float), *prep.clips_["family_size"])
    fam = fam.fillna(prep.medians_["family_size"])
    got = Xn[:, prep.columns_.index("family_size")]
    np.testing.assert_allclose(got, (fam - mean) / sd * w, atol=1e-4)
    assert prep.weights_["demographic"] == 2.0


def test_segmenter_given_k_and_predict():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(c, 0.3, size=(100, 2)) for c in ((0, 0), (4, 0), (0, 4))])
    seg = kequn.Segmenter(k="auto", k_range=(2, 6)).fit(X)
    assert seg.k_ == 3 and seg.scan_ is not None
    assert (seg.predict(X) == seg.labels_).all()
    assert kequn.Segmenter(k=2).fit_predict(X).max() == 2


def test_segment_prep_does_not_import_the_demo():
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", "import sys, kequn.models.segment_prep; print('kequn.demo.personas' in sys.modules)"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert out.stdout.strip() == "False"


def test_open_run_relative_to_the_current_directory(tmp_path, monkeypatch):
    run = tmp_path / "runs" / "r1"
    (run / "clean").mkdir(parents=True)
    (run / "quality.json").write_text("{}", encoding="utf-8")
    pd.DataFrame({"customer_id": ["a"], "segment": [1]}).to_parquet(run / "segments.parquet")
    monkeypatch.chdir(tmp_path)
    r = kequn.open_run("runs/r1")
    assert r.names() == ["segments"]
    assert r["segments"]["segment"].tolist() == [1]
    with pytest.raises(FileNotFoundError, match="no value table"):
        r["value"]
    with pytest.raises(KeyError):
        r["nope"]
    with pytest.raises(FileNotFoundError, match="no Kequn run"):
        kequn.open_run("runs")


def test_kano_evaluate_by_group_and_rule():
    from kequn.demo.synth import generate

    k = generate(300, seed=2).kano
    k["half"] = np.where(k["respondent_id"].astype(str).str[-1].isin(list("01234")), "a", "b")
    ev = kequn.kano.evaluate(k, rule="aom", by="half")
    assert list(ev.columns[:3]) == ["half", "feature", "category"]
    assert (ev["category"] == ev["cat_aom"]).all()
    counts = kano_module.tally(kano_module.parse(k))
    old = kano_module.evaluate(counts, 0.05, 30)  # the former signature still answers
    assert (old["cat_mom"] == kequn.kano.evaluate(k)["category"]).all()
    with pytest.raises(kano_module.InputError):
        kequn.kano.evaluate(k, rule="modal")


def test_the_fit_figures_the_value_stage_reads(cdnow):
    """AIC, log-likelihood, customers and covariance of a fit (stage 03 states them); a model
    rebuilt from parameters has none, and says so."""
    bg = kequn.BetaGeo().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
    assert round(bg.log_likelihood_, 1) == -9582.4 and bg.n_ == 2357  # Fader, Hardie & Lee
    assert bg.aic_ == pytest.approx(2 * 4 + 2 * 9582.43, abs=0.1)
    assert bg.covariance_.shape == (4, 4) and (np.diag(bg.covariance_) > 0).all()
    with pytest.raises(RuntimeError, match="no fit"):
        kequn.BetaGeo(params=bg.params_).aic_
    one = bg.p_no_purchase(13, 0, 0, 38.86)  # a one-time buyer: no dropout, Poisson-gamma quiet
    r, alpha = bg.params_["r"], bg.params_["alpha"]
    assert float(one) == pytest.approx(((alpha + 38.86) / (alpha + 38.86 + 13)) ** r)
