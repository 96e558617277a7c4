"""Buy-till-you-die models by maximum likelihood: BG/NBD, Pareto/NBD and Gamma-Gamma.

Written here on numpy/scipy because the maintained options do not fit (lifetimes is
unmaintained and breaks on current Python; pymc-marketing needs Python 3.12, ~800 MB and is
Bayesian by default). What the users of those libraries keep reporting is designed out:

- fits are on the *distinct* (x, t_x, T) triples with their counts as weights, so a million
  customers cost as much as the few thousand distinct histories they have;
- every likelihood is computed in log space (``gammaln``, ``logaddexp``, an Euler-transformed
  hypergeometric function), so frequencies of 300 or 10,000 do not overflow;
- parameters are fitted as logs (positive by construction) within bounds, from starting
  values that work on real data, and a fit that does not converge raises ``FitError`` with
  the optimiser's reason instead of returning quiet nonsense.

Inputs per customer: ``x`` (repeat purchases), ``t_x`` (time of the last purchase since the
first), ``T`` (time since the first purchase), in one unit (weeks for CDNOW); ``m`` (mean
value of the repeat purchases) for Gamma-Gamma.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

_BOUNDS = (-12.0, 12.0)  # log-parameters: e^-12 … e^12 covers every plausible model


class FitError(ValueError):
    """The data cannot identify the model, or the optimiser did not converge (reason inside;
    ``code`` names the reason for a translated message: no_customers, bad_values, no_repeat,
    not_converged, at_bound, too_few_spend, infinite_mean)."""

    def __init__(self, message: str, code: str = "not_converged"):
        super().__init__(message)
        self.code = code


@dataclass
class Fit:
    """Fitted parameters (``params`` by name), total log-likelihood, customers, and whether
    the optimiser converged."""
    model: str
    params: dict
    log_likelihood: float
    n: int
    converged: bool


def _collapse(*cols, weights=None) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of the columns and how many customers share each."""
    df = pd.DataFrame({f"c{i}": np.asarray(c, dtype="float64") for i, c in enumerate(cols)})
    df["w"] = 1.0 if weights is None else np.asarray(weights, dtype="float64")
    g = df.groupby([f"c{i}" for i in range(len(cols))], sort=False)["w"].sum().reset_index()
    return [g[f"c{i}"].to_numpy() for i in range(len(cols))], g["w"].to_numpy()


def _check_rft(x, t_x, T) -> None:
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    if len(x) == 0:
        raise FitError("no customers to fit", "no_customers")
    if not (np.isfinite(x).all() and np.isfinite(t_x).all() and np.isfinite(T).all()):
        raise FitError("frequency, recency and T must all be numbers", "bad_values")
    if (x < 0).any() or (t_x < 0).any() or (T <= 0).any() or (t_x > T + 1e-9).any():
        raise FitError("need x ≥ 0, 0 ≤ t_x ≤ T and T > 0 for every customer", "bad_values")
    if (x > 0).sum() == 0:
        raise FitError("no customer bought again: repeat behaviour cannot be estimated", "no_repeat")


def _optimise(nll, start: np.ndarray, names: list[str], model: str, n: int, jac: bool = False) -> Fit:
    res = minimize(nll, start, method="L-BFGS-B", jac=jac, bounds=[_BOUNDS] * len(start),
                   options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-9})
    if not res.success or not np.isfinite(res.fun):
        raise FitError(f"{model} did not converge: {res.message}", "not_converged")
    at_bound = np.isclose(res.x, _BOUNDS[0]) | np.isclose(res.x, _BOUNDS[1])
    if at_bound.any():
        raise FitError(f"{model}: {', '.join(np.array(names)[at_bound])} ran to its limit; the data cannot "
                       "identify the model (too few repeat buyers, or all bought at once)", "at_bound")
    return Fit(model, dict(zip(names, np.exp(res.x))), float(-res.fun), n, bool(res.success))


