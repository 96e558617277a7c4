"""Buy-till-you-die models by maximum likelihood: BG/NBD, MBG/NBD, Pareto/NBD and Gamma-Gamma.

Written here on numpy/scipy because the maintained options do not fit (lifetimes is
unmaintained and breaks on current Python; pymc-marketing needs Python 3.12, ~800 MB and is
Bayesian by default). What the users of those libraries keep reporting is designed out:

- fits are on the *distinct* (x, t_x, T) triples with their counts as weights, so a million
  customers cost as much as the few thousand distinct histories they have;
- every likelihood is computed in log space (``gammaln``, ``logaddexp``, an Euler-transformed
  hypergeometric function), so frequencies of 300 or 10,000 do not overflow;
- parameters are fitted as logs (positive by construction) within bounds, from starting
  values that work on real data, and a fit that does not converge raises ``FitError`` with
  the optimiser's reason instead of returning quiet nonsense;
- degenerate fits are refused with the true reason: a parameter at its bound (e.g. "dropout
  probability ran to 0" on a few months of history), a non-finite likelihood, fewer than
  ``MIN_CUSTOMERS`` customers or ``MIN_REPEAT`` repeat buyers;
- every fit carries the covariance of its log-parameters (the inverse of the numerical Hessian
  of the log-likelihood at the optimum), from which ``clv_interval`` draws parameter sets.

The three purchase models share one interface by key (``MODELS``): ``p_alive``,
``expected_purchases``, ``p_no_purchase`` and ``discounted_value`` take ``model=``.

Inputs per customer: ``x`` (repeat purchases), ``t_x`` (time of the last purchase since the
first), ``T`` (time since the first purchase), in one unit (weeks for CDNOW); ``m`` (mean
value of the repeat purchases) for Gamma-Gamma.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from kequn.models.parallel import cores

_BOUNDS = (-12.0, 12.0)  # log-parameters: e^-12 … e^12 covers every plausible model
MIN_CUSTOMERS, MIN_REPEAT = (
    20,
    10,
)  # fewer cannot identify four parameters (one customer gave r = 6,079)
# The purchase models by key: three with dropout, and the NBD without it, their common limit when
# dropout goes to 0 (the model for histories too short to show any dropout).
MODELS = ("bgnbd", "mbgnbd", "pareto_nbd", "nbd")
NAMES = {
    "bgnbd": "BG/NBD",
    "mbgnbd": "MBG/NBD",
    "pareto_nbd": "Pareto/NBD",
    "nbd": "NBD",
    "gamma_gamma": "Gamma-Gamma",
}
VANISHING = 1e-3  # mean dropout below this (per purchase, or over the history): "dropout ran to 0"
# what each parameter describes, to say what ran to its bound
_ROLES = {
    "r": "rate",
    "alpha": "rate",
    "a": "dropout",
    "b": "dropout",
    "s": "dropout",
    "beta": "dropout",
    "p": "spend",
    "q": "spend",
    "gamma": "spend",
}


class FitError(ValueError):
    """The data cannot identify the model, or the optimiser did not converge (reason inside;
    ``code`` names the reason for a translated message: no_customers, bad_values, no_repeat,
    too_few, not_converged, at_bound, too_few_spend, infinite_mean; ``detail`` holds the values
    the message names, e.g. ``{"what": "dropout_zero", "params": "a", "weeks": 17.0}``)."""

    def __init__(self, message: str, code: str = "not_converged", detail: dict | None = None):
        super().__init__(message)
        self.code = code
        self.detail = detail or {}


@dataclass
class Fit:
    """Fitted parameters (``params`` by name), total log-likelihood, customers, whether the
    optimiser converged, the model's key (``MODELS`` or "gamma_gamma") and ``cov``, the
    covariance of the log-parameters (inverse Hessian of −log-likelihood; None when the
    Hessian is not positive definite, i.e. the likelihood is flat in some direction)."""

    model: str
    params: dict
    log_likelihood: float
    n: int
    converged: bool
    key: str = ""
    cov: np.ndarray | None = None

    @property
    def aic(self) -> float:
        """Akaike's information criterion, 2k − 2 log L."""
        return 2 * len(self.params) - 2 * self.log_likelihood


