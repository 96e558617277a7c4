"""Rule-based segments, the way CRM users build them by hand, and how they compare.

Rules are an ordered mapping of segment name → expression on the feature table, written as
pandas ``DataFrame.query`` expressions over its columns (``kequn.features``), e.g.::

    高价值活跃: "monetary >= 5000 and recency_days <= 90"
    沉睡客户: "recency_days > 365"

A customer belongs to the first rule it matches; customers no rule matches are "other".
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .clustering import agreement, segment_label
from .i18n import t
from .problems import InputError, Problem


def rule_segments(features: pd.DataFrame, rules: dict, lang: str = "zh") -> pd.Series:
    """Name of the first matching rule per customer (``t('seg.other')`` when none matches)."""
    other = t("seg.other", lang)
    out = pd.Series(other, index=features.index, dtype="object")
    free = np.ones(len(features), bool)
    problems = []
    for name, expr in (rules or {}).items():
        try:
            hit = features.eval(str(expr), engine="python")
            hit = pd.Series(hit, index=features.index).fillna(False).astype(bool).to_numpy()
        except Exception as e:  # a user's expression: any failure is their input, told in words
            detail = f"{type(e).__name__}: {e}".splitlines()[0][:200]
            problems.append(Problem.of("bad_rule", "config", name=name, expr=expr, detail=detail,
                                       allowed=", ".join(c for c in features.columns if c != "customer_id")[:600]))
            continue
        take = hit & free
        out[take] = str(name)
        free &= ~hit
    if problems:
        raise InputError(problems)
    return out


def compare(rule_labels: pd.Series, segments: np.ndarray, names: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, float]:
    """Cross-table of rule segments (rows) × data-driven segments (columns, share of the
    rule segment's customers) and the adjusted Rand index of the two partitions."""
    seg_names = names.set_index("segment")["segment_name"]
    cols = pd.Series(segments).map(lambda s: segment_label(s, seg_names.get(s, s)))
    ct = pd.crosstab(rule_labels.to_numpy(), cols.to_numpy(), normalize="index").map(lambda v: f"{v:.0%}")
    counts = rule_labels.value_counts()
    ct.insert(0, t("customers", lang), counts.reindex(ct.index).astype(int))
    ct.index.name = t("seg.rule", lang)
    return ct.reset_index(), agreement(rule_labels.to_numpy(), segments)
