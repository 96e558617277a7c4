"""Rule-based segments, the way CRM users build them by hand, and how they compare.

Rules are an ordered mapping of segment name → expression on the feature table, written
over its columns (``kequn.data.features``) and read by the whitelist evaluator ``kequn.models.rule_expr``
(never run as code), e.g.::

    近90天高消费: "monetary >= 5000 and recency_days < 91"
    一年未购: "recency_days > 365"

A rule segment may not be named with a lifecycle word of the glossary (新客户, 活跃, 沉睡, 流失,
潜在客户 and their English words): those name ``lifecycle.stages``' stages, not a rule.

A customer belongs to the first rule it matches; customers no rule matches are "other".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kequn.data.problems import InputError, Problem
from kequn.lang.i18n import t
from kequn.models import rule_expr


def rule_segments(features: pd.DataFrame, rules: dict, lang: str = "zh") -> pd.Series:
    """Name of the first matching rule per customer (``t('seg.other')`` when none matches)."""
    other = t("seg.other", lang)
    out = pd.Series(other, index=features.index, dtype="object")
    free = np.ones(len(features), bool)
    problems = []
    for name, expr in (rules or {}).items():
        try:
            hit = rule_expr.evaluate(expr, features)
        except rule_expr.RuleError as e:
            columns = [c for c in features.columns if c != "customer_id"]
            problems.append(rule_problem(name, expr, e, columns))
            continue
        except Exception as e:  # e.g. text compared with a number: their input, told in words
            detail = f"{type(e).__name__}: {e}".splitlines()[0][:200]
            problems.append(
                Problem.of(
                    "bad_rule",
                    "config",
                    name=name,
                    expr=expr,
                    detail=detail,
                    allowed=", ".join(c for c in features.columns if c != "customer_id")[:600],
                )
            )
            continue
        take = hit & free
        out[take] = str(name)
        free &= ~hit
    if problems:
        raise InputError(problems)
    return out


def rule_problem(name, expr, err: "rule_expr.RuleError", columns) -> Problem:
    """The problem for rule ``name`` refused by ``rule_expr``: where, what, and the columns
    a rule may use."""
    return Problem.of(
        f"rule_{err.kind}",
        "config",
        name=name,
        expr=" ".join(str(expr).splitlines()),
        pos=err.pos,
        what=err.what,
        allowed=", ".join(map(str, columns))[:600],
    )


def check_rules(rules: dict) -> list[Problem]:
    """Problems of the configured rules before any stage runs: syntax and column names
    against the feature table's fixed columns (data-dependent families such as ``psy_*``
    and ``cat_*`` by their prefix)."""
    from kequn.data.features import STATIC_COLUMNS, VARIABLE_PREFIXES

    problems = []
    if not isinstance(rules, dict):
        return problems
    allowed = [c for c in STATIC_COLUMNS if c != "customer_id"]
    allowed += [f"{p}*" for p in VARIABLE_PREFIXES]
    for name, expr in rules.items():
        try:
            rule_expr.check(expr, set(STATIC_COLUMNS), VARIABLE_PREFIXES)
        except rule_expr.RuleError as e:
            problems.append(rule_problem(name, expr, e, allowed))
        if (p := lifecycle_name_problem(name, expr)) is not None:
            problems.append(p)
    return problems


def lifecycle_name_problem(name, expr) -> Problem | None:
    """The problem of a rule segment named with a glossary lifecycle word (沉睡客户 holds 沉睡,
    "New" is the stage New), which would give one word two meanings; None when the name is free."""
    from kequn.lang import glossary

    hit = glossary.lifecycle_word_in(name)
    if hit is None:
        return None
    word, key = hit
    return Problem.of(
        "rule_lifecycle_word",
        "config",
        name=name,
        expr=" ".join(str(expr).splitlines()),
        word=word,
        term_zh=glossary.term(key, "zh"),
        term_en=glossary.term(key, "en"),
        definition_zh=glossary.definition(key, "zh"),
        definition_en=glossary.definition(key, "en"),
    )


def compare(
    rule_labels: pd.Series, segments: np.ndarray, names: pd.DataFrame, lang: str
) -> tuple[pd.DataFrame, float]:
    """Cross-table of rule segments (rows) × data-driven segments (columns, share of the
    rule segment's customers) and the adjusted Rand index of the two partitions."""
    from kequn.models.clustering import agreement, segment_label  # scikit-learn: not at import

    seg_names = names.set_index("segment")["segment_name"]
    cols = pd.Series(segments).map(lambda s: segment_label(s, seg_names.get(s, s)))
    ct = pd.crosstab(rule_labels.to_numpy(), cols.to_numpy(), normalize="index").map(
        lambda v: f"{v:.0%}"
    )
    counts = rule_labels.value_counts()
    ct.insert(0, t("customers", lang), counts.reindex(ct.index).astype(int))
    ct.index.name = t("seg.rule", lang)
    return ct.reset_index(), agreement(rule_labels.to_numpy(), segments)