def _collapse(*cols, weights=None) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of the columns and how many customers share each."""
    df = pd.DataFrame({f"c{i}": np.asarray(c, dtype="float64") for i, c in enumerate(cols)})
    df["w"] = 1.0 if weights is None else np.asarray(weights, dtype="float64")
    g = df.groupby([f"c{i}" for i in range(len(cols))], sort=False)["w"].sum().reset_index()
    return [g[f"c{i}"].to_numpy() for i in range(len(cols))], g["w"].to_numpy()


def _weights(w, like) -> np.ndarray:
    """Customers per row: ``w`` (rows that are distinct histories with their counts), else 1."""
    return np.ones(len(like)) if w is None else np.asarray(w, dtype="float64")


def _mean(v, w) -> float:
    """Mean over customers of ``v``: plain, or weighted by the customers per row ``w``."""
    return float(np.mean(v)) if w is None else float(np.average(v, weights=w))


def _check_rft(x, t_x, T, w=None) -> None:
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    w = _weights(w, x)
    if len(x) == 0 or w.sum() == 0:
        raise FitError("no customers to fit", "no_customers")
    if not (np.isfinite(x).all() and np.isfinite(t_x).all() and np.isfinite(T).all()):
        raise FitError("frequency, recency and T must all be numbers", "bad_values")
    if (x < 0).any() or (t_x < 0).any() or (T <= 0).any() or (t_x > T + 1e-9).any():
        raise FitError("need x ≥ 0, 0 ≤ t_x ≤ T and T > 0 for every customer", "bad_values")
    if not (np.isfinite(w).all() and (w >= 0).all()):
        raise FitError("customer counts must be numbers ≥ 0", "bad_values")
    customers, repeat = int(w.sum()), int(w[x > 0].sum())
    if repeat == 0:
        raise FitError(
            "no customer bought again: repeat behaviour cannot be estimated", "no_repeat"
        )
    if customers < MIN_CUSTOMERS or repeat < MIN_REPEAT:
        raise FitError(
            f"{customers:,} customers, {repeat:,} of them repeat buyers: too few to estimate four "
            f"parameters (at least {MIN_CUSTOMERS} customers and {MIN_REPEAT} repeat buyers)",
            "too_few",
            {"customers": customers, "repeat": repeat},
        )


def _logaddexp(a, b) -> np.ndarray:
    """log(e^a + e^b) elementwise, as ``np.logaddexp``, through numpy's vectorised ``exp`` and
    ``log1p``: max(a, b) + log1p(e^−|a − b|). numpy's ufunc calls the C library per element,
    3x slower. This form agrees with it to a few ulps of the larger argument, below the
    resolution of a summed likelihood: the BG/NBD and MBG/NBD fits (analytic gradients) find
    the same optimum to the last bit at 1M buyers, their calibration and on CDNOW. Not for
    Pareto/NBD, whose numerical gradient turns an ulp of the likelihood into another path
    (1e-4 apart in its parameters). Equal arguments (both −inf too) give a + log 2, as numpy
    does."""
    a, b = np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")
    if a.ndim == 0 and b.ndim == 0:
        return np.logaddexp(a, b)
    with np.errstate(invalid="ignore", over="ignore"):
        d = np.subtract(a, b)
        out = np.maximum(a, b)
        np.abs(d, out=d)
        np.negative(d, out=d)
        np.exp(d, out=d)
        np.log1p(d, out=d)
        out += d
        eq = a == b
        if eq.any():
            out[eq] = (np.broadcast_to(a, out.shape)[eq]) + np.log(2.0)
    return out


@cache
def _blas():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _one_blas_thread():
    """BLAS on one thread, for the fits: their dot products are over a few thousand to a few
    hundred thousand histories, where a second OpenBLAS thread gains nothing, and on a shared
    machine its spinning slows every step (stage 03 at load 5 on 2 cores: 30 s instead of 6)."""
    return _blas().limit(limits=1, user_api="blas")


def _hessian(nll, x: np.ndarray, jac: bool) -> np.ndarray:
    """Numerical Hessian of ``nll`` at ``x``: central differences of the analytic gradient when
    ``jac`` (``nll`` returns (value, gradient)), else second differences of the values."""
    k = len(x)
    if jac:
        h = 1e-5
        cols = [(nll(x + h * e)[1] - nll(x - h * e)[1]) / (2 * h) for e in np.eye(k)]
        H = np.array(cols)
    else:
        h = 1e-3
        f0 = nll(x)
        H = np.empty((k, k))
        for i in range(k):
            ei = h * np.eye(k)[i]
            H[i, i] = (nll(x + ei) - 2 * f0 + nll(x - ei)) / h**2
            for j in range(i):
                ej = h * np.eye(k)[j]
                H[i, j] = H[j, i] = (
                    nll(x + ei + ej) - nll(x + ei - ej) - nll(x - ei + ej) + nll(x - ei - ej)
                ) / (4 * h**2)
    return (H + H.T) / 2


def _covariance(H: np.ndarray) -> np.ndarray | None:
    """Inverse of a positive definite Hessian, else None (a flat direction: no interval)."""
    if not np.isfinite(H).all():
        return None
    vals = np.linalg.eigvalsh(H)
    if vals.min() <= 1e-10 * max(vals.max(), 1e-300):
        return None
    return np.linalg.inv(H)


def _mean_dropout(v: dict, weeks: float | None) -> float | None:
    """Mean dropout: per purchase a/(a+b) (BG/NBD, MBG/NBD), or the expected share gone over the
    history s/β·weeks (Pareto/NBD); None for models without dropout."""
    if "a" in v:
        return v["a"] / (v["a"] + v["b"])
    if "s" in v:
        return v["s"] / v["beta"] * (weeks or 1.0)
    return None


def _bound_reason(
    model: str, names, lp: np.ndarray, at_bound: np.ndarray, weeks: float | None
) -> FitError:
    """FitError naming what ran to its bound, in words a reader can act on."""
    v = dict(zip(names, np.exp(lp)))
    drop = _mean_dropout(v, weeks)
    if (
        drop is not None and drop < VANISHING
    ):  # e.g. Pareto/NBD's s → 0 with β → ∞, short of the bounds
        at_bound = at_bound | np.array([_ROLES[n] == "dropout" for n in names])
    hit = [n for n, b in zip(names, at_bound) if b]
    roles = {_ROLES[n] for n in hit}
    what = (
        "rate_spread" if roles == {"rate"} else "spend" if roles == {"spend"} else "dropout_spread"
    )
    if "dropout" in roles:
        what = "dropout_zero" if drop is not None and drop < VANISHING else "dropout_spread"
    span = f" on {weeks:.0f} weeks of history" if weeks else ""
    words = {
        "dropout_zero": f"dropout ran to 0 (not identifiable{span})",
        "dropout_spread": f"the spread of dropout between customers ran to its limit (not identifiable{span})",
        "rate_spread": "the spread of purchase rates between customers ran to its limit",
        "spend": "the spend model ran to its limit",
    }[what]
    return FitError(
        f"{model}: {words}; {', '.join(hit)} at the edge of the parameter space",
        "at_bound",
        {"what": what, "params": ", ".join(hit), "weeks": weeks},
    )


def _optimise(
    nll,
    start: np.ndarray,
    names: list[str],
    model: str,
    n: int,
    jac: bool = False,
    key: str = "",
    weeks: float | None = None,
) -> Fit:
    """L-BFGS-B on the log-parameters, then the refusals: a parameter at its bound or a
    vanishing mean dropout (checked first: an optimiser that stalls on the way to the bound is
    reported for that, not as "did not converge"), a non-finite likelihood, no convergence.
    A run whose mean dropout stays 100× below ``VANISHING`` for 10 iterations is stopped early
    (Pareto/NBD's hypergeometric terms get slow out there)."""
    low = [0]

    def watch(xk):
        d = _mean_dropout(dict(zip(names, np.exp(xk))), weeks)
        low[0] = low[0] + 1 if d is not None and d < VANISHING / 100 else 0
        if low[0] >= 10:
            raise StopIteration

    with _one_blas_thread():
        res = minimize(
            nll,
            start,
            method="L-BFGS-B",
            jac=jac,
            bounds=[_BOUNDS] * len(start),
            callback=watch,
            options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-9},
        )
    at_bound = np.isclose(res.x, _BOUNDS[0], atol=1e-3) | np.isclose(res.x, _BOUNDS[1], atol=1e-3)
    drop = _mean_dropout(dict(zip(names, np.exp(res.x))), weeks)
    if at_bound.any() or (drop is not None and drop < VANISHING):
        raise _bound_reason(model, names, res.x, at_bound, weeks)
    if not res.success or not np.isfinite(res.fun):
        raise FitError(f"{model} did not converge: {res.message}", "not_converged")
    with _one_blas_thread():
        cov = _covariance(_hessian(nll, res.x, jac))
    return Fit(
        model, dict(zip(names, np.exp(res.x))), float(-res.fun), n, bool(res.success), key, cov
    )


# --- BG/NBD (Fader, Hardie & Lee 2005) -----------------------------------------------------


class _Histories:
    """Distinct (x, t_x, T) histories with weights, and each history's index into the distinct
    values of x, of t_x and of T. Every likelihood term that depends on one of them alone
    (``gammaln``, ``digamma``, ``log``) is computed once per distinct value — a few hundred
    for x, a few thousand for the times — and gathered, so an iteration over a million
    customers costs a handful of array multiplications."""

    def __init__(self, x, t_x, T, w=None):
        (self.x, self.t_x, self.T), self.w = _collapse(x, t_x, T, weights=w)
        self.ux, self.xi = np.unique(self.x, return_inverse=True)
        self.ut, self.ti = np.unique(self.t_x, return_inverse=True)
        self.uT, self.Ti = np.unique(self.T, return_inverse=True)
        self.repeat = (self.ux > 0)[self.xi]
        self.scale, self.weeks = 1.0, float(np.max(T)) if len(self.x) else 0.0


