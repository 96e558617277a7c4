"""Buy-till-you-die purchase and spend models in the shape lifetimes users expect: ``BetaGeo``,
``ModifiedBetaGeo``, ``ParetoNBD``, ``NBD`` and ``GammaGamma`` (fit returns self, ``params_``,
``p_alive``, ``expected_purchases(t)``, ``clv(horizon_months, annual_discount_rate)``).

Estimators over the likelihoods and scores of ``kequn.models.clv``; the value stage and an
analyst's own notebook use the same classes (exported from ``kequn``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kequn.models.clv import monthly_rate

_PERIODS_PER_MONTH = {"D": 365.25 / 12, "W": 365.25 / 12 / 7, "M": 1.0}


def _col(v, name: str) -> np.ndarray:
    if isinstance(v, pd.DataFrame):
        raise TypeError(
            f"{name}: pass one column (a Series or array), e.g. df['T'] — df.T is the transpose"
        )
    if v is None:
        raise TypeError(f"{name} is required")
    return np.asarray(v, dtype="float64")


def _rft(frequency, recency, T):
    """(frequency, recency, T) as arrays; a DataFrame as first argument gives all three from its
    columns frequency/recency/T (or x/t_x/T)."""
    if isinstance(frequency, pd.DataFrame):
        df = frequency
        f = "frequency" if "frequency" in df else "x"
        r = "recency" if "recency" in df else "t_x"
        return _col(df[f], f), _col(df[r], r), _col(df["T"], "T")
    return _col(frequency, "frequency"), _col(recency, "recency"), _col(T, "T")


class _BTYD:
    _key = ""
    _names: tuple = ()

    def __init__(self, params: dict | None = None):
        self.params = params
        if params is not None:
            self._set_params(params)

    def _set_params(self, params) -> None:
        p = dict(params)
        if set(p) != set(self._names):
            raise ValueError(
                f"{type(self).__name__} params: {', '.join(self._names)}; got {', '.join(p)}"
            )
        self.params_ = {n: float(p[n]) for n in self._names}

    def _values(self) -> list[float]:
        if not hasattr(self, "params_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted yet: call fit(...) first")
        return [self.params_[n] for n in self._names]

    def _fitted(self):
        if not hasattr(self, "fit_"):
            raise RuntimeError(
                f"{type(self).__name__} has no fit: call fit(...) (parameters passed in have none)"
            )
        return self.fit_

    @property
    def log_likelihood_(self) -> float:
        """Total log-likelihood of the fit."""
        return self._fitted().log_likelihood

    @property
    def aic_(self) -> float:
        """Akaike's information criterion of the fit, 2k − 2 log L (k parameters)."""
        return self._fitted().aic

    @property
    def n_(self) -> int:
        """Customers the model was fitted on."""
        return self._fitted().n

    @property
    def covariance_(self) -> np.ndarray | None:
        """Covariance of the log-parameters (inverse Hessian of −log L at the optimum; None
        when the likelihood is flat in some direction): the basis of ``clv_interval``."""
        return self._fitted().cov

    def __repr__(self) -> str:
        if not hasattr(self, "params_"):
            return f"{type(self).__name__}()"
        shown = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"{type(self).__name__}({shown})"


