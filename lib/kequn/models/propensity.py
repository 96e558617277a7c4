"""Purchase propensity per product category (购买可能性评分), trained and judged on time splits.

For a cut date, every customer who had bought before it is described by what was known on
that date (``snapshot``: recency, frequency, spend, recent orders, and per category the
orders and days since the last one) and labelled by whether they bought in the category in
the ``horizon_days`` after it. Three cuts, never mixed:

- train: cut = as_of − 2·horizon, labels from the following horizon;
- evaluate: cut = as_of − horizon, labels up to as_of — the model never saw this period;
- score: refit on the evaluation window (the latest complete one), applied to as_of.

The model is a logistic regression on log-scaled, standardised features, one per category:
its coefficients turn into reason codes per customer (the features that raise that customer's
score most), which a gradient-boosting model would not give as plainly. AUC, lift in the top
decile and a calibration table judge it on the evaluation window.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score

from kequn.data.engine import money_sum, runner
from kequn.data.paths import clean_table
from kequn.models.clustering import first_ranks
from kequn.models.parallel import cores, scipy_blas_one_thread

GENERAL = ("orders", "spend", "recency", "tenure", "orders_recent")


def categories(clean_dir, top_n: int = 8, threads: int = 2, engine: str | None = None) -> list[str]:
    """The ``top_n`` categories with the most orders (the ones worth a target list)."""
    run = runner(threads, engine)
    run.view_parquet("orders", clean_table(clean_dir, "orders"))
    rows = run.rows(
        """SELECT category FROM orders
                          WHERE amount >= 0 AND category IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1
                          LIMIT $n""",
        {"n": int(top_n)},
    )
    run.close()
    return [r[0] for r in rows]


def snapshot(
    clean_dir,
    cut,
    cats: list[str],
    horizon_days: int,
    recent_days: int = 90,
    labels: bool = True,
    threads: int = 2,
    engine: str | None = None,
) -> pd.DataFrame:
    """Per customer who bought on or before ``cut``: customer_id, the GENERAL features, per
    category k n_k (orders) and rec_k (days since the last order in k; missing if never), and
    with ``labels`` y_k (bought in k within ``horizon_days`` after ``cut``); k is the position
    in ``cats``. ``engine``: duckdb
    or spark (``kequn.data.engine``; None: the run's engine) — the same query."""
    cut = pd.Timestamp(cut).normalize()
    end = cut + pd.Timedelta(days=horizon_days)
    c, e = "$cut::DATE", "$end::DATE"
    params = {"cut": cut.date(), **{f"k{i}": k for i, k in enumerate(cats)}}  # bound, never SQL
    per_cat = []
    for i in range(len(cats)):
        per_cat.append(f"count(*) FILTER (WHERE category = $k{i})::DOUBLE AS n_{i}")
        per_cat.append(
            f"date_diff('day', max(d) FILTER (WHERE category = $k{i}), {c})::DOUBLE AS rec_{i}"
        )
    lab = ""
    if labels:
        params["end"] = end.date()
        lab = ", " + ", ".join(
            f"coalesce(bool_or(category = $k{i}), false) AS y_{i}" for i in range(len(cats))
        )
    run = runner(threads, engine)
    run.view_parquet("raw_orders", clean_table(clean_dir, "orders"))
    run.view_sql(
        "o",
        "SELECT customer_id, order_date::DATE AS d, category, amount "
        "FROM raw_orders WHERE amount >= 0",
    )
    sql = f"""
        WITH past AS (
            SELECT customer_id, count(*)::DOUBLE AS orders, {money_sum()} AS spend,
                   date_diff('day', max(d), {c})::DOUBLE AS recency, date_diff('day', min(d), {c})::DOUBLE AS tenure,
                   count(*) FILTER (WHERE d > {c} - INTERVAL {int(recent_days)} DAY)::DOUBLE AS orders_recent,
                   {", ".join(per_cat)}
            FROM o WHERE d <= {c} GROUP BY 1)
        SELECT past.*{", " + ", ".join(f"coalesce(f.y_{i}, false) AS y_{i}" for i in range(len(cats))) if labels else ""}
        FROM past
        {f"LEFT JOIN (SELECT customer_id {lab} FROM o WHERE d > {c} AND d <= {e} GROUP BY 1) f USING (customer_id)" if labels else ""}"""
    # through Arrow, sorted there, columns left unconsolidated (1M customers: 3.3 s less than
    # ``.df()`` of the query with ORDER BY); the same frame
    df = run.frame(sql, params, sort_by="customer_id")
    run.close()
    return df


def design_columns(
    snap: pd.DataFrame, i: int, ncat: int, rows: np.ndarray | slice | None = None
) -> tuple[list[np.ndarray], list[str]]:
    """``design``'s columns, one array each, for the snapshot's ``rows`` (all when None;
    positions or a slice): each value depends on its own row only, so the columns of some rows
    are those rows of all."""

    def col(name: str) -> np.ndarray:
        v = snap[name].to_numpy(dtype="float64")
        return v if rows is None else v[rows]

    cols, names = [], []
    for g in GENERAL:
        cols.append(np.log1p(col(g).clip(min=0)))
        names.append(g)
    for k in range(ncat):
        cols.append(np.log1p(col(f"n_{k}")))
        names.append(f"n_{k}")
    rec = col(f"rec_{i}")
    rec = np.where(np.isnan(rec), col("tenure") + 365, rec)
    cols.append(np.log1p(rec))
    names.append("rec_self")
    cols.append(col(f"n_{i}") / np.maximum(col("orders"), 1))
    names.append("share_self")
    return cols, names


def design(
    snap: pd.DataFrame, i: int, ncat: int, rows: np.ndarray | None = None
) -> tuple[np.ndarray, list[str]]:
    """The model's features for category ``i`` of a snapshot of ``ncat`` categories: log-scaled
    GENERAL features, every category's orders, and for category i its days since the last order
    (never = tenure + 365) and its share of the customer's orders; of the snapshot's ``rows``
    (all when None)."""
    cols, names = design_columns(snap, i, ncat, rows)
    return np.column_stack(cols), names


@dataclass
class CategoryModel:
    """A fitted model of one category (the ``index``-th of ``ncat`` in the snapshot):
    standardisation, logistic regression, feature names."""

    category: str
    index: int
    ncat: int
    mean: np.ndarray
    sd: np.ndarray
    model: LogisticRegression
    names: list[str]

    def standardised(self, snap: pd.DataFrame, rows=None) -> np.ndarray:
        """The snapshot's design of ``rows`` (all when None; positions or a slice),
        standardised as the model was fitted: ``(X - mean) / sd`` element by element, column by
        column (the same numbers, without the whole matrix X)."""
        cols, _ = design_columns(snap, self.index, self.ncat, rows)
        return np.column_stack([(v - m) / s for v, m, s in zip(cols, self.mean, self.sd)])

    def scores(self, snap: pd.DataFrame, block: int = 65_536) -> np.ndarray:
        """P(buys in the category) per row of the snapshot, ``block`` rows at a time: a block's
        design stays in the cache where the whole one (1M × 15) is written and read back from
        memory (scoring 1M: 0.6 s → 0.1 s). The same numbers to the last bit: each row's score
        is its own dot product, except that OpenBLAS takes rows in groups (of 4 here) and sums
        the last few rows of a matrix another way; ``block``, a power of two, keeps the groups
        where the whole matrix has them (a block of 97 rows would not)."""
        out = np.empty(len(snap))
        for a in range(0, len(snap), block):
            rows = slice(a, a + block)
            out[rows] = self.model.predict_proba(self.standardised(snap, rows))[:, 1]
        return out

    def reasons(self, snap: pd.DataFrame, top: int = 3, rows=None) -> np.ndarray:
        """Per customer (``rows`` of the snapshot, all when None) the ``top`` features that raise
        the score most, as reason codes "<feature>+" (a high value raises it) or "<feature>-" (a
        low value does); None pads."""
        z = self.standardised(snap, rows)
        contrib = z * self.model.coef_[0]
        order = np.argsort(-contrib, axis=1)[:, :top]
        best = np.take_along_axis(contrib, order, 1)
        high = np.take_along_axis(z, order, 1) > 0
        codes = np.array([f"{n}{sign}" for n in self.names for sign in "-+"] + [None], dtype=object)
        return codes[
            np.where(best > 0, 2 * order + high, len(codes) - 1)
        ]  # a lookup, not a loop per customer


def fit(
    snap: pd.DataFrame, cats: list[str], i: int, seed: int = 7, max_rows: int = 300_000
) -> CategoryModel | None:
    """Logistic regression for category ``cats[i]`` on a labelled snapshot of ``cats`` (a seeded
    sample of ``max_rows`` customers when larger); None when the window has no buyer or no
    non-buyer."""
    y = snap[f"y_{i}"].to_numpy(dtype=bool)
    if y.all() or not y.any():
        return None
    keep = None
    if len(snap) > max_rows:  # the sample's rows only are designed (``design_columns``)
        keep = np.random.default_rng(seed).choice(len(snap), max_rows, replace=False)
        y = y[keep]
    X, names = design(snap, i, len(cats), keep)
    mean, sd = X.mean(axis=0), X.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    with scipy_blas_one_thread():  # L-BFGS-B's steps on one thread (parallel.py)
        m = LogisticRegression(C=1.0, max_iter=500).fit((X - mean) / sd, y)
    return CategoryModel(cats[i], i, len(cats), mean, sd, m, names)


def evaluate(model: CategoryModel, snap: pd.DataFrame, bins: int = 10) -> tuple[dict, pd.DataFrame]:
    """AUC, lift in the top decile, Brier score and base rate on a later labelled snapshot,
    and the calibration table (mean predicted vs observed rate per score decile)."""
    y = snap[f"y_{model.index}"].to_numpy(dtype=bool)
    p = model.scores(snap)
    top = p >= np.quantile(p, 0.9)
    base = float(y.mean())
    figs = {
        "category": model.category,
        "customers": int(len(y)),
        "base_rate": base,
        "auc": float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else float("nan"),
        "lift_top10": float(y[top].mean() / base) if base > 0 else float("nan"),
        "brier": float(brier_score_loss(y, p)),
    }
    band = pd.qcut(first_ranks(p), bins, labels=False)
    cal = (
        pd.DataFrame({"p": p, "y": y.astype(float), "band": band})
        .groupby("band")
        .agg(predicted=("p", "mean"), observed=("y", "mean"), customers=("p", "size"))
        .reset_index(drop=True)
    )
    return figs, cal


def top_first(p: np.ndarray, n: int) -> np.ndarray:
    """Positions of the ``n`` highest values of ``p``, highest first, ties in position order:
    ``np.argsort(-p, kind="stable")[:n]``, with only the candidates sorted (a target list is a
    tenth of the customers)."""
    if n >= len(p) or np.isnan(p).any():
        return np.argsort(-p, kind="stable")[:n]
    cut = np.partition(-p, n - 1)[n - 1]  # the n-th lowest of -p
    above = np.flatnonzero(-p < cut)
    ties = np.flatnonzero(-p == cut)[: n - len(above)]  # the first of those equal to the cut
    cand = np.concatenate([above, ties])  # equal values in position order within each part
    return cand[np.argsort(-p[cand], kind="stable")]


def target_list(
    models: list[CategoryModel], snap: pd.DataFrame, share: float = 0.1, top_reasons: int = 3
) -> pd.DataFrame:
    """The best customers to approach per category: the top ``share`` by score, columns
    customer_id, category, score, rank (1 = best within the category), reason_1 … (feature
    names, see ``design``)."""
    parts = []
    for m in models:
        p = m.scores(snap)
        n = max(1, int(np.ceil(share * len(p))))
        idx = top_first(p, n)
        why = m.reasons(snap, top_reasons, idx)
        part = pd.DataFrame(
            {
                "customer_id": snap["customer_id"].to_numpy()[idx],
                "category": m.category,
                "score": p[idx],
                "rank": np.arange(1, n + 1),
            }
        )
        for j in range(top_reasons):
            part[f"reason_{j + 1}"] = why[:, j]
        parts.append(part)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def reason_words(code: str | None, cats: list[str], category: str, lang: str) -> str | None:
    """A reason code ("recency-", "n_2+") in words of ``lang``."""
    from kequn.lang.i18n import t

    if not code:
        return None
    name, sign = code[:-1], code[-1]
    if name.startswith("n_"):
        return t(f"p.r.n{sign}", lang).format(cat=t(cats[int(name[2:])], lang))
    return t(f"p.r.{name}{sign}", lang).format(cat=t(category, lang))


# --- the three splits of a run ---------------------------------------------------------------


@dataclass(frozen=True)
class PropensityRun:
    """Per-category models trained, judged and applied on the three time splits (``run``).

    Attributes
    ----------
    cuts : tuple of datetime.date
        The training cut, the evaluation cut and the as-of date (scoring).
    categories : list of str
        The categories modelled, most ordered first (``n_k`` / ``y_k`` of the snapshots).
    figures : pandas.DataFrame
        Per category scored: ``evaluate``'s figures on the evaluation window.
    calibration : pandas.DataFrame
        The calibration tables of those categories, with a ``category`` column.
    models : list of CategoryModel
        The final models, refit on the evaluation window, that score ``now``.
    now : pandas.DataFrame
        The unlabelled snapshot at the as-of date.
    skipped : list of str
        Categories with no buyer or no non-buyer in a window (not modelled).
    """

    cuts: tuple
    categories: list
    figures: pd.DataFrame
    calibration: pd.DataFrame
    models: list
    now: pd.DataFrame
    skipped: list


MIN_CUSTOMERS = 50  # fewer customers at the training cut: no model


def has_category(clean_dir) -> bool:
    """Whether the run's orders have a category column."""
    import pyarrow.parquet as pq

    return "category" in pq.read_schema(clean_table(clean_dir, "orders")).names


def run(clean_dir, as_of, horizon_days: int, top_n: int = 8, seed: int = 7) -> PropensityRun | None:
    """Train at as_of − 2·horizon, evaluate at as_of − horizon, refit on that window and score
    everyone at ``as_of``, for the ``top_n`` most ordered categories; None when the orders have
    no category or fewer than ``MIN_CUSTOMERS`` customers had bought by the training cut."""
    h = int(horizon_days)
    as_of = pd.Timestamp(as_of).normalize()
    cut_train, cut_eval = as_of - pd.Timedelta(days=2 * h), as_of - pd.Timedelta(days=h)
    cats = categories(clean_dir, top_n) if has_category(clean_dir) else []
    if not cats:
        return None
    train = snapshot(clean_dir, cut_train, cats, h)
    if len(train) < MIN_CUSTOMERS:
        return None
    test = snapshot(clean_dir, cut_eval, cats, h)
    now = snapshot(clean_dir, as_of, cats, h, labels=False)

    def one(i: int):  # category i: its fit, judged on the later window, and the refit there
        m, m_final = fit(train, cats, i, seed), fit(test, cats, i, seed)
        return None if m is None or m_final is None else (*evaluate(m, test), m_final)

    # the categories on two threads: numpy, scikit-learn's loss and L-BFGS-B's Fortran let go of
    # the interpreter most of the time (1M customers: 7.8 s → 5.7 s for the fits), and each
    # category's numbers are its own whatever runs beside it (bit for bit, tested)
    with scipy_blas_one_thread(), ThreadPoolExecutor(min(2, cores())) as pool:
        done = list(pool.map(one, range(len(cats))))
    figs, cals, final, skipped = [], [], [], []
    for c, got in zip(cats, done):
        if got is None:
            skipped.append(c)
            continue
        f, cal, m_final = got
        figs.append(f)
        cals.append(cal.assign(category=c))
        final.append(m_final)
    return PropensityRun(
        cuts=(cut_train.date(), cut_eval.date(), as_of.date()),
        categories=cats,
        figures=pd.DataFrame(figs),
        calibration=pd.concat(cals, ignore_index=True) if cals else pd.DataFrame(),
        models=final,
        now=now,
        skipped=skipped,
    )


def pooled_calibration(cal: pd.DataFrame, bins: int = 10) -> pd.DataFrame:
    """Calibration bands of all categories pooled into ``bins`` bands of predicted probability:
    predicted and observed, each the customer-weighted mean of the bands it pools."""
    band = pd.qcut(cal["predicted"].rank(method="first"), bins, labels=False)
    return (
        cal.groupby(band)
        .apply(
            lambda g: pd.Series(
                {
                    "predicted": np.average(g["predicted"], weights=g["customers"]),
                    "observed": np.average(g["observed"], weights=g["customers"]),
                }
            ),
            include_groups=False,
        )
        .reset_index(drop=True)
    )


def target_table(
    result: PropensityRun, share: float, segments: pd.DataFrame | None, lang: str
) -> pd.DataFrame:
    """The target lists of a run (``target_list``) as written for the CRM: customer_id,
    category (in words of ``lang``), segment and segment_name (with ``segments``), score, rank,
    reasons (the reason codes in words, joined by " / ")."""
    from kequn.lang.i18n import t

    tl = target_list(result.models, result.now, share)
    if tl.empty:
        return tl
    cols = ["reason_1", "reason_2", "reason_3"]
    combo, first = _distinct_rows(tl[["category"] + cols])
    words = pd.Series(
        reasons_in_words(tl.iloc[first], cols, result.categories, lang).to_numpy()[combo],
        index=tl.index,
    )  # worded once per distinct (category, reasons): most customers share a few
    names = {c: t(c, lang) for c in tl["category"].unique()}
    out = pd.DataFrame(
        {
            "customer_id": tl["customer_id"],
            "category": tl["category"].map(names),
            "score": tl["score"].round(4),
            "rank": tl["rank"],
            "reasons": words,
        }
    )
    if segments is not None:
        seg = segments.set_index("customer_id")[["segment", "segment_name"]].reindex(
            out["customer_id"]
        )  # one look-up of the customers for both columns
        out.insert(2, "segment", seg["segment"].to_numpy())
        out["segment"] = out["segment"].astype("Int64")
        out.insert(3, "segment_name", seg["segment_name"].to_numpy(dtype=object))
    return out


def _distinct_rows(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(code of each row's distinct combination of values, position of each combination's first
    row), missing values equal to each other."""
    codes = np.zeros(len(df), dtype="int64")
    for c in df.columns:
        k, u = pd.factorize(df[c], use_na_sentinel=True)
        codes = codes * (len(u) + 1) + (k + 1)
    _, first, combo = np.unique(codes, return_index=True, return_inverse=True)
    return combo.ravel(), first


def reasons_in_words(tl: pd.DataFrame, cols: list, cats: list, lang: str) -> pd.Series:
    """The reason codes ``cols`` of each row of a target list in words, joined by " / "."""
    pairs = (
        tl[["category"] + cols]
        .melt(id_vars="category")
        .dropna()
        .drop_duplicates(["category", "value"])
    )
    said = {
        (c, r): reason_words(r, cats, c, lang) for c, r in zip(pairs["category"], pairs["value"])
    }
    parts = [
        pd.Series([said.get((c, r)) for c, r in zip(tl["category"], tl[col])], index=tl.index)
        for col in cols
    ]
    words = parts[0].fillna("")
    for p in parts[1:]:  # one translation per distinct (category, reason), joined column-wise
        words = words.str.cat(p, sep=" / ", na_rep="").str.replace(r"( / )+$", "", regex=True)
    return words