def histories(x, t_x, T, weights=None) -> _Histories:
    """Per-customer (x, t_x, T) checked (``FitError`` as a fit would raise it) and collapsed
    once into distinct histories. Every purchase-model fitter takes it in place of
    (x, t_x, T) with the same result, so several models fitted on one summary collapse and
    check it once (a million buyers: 0.6 s each time)."""
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    _check_rft(x, t_x, T, weights)
    h = _Histories(x, t_x, T, weights)
    h.scale = _mean(T, weights)  # from the customers' own T, as each fitter computed it
    return h


def _prepared(x, t_x, T, weights) -> _Histories:
    """``x`` when it is ``histories(...)`` already, else the histories of (x, t_x, T)."""
    return x if isinstance(x, _Histories) else histories(x, t_x, T, weights)


def _purchase_rate_gradient(r, alpha, w, wb, wc, ux, xi, rx, lT, lt):
    """d log L / d(r, alpha) of the gamma-Poisson purchase process, shared by BG/NBD and
    MBG/NBD: the likelihood is a mix of "alive at T" (share ``wb``) and "dropped out after the
    last purchase" (``wc``), with log(alpha + T) = ``lT`` and log(alpha + t_x) = ``lt``."""
    g_r = (
        w @ ((digamma(r + ux) - digamma(r))[xi])
        + np.log(alpha) * w.sum()
        - (w * wb) @ lT
        - (w * wc) @ lt
    )
    g_alpha = r / alpha * w.sum() - (w * wb * rx) @ np.exp(-lT) - (w * wc * rx) @ np.exp(-lt)
    return g_r, g_alpha


def _bgnbd_terms(params, h: _Histories, gradient: bool):
    """Per-history log-likelihood of BG/NBD and, when asked, the weighted gradient with respect
    to log(r, α, a, b). Analytic: one likelihood-sized pass instead of the five a numerical
    gradient costs."""
    r, alpha, a, b = params
    ux, xi = h.ux, h.xi
    rx = (r + ux)[xi]
    lT, lt = np.log(alpha + h.uT)[h.Ti], np.log(alpha + h.ut)[h.ti]
    head = (gammaln(r + ux) - gammaln(r) + r * np.log(alpha) + betaln(a, b + ux) - betaln(a, b))[xi]
    B = -rx * lT
    with np.errstate(divide="ignore"):
        c0 = np.where(ux > 0, np.log(a) - np.log(np.maximum(b + ux - 1, 1e-300)), -np.inf)[xi]
    C = c0 - rx * lt
    ll = head + _logaddexp(B, C)
    if not gradient:
        return ll, None
    w = h.w
    wc = np.where(
        h.repeat, expit(C - B), 0.0
    )  # share of the likelihood from "dropped out after the last purchase"
    wb = 1 - wc
    g_r, g_alpha = _purchase_rate_gradient(r, alpha, w, wb, wc, ux, xi, rx, lT, lt)
    g_a = w @ ((digamma(a + b) - digamma(a + b + ux))[xi]) + (w @ wc) / a
    inv_b = np.where(ux > 0, 1 / np.maximum(b + ux - 1, 1e-300), 0.0)[xi]
    g_b = (
        w @ ((digamma(b + ux) - digamma(a + b + ux) - digamma(b) + digamma(a + b))[xi])
        - (w * wc) @ inv_b
    )
    return ll, np.array([g_r, g_alpha, g_a, g_b]) * np.asarray(params)


def bgnbd_loglik(params, x, t_x, T) -> np.ndarray:
    """Log-likelihood per customer of BG/NBD with params (r, alpha, a, b)."""
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    r, alpha, a, b = params
    base = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b)
    alive = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        dead = np.where(
            x > 0,
            np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
    return base + _logaddexp(alive, dead)


def bgnbd_gradient(params, x, t_x, T, w) -> np.ndarray:
    """Gradient of the weighted total log-likelihood with respect to log(r, α, a, b)."""
    return _bgnbd_terms(params, _Histories(x, t_x, T, w), gradient=True)[1]


def fit_bgnbd(x, t_x=None, T=None, weights=None) -> Fit:
    """Maximum-likelihood BG/NBD on per-customer (x, t_x, T), or on distinct histories with
    ``weights`` customers each (the same fit: the likelihood is summed per distinct history),
    or on ``histories(x, t_x, T)`` passed as ``x`` alone (so for every fitter here)."""
    return _fit_beta_geometric(_bgnbd_terms, x, t_x, T, "BG/NBD", "bgnbd", weights)


def _fit_beta_geometric(terms, x, t_x, T, model: str, key: str, weights=None) -> Fit:
    """Maximum likelihood of a four-parameter (r, α, a, b) model whose ``terms`` give the
    log-likelihood and its gradient per distinct history: BG/NBD and MBG/NBD share it."""
    h = _prepared(x, t_x, T, weights)

    def nll(lp):
        ll, g = terms(np.exp(lp), h, gradient=True)
        return -float(h.w @ ll), -g

    start = np.log([1.0, h.scale, 1.0, 1.0])  # α is on the time scale of T
    names = ["r", "alpha", "a", "b"]
    n = int(h.w.sum())
    return _optimise(nll, start, names, model, n, jac=True, key=key, weeks=h.weeks)


def bgnbd_p_alive(params, x, t_x, T) -> np.ndarray:
    """P(still active at T | x, t_x, T) under BG/NBD."""
    r, alpha, a, b = params
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = (
            np.log(a)
            - np.log(np.maximum(b + x - 1, 1e-300))
            + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        )
    return np.where(x > 0, 1.0 / (1.0 + np.exp(np.minimum(log_ratio, 700))), 1.0)


# --- MBG/NBD (Batislam, Denizel & Filiztekin 2007) ------------------------------------------------
#
# BG/NBD with one change: a customer may also drop out at time 0, right after the first purchase,
# with the same probability p as after every repeat. One-time buyers can therefore be gone, which
# BG/NBD rules out (their P(alive) is 1 there, and it over-predicts their future purchases).
#
#   L(r, α, a, b | x, t_x, T) = Γ(r+x) α^r / Γ(r) · B(a, b+x+1) / B(a, b)
#                               · [ (α+T)^−(r+x) + a/(b+x) · (α+t_x)^−(r+x) ]
#
# The second term is present for x = 0 too (dropout before any repeat).


def _mbgnbd_terms(params, h: _Histories, gradient: bool):
    """Per-history log-likelihood of MBG/NBD and, when asked, the weighted gradient with respect
    to log(r, α, a, b), analytic as for BG/NBD (terms per distinct x, t_x and T)."""
    r, alpha, a, b = params
    ux, xi = h.ux, h.xi
    rx = (r + ux)[xi]
    lT, lt = np.log(alpha + h.uT)[h.Ti], np.log(alpha + h.ut)[h.ti]
    head = (
        gammaln(r + ux) - gammaln(r) + r * np.log(alpha) + betaln(a, b + ux + 1) - betaln(a, b)
    )[xi]
    B = -rx * lT
    C = (np.log(a) - np.log(b + ux))[xi] - rx * lt
    ll = head + _logaddexp(B, C)
    if not gradient:
        return ll, None
    w = h.w
    wc = expit(C - B)  # share of the likelihood from "dropped out right after the last purchase"
    wb = 1 - wc
    g_r, g_alpha = _purchase_rate_gradient(r, alpha, w, wb, wc, ux, xi, rx, lT, lt)
    g_a = w @ ((digamma(a + b) - digamma(a + b + ux + 1))[xi]) + (w @ wc) / a
    g_b = (
        w @ ((digamma(b + ux + 1) - digamma(a + b + ux + 1) - digamma(b) + digamma(a + b))[xi])
        - (w * wc) @ (1 / (b + ux))[xi]
    )
    return ll, np.array([g_r, g_alpha, g_a, g_b]) * np.asarray(params)


def mbgnbd_loglik(params, x, t_x, T) -> np.ndarray:
    """Log-likelihood per customer of MBG/NBD with params (r, alpha, a, b).

    Parameters
    ----------
    params : sequence of float
        r, α (Gamma purchase rates), a, b (Beta dropout probability).
    x, t_x, T : array-like
        Repeat purchases, time of the last purchase and of the end of observation, both
        measured from the first purchase.

    Returns
    -------
    numpy.ndarray
        One log-likelihood per customer.
    """
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    r, alpha, a, b = params
    base = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x + 1) - betaln(a, b)
    alive = -(r + x) * np.log(alpha + T)
    dead = np.log(a) - np.log(b + x) - (r + x) * np.log(alpha + t_x)
    return base + _logaddexp(alive, dead)


