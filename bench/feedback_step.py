"""Stage 05 step for make bench: python bench/feedback_step.py RUN_DIR [N]

N (default 1,000,000) feedback texts drawn from the shipped sentiment corpus (Chinese and
English public reviews, 92% / 8% like the demo), each made unique by an order number so that
no cache or de-duplication can flatter the figure, with ratings from the corpus labels. Runs
the stage's sentiment (weak labels from the ratings: 5-fold CV + fit on a 50k sample, every
text scored) and topics (rjieba / English tokens, NMF per language). Prints texts per second
per language and the split of the time."""

import sys
import time

import numpy as np
import pandas as pd
from kequn.models import sentiment, text, topics
from kequn.models.sentiment_model import score_feedback

run = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
rng = np.random.default_rng(7)
corpus = pd.read_csv(sentiment.CORPUS)
zh, en = corpus[corpus["lang"] == "zh"], corpus[corpus["lang"] == "en"]
n_en = int(0.08 * n)
pick = pd.concat(
    [
        zh.sample(n - n_en, replace=True, random_state=1),
        en.sample(n_en, replace=True, random_state=2),
    ]
)
ids = rng.permutation(n)
texts = (
    pick["review"].to_numpy(dtype=object)
    + np.where(pick["lang"] == "zh", "（订单", " (order ")
    + ids.astype(str)
    + np.where(pick["lang"] == "zh", "）", ")")
)
fb = pd.DataFrame(
    {
        "text": texts,
        "rating": np.where(pick["label"] == 1, 5.0, 1.0),
        "kind": "review",
        "created_at": pd.Timestamp("2026-01-01"),
    }
)
t0 = time.perf_counter()
fb = text.prepare(fb)
t1 = time.perf_counter()
sent = score_feedback(fb, seed=7)
t2 = time.perf_counter()
lang_t = {}
for lg in ("zh", "en"):
    sel = fb["language"] == lg
    s = time.perf_counter()
    sentiment.default_model().score(fb.loc[sel, "clean_text"].head(50_000))
    lang_t[lg] = 50_000 / (time.perf_counter() - s)
t3 = time.perf_counter()
top = topics.per_language(fb, 8, 7)
t4 = time.perf_counter()
counts = fb["language"].value_counts()
print(
    f"  {n:,} texts (zh {counts.get('zh', 0):,}, en {counts.get('en', 0):,}): cleaning + language {t1 - t0:.0f} s, "
    f"sentiment (CV + fit on {sent.labelled:,}, score all) {t2 - t1:.0f} s (CV accuracy "
    f"{sent.figures['accuracy_calibrated']:.3f}), topics {t4 - t3:.0f} s ({top.topic.notna().mean():.0%} with a "
    f"topic); scoring alone zh {lang_t['zh']:,.0f} / en {lang_t['en']:,.0f} texts/s per process",
    file=sys.stderr,
)