# --- BG/NBD (Fader, Hardie & Lee 2005) -----------------------------------------------------

class _Histories:
    """Distinct (x, t_x, T) histories with weights, and each history's index into the distinct
    values of x, of t_x and of T. Every likelihood term that depends on one of them alone
    (``gammaln``, ``digamma``, ``log``) is computed once per distinct value — a few hundred
    for x, a few thousand for the times — and gathered, so an iteration over a million
    customers costs a handful of array multiplications."""

    def __init__(self, x, t_x, T, w=None):
        (x, t_x, T), self.w = _collapse(x, t_x, T, weights=w)
        self.ux, self.xi = np.unique(x, return_inverse=True)
        self.ut, self.ti = np.unique(t_x, return_inverse=True)
        self.uT, self.Ti = np.unique(T, return_inverse=True)
        self.repeat = (self.ux > 0)[self.xi]


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
    ll = head + np.logaddexp(B, C)
    if not gradient:
        return ll, None
    w = h.w
    wc = np.where(h.repeat, expit(C - B), 0.0)  # share of the likelihood from "dropped out after the last purchase"
    wb = 1 - wc
    g_r = w @ ((digamma(r + ux) - digamma(r))[xi]) + np.log(alpha) * w.sum() - (w * wb) @ lT - (w * wc) @ lt
    g_alpha = r / alpha * w.sum() - (w * wb * rx) @ np.exp(-lT) - (w * wc * rx) @ np.exp(-lt)
    g_a = w @ ((digamma(a + b) - digamma(a + b + ux))[xi]) + (w @ wc) / a
    inv_b = np.where(ux > 0, 1 / np.maximum(b + ux - 1, 1e-300), 0.0)[xi]
    g_b = w @ ((digamma(b + ux) - digamma(a + b + ux) - digamma(b) + digamma(a + b))[xi]) - (w * wc) @ inv_b
    return ll, np.array([g_r, g_alpha, g_a, g_b]) * np.asarray(params)


def bgnbd_loglik(params, x, t_x, T) -> np.ndarray:
    """Log-likelihood per customer of BG/NBD with params (r, alpha, a, b)."""
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    r, alpha, a, b = params
    base = (gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b))
    alive = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        dead = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + t_x), -np.inf)
    return base + np.logaddexp(alive, dead)


def bgnbd_gradient(params, x, t_x, T, w) -> np.ndarray:
    """Gradient of the weighted total log-likelihood with respect to log(r, α, a, b)."""
    return _bgnbd_terms(params, _Histories(x, t_x, T, w), gradient=True)[1]


def fit_bgnbd(x, t_x, T) -> Fit:
    """Maximum-likelihood BG/NBD on per-customer (x, t_x, T)."""
    _check_rft(x, t_x, T)
    h = _Histories(x, t_x, T)
    scale = float(np.mean(T))  # α is on the time scale of T

    def nll(lp):
        ll, g = _bgnbd_terms(np.exp(lp), h, gradient=True)
        return -float(h.w @ ll), -g
    start = np.log([1.0, scale, 1.0, 1.0])
    return _optimise(nll, start, ["r", "alpha", "a", "b"], "BG/NBD", int(h.w.sum()), jac=True)


def bgnbd_p_alive(params, x, t_x, T) -> np.ndarray:
    """P(still active at T | x, t_x, T) under BG/NBD."""
    r, alpha, a, b = params
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    return np.where(x > 0, 1.0 / (1.0 + np.exp(np.minimum(log_ratio, 700))), 1.0)


# --- Pareto/NBD (Schmittlein, Morrison & Colombo 1987; Fader & Hardie's notes) -----------------

def _log_h(a_, b_, z, base):
    """log of 2F1(a_, b_; a_+1; z) / base^a_, via Euler's transformation
    2F1(a,b;a+1;z) = (1−z)^(1−b) 2F1(1, a+1−b; a+1; z), which stays finite for large a."""
    return (1 - b_) * np.log1p(-z) + np.log(hyp2f1(1.0, a_ + 1 - b_, a_ + 1, z)) - a_ * np.log(base)


