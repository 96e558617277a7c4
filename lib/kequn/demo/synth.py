"""Demo data: a deterministic, realistic Chinese retail company with planted personas.

``generate(n_customers, seed)`` returns the five contract tables (customers, orders,
events, feedback, kano) and the ground truth a test can check a stage against:

- ``truth_customers``: customer_id, persona, purchase rate per year (lambda), dropout
  probability (p), mean order value, alive at the end date, and the true death date.
- ``truth_kano``: persona, feature, true Kano category.
- ``truth_feedback``: feedback_id, topic, sentiment, language.

Orders follow a buy-till-you-die process (Pareto/NBD-style Poisson purchasing, BG/NBD
dropout after each purchase, Gamma-Gamma order values), so value and lifetime models have a
truth to recover. Everything is vectorised: one million customers take well under a minute.

``write(demo, out_dir, messy=False)`` writes the tables as an export would look;
``messy=True`` injects the faults real exports have (see ``_make_messy``) and records what
it injected in ``_truth/messy_faults.json``.

Run as ``python -m kequn.demo.synth --out data/demo [--customers N] [--seed S] [--messy]``.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kequn.data.io import write_table_atomic
from kequn.demo import personas as P
from kequn.demo.synth_text import compose

START = pd.Timestamp("2023-07-01")
END = pd.Timestamp("2026-06-30")  # last day of the observation window (inclusive)
KANO_ANSWERS_ZH = ["喜欢", "理应如此", "无所谓", "能忍受", "不喜欢"]


@dataclass
class Demo:
    customers: pd.DataFrame
    orders: pd.DataFrame
    events: pd.DataFrame
    feedback: pd.DataFrame
    kano: pd.DataFrame
    truth_customers: pd.DataFrame
    truth_kano: pd.DataFrame
    truth_feedback: pd.DataFrame

    TABLES = ("customers", "orders", "events", "feedback", "kano")


def _pick(rng, weights, size) -> np.ndarray:
    """Indices drawn with the given (unnormalised) weights."""
    w = np.asarray(weights, float)
    return rng.choice(len(w), size=size, p=w / w.sum())


def _by_persona(rng, persona_idx, fn) -> np.ndarray:
    """Fill an array row-wise, calling ``fn(params, n, rng)`` once per persona."""
    out = None
    for k, (key, par) in enumerate(P.PERSONAS.items()):
        idx = np.flatnonzero(persona_idx == k)
        vals = fn(par, idx.size, rng)
        if out is None:
            out = np.empty(persona_idx.size, dtype=np.asarray(vals).dtype if idx.size else object)
        out[idx] = vals
    return out


def _days(ts: pd.Timestamp) -> float:
    return (ts - START) / pd.Timedelta(days=1)


def _customers(n: int, rng) -> tuple[pd.DataFrame, np.ndarray]:
    keys = list(P.PERSONAS)
    shares = [P.PERSONAS[k]["share"] for k in keys]
    persona = _pick(rng, shares, n)
    age = _by_persona(rng, persona, lambda p, m, r: r.normal(p["age"][0], p["age"][1], m))
    age = np.clip(np.round(age), 18, 85).astype(int)
    birth_year = END.year - age
    female = _by_persona(rng, persona, lambda p, m, r: r.random(m) < p["female"])
    income = _by_persona(
        rng, persona, lambda p, m, r: p["income"][0] * np.exp(r.normal(0, p["income"][1], m))
    )
    income = np.round(income, -2)
    occ = _by_persona(rng, persona, lambda p, m, r: _pick(r, p["occupation"], m))
    edu = _by_persona(rng, persona, lambda p, m, r: _pick(r, p["education"], m))
    fam = _by_persona(rng, persona, lambda p, m, r: 1 + r.poisson(max(p["family"] - 1, 0.1), m))
    tier = _by_persona(rng, persona, lambda p, m, r: _pick(r, p["tier"], m))
    city = np.empty(n, dtype=object)
    prov = np.empty(n, dtype=object)
    for t, name in enumerate(P.CITY_TIERS):
        idx = np.flatnonzero(tier == t)
        options = P.CITIES[name]
        pick = rng.integers(len(options), size=idx.size)
        city[idx] = np.array([c for c, _ in options], dtype=object)[pick]
        prov[idx] = np.array([p for _, p in options], dtype=object)[pick]
    psy_cols = {}
    for j, scale in enumerate(P.PSY_SCALES):
        v = _by_persona(rng, persona, lambda p, m, r, j=j: r.normal(p["psy"][j], 0.9, m))
        psy_cols[scale] = np.clip(np.round(v), 1, 7).astype(int)
    # Signed up from a year before the window until a month before its end.
    signup_day = rng.uniform(-365, _days(END) - 30, n)
    signup = START + pd.to_timedelta(np.floor(signup_day), unit="D")
    ids = np.char.add("C", np.char.zfill(np.arange(1, n + 1).astype(str), 7))
    surname = np.array(P.SURNAMES)[rng.integers(len(P.SURNAMES), size=n)]
    given = np.char.add(
        np.array(P.GIVEN)[rng.integers(len(P.GIVEN), size=n)],
        np.array(P.GIVEN)[rng.integers(len(P.GIVEN), size=n)],
    )
    phone = np.char.add(
        np.char.add("1", np.array(list("3456789"))[rng.integers(7, size=n)]),
        np.char.zfill(rng.integers(0, 10**9, size=n).astype(str), 9),
    )
    mailbox = np.char.add(
        np.char.add("u", rng.integers(10**6, 10**8, size=n).astype(str)),
        np.array(["@qq.com", "@163.com", "@126.com", "@gmail.com"])[rng.integers(4, size=n)],
    )
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "signup_date": signup,
            "gender": np.where(female, "F", "M"),
            "birth_year": birth_year,
            "income": income,
            "occupation": np.array(P.OCCUPATIONS, dtype=object)[occ],
            "education": np.array(P.EDUCATIONS, dtype=object)[edu],
            "family_size": fam.astype(int),
            "region": prov,
            "city": city,
            "city_tier": np.array(P.CITY_TIERS, dtype=object)[tier],
            **psy_cols,
            "name": np.char.add(surname, given),
            "phone": phone,
            "email": mailbox,
        }
    )
    return customers, persona, signup_day


def _orders(customers, persona, signup_day, rng, intensity: float = 1.0):
    """Buy-till-you-die purchases; returns orders and per-customer truth."""
    n = len(customers)
    lam = intensity * _by_persona(
        rng, persona, lambda p, m, r: r.gamma(p["rate_shape"], p["rate"] / p["rate_shape"], m)
    )
    drop = _by_persona(
        rng, persona, lambda p, m, r: r.beta(p["drop"][0], p["drop"][1] * intensity, m)
    )
    nu = _by_persona(rng, persona, lambda p, m, r: r.gamma(4.0, p["spend"] / 4.0, m))
    never = _by_persona(rng, persona, lambda p, m, r: r.random(m) < p["never"])
    end_day = _days(END) + 1
    first = np.maximum(signup_day, 0) + rng.exponential(14, n)
    buyer = (~never) & (first < end_day)
    window = np.where(buyer, end_day - first, 0.0)
    # Repeat purchases while alive: Poisson(lambda * window) events in the window if alive
    # throughout, truncated at the dropout draw (geometric number of repeats).
    n_if_alive = rng.poisson(lam / 365.0 * window)
    repeats_before_death = rng.geometric(drop) - 1
    m = np.where(buyer, np.minimum(n_if_alive, repeats_before_death), 0)
    alive = buyer & (repeats_before_death >= n_if_alive)
    # The first m order statistics of n_if_alive uniforms, via exponential spacings.
    cust = np.repeat(np.arange(n), m)
    gaps = rng.exponential(1.0, cust.size)
    csum = np.cumsum(gaps)
    start = np.concatenate([[0], np.cumsum(m)[:-1]])
    base = np.where(m > 0, csum[np.maximum(start - 1, 0)] * (start > 0), 0.0)
    s = csum - np.repeat(base, m)
    s_m = np.zeros(n)
    has = m > 0
    s_m[has] = s[np.cumsum(m)[has] - 1]
    total = s_m + rng.gamma(np.maximum(n_if_alive - m + 1, 1), 1.0)
    u = s / np.repeat(total, m)
    t_rep = np.repeat(first, m) + u * np.repeat(window, m)
    buyers = np.flatnonzero(buyer)
    t_all = np.concatenate([first[buyers], t_rep])
    c_all = np.concatenate([buyers, cust])
    # Death: a little after the last purchase for those who dropped out.
    last = np.full(n, np.nan)
    np.fmax.at(last, c_all, t_all)
    death = np.where(buyer & ~alive, last + rng.exponential(30, n), np.nan)
    k = t_all.size
    pidx = persona[c_all]
    amount = rng.gamma(6.0, nu[c_all] / 6.0)
    cat = _by_persona(rng, pidx, lambda p, mm, r: _pick(r, p["cats"], mm))
    # Each customer has a favourite category and channel, used for half of their orders.
    fav_cat = _by_persona(rng, persona, lambda p, mm, r: _pick(r, p["cats"], mm))
    fav_chan = _by_persona(rng, persona, lambda p, mm, r: _pick(r, p["chans"], mm))
    use_fav = rng.random(k) < 0.5
    cat = np.where(use_fav, fav_cat[c_all], cat)
    chan = np.where(
        rng.random(k) < 0.6,
        fav_chan[c_all],
        _by_persona(rng, pidx, lambda p, mm, r: _pick(r, p["chans"], mm)),
    )
    disc_p = np.array([p["discount"] for p in P.PERSONAS.values()])[pidx]
    coup_p = np.array([p["coupon"] for p in P.PERSONAS.values()])[pidx]
    discounted = rng.random(k) < disc_p
    discount = np.where(discounted, np.round(rng.uniform(0.05, 0.4, k), 2), 0.0)
    coupon = discounted & (rng.random(k) < coup_p)
    qty = 1 + rng.poisson(0.8, k)
    margin = np.array(P.CATEGORY_MARGIN)[cat]
    amount = np.round(amount, 2)
    cost = np.round(amount * (1 - margin * rng.uniform(0.7, 1.3, k)), 2)
    day = np.floor(np.minimum(t_all, end_day - 1e-9))
    orders = pd.DataFrame(
        {
            "cust_idx": c_all,
            "day": day,
            "amount": amount,
            "category": np.array(P.CATEGORIES, dtype=object)[cat],
            "channel": np.array(P.CHANNELS, dtype=object)[chan],
            "quantity": qty,
            "discount": discount,
            "cost": cost,
            "coupon_used": coupon.astype(int),
        }
    )
    # Returns: a share of orders comes back within two weeks as a negative row.
    ret_p = np.array([p["returns"] for p in P.PERSONAS.values()])[pidx]
    returned = rng.random(k) < ret_p
    rets = orders.loc[returned].copy()
    rets["day"] = np.minimum(rets["day"] + rng.integers(1, 15, len(rets)), end_day - 1)
    for col in ("amount", "cost", "quantity"):
        rets[col] = -rets[col]
    rets[["discount", "coupon_used"]] = 0
    orders["is_return"] = False
    rets["is_return"] = True
    orders = pd.concat([orders, rets], ignore_index=True)
    orders = orders.sort_values(["day", "cust_idx", "is_return"], kind="stable", ignore_index=True)
    orders.insert(
        0, "order_id", np.char.add("O", np.char.zfill(np.arange(1, len(orders) + 1).astype(str), 9))
    )
    orders.insert(1, "customer_id", customers["customer_id"].to_numpy()[orders["cust_idx"]])
    orders.insert(2, "order_date", START + pd.to_timedelta(orders["day"], unit="D"))
    orders = orders.drop(columns=["cust_idx", "day", "is_return"])
    truth = pd.DataFrame(
        {
            "customer_id": customers["customer_id"],
            "persona": np.array(list(P.PERSONAS))[persona],
            "lambda_per_year": lam,
            "dropout_p": drop,
            "mean_order_value": nu,
            "buyer": buyer,
            "alive_at_end": alive,
            "death_date": START + pd.to_timedelta(death, unit="D"),
        }
    )
    active_end = np.where(np.isnan(death), end_day, np.minimum(death, end_day))
    return orders, truth, active_end


def _events(customers, persona, signup_day, active_end, rng) -> pd.DataFrame:
    n = len(customers)
    begin = np.maximum(signup_day, 0)
    years = np.clip(active_end - begin, 0, None) / 365.0
    engagement = rng.gamma(2.0, 0.5, n)
    frames = []
    for j, etype in enumerate(P.EVENT_TYPES):
        rate = np.array([p["events"][j] for p in P.PERSONAS.values()])[persona]
        cnt = rng.poisson(rate * years * engagement * 0.25)
        c = np.repeat(np.arange(n), cnt)
        t = begin[c] + rng.random(c.size) * (active_end[c] - begin[c])
        chans, probs = zip(*P.EVENT_CHANNELS[etype])
        ch = np.array(chans, dtype=object)[_pick(rng, probs, c.size)]
        frames.append(pd.DataFrame({"c": c, "t": t, "event_type": etype, "channel": ch}))
    ev = pd.concat(frames, ignore_index=True).sort_values(
        ["t", "c"], kind="stable", ignore_index=True
    )
    ts = START + pd.to_timedelta(np.round(ev["t"].to_numpy() * 86400), unit="s")
    return pd.DataFrame(
        {
            "customer_id": customers["customer_id"].to_numpy()[ev["c"]],
            "ts": ts,
            "event_type": ev["event_type"],
            "channel": ev["channel"],
        }
    )


def _feedback(customers, persona, signup_day, active_end, rng):
    n = len(customers)
    begin = np.maximum(signup_day, 0)
    years = np.clip(active_end - begin, 0, None) / 365.0
    rate = np.array([p["fb_rate"] for p in P.PERSONAS.values()])[persona]
    cnt = rng.poisson(rate * years)
    c = np.repeat(np.arange(n), cnt)
    k = c.size
    pc = persona[c]
    kind = _by_persona(rng, pc, lambda p, m, r: _pick(r, p["kinds"], m))
    topic = _by_persona(rng, pc, lambda p, m, r: _pick(r, p["topics"], m))
    pos = np.array([p["pos"] for p in P.PERSONAS.values()])[pc]
    eng = np.array([p["english"] for p in P.PERSONAS.values()])[pc]
    kind_name = np.array(P.FEEDBACK_KINDS, dtype=object)[kind]
    u = rng.random(k)
    sentiment = np.select(
        [kind_name == "complaint", kind_name == "review", kind_name == "suggestion"],
        [
            np.where(u < 0.92, "negative", "neutral"),
            np.where(u < pos, "positive", "negative"),
            np.where(u < 0.8, "neutral", "negative"),
        ],
        default=np.where(u < 0.85, "neutral", "negative"),
    ).astype(object)
    lang = np.where(rng.random(k) < eng, "en", "zh").astype(object)
    topic_name = np.array(P.TOPICS, dtype=object)[topic]
    extra = rng.spawn(1)[
        0
    ]  # draws added later take their own stream: the rest of the demo stays as it was
    text = compose(lang, sentiment, topic_name, rng, contrast=0.25, extra=extra)
    t = begin[c] + rng.random(k) * (active_end[c] - begin[c])
    created = START + pd.to_timedelta(np.round(t * 86400), unit="s")
    rating = np.select(
        [sentiment == "positive", sentiment == "negative"],
        [rng.choice([4, 5], k, p=[0.35, 0.65]), rng.choice([1, 2], k, p=[0.6, 0.4])],
        default=3,
    ).astype(float)
    nps = np.select(
        [sentiment == "positive", sentiment == "negative"],
        [rng.choice([8, 9, 10], k, p=[0.2, 0.35, 0.45]), rng.integers(0, 7, k)],
        default=rng.choice([6, 7, 8], k),
    ).astype(float)
    noisy = (kind_name == "review") & (
        extra.random(k) < 0.07
    )  # ratings that disagree with their text, as in real exports
    rating[noisy] = np.where(
        sentiment[noisy] == "positive",
        extra.choice([1, 2, 3], int(noisy.sum())),
        extra.choice([3, 4, 5], int(noisy.sum())),
    )
    rating[kind_name == "inquiry"] = np.nan
    nps[rng.random(k) < 0.4] = np.nan  # NPS is asked of part of the feedback only
    needs_handling = np.isin(kind_name, ["complaint", "inquiry"])
    first_resp_h = rng.gamma(1.5, np.where(persona[c] == list(P.PERSONAS).index("service"), 3, 8))
    resolve_h = first_resp_h + rng.gamma(1.2, 40, k)
    resolved = needs_handling & (rng.random(k) < 0.88)
    reopened = resolved & (rng.random(k) < 0.07)
    # On a complaint the rating is the customer's verdict on its handling, asked once it is
    # resolved: mostly good when resolved within three days, mostly poor after; none while open.
    fast = resolve_h <= 72
    handled = np.where(
        extra.random(k) < np.where(fast, 0.75, 0.35),
        extra.choice([4, 5], k),
        extra.choice([1, 2, 3], k),
    )
    is_complaint = kind_name == "complaint"
    rating[is_complaint] = np.where(
        (resolved & ~reopened)[is_complaint], handled[is_complaint], np.nan
    )
    first_resp = created + pd.to_timedelta(np.round(first_resp_h * 3600), unit="s")
    resolved_at = created + pd.to_timedelta(np.round(resolve_h * 3600), unit="s")
    order = np.argsort(t, kind="stable")
    fb = (
        pd.DataFrame(
            {
                "feedback_id": None,
                "customer_id": customers["customer_id"].to_numpy()[c],
                "created_at": created,
                "channel": np.array(P.FEEDBACK_CHANNELS, dtype=object)[
                    rng.integers(len(P.FEEDBACK_CHANNELS), size=k)
                ],
                "kind": kind_name,
                "text": text,
                "rating": rating,
                "nps": nps,
                "first_response_at": first_resp.where(needs_handling),
                "resolved_at": resolved_at.where(resolved),
                "status": np.where(
                    ~needs_handling,
                    "closed",
                    np.where(reopened, "reopened", np.where(resolved, "resolved", "open")),
                ),
            }
        )
        .iloc[order]
        .reset_index(drop=True)
    )
    fb["feedback_id"] = np.char.add("F", np.char.zfill(np.arange(1, k + 1).astype(str), 8))
    truth = pd.DataFrame(
        {
            "feedback_id": fb["feedback_id"],
            "topic": topic_name[order],
            "sentiment": sentiment[order],
            "language": lang[order],
        }
    )
    return fb, truth


# Answer pairs (functional, dysfunctional) typical of each Kano category, codes 1..5 =
# like, must-be, neutral, live-with, dislike (Berger et al. 1993).
_KANO_PAIRS = {
    "A": [(1, 3), (1, 4), (1, 2)],
    "O": [(1, 5)],
    "M": [(2, 5), (3, 5), (4, 5)],
    "I": [(3, 3), (3, 4), (2, 3), (4, 4), (4, 3)],
    "R": [(5, 1), (5, 3), (3, 1), (4, 1)],
}


def _kano(customers, persona, rng, noise=0.2):
    n = len(customers)
    n_resp = int(min(n, max(200, min(0.1 * n, 20000))))
    resp = np.sort(rng.choice(n, n_resp, replace=False))
    nf = len(P.KANO_FEATURES)
    r_idx = np.repeat(resp, nf)
    f_idx = np.tile(np.arange(nf), n_resp)
    true_cat = np.array([[p["kano"][f] for f in range(nf)] for p in P.PERSONAS.values()])[
        persona[r_idx], f_idx
    ]
    func = np.empty(r_idx.size, int)
    dysf = np.empty(r_idx.size, int)
    for cat, pairs in _KANO_PAIRS.items():
        idx = np.flatnonzero(true_cat == cat)
        pick = np.array(pairs)[rng.integers(len(pairs), size=idx.size)]
        func[idx], dysf[idx] = pick[:, 0], pick[:, 1]
    noisy = rng.random(r_idx.size) < noise
    func[noisy] = rng.integers(1, 6, noisy.sum())
    dysf[noisy] = rng.integers(1, 6, noisy.sum())
    words = np.array(KANO_ANSWERS_ZH, dtype=object)
    importance = np.clip(
        np.round(rng.normal(np.where(np.isin(true_cat, ["M", "O"]), 4.2, 2.8), 0.8)), 1, 5
    )
    kano = pd.DataFrame(
        {
            "respondent_id": np.char.add("R", np.char.zfill(r_idx.astype(str), 7)),
            "customer_id": customers["customer_id"].to_numpy()[r_idx],
            "feature": np.array(P.KANO_FEATURES, dtype=object)[f_idx],
            "functional": words[func - 1],
            "dysfunctional": words[dysf - 1],
            "importance": importance.astype(int),
        }
    )
    truth = pd.DataFrame(
        [
            (key, f, par["kano"][j])
            for key, par in P.PERSONAS.items()
            for j, f in enumerate(P.KANO_FEATURES)
        ],
        columns=["persona", "feature", "category"],
    )
    return kano, truth


def generate(n_customers: int = 20_000, seed: int = 7, intensity: float = 1.0) -> Demo:
    """Generate the demo company: same ``seed`` and size give identical tables.

    ``intensity`` multiplies every purchase rate (and lowers dropout to match), for load
    tests with many orders per customer; the demo keeps 1 (about 8 orders per customer).
    """
    if n_customers < 50:
        raise ValueError("n_customers must be at least 50 so every persona is present")
    rng = np.random.default_rng(seed)
    customers, persona, signup_day = _customers(n_customers, rng)
    orders, truth_c, active_end = _orders(customers, persona, signup_day, rng, intensity)
    events = _events(customers, persona, signup_day, active_end, rng)
    feedback, truth_f = _feedback(customers, persona, signup_day, active_end, rng)
    kano, truth_k = _kano(customers, persona, rng)
    return Demo(customers, orders, events, feedback, kano, truth_c, truth_k, truth_f)


def _make_messy(demo: Demo, rng) -> tuple[dict[str, pd.DataFrame], dict]:
    """Inject the faults real CRM exports have; returns the tables and a fault census."""
    faults: dict = {}
    cust = demo.customers.copy()
    orders = demo.orders.copy()
    n, k = len(cust), len(orders)
    # Missing values and extreme values in optional customer fields.
    miss = rng.random(n) < 0.05
    cust["income"] = cust["income"].astype(object)
    cust.loc[miss, "income"] = ""
    faults["customers_income_missing"] = int(miss.sum())
    cust["gender"] = cust["gender"].map({"F": "女", "M": "男"})
    unknown = rng.random(n) < 0.02
    cust.loc[unknown, "gender"] = "未知"
    faults["customers_gender_unknown"] = int(unknown.sum())
    bad_age = rng.choice(np.flatnonzero(~miss), 5, replace=False)
    cust.loc[bad_age, "birth_year"] = 1890
    faults["customers_birth_year_implausible"] = 5
    dup_c = rng.choice(n, max(1, n // 200), replace=False)
    cust = pd.concat([cust, cust.iloc[dup_c]], ignore_index=True)
    faults["customers_duplicate_rows"] = int(dup_c.size)
    # Orders: mixed date formats, currency formatting, future dates, orphans, duplicates.
    d = pd.to_datetime(orders["order_date"])
    style = rng.integers(0, 4, k)
    orders["order_date"] = np.select(
        [style == 0, style == 1, style == 2],
        [
            d.dt.strftime("%Y-%m-%d"),
            d.dt.strftime("%Y/%m/%d").str.replace("/0", "/", regex=False),
            d.dt.strftime("%Y%m%d"),
        ],
        default=d.dt.strftime("%Y年%m月%d日"),
    )
    faults["orders_date_formats"] = 4
    amt = orders["amount"].astype(object)
    money = rng.random(k) < 0.1
    amt[money] = ["¥{:,.2f}".format(v) for v in orders.loc[money, "amount"]]
    orders["amount"] = amt
    fut = rng.choice(k, max(1, k // 1000), replace=False)
    orders.loc[fut, "order_date"] = (
        (d.iloc[fut] + pd.DateOffset(years=36)).dt.strftime("%Y-%m-%d").to_numpy()
    )
    orders["order_date"] = orders["order_date"].astype(object)
    faults["orders_future_dates"] = int(fut.size)
    orph = rng.choice(np.setdiff1d(np.arange(k), fut), max(1, k // 200), replace=False)
    orders.loc[orph, "customer_id"] = np.char.add(
        "X", np.char.zfill(np.arange(orph.size).astype(str), 7)
    )
    faults["orders_orphans"] = int(orph.size)
    faults["orders_returns"] = int((demo.orders["amount"] < 0).sum())
    dup_o = rng.choice(
        np.setdiff1d(np.arange(k), np.concatenate([fut, orph])), max(1, k // 100), replace=False
    )
    orders = pd.concat([orders, orders.iloc[dup_o]], ignore_index=True).sort_index(kind="stable")
    faults["orders_duplicate_rows"] = int(dup_o.size)
    # Placeholder and typo years (1900-01-01, 2999): a counted cleaning rule, not a stop.
    far = rng.choice(
        np.setdiff1d(np.arange(k), np.concatenate([fut, orph, dup_o])), 4, replace=False
    )
    orders.loc[far, "order_date"] = ["1900-01-01", "2999-12-31", "1900-01-01", "2999-01-01"]
    faults["orders_far_dates"] = int(far.size)
    faults["orders_valid_rows"] = int(k - fut.size - orph.size - far.size)
    orders["备注"], orders["备注 "] = (
        "",
        "",
    )  # a repeated header (ignored column), as some exports have
    zh_customers = {
        "customer_id": "客户编号",
        "signup_date": "注册日期",
        "gender": "性别",
        "birth_year": "出生年份",
        "income": "月收入",
        "occupation": "职业",
        "education": "学历",
        "family_size": "家庭人数",
        "region": "省份",
        "city": "城市",
        "city_tier": "城市等级",
        "name": "姓名",
        "phone": "手机号",
        "email": "邮箱",
    }
    zh_orders = {
        "order_id": "订单号",
        "customer_id": "客户编号",
        "order_date": "下单日期",
        "amount": "金额",
        "category": "品类",
        "channel": "渠道",
        "quantity": "数量",
        "discount": "折扣",
        "cost": "成本",
        "coupon_used": "是否用券",
    }
    zh_feedback = {
        "feedback_id": "反馈编号",
        "customer_id": "客户编号",
        "created_at": "创建时间",
        "channel": "渠道",
        "kind": "类型",
        "text": "内容",
        "rating": "评分",
        "nps": "推荐意愿",
        "first_response_at": "首次响应时间",
        "resolved_at": "解决时间",
        "status": "状态",
    }
    tables = {
        "customers": cust.rename(columns=zh_customers),
        "orders": orders.rename(columns=zh_orders),
        "events": _unix_seconds(demo.events, "ts"),
        "feedback": _us_dates(
            demo.feedback, ("created_at", "first_response_at", "resolved_at")
        ).rename(columns=zh_feedback),
        "kano": _kano_wide(demo.kano),
    }
    faults["events_ts_style"] = "unix_s"
    faults["events_delimiter"] = "|"
    faults["feedback_date_style"] = "%m/%d/%Y %H:%M"
    faults["feedback_delimiter"] = ";"
    faults["kano_layout"] = "wide"
    faults["kano_sheet"] = "问卷结果"
    faults["kano_pairs"] = int(len(demo.kano))
    faults["orders_repeated_header"] = "备注"
    # Keys as a CRM writes them: zero-padded digits (C0000042 -> 00000042) in every table;
    # a few order lines lost their zeros in a spreadsheet (00000042 -> 42): orphans, said.
    for name in ("customers", "orders", "events", "feedback", "kano"):
        df = tables[name]
        col = next(c for c in ("customer_id", "客户编号") if c in df)
        df[col] = zero_padded(df[col])
    o = tables["orders"]
    ok = np.setdiff1d(
        np.arange(k), np.concatenate([fut, orph, far, dup_o])
    )  # rows 0..k-1: the originals
    lost = rng.choice(ok, max(1, k // 500), replace=False)
    o.loc[lost, "客户编号"] = o.loc[lost, "客户编号"].str.lstrip("0").to_numpy()
    faults["orders_keys_lost_zeros"] = int(lost.size)
    faults["orders_keys_lost_zeros_distinct"] = int(o.loc[lost, "客户编号"].nunique())
    faults["orders_valid_rows"] -= int(lost.size)
    return tables, faults


def _write_fault_catalogue(demo: Demo, folder: Path) -> dict:
    """Faults that must stop a run (or, with ``invalid_rows: drop``, be counted), one small
    export each under ``folder/<case>/``, with ``census.json`` saying what intake must report:
    the problem key, the file's line numbers and the count."""
    head = demo.orders.head(40)[["order_id", "customer_id", "order_date", "amount"]].copy()
    head["order_date"] = pd.to_datetime(head["order_date"]).dt.strftime("%Y-%m-%d")
    cust = demo.customers[demo.customers["customer_id"].isin(head["customer_id"])][
        ["customer_id", "gender"]
    ]
    n = len(head)
    text = head.to_csv(index=False)
    cases: dict = {}

    def case(name, orders_text, census, extra=None):
        d = folder / name
        d.mkdir(parents=True, exist_ok=True)
        cust.to_csv(d / "customers.csv", index=False)
        (d / (extra or "orders.csv")).write_text(orders_text, encoding="utf-8")
        cases[name] = census

    lines = text.splitlines()
    case(
        "truncated_last_line",
        "\n".join(lines[:-1] + [lines[-1][:12]]),
        {
            "stops": True,
            "key": "broken_lines",
            "lines": [n + 1],
            "count": 1,
            "kept_with_drop": n - 1,
        },
    )
    ragged = lines[:6] + [lines[6] + ",extra"] + lines[7:]
    case(
        "ragged_line",
        "\n".join(ragged) + "\n",
        {"stops": True, "key": "broken_lines", "lines": [7], "count": 1, "kept_with_drop": n - 1},
    )
    bad = head.copy()
    bad["amount"] = bad["amount"].astype(object)
    bad.loc[bad.index[[2, 5]], "amount"] = ["inf", "1e999"]
    case(
        "non_finite_amounts",
        bad.to_csv(index=False),
        {
            "stops": True,
            "key": "value_unreadable",
            "column": "amount",
            "lines": [4, 7],
            "count": 2,
            "kept_with_drop": n - 2,
        },
    )
    amb = head.copy()
    amb["order_date"] = [
        f"{1 + i % 12}/{1 + (i * 5) % 12}/2024" for i in range(n)
    ]  # every day <= 12
    case(
        "ambiguous_dates",
        amb.to_csv(index=False),
        {"stops": True, "key": "date_ambiguous", "column": "order_date", "count": n},
    )
    big = head.copy()
    big["备注"] = ""
    big.loc[big.index[3], "备注"] = "长文本" * 400_000  # a 3.6 MB field: any size a CSV allows
    case(
        "huge_field_tab_delimited",
        big.to_csv(index=False, sep="\t"),
        {"stops": False, "rows": n, "delimiter": "\t"},
    )
    case("excel_named_csv", text, {"stops": False, "rows": n, "kind": "csv"}, extra="orders.xlsx")
    fb = (
        demo.feedback[demo.feedback["customer_id"].isin(head["customer_id"])][
            ["feedback_id", "customer_id", "created_at", "text"]
        ]
        .head(20)
        .copy()
    )
    fb["created_at"] = head["order_date"].max()  # within the export's dates (none in the future)
    case("feedback_text_only", text, {"stops": False, "rows": n, "feedback_rows": len(fb)})
    fb.to_csv(folder / "feedback_text_only" / "feedback.csv", index=False)
    (folder / "census.json").write_text(
        json.dumps(cases, indent=1, ensure_ascii=False), encoding="utf-8"
    )
    return cases


