"""Per-customer scores on Spark's executors (issue 19): ``mapInPandas`` with the fitted model
broadcast, each batch scored by the same function the DuckDB path calls on the whole table.

Models are fitted where they are fitted today — the segmentation on a sample, the lifetime
models on the distinct purchase histories, the propensity models on a seeded sample of a
snapshot, the sentiment model on labelled texts — all on the driver; only the scoring of every
customer (or text) is spread out. Every score here is a row-wise function of the row and the
model, so batch boundaries do not change a value.

- ``lifetime``: P(alive), churn risk, expected purchases and spend, CLV
  (``lifetime.score_buyers`` per batch) from a BTYD summary.
- ``segments``: segment per customer for a k-means or Gaussian-mixture segmentation: the
  clustering matrix of each batch (``segment_prep.transform``), the model's cluster and strength;
  then the renumbering by size and the merge of small segments (``clustering.merge_small``),
  which need every customer's cluster, from per-cluster counts and sums collected to the driver
  (k rows, not N).
- ``propensity``: P(buy in category k) per customer from a snapshot (``CategoryModel.scores``).
- ``sentiment``: P(positive) per text (``SentimentModel.score``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _spark_frame(spark, data):
    """``data`` as a Spark DataFrame (a pandas frame is sent; a Spark one is used as it is)."""
    if isinstance(data, pd.DataFrame):
        return spark.createDataFrame(data)
    return data


def _mapped(sdf, fn, payload, schema: str):
    """``fn(batch, payload)`` over every Arrow batch of ``sdf`` on the executors, ``payload``
    broadcast once per executor."""
    bc = sdf.sparkSession.sparkContext.broadcast(payload)

    def run(batches):
        value = bc.value
        for b in batches:
            if len(b):
                yield fn(b, value)

    return sdf.mapInPandas(run, schema)


# --- lifetime: P(alive), churn risk, CLV ---------------------------------------------------

LIFETIME = ("p_alive", "churn_risk", "expected_purchases", "expected_spend", "clv")


def _lifetime_batch(b: pd.DataFrame, payload) -> pd.DataFrame:
    from kequn.models.lifetime import score_buyers

    models, v, rate = payload
    return score_buyers(b, models, v, rate)


def lifetime(spark, btyd, models, v, rate: float):
    """``lifetime.score_buyers`` on the executors: a Spark DataFrame customer_id, x, t_x, T, m,
    p_alive, churn_risk, expected_purchases, expected_spend, clv (one row per buyer of
    ``btyd``, pandas or Spark); ``v`` the value settings (``ValueSettings``)."""
    schema = "customer_id string, x long, t_x double, T double, m double, " + ", ".join(
        f"{c} double" for c in LIFETIME
    )
    sdf = _spark_frame(spark, btyd).select("customer_id", "x", "t_x", "T", "m")
    return _mapped(sdf, _lifetime_batch, (models, v, rate), schema)


# --- segments ------------------------------------------------------------------------------


def _raw_batch(b: pd.DataFrame, payload) -> pd.DataFrame:
    """Cluster (as the model numbers them), strength and clustering matrix row of each
    customer of a batch."""
    from kequn.models.clustering import _kmeans_strength
    from kequn.models.segment_prep import transform

    fitted, model, method = payload
    X = transform(fitted, b)
    if method == "kmeans":
        raw, strength = model.predict(X), _kmeans_strength(model, X)
    else:  # gmm
        p = model.predict_proba(X)
        raw, strength = p.argmax(1), p.max(1)
    out = pd.DataFrame(
        {
            "customer_id": b["customer_id"].to_numpy(),
            "raw": raw.astype("int64"),
            "strength": np.asarray(strength, dtype="float32").astype("float64"),
        }
    )
    for j in range(X.shape[1]):
        out[f"x{j}"] = X[:, j].astype("float64")
    return out


def relabel(raw_counts: dict, raw_sums: dict, min_share: float) -> tuple[dict, pd.DataFrame]:
    """{model cluster: segment} and the merged table, from each cluster's size and sum of its
    customers' clustering rows — what ``clustering._by_size`` and ``merge_small`` do with every
    customer's row, done on k rows: renumber by size (largest first, ties by number), then merge
    segments under ``min_share`` into the one with the nearest centre, smallest first, and
    renumber by size again."""
    n = sum(raw_counts.values())
    order = sorted(raw_counts, key=lambda c: (-raw_counts[c], c))
    first = {c: i + 1 for i, c in enumerate(order)}  # _by_size
    size = {first[c]: raw_counts[c] for c in raw_counts}
    total = {first[c]: np.asarray(raw_sums[c], dtype="float64") for c in raw_counts}
    into = {s: s for s in size}
    rows = []
    while len(size) > 1:
        small = [(c, s) for s, c in sorted(size.items()) if c / n < min_share]
        if not small:
            break
        c, s = min(small)
        cents = {t: total[t] / size[t] for t in size}
        target = min(
            (t for t in cents if t != s), key=lambda t: float(((cents[t] - cents[s]) ** 2).sum())
        )
        rows.append(
            {"segment": int(s), "customers": int(c), "share": c / n, "merged_into": int(target)}
        )
        size[target] += size.pop(s)
        total[target] = total[target] + total.pop(s)
        into = {k: (target if v == s else v) for k, v in into.items()}
    final = {s: i + 1 for i, s in enumerate(sorted(size, key=lambda s: (-size[s], s)))}
    mapping = {c: final[into[first[c]]] for c in raw_counts}
    merged = pd.DataFrame(rows, columns=["segment", "customers", "share", "merged_into"])
    return mapping, merged


def segments(spark, features, fitted: dict, seg, min_share: float = 0.03):
    """Segment and strength of every customer of ``features`` (pandas or Spark; the feature
    table) for the fitted segmentation ``seg`` (``clustering.fit_segments``, k-means or
    Gaussian mixture) with its preparation ``fitted`` (``Prepared.fitted``). Returns (a Spark
    DataFrame customer_id, segment, strength; the merged table)."""
    from pyspark.sql import functions as F

    if seg.method not in ("kmeans", "gmm"):
        raise NotImplementedError("Spark assigns k-means and Gaussian-mixture segments only")
    ncol = len(fitted["columns"])
    schema = "customer_id string, raw long, strength double, " + ", ".join(
        f"x{j} double" for j in range(ncol)
    )
    scored = _mapped(
        _spark_frame(spark, features), _raw_batch, (fitted, seg.model, seg.method), schema
    ).cache()
    agg = (
        scored.groupBy("raw")
        .agg(F.count("*").alias("n"), *[F.sum(f"x{j}").alias(f"s{j}") for j in range(ncol)])
        .toPandas()
    )
    counts = {int(r): int(n) for r, n in zip(agg["raw"], agg["n"])}
    sums = {int(r["raw"]): [r[f"s{j}"] for j in range(ncol)] for _, r in agg.iterrows()}
    mapping, merged = relabel(counts, sums, min_share)
    table = spark.createDataFrame(
        pd.DataFrame({"raw": list(mapping), "segment": list(mapping.values())}).astype("int64")
    )
    out = scored.join(F.broadcast(table), "raw").select(
        "customer_id", F.col("segment").cast("int"), F.col("strength").cast("float")
    )
    return out, merged


# --- purchase propensity ------------------------------------------------------------------


def _propensity_batch(b: pd.DataFrame, models) -> pd.DataFrame:
    out = pd.DataFrame({"customer_id": b["customer_id"].to_numpy()})
    for m in models:
        out[f"p_{m.index}"] = m.scores(b)
    return out


def propensity(spark, snap, models: list):
    """P(buy in the category) per customer of the snapshot ``snap`` (pandas or Spark) for each
    fitted ``CategoryModel`` (which knows its snapshot's layout): a Spark DataFrame customer_id,
    p_<index> per model."""
    sdf = _spark_frame(spark, snap)
    schema = "customer_id string" + "".join(f", p_{m.index} double" for m in models)
    return _mapped(sdf, _propensity_batch, models, schema)


# --- sentiment ----------------------------------------------------------------------------


def _sentiment_batch(b: pd.DataFrame, model) -> pd.DataFrame:
    return pd.DataFrame({"id": b["id"].to_numpy(), "score": model.score(b["text"])})


def sentiment(spark, texts, model):
    """P(positive) per text: ``texts`` with columns id and text (pandas or Spark), ``model`` a
    ``sentiment.SentimentModel``; a Spark DataFrame id, score."""
    sdf = _spark_frame(spark, texts).select("id", "text")
    id_type = dict(sdf.dtypes)["id"]
    return _mapped(sdf, _sentiment_batch, model, f"id {id_type}, score double")
