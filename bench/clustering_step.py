"""One clustering step for make bench: python bench/clustering_step.py METHOD RUN_DIR.

Reads RUN_DIR/proc/features.parquet and does what stage 02 does for METHOD: prepare the
features, fit on a 20,000-customer stratified sample (with the k scan for kmeans), assign
everyone, name the segments; ``stability`` runs Hennig's bootstrap (20 refits) instead.
"""

import sys

import pandas as pd
from kequn.models import clustering as cl
from kequn.models.segment_prep import prepare
from kequn.models.segment_profile import describe_segments
from kequn.models.segment_quality import stability

method, run = sys.argv[1], sys.argv[2]
f = pd.read_parquet(f"{run}/proc/features.parquet")
p = prepare(f)
sample = cl.stratified_sample(f, 20_000, 7, p.X)
if method == "stability":
    seg = cl.fit_segments(p.X[sample], "kmeans", 7, 7)
    stability(p.X[sample], seg.labels, "kmeans", 7, 7, B=20)
else:
    k = (
        cl.choose_k(cl.scan_k(p.X[sample], range(3, 11), 7), "prediction_strength")[0]
        if method == "kmeans"
        else 7
    )
    seg = cl.fit_segments(p.X, method, k, 7, sample=sample)
    describe_segments(f, p, seg.labels, "zh")