def zero_padded(ids: pd.Series) -> pd.Series:
    """Demo keys as zero-padded digits, as many CRMs write them: C0000042 -> 00000042."""
    return ids.astype(object).where(ids.isna(), ids.astype(str).str.replace(r"^C", "0", regex=True))


def _unix_seconds(df: pd.DataFrame, col: str) -> pd.DataFrame:
    """Timestamps as Unix seconds (what app trackers export)."""
    out = df.copy()
    ts = pd.to_datetime(out[col])
    out[col] = (ts - pd.Timestamp("1970-01-01")) // pd.Timedelta(seconds=1)
    return out


def _us_dates(df: pd.DataFrame, cols) -> pd.DataFrame:
    """Date-times written month/day/year without zero padding, as US-locale exports do."""
    out = df.copy()
    for c in cols:
        ts = pd.to_datetime(out[c])
        text = (
            ts.dt.month.astype("Int64").astype(str)
            + "/"
            + ts.dt.day.astype("Int64").astype(str)
            + "/"
            + ts.dt.strftime("%Y %H:%M")
        )
        out[c] = text.where(ts.notna(), "")
    return out


def _kano_wide(kano: pd.DataFrame) -> pd.DataFrame:
    """The survey tool's layout: one row per respondent, a functional, dysfunctional and
    importance column per feature (features a respondent was not asked stay empty)."""
    kano = kano.assign(customer_id=kano["customer_id"].fillna(""))  # unlinked respondents stay
    wide = kano.set_index(["respondent_id", "customer_id", "feature"])[
        ["functional", "dysfunctional", "importance"]
    ].unstack("feature")
    wide.columns = [f"{feature}_{kind}" for kind, feature in wide.columns]
    return wide.reset_index()