class BetaGeo(_BTYD):
    """BG/NBD purchase model (Fader, Hardie & Lee 2005), as ``lifetimes.BetaGeoFitter``.

    Parameters
    ----------
    params : dict, optional
        Fitted parameters (``params_`` of an earlier fit: r, alpha, a, b) to use without
        fitting.

    Attributes
    ----------
    params_ : dict
        The fitted parameters by name; ``BetaGeo(params=model.params_)`` rebuilds the model.
    fit_ : kequn.models.clv.Fit
        Log-likelihood, convergence, covariance of the fit.

    Examples
    --------
    CDNOW (2,357 customers, time in weeks); the same parameters as lifetimes:

    >>> import pandas as pd, kequn
    >>> cd = pd.read_csv("tests/data/cdnow/cdnow_customers_summary.csv")
    >>> bgf = kequn.BetaGeo().fit(cd["frequency"], cd["recency"], cd["T"])
    >>> {k: round(v, 3) for k, v in bgf.params_.items()}
    {'r': 0.243, 'alpha': 4.414, 'a': 0.793, 'b': 2.426}
    >>> bgf.p_alive(cd["frequency"], cd["recency"], cd["T"])[:3].round(3)
    array([0.727, 0.212, 1.   ])
    >>> same = kequn.BetaGeo(params=bgf.params_)  # fitted parameters can be passed back
    >>> round(float(same.expected_purchases(52, 2, 30.43, 38.86)), 3)
    1.559
    """

    _key = "bgnbd"
    _names = ("r", "alpha", "a", "b")

    def fit(self, frequency, recency=None, T=None, weights=None) -> "BetaGeo":
        """Fit on each customer's repeat purchases (``frequency``), time of the last purchase
        since the first (``recency``) and time observed since the first purchase (``T``), all
        in one time unit; a DataFrame with those columns may be passed alone, and so may
        ``clv.histories(x, t_x, T)`` (checked and collapsed once for several models).
        ``weights``: customers per row, when the rows are distinct histories (as lifetimes'
        ``weights``). Returns self."""
        from kequn.models import clv

        if isinstance(frequency, clv._Histories):
            x, t_x, TT = frequency, None, None
        else:
            x, t_x, TT = _rft(frequency, recency, T)
        fitter = {
            "bgnbd": clv.fit_bgnbd,
            "mbgnbd": clv.fit_mbgnbd,
            "pareto_nbd": clv.fit_pareto_nbd,
            "nbd": clv.fit_nbd,
        }[self._key]
        self.fit_ = fitter(x, t_x, TT, weights=weights)
        self.params_ = {n: float(self.fit_.params[n]) for n in self._names}
        return self

    def p_alive(self, frequency, recency=None, T=None) -> np.ndarray:
        """P(still a customer at T) per customer."""
        from kequn.models import clv

        x, t_x, TT = _rft(frequency, recency, T)
        return clv.p_alive(self._values(), x, t_x, TT, self._key)

    def expected_purchases(self, t, frequency, recency=None, T=None, alive=None) -> np.ndarray:
        """Expected purchases in the next ``t`` time units, per customer (lifetimes'
        ``conditional_expected_number_of_purchases_up_to_time``). ``alive``: ``p_alive`` of
        the same customers, when already computed (it is not computed again)."""
        from kequn.models import clv

        x, t_x, TT = _rft(frequency, recency, T)
        return clv.expected_purchases(self._values(), t, x, t_x, TT, self._key, alive)

    def p_no_purchase(self, t, frequency, recency=None, T=None, alive=None) -> np.ndarray:
        """P(no purchase in the next ``t`` time units) per customer: Kequn's churn risk (unlike
        1 − P(alive), informative for one-time buyers too; ``clv.p_no_purchase``). ``alive``:
        ``p_alive`` of the same customers, when already computed."""
        from kequn.models import clv

        x, t_x, TT = _rft(frequency, recency, T)
        return clv.p_no_purchase(self._values(), t, x, t_x, TT, self._key, alive)

    def clv(self, frequency, recency, T, monetary_value, spend: "GammaGamma",
            horizon_months: float = 12, annual_discount_rate: float = 0.10,
            margin: float = 1.0, freq: str = "W", alive=None) -> np.ndarray:  # fmt: skip
        """Discounted customer lifetime value per customer.

        Parameters
        ----------
        frequency, recency, T : array-like
            As in ``fit``; ``T`` in the unit ``freq``.
        monetary_value : array-like
            Mean spend per repeat purchase.
        spend : GammaGamma
            The fitted spend model.
        horizon_months : float
            Months ahead.
        annual_discount_rate : float
            YEARLY discount rate (0.10 = 10% a year), applied monthly as
            (1 + rate)^(1/12) − 1 (``monthly_rate``).
        margin : float
            Share of spend that is profit (1 = CLV in revenue).
        freq : {"W", "D", "M"}
            Time unit of recency and T: weeks, days or months.
        alive : array-like, optional
            ``p_alive`` of the same customers, when already computed (not computed again).

        Returns
        -------
        numpy.ndarray
            CLV per customer, in the unit of ``monetary_value``.
        """
        from kequn.models import clv

        if freq not in _PERIODS_PER_MONTH:
            raise ValueError(f"freq {freq!r}: one of {', '.join(_PERIODS_PER_MONTH)}")
        x, t_x, TT = _rft(frequency, recency, T)
        step = _PERIODS_PER_MONTH[freq]
        return clv.discounted_value(
            self._values(),
            spend._values(),
            x,
            t_x,
            TT,
            _col(monetary_value, "monetary_value"),
            horizon=horizon_months * step,
            step=step,
            discount_rate=monthly_rate(annual_discount_rate),
            margin=margin,
            model=self._key,
            alive=alive,
        )

    def clv_interval(self, frequency, recency, T, monetary_value, spend: "GammaGamma",
                     groups=None, horizon_months: float = 12,
                     annual_discount_rate: float = 0.10, margin: float = 1.0, freq: str = "W",
                     draws: int = 200, level: float = 0.95) -> pd.DataFrame | None:  # fmt: skip
        """Mean CLV per group (and over all, row "all") with its ``level`` interval from the
        parameters' sampling distribution (``clv.clv_interval``: ``draws`` parameter sets from
        both fits' ``covariance_``); arguments as for ``clv``. Columns customers, mean, low,
        high, draws; None when this fit has no covariance."""
        from kequn.models import clv

        if freq not in _PERIODS_PER_MONTH:
            raise ValueError(f"freq {freq!r}: one of {', '.join(_PERIODS_PER_MONTH)}")
        x, t_x, TT = _rft(frequency, recency, T)
        step = _PERIODS_PER_MONTH[freq]
        return clv.clv_interval(
            self._fitted(), spend._fitted(), x, t_x, TT,
            _col(monetary_value, "monetary_value"), groups,
            horizon=horizon_months * step, step=step,
            discount_rate=monthly_rate(annual_discount_rate), margin=margin, draws=draws,
            level=level,
        )  # fmt: skip