def pareto_loglik(params, x, t_x, T) -> np.ndarray:
    """Log-likelihood per customer of Pareto/NBD with params (r, alpha, s, beta)."""
    r, alpha, s, beta = params
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    first = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    rsx = r + s + x
    if alpha >= beta:
        b_, big = s + 1, alpha
        z1, z2 = (alpha - beta) / (alpha + t_x), (alpha - beta) / (alpha + T)
    else:
        b_, big = r + x, beta
        z1, z2 = (beta - alpha) / (beta + t_x), (beta - alpha) / (beta + T)
    h1 = _log_h(rsx, b_, z1, big + t_x)
    h2 = _log_h(rsx, b_, z2, big + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = h1 + np.log1p(-np.exp(np.minimum(h2 - h1, 0.0)))  # h1 ≥ h2; equal when t_x = T
    second = np.log(s) - np.log(rsx) + diff
    return head + np.logaddexp(first, np.where(np.isfinite(second), second, -np.inf))


def fit_pareto_nbd(x, t_x, T) -> Fit:
    """Maximum-likelihood Pareto/NBD on per-customer (x, t_x, T)."""
    _check_rft(x, t_x, T)
    (ux, ut, uT), w = _collapse(x, t_x, T)
    scale = float(np.mean(T))

    def nll(lp):
        v = -float(np.dot(w, pareto_loglik(np.exp(lp), ux, ut, uT)))
        return v if np.isfinite(v) else 1e300
    start = np.log([1.0, scale, 1.0, scale])
    return _optimise(nll, start, ["r", "alpha", "s", "beta"], "Pareto/NBD", int(w.sum()))


# --- Gamma-Gamma spend (Fader, Hardie & Lee 2005; Fader & Hardie 2013 note) ----------------------

def gamma_gamma_loglik(params, x, m) -> np.ndarray:
    """Log-likelihood per customer of the Gamma-Gamma model with params (p, q, gamma)
    (x repeat purchases with mean value m; the constant in m alone is included)."""
    p, q, g = params
    x, m = np.asarray(x, dtype="float64"), np.asarray(m, dtype="float64")
    return (gammaln(p * x + q) - gammaln(p * x) - gammaln(q) + q * np.log(g) + (p * x - 1) * np.log(m)
            + p * x * np.log(x) - (p * x + q) * np.log(g + m * x))


def fit_gamma_gamma(x, m) -> Fit:
    """Maximum-likelihood Gamma-Gamma on repeat buyers (x > 0) and their mean spend m > 0."""
    x, m = np.asarray(x, dtype="float64"), np.asarray(m, dtype="float64")
    keep = (x > 0) & np.isfinite(m) & (m > 0)
    if keep.sum() < 2:
        raise FitError("Gamma-Gamma needs at least two repeat buyers with a positive mean spend", "too_few_spend")
    (cx, um), w = _collapse(x[keep], m[keep])
    ux, xi = np.unique(cx, return_inverse=True)  # x-only terms once per distinct x, as in _bgnbd_terms
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
        grad = np.array([(w @ d_x + (wlm * xr).sum() - (w * xr) @ lg) * p,
                         (w @ (digamma(pu + q)[xi]) - digamma(q) * wsum + np.log(g) * wsum - w @ lg) * q,
                         (q / g * wsum - (w * (px + q)) @ (1 / (g + um * xr))) * g])
        return -float(w @ ll), -grad
    start = np.log([1.0, 1.0, float(np.mean(um))])
    fit = _optimise(nll, start, ["p", "q", "gamma"], "Gamma-Gamma", int(w.sum()), jac=True)
    if fit.params["q"] <= 1:
        raise FitError(f"Gamma-Gamma: q = {fit.params['q']:.3g} ≤ 1 means an infinite average spend; "
                       "a few extreme amounts dominate", "infinite_mean")
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
    return (a + b + x - 1) / (a - 1) * (1 - (1 - z) ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z))


