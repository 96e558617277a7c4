"""Kano analysis: answers to categories, categories per feature, coefficients and tests.

Each respondent answers two questions per feature: functional ("if the product has it") and
dysfunctional ("if it does not"), each with one of five answers — like, must-be (expect it),
neutral, live-with, dislike — given as codes 1–5 or as words in English or Chinese. The pair
is looked up in an evaluation table: the standard one (Berger et al. 1993) or Pouliot's
modified one (ibid., p. 33), where must-be/must-be and live-with/live-with are questionable
(Q) too. Categories: A attractive (意外需求), O one-dimensional (期望需求), M must-be (基本需求),
I indifferent, R reverse, Q questionable.

Per feature (``evaluate``): counts and shares, the category by three rules — the mode; the
mode with Matzler's M > O > A > I priority among categories within ``margin`` of the top;
the "O+A+M vs I+R+Q" rule — total strength, category strength (Lee & Newcomb 1997), Better
= (A+O)/(A+O+M+I), Worse = −(O+M)/(A+O+M+I) (Berger et al.), a χ² test of M/O/A/I against
equal shares and Fong's (1996) test of the two largest categories. ``continuous`` gives
DuMouchel's functional/dysfunctional scores; self-stated importance is averaged when given.
No maintained Python library implements these tables and rules, hence this module.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kequn.data.kano_answers import (  # noqa: F401  (ANSWERS, SHOWN: part of kano's API)
    ANSWERS,
    SHOWN,
    answer_codes,
)
from kequn.data.problems import InputError, Problem

CATEGORIES = ("M", "O", "A", "I", "R", "Q")
TABLES = {  # rows: functional answer 1..5, columns: dysfunctional answer 1..5
    "standard": ("QAAAO", "RIIIM", "RIIIM", "RIIIM", "RRRRQ"),
    "modified": ("QAAAO", "RQIIM", "RIIIM", "RIIQM", "RRRRQ"),
}
# DuMouchel's asymmetric scale (Berger et al. 1993): functional and dysfunctional points per answer.
FUNCTIONAL_POINTS = np.array([4.0, 2.0, 0.0, -1.0, -2.0])
DYSFUNCTIONAL_POINTS = np.array([-2.0, -1.0, 0.0, 2.0, 4.0])


@dataclass(frozen=True)
class ParsedAnswers:
    """A Kano survey read by ``parse_answers``: the answers with their category, and how many
    rows were dropped for a missing answer (the page says so)."""

    answers: pd.DataFrame
    missing: int


def parse(kano: pd.DataFrame, file: str = "kano", table: str = "standard") -> pd.DataFrame:
    """``kano`` (respondent_id, feature, functional, dysfunctional[, importance, customer_id])
    with f, d (codes 1–5) and category; rows with a missing answer are dropped
    (``parse_answers`` counts them). Unknown answer words are an ``InputError`` naming them and
    their rows (row numbers as in the file: header = row 1)."""
    return parse_answers(kano, file, table).answers


def parse_answers(kano: pd.DataFrame, file: str = "kano", table: str = "standard") -> ParsedAnswers:
    """``parse``, with the number of rows dropped for a missing answer."""
    if table not in TABLES:
        raise InputError(
            [
                Problem.of(
                    "bad_setting",
                    "config",
                    name="needs.kano_table",
                    value=table,
                    rule=" / ".join(TABLES),
                )
            ]
        )
    problems = []
    out = kano.copy()
    out["feature"] = out["feature"].astype(
        str
    )  # a categorical from intake would leak into every mapped column
    for col, short in (("functional", "f"), ("dysfunctional", "d")):
        codes, unknown = answer_codes(out[col])
        out[short] = codes
        if len(unknown):
            vals = unknown.astype(str).value_counts().index.tolist()
            rows = (
                (unknown.index.to_numpy()[:5] + 2).tolist()
                if isinstance(kano.index, pd.RangeIndex)
                else []
            )
            problems.append(
                Problem.of(
                    "kano_unknown_answer",
                    file,
                    column=col,
                    rows=rows,
                    values=vals[:5],
                    count=len(unknown),
                    known="; ".join(f"{c} = {en} / {zh}" for c, (en, zh) in SHOWN.items()),
                )
            )
    if problems:
        raise InputError(problems)
    answered = (out["f"] > 0) & (out["d"] > 0)
    missing = int((~answered).sum())
    out = out[answered].copy()
    grid = np.array([list(r) for r in TABLES[table]])
    out["category"] = grid[out["f"].to_numpy() - 1, out["d"].to_numpy() - 1]
    if "importance" in out:
        out["importance"] = importance_values(out["importance"])
    return ParsedAnswers(out, missing)


def importance_values(values: pd.Series) -> pd.Series:
    """Self-stated importance as numbers: "9 - Extremely important" → 9, "4" → 4, else missing."""
    from kequn.data.coerce import parse_importance  # one reading of importance, intake's

    return parse_importance(values)[0].astype("float64")


def from_wide(df: pd.DataFrame, id_col: str | None = None) -> pd.DataFrame:
    """One row per respondent and feature from a wide survey export whose columns are
    <feature>functional, <feature>dysfunctional and optionally <feature>importance (any
    order, any separator: "F1_functional", "F4_dysfunctional" …); ``kequn.data.kano_wide`` does
    the reshaping (intake uses it too)."""
    from kequn.data.kano_wide import pairs, to_long

    if not pairs(df.columns):
        raise InputError(
            [Problem.of("kano_no_pairs", "kano", columns=", ".join(map(str, df.columns[:8])))]
        )
    keep = [id_col] if id_col else []
    used = {h for k in pairs(df.columns).values() for h in k.values()}
    long, _ = to_long(df[keep + [c for c in df.columns if c in used]], np.arange(1, len(df) + 1))
    rid = long.pop(id_col) if id_col else long.pop("respondent_id")
    long.insert(0, "respondent_id", rid.to_numpy())
    return long


def tally(answers: pd.DataFrame, by=("feature",)) -> pd.DataFrame:
    """Counts of each category per ``by`` group: columns ``by`` + M, O, A, I, R, Q, total."""
    by = list(by)
    c = answers.groupby(by + ["category"], observed=True).size().unstack("category", fill_value=0)
    c = c.reindex(columns=list(CATEGORIES), fill_value=0)
    c["total"] = c.sum(axis=1)
    return c.reset_index()


def _pick(shares: pd.DataFrame, order) -> pd.Series:
    """The first of ``order`` with the largest share per row (ties by the order)."""
    return shares[list(order)].idxmax(axis=1)


RULES_BY_NAME = {"mode": "cat_mode", "mom": "cat_mom", "aom": "cat_aom"}


def evaluate(
    answers: pd.DataFrame,
    table: str = "standard",
    rule: str = "mom",
    by=None,
    margin: float = 0.05,
    min_n: int = 30,
) -> pd.DataFrame:
    """The Kano evaluation of survey answers: one row per feature (per ``by`` group and feature).

    Parameters
    ----------
    answers : pandas.DataFrame
        One row per respondent and feature: ``respondent_id``, ``feature``, ``functional``,
        ``dysfunctional`` (codes 1–5 or words such as "like" / "我喜欢"; see ``SHOWN``), and
        optionally ``importance`` and grouping columns. Answers already parsed (with a
        ``category`` column) and counts from ``tally`` are accepted too.
    table : {"standard", "modified"}
        Evaluation table: Berger et al. (1993), or Pouliot's (expect/expect and
        live-with/live-with are Q).
    rule : {"mom", "mode", "aom"}
        Category per feature: the most frequent; "mom": the most frequent, but M > O > A > I
        among categories within ``margin`` of the top; "aom": O + A + M against I + R + Q.
    by : str or list of str, optional
        Columns to evaluate separately (e.g. "segment").
    margin : float
        Shares this close to the top count as tied (rule "mom").
    min_n : int
        Fewer answers than this: ``weak`` is True.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``feature``, ``category`` (by ``rule``), counts of M, O, A, I, R, Q and
        ``total``, shares, the category by every rule (``cat_mode``, ``cat_mom``, ``cat_aom``),
        ``better`` and ``worse`` (Berger's satisfaction coefficients), ``total_strength``,
        ``category_strength``, ``chi2``, ``chi2_p``, Fong's test and ``weak``.

    Examples
    --------
    >>> import pandas as pd
    >>> from kequn import kano
    >>> answers = pd.DataFrame({
    ...     "respondent_id": [1, 2, 3, 1, 2, 3],
    ...     "feature": ["fast delivery"] * 3 + ["gift wrap"] * 3,
    ...     "functional": ["like", "like", "must_be", "like", "neutral", "like"],
    ...     "dysfunctional": ["dislike", "dislike", "dislike", "neutral", "neutral", "neutral"]})
    >>> kano.evaluate(answers, min_n=1)[["feature", "category", "better", "worse"]].round(2)
             feature category  better  worse
    0  fast delivery        O    0.67   -1.0
    1      gift wrap        A    0.67    0.0

    The generated demo's survey:

    >>> from kequn.demo.synth import generate
    >>> demo = generate(500, seed=1)
    >>> ev = kano.evaluate(demo.kano, rule="mom")
    >>> ev[["feature", "category", "total"]].head(3)
      feature category  total
    0  专属客服顾问        I    200
    1   个性化推荐        I    200
    2    以旧换新        I    200
    """
    if isinstance(table, (int, float)):  # the former evaluate(counts, margin, min_n)
        margin = table
        min_n = rule if isinstance(rule, (int, float)) else min_n
        table, rule = "standard", "mom"
    if rule not in RULES_BY_NAME:
        raise InputError(
            [
                Problem.of(
                    "bad_setting",
                    "config",
                    name="needs.kano_rule",
                    value=rule,
                    rule=" / ".join(RULES_BY_NAME),
                )
            ]
        )
    by = [] if by is None else [by] if isinstance(by, str) else list(by)
    if "total" in answers and "category" not in answers:
        counts = answers
    else:
        parsed = answers if "category" in answers else parse(answers, table=table)
        if by:
            parsed = parsed.dropna(subset=by)
        counts = tally(parsed, by=(*by, "feature"))
    out = evaluate_counts(counts, margin, min_n)
    out.columns.name = None
    out.insert(len(by) + 1 if "feature" in out else 0, "category", out[RULES_BY_NAME[rule]])
    return out


def evaluate_counts(counts: pd.DataFrame, margin: float = 0.05, min_n: int = 30) -> pd.DataFrame:
    """Per row of ``tally``: shares, category by each rule (cat_mode, cat_mom, cat_aom),
    total_strength, category_strength, better, worse, chi2, chi2_p, fong_diff, fong_limit,
    fong_significant, and weak (fewer than ``min_n`` answers, or all in one category)."""
    out = counts.copy()
    n = out["total"].astype("float64")
    shares = out[list(CATEGORIES)].div(n.where(n > 0), axis=0)
    for c in CATEGORIES:
        out[f"share_{c}"] = shares[c]
    out["cat_mode"] = _pick(shares, CATEGORIES)
    top = shares.max(axis=1)
    # Matzler et al. (1996): among M, O, A, I within `margin` of the top share, M > O > A > I
    near = shares[["M", "O", "A", "I"]].ge(top - margin - 1e-12, axis=0)
    mom = near.idxmax(axis=1).where(near.any(axis=1), out["cat_mode"])
    out["cat_mom"] = np.where(out["cat_mode"].isin(["R", "Q"]), out["cat_mode"], mom)
    oam = out[["O", "A", "M"]].sum(axis=1)
    irq = out[["I", "R", "Q"]].sum(axis=1)
    out["cat_aom"] = np.where(oam > irq, _pick(out, ("M", "O", "A")), _pick(out, ("I", "R", "Q")))
    ordered = np.sort(shares.to_numpy(), axis=1)
    out["total_strength"] = shares[["M", "O", "A"]].sum(axis=1)
    out["category_strength"] = ordered[:, -1] - ordered[:, -2]
    base = out[["A", "O", "M", "I"]].sum(axis=1).astype("float64").where(lambda s: s > 0)
    out["better"] = (out["A"] + out["O"]) / base
    out["worse"] = -(out["O"] + out["M"]) / base
    moai = out[["M", "O", "A", "I"]].to_numpy(dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        from scipy.stats import (
            chisquare,  # here, not at import: intake reads answers through this module
        )

        chi = chisquare(moai, axis=1)
    out["chi2"], out["chi2_p"] = chi.statistic, chi.pvalue
    no_q = np.sort(out[["M", "O", "A", "I", "R"]].to_numpy(dtype="float64"), axis=1)
    m1, m2 = no_q[:, -1], no_q[:, -2]
    out["fong_diff"] = m1 - m2
    out["fong_limit"] = 1.65 * np.sqrt((m1 + m2) * (2 * n - m1 - m2) / (2 * n))
    out["fong_significant"] = out["fong_diff"] >= out["fong_limit"]
    out["weak"] = (n < min_n) | (ordered[:, -2] == 0)
    return out


def continuous(answers: pd.DataFrame, by=("feature",)) -> pd.DataFrame:
    """DuMouchel's scores per ``by`` group: functional and dysfunctional means (and their
    standard deviations) on the asymmetric scale; importance mean when answered."""
    a = answers.assign(
        fx=FUNCTIONAL_POINTS[answers["f"].to_numpy() - 1],
        dx=DYSFUNCTIONAL_POINTS[answers["d"].to_numpy() - 1],
    )
    agg = {
        "functional": ("fx", "mean"),
        "functional_sd": ("fx", "std"),
        "dysfunctional": ("dx", "mean"),
        "dysfunctional_sd": ("dx", "std"),
    }
    if "importance" in a and a["importance"].notna().any():
        agg["importance"] = ("importance", "mean")
    return a.groupby(list(by), observed=True).agg(**agg).reset_index()


def key_needs(
    ev: pd.DataFrame,
    cont: pd.DataFrame | None,
    rule: str = "cat_mom",
    scale_max: float | None = None,
) -> pd.DataFrame:
    """The prioritised needs (重点需求): features whose category by ``rule`` is M, O or A, in
    that order (a missing must-be loses customers, a one-dimensional need moves satisfaction
    both ways, an attractive one only delights); within a category by impact = Better + |Worse|,
    times mean importance ÷ ``scale_max`` when importance was asked. Columns feature, category,
    frequency (share of answers in that category), importance, better, worse, impact,
    priority (1 = first)."""
    d = ev[ev[rule].isin(["M", "O", "A"])].copy()
    d["category"] = d[rule]
    d["frequency"] = [row[f"share_{c}"] for c, (_, row) in zip(d["category"], d.iterrows())]
    d["impact"] = d["better"] + d["worse"].abs()
    d["importance"] = np.nan
    if cont is not None and "importance" in cont:
        imp = cont.set_index("feature")["importance"]
        d["importance"] = d["feature"].map(imp)
        top = scale_max or float(np.ceil(imp.max()))
        d["impact"] = d["impact"] * d["importance"].fillna(top / 2) / top
    d["rank_cat"] = d["category"].map({"M": 0, "O": 1, "A": 2})
    d = d.sort_values(["rank_cat", "impact"], ascending=[True, False])
    d["priority"] = np.arange(1, len(d) + 1)
    return d[
        ["feature", "category", "frequency", "importance", "better", "worse", "impact", "priority"]
    ].reset_index(drop=True)


def disagreement(
    ev_by: pd.DataFrame, group: str, rule: str = "cat_mom", min_n: int = 30
) -> pd.DataFrame:
    """Features whose category differs between groups (segments, tiers), counting only groups
    with at least ``min_n`` answers: feature × group table of categories (weak cells
    missing), features with one category across groups dropped."""
    ok = ev_by[ev_by["total"] >= min_n]
    wide = ok.pivot(index="feature", columns=group, values=rule)
    differs = wide.nunique(axis=1) > 1
    return wide[differs]


def importance_scale(quality: dict) -> list:
    """The survey's importance scale as intake read it (``quality.json``; default 1–5)."""
    return (quality.get("scales") or {}).get("kano.importance") or [1, 5]