def mbgnbd_gradient(params, x, t_x, T, w) -> np.ndarray:
    """Gradient of the weighted total MBG/NBD log-likelihood with respect to log(r, α, a, b)."""
    return _mbgnbd_terms(params, _Histories(x, t_x, T, w), gradient=True)[1]


def fit_mbgnbd(x, t_x=None, T=None, weights=None) -> Fit:
    """Maximum-likelihood MBG/NBD (Batislam, Denizel & Filiztekin 2007) on per-customer
    (x, t_x, T).

    Parameters
    ----------
    x, t_x, T : array-like
        Repeat purchases, time of the last purchase and of the end of observation since the
        first purchase, in one time unit.
    weights : array-like, optional
        Customers per row, when the rows are distinct histories with their counts.

    Returns
    -------
    Fit
        Parameters r, alpha, a, b; raises ``FitError`` with the reason when the data cannot
        identify them.
    """
    return _fit_beta_geometric(_mbgnbd_terms, x, t_x, T, "MBG/NBD", "mbgnbd", weights)


def mbgnbd_p_alive(params, x, t_x, T) -> np.ndarray:
    """P(still active at T | x, t_x, T) under MBG/NBD: 1 / (1 + a/(b+x) · ((α+T)/(α+t_x))^(r+x)),
    below 1 for one-time buyers too."""
    r, alpha, a, b = params
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    log_ratio = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    return expit(-log_ratio)


def mbgnbd_expected_purchases(params, t, x, t_x, T) -> np.ndarray:
    """E[purchases in (T, T+t] | x, t_x, T] under MBG/NBD (Batislam et al. 2007, eq. 12):
    (a+b+x)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x+1; a+b+x; z)] · P(alive),
    z = t/(α+T+t). The bracket is BG/NBD's with b+1 for b, so it is computed in the same
    Euler-transformed form (``_purchase_factor``), finite for any x."""
    r, alpha, a, b = params
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    factor = _purchase_factor((r, alpha, a, b + 1), np.asarray(t, dtype="float64"), x, T)
    return factor * mbgnbd_p_alive(params, x, t_x, T)


# --- Pareto/NBD (Schmittlein, Morrison & Colombo 1987; Fader & Hardie's notes) -----------------


def _log_h(a_, b_, z, base):
    """log of 2F1(a_, b_; a_+1; z) / base^a_, via Euler's transformation
    2F1(a,b;a+1;z) = (1−z)^(1−b) 2F1(1, a+1−b; a+1; z), which stays finite for large a."""
    return (1 - b_) * np.log1p(-z) + np.log(hyp2f1(1.0, a_ + 1 - b_, a_ + 1, z)) - a_ * np.log(base)


def pareto_loglik(params, x, t_x, T) -> np.ndarray:
    """Log-likelihood per customer of Pareto/NBD with params (r, alpha, s, beta)."""
    head, first, second = _pareto_parts(params, x, t_x, T)
    return head + np.logaddexp(first, second)