class ModifiedBetaGeo(BetaGeo):
    """MBG/NBD (Batislam et al. 2007): BG/NBD where a customer may also drop out at the first
    purchase, so one-time buyers are not all alive. Same interface as ``BetaGeo``.

    Examples
    --------
    >>> import pandas as pd, kequn
    >>> cd = pd.read_csv("tests/data/cdnow/cdnow_customers_summary.csv")
    >>> m = kequn.ModifiedBetaGeo().fit(cd)  # a DataFrame with frequency, recency, T
    >>> sorted(m.params_)
    ['a', 'alpha', 'b', 'r']
    >>> bool(m.p_alive(0, 0, 38.86) < 1)
    True
    """

    _key = "mbgnbd"


class ParetoNBD(BetaGeo):
    """Pareto/NBD (Schmittlein, Morrison & Colombo 1987): dropout at any time, not only after
    purchases. Parameters r, alpha, s, beta. Same interface as ``BetaGeo``.

    Examples
    --------
    >>> import pandas as pd, kequn
    >>> cd = pd.read_csv("tests/data/cdnow/cdnow_customers_summary.csv")
    >>> p = kequn.ParetoNBD().fit(cd["frequency"], cd["recency"], cd["T"])
    >>> {k: round(v, 2) for k, v in p.params_.items()}
    {'r': 0.55, 'alpha': 10.58, 's': 0.61, 'beta': 11.67}
    """

    _key = "pareto_nbd"
    _names = ("r", "alpha", "s", "beta")