def key_needs_on_scale(
    ev: pd.DataFrame | None, cont: pd.DataFrame | None, rule: str, quality: dict
) -> pd.DataFrame | None:
    """``key_needs`` with importance read on the survey's own scale; None without a survey."""
    if ev is None:
        return None
    return key_needs(ev, cont, rule, scale_max=importance_scale(quality)[1])


# --- Kano by groups of respondents (segments, value tiers) -----------------------------------

GROUPS = ("segment", "tier")


@dataclass(frozen=True)
class GroupKano:
    """The Kano evaluation of one way of grouping respondents (segment or value tier).

    Attributes
    ----------
    evaluation : pandas.DataFrame
        ``evaluate`` with ``by=group``: one row per group and feature.
    categories : pandas.DataFrame
        Feature × group, the category by the rule; missing where the group's answers are weak
        or absent. Groups in order (tiers from key to small, segments by number).
    disagreements : pandas.DataFrame
        Feature × group, only features whose category differs between groups with at least
        ``min_n`` answers (``disagreement``); the other groups' cells missing.
    """

    evaluation: pd.DataFrame
    categories: pd.DataFrame
    disagreements: pd.DataFrame


def _group_order(group: str, present) -> list:
    from kequn.models.value import TIERS

    return [g for g in TIERS if g in present] if group == "tier" else sorted(present)