def _distinct_pairs(a, b) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (a, b) pairs as two arrays, and each element's index into them."""
    ia, ua = pd.factorize(np.asarray(a, dtype="float64"))
    ib, ub = pd.factorize(np.asarray(b, dtype="float64"))
    key, inv = np.unique(ia.astype("int64") * len(ub) + ib, return_inverse=True)
    return ua[key // len(ub)], ub[key % len(ub)], inv.ravel()


def _pareto_parts(params, x, t_x, T, pairs=None):
    """log L = head + log(e^first + e^second): ``first`` is "alive at T", ``second`` "died
    between t_x and T" (Fader & Hardie 2005 note, eq. 22, with its A0 in the α ≥ β / α < β
    forms and Euler's transformation, ``_log_h``). ``pairs``: the distinct (x, t_x) and (x, T)
    pairs of the histories (``_distinct_pairs``); the hypergeometric terms, most of the cost,
    depend on one pair each and are computed once per distinct pair (the same numbers)."""
    r, alpha, s, beta = params
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    first = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    rsx = r + s + x
    if pairs is None:
        h1, h2 = _pareto_log_h(params, x, t_x), _pareto_log_h(params, x, T)
    else:
        (x1, t1, i1), (x2, t2, i2) = pairs
        h1, h2 = _pareto_log_h(params, x1, t1)[i1], _pareto_log_h(params, x2, t2)[i2]
    second = np.log(s) - np.log(rsx) + _pareto_diff(h1, h2)
    return head, first, np.where(np.isfinite(second), second, -np.inf)


def _pareto_log_h(params, x, t):
    """``_log_h`` of the pairs (x, t) in the α ≥ β or the α < β form of A0."""
    r, alpha, s, beta = params
    if alpha >= beta:
        return _log_h(r + s + x, s + 1, (alpha - beta) / (alpha + t), alpha + t)
    return _log_h(r + s + x, r + x, (beta - alpha) / (beta + t), beta + t)


def _pareto_diff(h1, h2):
    """log(e^h1 − e^h2): A0 as the difference of its t_x and T terms (h1 ≥ h2; −inf when equal,
    t_x = T)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return h1 + np.log1p(-np.exp(np.minimum(h2 - h1, 0.0)))


def _pareto_history_ll(params, h: _Histories, pairs) -> np.ndarray:
    """Pareto/NBD's log-likelihood per distinct history of ``h``: ``_pareto_parts``' numbers
    exactly, with each term of x alone (``gammaln``, the logs) computed once per distinct x,
    "alive at T" and the hypergeometric terms once per distinct pair (``pairs``:
    ``_distinct_pairs`` of (x, t_x) and of (x, T)), then gathered per history; the
    per-history steps write into their own arrays."""
    r, alpha, s, beta = params
    ux, xi = h.ux, h.xi
    (x1, t1, i1), (x2, t2, i2) = pairs
    head = (gammaln(r + ux) - gammaln(r) + r * np.log(alpha) + s * np.log(beta))[xi]
    first = (-(r + x2) * np.log(alpha + t2) - s * np.log(beta + t2))[i2]  # "alive at T"
    h1 = _pareto_log_h(params, x1, t1)[i1]
    d = _pareto_log_h(params, x2, t2)[i2]
    with np.errstate(divide="ignore", invalid="ignore"):  # _pareto_diff, in place
        np.subtract(d, h1, out=d)
        np.minimum(d, 0.0, out=d)
        np.exp(d, out=d)
        np.negative(d, out=d)
        np.log1p(d, out=d)
        d += h1
        second = (np.log(s) - np.log(r + s + ux))[xi]
        second += d
    second[~np.isfinite(second)] = -np.inf
    head += np.logaddexp(first, second)  # numpy's own: the fit's path hangs on its last bits
    return head


def pareto_p_alive(params, x, t_x, T) -> np.ndarray:
    """P(still active at T | x, t_x, T) under Pareto/NBD, closed form: the share of the
    likelihood from "alive at T", 1 / (1 + e^(second − first)) with the likelihood's own
    numerically stable terms (``_pareto_parts``: the hypergeometric A0 of Fader & Hardie's 2005
    note through scipy's ``hyp2f1`` after Euler's transformation, argument in [0, 1))."""
    _, first, second = _pareto_parts(params, x, t_x, T)
    return expit(first - second)


def _pareto_factor(params, t, x, T) -> np.ndarray:
    """E[purchases in (T, T+t] | alive at T] under Pareto/NBD (Schmittlein, Morrison & Colombo
    1987; Fader & Hardie 2005 note, eq. 24 without P(alive)):
    (r+x)/(α+T) · (β+T)/(s−1) · [1 − ((β+T)/(β+T+t))^(s−1)], as −expm1 of a log1p so that it
    stays exact for s near 1 (where the limit is (β+T)·log(1 + t/(β+T)))."""
    r, alpha, s, beta = params
    x, T, t = (np.asarray(v, dtype="float64") for v in (x, T, t))
    L = np.log1p(t / (beta + T))
    k = s - 1
    span = -np.expm1(-k * L) / k if abs(k) > 1e-9 else L
    return (r + x) / (alpha + T) * (beta + T) * span


def pareto_expected_purchases(params, t, x, t_x, T) -> np.ndarray:
    """E[purchases in (T, T+t] | x, t_x, T] under Pareto/NBD: ``_pareto_factor`` × P(alive)."""
    return _pareto_factor(params, t, x, T) * pareto_p_alive(params, x, t_x, T)


def _mean_share(r1, a1, s, b1) -> np.ndarray:
    """E[λ / (λ + μ)] for independent λ ~ Gamma(r1, rate a1), μ ~ Gamma(s, rate b1).

    With B = Beta(r1, s) and c = a1/b1, λ/(λ+μ) = B / (B + c(1−B)); Euler's integral gives
    r1 / ((r1+s) c) · 2F1(1, r1+1; r1+s+1; 1 − 1/c). When c < 1 the mirror image
    1 − s / ((r1+s) c') · 2F1(1, s+1; r1+s+1; 1 − 1/c'), c' = 1/c, is used, so the argument of
    scipy's ``hyp2f1`` is always in [0, 1) where its series converges."""
    r1, a1, s, b1 = np.broadcast_arrays(*(np.asarray(v, dtype="float64") for v in (r1, a1, s, b1)))
    c = a1 / b1
    out = np.empty(c.shape)
    hi = c >= 1
    out[hi] = (
        r1[hi]
        / ((r1[hi] + s[hi]) * c[hi])
        * hyp2f1(1.0, r1[hi] + 1, r1[hi] + s[hi] + 1, 1 - 1 / c[hi])
    )
    lo = ~hi
    cc = 1 / c[lo]
    out[lo] = 1 - s[lo] / ((r1[lo] + s[lo]) * cc) * hyp2f1(
        1.0, s[lo] + 1, r1[lo] + s[lo] + 1, 1 - 1 / cc
    )
    return np.clip(out, 0.0, 1.0)


def pareto_p_no_purchase(params, t, x, t_x, T, alive=None) -> np.ndarray:
    """P(no purchase in (T, T+t] | x, t_x, T) under Pareto/NBD.

    A customer alive at T has posterior λ ~ Gamma(r+x, α+T), μ ~ Gamma(s, β+T), independent.
    Given (λ, μ), no purchase in t means dying first or neither event in t:
    μ/(λ+μ) + λ/(λ+μ)·e^−(λ+μ)t. Its expectation is
    1 − E[λ/(λ+μ)] + ((α+T)/(α+T+t))^(r+x) ((β+T)/(β+T+t))^s · E'[λ/(λ+μ)], E' with the rates
    α+T+t and β+T+t (``_mean_share``, through ``hyp2f1``). Then
    P = (1 − P(alive)) + P(alive) · that. ``alive``: P(alive) of the same rows when the caller
    has it (``_alive``)."""
    r, alpha, s, beta = params
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    t = np.asarray(t, dtype="float64")
    codes, px, pT = _pairs(x, T)  # depends on (x, T) only
    quiet = np.exp(
        (r + px) * (np.log(alpha + pT) - np.log(alpha + pT + t))
        + s * (np.log(beta + pT) - np.log(beta + pT + t))
    )
    given_alive = (
        1
        - _mean_share(r + px, alpha + pT, s, beta + pT)
        + quiet * _mean_share(r + px, alpha + pT + t, s, beta + pT + t)
    )[codes]
    pa = _alive(alive, lambda: pareto_p_alive(params, x, t_x, T))
    return 1 - pa + pa * np.clip(given_alive, 0.0, 1.0)


def fit_pareto_nbd(x, t_x=None, T=None, weights=None) -> Fit:
    """Maximum-likelihood Pareto/NBD on per-customer (x, t_x, T), or on distinct histories
    with ``weights`` customers each."""
    h = _prepared(x, t_x, T, weights)
    (ux, ut, uT), w, scale = (h.x, h.t_x, h.T), h.w, h.scale
    pairs = (_distinct_pairs(ux, ut), _distinct_pairs(ux, uT))  # ~5x fewer than histories

    def nll(lp):
        v = -float(np.dot(w, _pareto_history_ll(np.exp(lp), h, pairs)))
        return v if np.isfinite(v) else 1e300

    start = np.log([1.0, scale, 1.0, scale])
    return _optimise(
        nll,
        start,
        ["r", "alpha", "s", "beta"],
        "Pareto/NBD",
        int(w.sum()),
        key="pareto_nbd",
        weeks=h.weeks,
    )


# --- NBD: purchases without dropout (Ehrenberg 1959; the limit of the three as dropout → 0) ------------


def nbd_loglik(params, x, t_x, T) -> np.ndarray:
    """Log-likelihood per customer of the NBD (Poisson purchases at a Gamma(r, α) rate, nobody
    leaves) on the same (x, t_x, T) data as the models with dropout, so that log-likelihoods
    and AIC compare: Γ(r+x) α^r / (Γ(r) (α+T)^(r+x)); t_x does not enter."""
    r, alpha = params[:2]
    x, T = np.asarray(x, dtype="float64"), np.asarray(T, dtype="float64")
    return gammaln(r + x) - gammaln(r) + r * np.log(alpha) - (r + x) * np.log(alpha + T)


def fit_nbd(x, t_x=None, T=None, weights=None) -> Fit:
    """Maximum-likelihood NBD (parameters r, alpha) on per-customer (x, t_x, T): the model for
    histories on which no dropout can be measured (P(alive) = 1 for everyone).

    Parameters
    ----------
    x, t_x, T : array-like
        Repeat purchases, time of the last purchase, time observed (since the first purchase).
    weights : array-like, optional
        Customers per row, when the rows are distinct histories with their counts.

    Returns
    -------
    Fit
        Parameters r, alpha with their covariance; ``FitError`` when too few customers.
    """
    h = _prepared(x, t_x, T, weights)
    (ux, uT), w = _collapse(h.x, h.T, weights=h.w)  # the same rows, in the same order
    scale = h.scale

    def nll(lp):
        r, alpha = np.exp(lp)
        ll = nbd_loglik((r, alpha), ux, None, uT)
        g_r = w @ (digamma(r + ux) - digamma(r) + np.log(alpha) - np.log(alpha + uT))
        g_a = w @ (r / alpha - (r + ux) / (alpha + uT))
        return -float(w @ ll), -np.array([g_r * r, g_a * alpha])

    return _optimise(
        nll,
        np.log([1.0, scale]),
        ["r", "alpha"],
        "NBD",
        int(w.sum()),
        jac=True,
        key="nbd",
        weeks=h.weeks,
    )


# --- Gamma-Gamma spend (Fader, Hardie & Lee 2005; Fader & Hardie 2013 note) ----------------------


def gamma_gamma_loglik(params, x, m) -> np.ndarray:
    """Log-likelihood per customer of the Gamma-Gamma model with params (p, q, gamma)
    (x repeat purchases with mean value m; the constant in m alone is included)."""
    p, q, g = params
    x, m = np.asarray(x, dtype="float64"), np.asarray(m, dtype="float64")
    return (
        gammaln(p * x + q)
        - gammaln(p * x)
        - gammaln(q)
        + q * np.log(g)
        + (p * x - 1) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * np.log(g + m * x)
    )


def fit_gamma_gamma(x, m, weights=None) -> Fit:
    """Maximum-likelihood Gamma-Gamma on repeat buyers (x > 0) and their mean spend m > 0;
    ``weights``: customers per row, when the rows are distinct (x, m) with their counts."""
    x, m = np.asarray(x, dtype="float64"), np.asarray(m, dtype="float64")
    w = _weights(weights, x)
    keep = (x > 0) & np.isfinite(m) & (m > 0)
    if w[keep].sum() < 2:
        raise FitError(
            "Gamma-Gamma needs at least two repeat buyers with a positive mean spend",
            "too_few_spend",
        )
    (cx, um), w = _collapse(x[keep], m[keep], weights=w[keep])
    ux, xi = np.unique(
        cx, return_inverse=True
    )  # x-only terms once per distinct x, as in _bgnbd_terms
    xr, lm = ux[xi], np.log(um)
    wlm, wsum = w * lm, w.sum()

    def nll(lp):  # analytic gradient, as for BG/NBD
        p, q, g = np.exp(lp)
        pu = p * ux
        lg = np.log(g + um * xr)
        px = pu[xi]
        ll_x = (gammaln(pu + q) - gammaln(pu) + pu * np.log(ux))[xi]
        ll = ll_x - gammaln(q) + q * np.log(g) + (px - 1) * lm - (px + q) * lg
        d_x = (ux * (digamma(pu + q) - digamma(pu) + np.log(ux)))[xi]
        grad = np.array(
            [
                (w @ d_x + (wlm * xr).sum() - (w * xr) @ lg) * p,
                (w @ (digamma(pu + q)[xi]) - digamma(q) * wsum + np.log(g) * wsum - w @ lg) * q,
                (q / g * wsum - (w * (px + q)) @ (1 / (g + um * xr))) * g,
            ]
        )
        return -float(w @ ll), -grad

    start = np.log([1.0, 1.0, float(np.mean(um))])
    fit = _optimise(
        nll, start, ["p", "q", "gamma"], "Gamma-Gamma", int(w.sum()), jac=True, key="gamma_gamma"
    )
    if fit.params["q"] <= 1:
        raise FitError(
            f"Gamma-Gamma: q = {fit.params['q']:.3g} ≤ 1 means an infinite average spend; "
            "a few extreme amounts dominate",
            "infinite_mean",
        )
    return fit


def expected_spend(params, x, m) -> np.ndarray:
    """E[mean transaction value | x, m]: the population mean pγ/(q−1) shrunk toward the
    customer's own mean m with weight px/(px+q−1); customers without repeats get the former."""
    p, q, g = params
    x, m = np.asarray(x, dtype="float64"), np.nan_to_num(np.asarray(m, dtype="float64"))
    return (g + m * x) * p / (p * x + q - 1)


def _purchase_factor(params, t, x, T) -> np.ndarray:
    """The part of E[purchases in (T, T+t]] that does not depend on t_x:
    (a+b+x−1)/(a−1) · (1 − (1−z)^(a−1) · 2F1(a+b−1−r, a−1; a+b+x−1; z)), z = t/(α+T+t).

    Euler's transformation of the textbook form, in which the factor ((α+T)/(α+T+t))^(r+x)
    cancels: finite for any x, where the textbook form overflows past x ≈ 150."""
    r, alpha, a, b = params
    z = t / (alpha + T + t)
    return (
        (a + b + x - 1)
        / (a - 1)
        * (1 - (1 - z) ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z))
    )