class NBD(BetaGeo):
    """NBD (Ehrenberg): purchases without dropout, every customer alive (parameters r, alpha);
    the limit of the other models for histories too short to show dropout.

    Examples
    --------
    >>> import pandas as pd, kequn
    >>> cd = pd.read_csv("tests/data/cdnow/cdnow_customers_summary.csv")
    >>> n = kequn.NBD().fit(cd["frequency"], cd["recency"], cd["T"])
    >>> n.p_alive(cd["frequency"], cd["recency"], cd["T"])[:2]
    array([1., 1.])
    """

    _key = "nbd"
    _names = ("r", "alpha")


class GammaGamma(_BTYD):
    """Gamma-Gamma spend model (Fader, Hardie & Lee 2005), as ``lifetimes.GammaGammaFitter``:
    each customer's mean spend per purchase, shrunk toward the population's.

    Parameters
    ----------
    params : dict, optional
        Fitted parameters (p, q, gamma) to use without fitting.

    Examples
    --------
    CDNOW repeat buyers' mean spend, then CLV over 12 months at 10% a year:

    >>> import pandas as pd, kequn
    >>> cd = pd.read_csv("tests/data/cdnow/cdnow_customers_summary_with_transactions.csv")
    >>> rep = cd[cd["x"] > 0]
    >>> ggf = kequn.GammaGamma().fit(rep["x"], rep["zbar"])
    >>> {k: round(v, 2) for k, v in ggf.params_.items()}
    {'p': 6.25, 'q': 3.74, 'gamma': 15.45}
    >>> ggf.expected_spend(rep["x"], rep["zbar"])[:2].round(2)
    array([24.66, 18.91])
    >>> bgf = kequn.BetaGeo().fit(cd["x"], cd["t_x"], cd["T"])
    >>> clv = bgf.clv(rep["x"], rep["t_x"], rep["T"], rep["zbar"], spend=ggf,
    ...               horizon_months=12, annual_discount_rate=0.10)
    >>> round(float(clv.mean()), 2)
    62.02
    >>> ggf.clv(bgf, rep["x"], rep["t_x"], rep["T"], rep["zbar"])[:1].round(2)
    array([36.74])
    """

    _names = ("p", "q", "gamma")

    def fit(self, frequency, monetary_value, weights=None) -> "GammaGamma":
        """Fit on repeat purchases (``frequency`` > 0) and their mean spend (``weights``:
        customers per row of distinct pairs); returns self."""
        from kequn.models import clv

        self.fit_ = clv.fit_gamma_gamma(
            _col(frequency, "frequency"), _col(monetary_value, "monetary_value"), weights=weights
        )
        self.params_ = {n: float(self.fit_.params[n]) for n in self._names}
        return self

    def expected_spend(self, frequency, monetary_value) -> np.ndarray:
        """Expected mean spend per purchase of each customer (lifetimes'
        ``conditional_expected_average_profit``)."""
        from kequn.models import clv

        return clv.expected_spend(
            self._values(), _col(frequency, "frequency"), _col(monetary_value, "monetary_value")
        )

    def clv(self, purchases: BetaGeo, frequency, recency, T, monetary_value,
            horizon_months: float = 12, annual_discount_rate: float = 0.10,
            margin: float = 1.0, freq: str = "W") -> np.ndarray:  # fmt: skip
        """Lifetime value with the purchase model ``purchases`` (lifetimes' argument order);
        see ``BetaGeo.clv``."""
        return purchases.clv(
            frequency, recency, T, monetary_value, spend=self, horizon_months=horizon_months,
            annual_discount_rate=annual_discount_rate, margin=margin, freq=freq,
        )  # fmt: skip


# The purchase models by their key in ``clv.MODELS``: the estimator the value stage fits for each.
ESTIMATORS = {"bgnbd": BetaGeo, "mbgnbd": ModifiedBetaGeo, "pareto_nbd": ParetoNBD, "nbd": NBD}