def write(
    demo: Demo, out_dir: str | Path, messy: bool = False, fmt: str = "csv", seed: int = 7
) -> Path:
    """Write the demo tables (and ``_truth/``) under ``out_dir``; returns the folder.

    Clean demo: UTF-8 CSV (or Parquet with ``fmt='parquet'``, for the large benchmarks).
    Messy demo: customers in GBK and orders in GB18030 with Chinese headers, feedback as
    UTF-8 with BOM (what Excel writes), Kano answers as an Excel workbook.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    truth = out / "_truth"
    truth.mkdir(exist_ok=True)
    if messy:
        tables, faults = _make_messy(demo, np.random.default_rng(seed + 1))
        write_table_atomic(tables["customers"], out / "customers.csv", encoding="gbk")
        write_table_atomic(tables["orders"], out / "orders.csv", encoding="gb18030")
        tables["events"].to_csv(out / "events.csv", index=False, sep="|")
        tables["feedback"].to_csv(out / "feedback.csv", index=False, sep=";", encoding="utf-8-sig")
        with pd.ExcelWriter(out / "kano.xlsx") as xw:  # the data on the second sheet
            pd.DataFrame({"说明": ["问卷导出，2026 年"]}).to_excel(
                xw, sheet_name="说明", index=False
            )
            tables["kano"].to_excel(xw, sheet_name=faults["kano_sheet"], index=False)
        (truth / "messy_faults.json").write_text(json.dumps(faults, indent=1))
        _write_fault_catalogue(demo, out / "_faults")
    else:
        for name in Demo.TABLES:
            write_table_atomic(getattr(demo, name), out / f"{name}.{fmt}")
    truth_customers = demo.truth_customers
    if messy:  # the messy export's keys are zero-padded digits: its truth is keyed the same way
        truth_customers = truth_customers.assign(
            customer_id=zero_padded(truth_customers["customer_id"])
        )
    write_table_atomic(truth_customers, truth / "customers.parquet")
    write_table_atomic(demo.truth_kano, truth / "kano.parquet")
    write_table_atomic(demo.truth_feedback, truth / "feedback.parquet")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Generate the Kequn demo company.")
    ap.add_argument("--out", default="data/demo")
    ap.add_argument("--customers", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--messy", action="store_true", help="inject real-export faults")
    ap.add_argument("--format", choices=["csv", "parquet"], default="csv")
    ap.add_argument(
        "--intensity", type=float, default=1.0, help="purchase-rate multiplier for load tests"
    )
    a = ap.parse_args(argv)
    demo = generate(a.customers, a.seed, a.intensity)
    out = write(demo, a.out, messy=a.messy, fmt=a.format, seed=a.seed)
    print(
        f"demo data: {len(demo.customers):,} customers, {len(demo.orders):,} orders, "
        f"{len(demo.events):,} events, {len(demo.feedback):,} feedback, "
        f"{len(demo.kano):,} Kano answers -> {out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