def bgnbd_expected_purchases(params, t, x, t_x, T) -> np.ndarray:
    """E[purchases in (T, T+t] | x, t_x, T] under BG/NBD (Fader, Hardie & Lee 2005, eq. 10)."""
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    return _purchase_factor(params, np.asarray(t, dtype="float64"), x, T) * bgnbd_p_alive(
        params, x, t_x, T
    )


def _factor(model: str, params, t, x, T) -> np.ndarray:
    """E[purchases in (T, T+t] | alive at T] of ``model``: a function of (x, T) only."""
    if model == "nbd":
        r, alpha = params[:2]
        return (r + np.asarray(x, dtype="float64")) / (alpha + np.asarray(T, dtype="float64")) * t
    r, alpha, a, b = params
    if model == "bgnbd":
        return _purchase_factor(params, t, x, T)
    if model == "mbgnbd":
        return _purchase_factor((r, alpha, a, b + 1), t, x, T)
    if model == "pareto_nbd":
        return _pareto_factor(params, t, x, T)
    raise ValueError(f"unknown lifetime model {model!r}; one of {', '.join(MODELS)}")


def p_alive(params, x, t_x, T, model: str = "bgnbd") -> np.ndarray:
    """P(still active at T | x, t_x, T) under ``model`` (a key of ``MODELS``).

    Parameters
    ----------
    params : sequence of float
        The model's four parameters in the order of its ``Fit.params``.
    x, t_x, T : array-like
        Repeat purchases, time of the last purchase, time observed (since the first purchase).
    model : str
        "bgnbd", "mbgnbd" or "pareto_nbd".

    Returns
    -------
    numpy.ndarray
        One probability per customer.
    """
    fn = {
        "bgnbd": bgnbd_p_alive,
        "mbgnbd": mbgnbd_p_alive,
        "pareto_nbd": pareto_p_alive,
        "nbd": lambda p, x, t_x, T: np.ones(np.shape(np.asarray(x, dtype="float64"))),
    }.get(model)
    if fn is None:
        raise ValueError(f"unknown lifetime model {model!r}; one of {', '.join(MODELS)}")
    return fn(params, x, t_x, T)