def bgnbd_expected_purchases(params, t, x, t_x, T) -> np.ndarray:
    """E[purchases in (T, T+t] | x, t_x, T] under BG/NBD (Fader, Hardie & Lee 2005, eq. 10)."""
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    return _purchase_factor(params, np.asarray(t, dtype="float64"), x, T) * bgnbd_p_alive(params, x, t_x, T)


def discounted_value(bg_params, gg_params, x, t_x, T, m, horizon: float, step: float,
                     discount_rate: float, margin: float = 1.0) -> np.ndarray:
    """Discounted lifetime value (折现) over ``horizon`` in steps of ``step`` (both in the time
    unit of T, e.g. 52 weeks in steps of 4.33 for monthly discounting): the purchases expected
    in each step × the expected spend per purchase × ``margin``, discounted at
    ``discount_rate`` per step.

    The hypergeometric term depends on (x, T) only, so it is evaluated once per distinct
    pair (38 thousand for a million customers) and gathered."""
    if not (horizon > 0 and step > 0):
        raise ValueError("the CLV horizon and its step must be positive (e.g. horizon 52 weeks, step 4.33)")
    if not 0 <= discount_rate < 1:
        raise ValueError("the discount rate is per step, between 0 and 1 (e.g. 0.01 per month)")
    x, t_x, T = (np.atleast_1d(np.asarray(v, dtype="float64")) for v in (x, t_x, T))
    edges = np.arange(0.0, horizon + 1e-9, step)
    if edges[-1] < horizon - 1e-9:
        edges = np.append(edges, horizon)
    codes, px, pT = _pairs(x, T)
    disc = (1 + discount_rate) ** -np.arange(1, len(edges))
    factor = np.zeros(len(px))
    prev = np.zeros(len(px))
    for e, d in zip(edges[1:], disc):
        cur = _purchase_factor(bg_params, e, px, pT)
        factor += d * (cur - prev)
        prev = cur
    return expected_spend(gg_params, x, m) * margin * factor[codes] * bgnbd_p_alive(bg_params, x, t_x, T)


def _pairs(x, T):
    """Distinct (x, T) pairs and each customer's index into them."""
    codes, pairs = pd.MultiIndex.from_arrays([np.asarray(x, dtype="float64"), np.asarray(T, dtype="float64")]).factorize()
    return codes, pairs.get_level_values(0).to_numpy(), pairs.get_level_values(1).to_numpy()


def expected_total_purchases(params, ts, x, t_x, T) -> np.ndarray:
    """Sum over customers of E[purchases in (T, T+t]] for each t in ``ts``: the model's
    cumulative curve for a holdout period (the tracking plot of the BTYD literature)."""
    x, t_x, T = (np.atleast_1d(np.asarray(v, dtype="float64")) for v in (x, t_x, T))
    codes, px, pT = _pairs(x, T)
    alive = np.bincount(codes, weights=bgnbd_p_alive(params, x, t_x, T), minlength=len(px))
    return np.array([float(alive @ _purchase_factor(params, float(t), px, pT)) if t > 0 else 0.0 for t in ts])


def p_no_purchase(params, t, x, t_x, T) -> np.ndarray:
    """P(no purchase in (T, T+t] | x, t_x, T) under BG/NBD: the customer has dropped out, or
    is active and the posterior Poisson rate, Gamma(r+x, α+T), yields no event in t:
    (1 − P(alive)) + P(alive)·((α+T)/(α+T+t))^(r+x). Kequn's churn risk; unlike 1 − P(alive)
    it is informative for one-time buyers too (a long silence lowers their posterior rate)."""
    r, alpha, a, b = params
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    pa = bgnbd_p_alive(params, x, t_x, T)
    quiet = np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t)))
    return 1 - pa + pa * quiet