def by_group(
    answers: pd.DataFrame, group: str, rule: str = "mom", margin: float = 0.05, min_n: int = 30
) -> GroupKano | None:
    """The Kano categories of each ``group`` (a column of the parsed answers) and the features
    where the groups disagree; None when no respondent has a group."""
    if group not in answers or answers[group].isna().all():
        return None
    col = RULES_BY_NAME[rule]
    ev = evaluate(answers, rule=rule, by=group, margin=margin, min_n=min_n)
    wide = ev.pivot(index="feature", columns=group, values=col)
    weak = ev.pivot(index="feature", columns=group, values="weak")
    order = _group_order(group, wide.columns)
    cats = wide[order].where(~weak[order].astype(bool))  # an unanswered cell counts as weak
    dis = disagreement(ev, group, col, min_n)
    return GroupKano(ev, cats, dis[[g for g in order if g in dis.columns]])


def by_groups(
    answers: pd.DataFrame | None,
    rule: str = "mom",
    margin: float = 0.05,
    min_n: int = 30,
    groups=GROUPS,
) -> dict[str, GroupKano | None]:
    """``by_group`` for each of ``groups``; {} without a survey."""
    if answers is None:
        return {}
    return {g: by_group(answers, g, rule, margin, min_n) for g in groups}


def disagreeing_features(groups: dict[str, GroupKano | None]) -> dict[str, list]:
    """Per grouping that could be evaluated, the features where its groups disagree."""
    return {g: list(k.disagreements.index) for g, k in groups.items() if k is not None}