def expected_purchases(params, t, x, t_x, T, model: str = "bgnbd", alive=None) -> np.ndarray:
    """E[purchases in (T, T+t] | x, t_x, T] under ``model`` (see ``p_alive`` for the arguments;
    ``alive``: P(alive) of the same rows when the caller has it, ``_alive``)."""
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    return _factor(model, params, np.asarray(t, dtype="float64"), x, T) * _alive(
        alive, lambda: p_alive(params, x, t_x, T, model)
    )


def _alive(given, compute) -> np.ndarray:
    """P(alive) as the caller passed it, else computed. The scores of a buyer (churn risk,
    expected purchases, CLV) each need it; under Pareto/NBD it is ``hyp2f1`` near z = 1, up to
    35 µs a history for some parameters, so ``lifetime.score_buyers`` computes it once."""
    return compute() if given is None else np.asarray(given, dtype="float64")


def discounted_value(
    bg_params,
    gg_params,
    x,
    t_x,
    T,
    m,
    horizon: float,
    step: float,
    discount_rate: float,
    margin: float = 1.0,
    model: str = "bgnbd",
    alive=None,
) -> np.ndarray:
    """Discounted lifetime value (折现) over ``horizon`` in steps of ``step`` (both in the time
    unit of T, e.g. 52 weeks in steps of 4.33 for monthly discounting): the purchases expected
    in each step × the expected spend per purchase × ``margin``, discounted at
    ``discount_rate`` per step. ``bg_params`` are the parameters of ``model`` (BG/NBD by
    default, or "mbgnbd", "pareto_nbd"), ``gg_params`` those of Gamma-Gamma.

    The hypergeometric term depends on (x, T) only, so it is evaluated once per distinct
    pair (38 thousand for a million customers) and gathered."""
    if not (horizon > 0 and step > 0):
        raise ValueError(
            "the CLV horizon and its step must be positive (e.g. horizon 52 weeks, step 4.33)"
        )
    if not 0 <= discount_rate < 1:
        raise ValueError("the discount rate is per step, between 0 and 1 (e.g. 0.01 per month)")
    x, t_x, T = (np.atleast_1d(np.asarray(v, dtype="float64")) for v in (x, t_x, T))
    codes, px, pT = _pairs(x, T)
    factor = _discounted_factor(model, bg_params, px, pT, horizon, step, discount_rate)
    return (
        expected_spend(gg_params, x, m)
        * margin
        * factor[codes]
        * _alive(alive, lambda: p_alive(bg_params, x, t_x, T, model))
    )


def _discounted_factor(
    model: str, params, px, pT, horizon: float, step: float, rate: float
) -> np.ndarray:
    """Σ over steps of the purchases expected in the step given alive, discounted, per (x, T)."""
    edges = np.arange(0.0, horizon + 1e-9, step)
    if edges[-1] < horizon - 1e-9:
        edges = np.append(edges, horizon)
    disc = (1 + rate) ** -np.arange(1, len(edges))
    factor = np.zeros(len(px))
    prev = np.zeros(len(px))
    for e, d in zip(edges[1:], disc):
        cur = _factor(model, params, e, px, pT)
        factor += d * (cur - prev)
        prev = cur
    return factor