def group_evaluation(groups: dict[str, GroupKano | None], group: str) -> pd.DataFrame | None:
    """The evaluation per ``group`` (segment or tier); None when it could not be made."""
    k = groups.get(group)
    return None if k is None else k.evaluation


def segment_kano(
    ev_seg: pd.DataFrame | None,
    ev: pd.DataFrame | None,
    rule: str,
    min_n: int = 30,
    top: int = 3,
) -> dict:
    """Per segment (key: its number as text) the Kano view a segment card shows: ``answers``
    (its median answers per feature), ``key`` (its first ``top`` key needs as [feature,
    category], must-be first, as ``key_needs`` orders them) and ``differs`` ([feature, its
    category, everyone's category] where its category is not the whole base's), counting only
    features the segment answered at least ``min_n`` times (empty lists when none); {} without
    a survey or segments. ``rule`` is the category column (``cat_mom`` …)."""
    if ev_seg is None or ev is None:
        return {}
    overall = ev.set_index("feature")[rule]
    out = {}
    for s, g in ev_seg.groupby("segment"):
        ok = g[g["total"] >= min_n]
        kn = key_needs(ok, None, rule).head(top)
        differs = [
            [f, c, overall.get(f)]
            for f, c in zip(ok["feature"], ok[rule])
            if overall.get(f) is not None and c != overall.get(f)
        ]
        out[str(int(s))] = {
            "answers": int(g["total"].median()),
            "key": kn[["feature", "category"]].values.tolist(),
            "differs": differs,
        }
    return out