def clv_interval(
    fit: Fit,
    gg: Fit,
    x,
    t_x,
    T,
    m,
    groups=None,
    *,
    horizon: float,
    step: float,
    discount_rate: float,
    margin: float = 1.0,
    draws: int = 200,
    level: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame | None:
    """Mean discounted CLV per group with an interval from the parameters' sampling distribution.

    ``draws`` parameter sets are drawn from a multivariate normal in log-parameter space with the
    fits' covariances (``Fit.cov``, the inverse Hessian at the optimum; purchase model and
    Gamma-Gamma independently, as their likelihoods are separate); each set gives every group's
    mean CLV; the interval is the central ``level`` of those means. Customers are collapsed to
    distinct (group, x, t_x, T) with their count and summed m (the expected spend is linear in
    m), so a draw costs one evaluation per distinct history.

    Parameters
    ----------
    fit, gg : Fit
        The purchase model (key in ``MODELS``) and Gamma-Gamma.
    x, t_x, T, m : array-like
        Per customer, as for ``discounted_value``.
    groups : array-like, optional
        A group label per customer (e.g. segment); the result always has the row "all".
    horizon, step, discount_rate, margin
        As for ``discounted_value``.

    Returns
    -------
    pandas.DataFrame or None
        Index group (with "all"), columns customers, mean (the point estimate), low, high, draws
        (draws that gave a finite value); None when the purchase model's covariance is missing.
    """
    if fit.cov is None:
        return None
    x, t_x, T = (np.atleast_1d(np.asarray(v, dtype="float64")) for v in (x, t_x, T))
    m = np.nan_to_num(np.asarray(m, dtype="float64"))
    g = (
        np.asarray(groups, dtype=object)
        if groups is not None
        else np.full(len(x), "all", dtype=object)
    )
    df = pd.DataFrame({"g": g, "x": x, "t": t_x, "T": T, "m": m})
    cell = (
        df.groupby(["g", "x", "t", "T"], sort=False)
        .agg(n=("m", "size"), sm=("m", "sum"))
        .reset_index()
    )
    labels, gi = np.unique(cell["g"].astype(str), return_inverse=True)
    cx, ct, cT, cn, csm = (cell[c].to_numpy(dtype="float64") for c in ("x", "t", "T", "n", "sm"))
    codes, px, pT = _pairs(cx, cT)
    hist, (hx, ht, hT) = _distinct(cx, ct, cT)  # P(alive) once per history, not per group
    sizes = np.bincount(gi, weights=cn, minlength=len(labels))

    def means(bp, gp):
        p, q, gam = gp
        spend = p * (gam * cn + cx * csm) / (p * cx + q - 1)
        f = _discounted_factor(fit.key, bp, px, pT, horizon, step, discount_rate)[codes]
        v = spend * margin * f * p_alive(bp, hx, ht, hT, fit.key)[hist]
        by = np.bincount(gi, weights=v, minlength=len(labels))
        return np.append(by / sizes, v.sum() / cn.sum())

    bp0, gp0 = np.log(list(fit.params.values())), np.log(list(gg.params.values()))
    rng = np.random.default_rng(seed)
    zb = rng.multivariate_normal(np.zeros(len(bp0)), fit.cov, size=draws)
    zg = (
        rng.multivariate_normal(np.zeros(len(gp0)), gg.cov, size=draws)
        if gg.cov is not None
        else np.zeros((draws, len(gp0)))
    )
    sets = [  # q ≤ 1: infinite mean spend, no CLV
        (np.exp(bp0 + a), gp) for a, b in zip(zb, zg) if (gp := np.exp(gp0 + b))[1] > 1
    ]

    def draw(params):
        with np.errstate(all="ignore"):  # numpy's error state is per thread
            return means(*params)

    # the draws on the cores' threads, in order: scipy's hyp2f1, most of the cost, releases the
    # GIL, so the same numbers come at up to one draw per core at a time
    with ThreadPoolExecutor(max_workers=cores()) as pool:
        sims = [v for v in pool.map(draw, sets) if np.isfinite(v).all()]
    sims = np.array(sims).reshape(-1, len(labels) + 1)
    tail = (1 - level) / 2 * 100
    lo, hi = (
        np.percentile(sims, [tail, 100 - tail], axis=0)
        if len(sims) >= 20
        else (np.full(len(labels) + 1, np.nan),) * 2
    )
    index = list(labels) + ["all"] if groups is not None else ["all"]
    point = means(np.exp(bp0), np.exp(gp0))
    if groups is None:
        point, lo, hi = point[-1:], lo[-1:], hi[-1:]
    return pd.DataFrame(
        {
            "customers": np.append(sizes, cn.sum())[-len(index) :],
            "mean": point,
            "low": lo,
            "high": hi,
            "draws": len(sims),
        },
        index=pd.Index(index, name="group"),
    )


def _pairs(x, T):
    """Distinct (x, T) pairs and each customer's index into them."""
    codes, (px, pT) = _distinct(x, T)
    return codes, px, pT


def _distinct(*cols) -> tuple[np.ndarray, list[np.ndarray]]:
    """Each row's index into the distinct rows of ``cols`` (in the order of first appearance),
    and those rows' columns. Integer codes per column combined into one key and hashed
    (``pd.factorize``), not tuples: a million rows in 0.1 s instead of 0.9 s."""
    cols = [np.asarray(c, dtype="float64") for c in cols]
    codes = np.zeros(len(cols[0]), dtype="int64")
    for c in cols:  # re-coded after each column: the key stays below rows × distinct values
        ci, uc = pd.factorize(c)
        codes, _ = pd.factorize(codes * len(uc) + ci)
    first = np.empty(codes.max() + 1 if len(codes) else 0, dtype="int64")
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)  # the first row of each
    return codes, [c[first] for c in cols]


def expected_total_purchases(params, ts, x, t_x, T, model: str = "bgnbd") -> np.ndarray:
    """Sum over customers of E[purchases in (T, T+t]] for each t in ``ts``: the model's
    cumulative curve for a holdout period (the tracking plot of the BTYD literature)."""
    x, t_x, T = (np.atleast_1d(np.asarray(v, dtype="float64")) for v in (x, t_x, T))
    codes, px, pT = _pairs(x, T)
    alive = np.bincount(codes, weights=p_alive(params, x, t_x, T, model), minlength=len(px))
    with _one_blas_thread():
        return np.array(
            [float(alive @ _factor(model, params, float(t), px, pT)) if t > 0 else 0.0 for t in ts]
        )


def p_no_purchase(params, t, x, t_x, T, model: str = "bgnbd", alive=None) -> np.ndarray:
    """P(no purchase in (T, T+t] | x, t_x, T): Kequn's churn risk; unlike 1 − P(alive) it is
    informative for one-time buyers under BG/NBD too (a long silence lowers their rate).

    BG/NBD and MBG/NBD: the customer has dropped out, or is active and the posterior Poisson
    rate, Gamma(r+x, α+T), yields no event in t (dropout happens only at purchases):
    (1 − P(alive)) + P(alive)·((α+T)/(α+T+t))^(r+x); the NBD: the same with P(alive) = 1.
    Pareto/NBD: ``pareto_p_no_purchase``. ``alive``: P(alive) of the same rows when the caller
    has it (``_alive``)."""
    if model == "pareto_nbd":
        return pareto_p_no_purchase(params, t, x, t_x, T, alive)
    r, alpha = params[:2]
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    pa = _alive(alive, lambda: p_alive(params, x, t_x, T, model))
    quiet = np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t)))
    return 1 - pa + pa * quiet


def monthly_rate(annual_discount_rate: float) -> float:
    """The monthly discount rate equivalent to a yearly one: (1 + r)^(1/12) − 1.

    Examples
    --------
    >>> round(monthly_rate(0.10), 5)
    0.00797
    """
    if not 0 <= annual_discount_rate < 1:
        raise ValueError(
            f"annual_discount_rate {annual_discount_rate!r}: a yearly rate between 0 and 1 "
            "(0.10 = 10% a year)"
        )
    return (1 + annual_discount_rate) ** (1 / 12) - 1
