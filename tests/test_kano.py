"""kequn.models.kano: the worked example of stp25kano's README reproduced figure by figure, the real
Reppel fintech survey (words, swapped columns) classified, both evaluation tables, unknown
answers rejected by name, and the generator's planted categories recovered per persona."""

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT
from kequn.data.problems import InputError
from kequn.models import kano

# One answer pair per category under the standard table (functional, dysfunctional codes).
PAIR = {"M": (3, 5), "O": (1, 5), "A": (1, 3), "I": (3, 3), "R": (5, 1), "Q": (1, 1)}
# stp25kano README (W. Peter, 2024-05-11): counts per feature and the printed results.
STP25 = {  # feature: (M, O, A, I, R, Q)
    "Service app": (95, 123, 45, 33, 0, 0),
    "Excellent service": (101, 54, 54, 81, 3, 3),
    "Hotline": (15, 24, 121, 124, 6, 6),
    "Loan machine": (65, 87, 93, 51, 0, 0),
    "Ready-to-use return": (9, 18, 83, 177, 6, 3),
}
PRINTED = {  # max category, M>O>A>I, total strength %, category strength %, CS+, CS-, chi2, Fong diff, limit, sig
    "Service app": ("O", "O", 89, 9, 0.568, -0.736, 72.49, 28, 19.4, True),
    "Excellent service": ("M", "M", 71, 7, 0.372, -0.534, 21.64, 20, 18.5, True),
    "Hotline": ("I", "A", 54, 1, 0.511, -0.137, 150.06, 3, 19.8, False),
    "Loan machine": ("A", "O", 83, 2, 0.608, -0.514, 15.41, 6, 18.5, False),
    "Ready-to-use return": ("I", "I", 37, 32, 0.352, -0.094, 251.30, 94, 19.9, True),
}


def answers_from_counts(counts: dict) -> pd.DataFrame:
    rows = []
    for feature, ns in counts.items():
        for cat, n in zip(kano.CATEGORIES, ns):
            f, d = PAIR[cat]
            rows += [(f"{feature}-{cat}-{i}", feature, f, d) for i in range(n)]
    return pd.DataFrame(rows, columns=["respondent_id", "feature", "functional", "dysfunctional"])


def test_stp25kano_worked_example_is_reproduced():
    a = kano.parse(answers_from_counts(STP25))
    ev = kano.evaluate(kano.tally(a)).set_index("feature")
    for f, (mode, mom, ts, cs, better, worse, chi2, fd, fl, sig) in PRINTED.items():
        r = ev.loc[f]
        assert r["total"] == 296
        assert tuple(r[list(kano.CATEGORIES)]) == STP25[f]
        assert (r["cat_mode"], r["cat_mom"]) == (mode, mom), f
        assert (
            round(100 * r["total_strength"]) == ts and round(100 * r["category_strength"]) == cs
        ), f
        assert (round(r["better"], 3), round(r["worse"], 3)) == (better, worse), f
        assert round(r["chi2"], 2) == chi2, f
        assert (r["fong_diff"], round(r["fong_limit"], 1), bool(r["fong_significant"])) == (
            fd,
            fl,
            sig,
        ), f


def test_evaluation_tables_and_the_aom_rule():
    pairs = pd.DataFrame(
        {
            "respondent_id": "r",
            "feature": "x",
            "functional": [2, 4, 3, 1, 5],
            "dysfunctional": [2, 4, 3, 5, 1],
        }
    )
    std = kano.parse(pairs)["category"].tolist()
    mod = kano.parse(pairs, table="modified")["category"].tolist()
    assert std == ["I", "I", "I", "O", "R"] and mod == ["Q", "Q", "I", "O", "R"]
    # O+A+M = 5 > I+R+Q = 4: the largest of M, O, A although I is the mode
    c = pd.DataFrame(
        {"feature": ["x"], "M": [2], "O": [2], "A": [1], "I": [4], "R": [0], "Q": [0], "total": [9]}
    )
    r = kano.evaluate(c).iloc[0]
    assert (r["cat_mode"], r["cat_aom"]) == ("I", "M") and bool(r["weak"])


def test_words_in_both_languages_and_codes_are_read():
    words = pd.Series(
        [
            "I like it that way",
            "I must be that way",
            "I am neutral",
            "I can tolerate it",
            "I dislike it",
            "喜欢",
            "理应如此",
            "无所谓",
            "能忍受",
            "不喜欢",
            "1",
            5,
            " Like ",
            None,
        ]
    )
    codes, unknown = kano.answer_codes(words)
    assert codes.tolist() == [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 5, 1, 0] and unknown.empty


def test_answers_read_once_per_distinct_value_land_on_their_own_rows():
    """answer_codes reads each distinct answer once and gathers: every row must get the code
    of its own answer (checked one value at a time), unknown words keep their own index."""
    rng = np.random.default_rng(3)
    pool = np.array(
        ["喜欢", " Like ", "I expect it", "5", "maybe", None, "不喜欢", "2.0", "??x"], object
    )
    values = pd.Series(pool[rng.integers(0, len(pool), 500)], index=rng.permutation(500) + 10)
    codes, unknown = kano.answer_codes(values)
    one_by_one = [kano.answer_codes(values.iloc[[i]])[0][0] for i in range(len(values))]
    assert codes.tolist() == one_by_one and set(codes) == {0, 1, 2, 5}
    assert unknown.index.tolist() == values.index[values.isin(["maybe", "??x"])].tolist()


def test_unknown_answers_are_rejected_by_name_and_row():
    a = pd.DataFrame(
        {
            "respondent_id": ["1", "2", "3"],
            "feature": "x",
            "functional": ["喜欢", "超级喜欢", "喜欢"],
            "dysfunctional": ["不喜欢", "不喜欢", "maybe"],
        }
    )
    with pytest.raises(InputError) as e:
        kano.parse(a, file="kano.csv")
    text = str(e.value)
    assert "kano.csv, column 'functional', row 3" in text and "'超级喜欢'" in text
    assert (
        "column 'dysfunctional', row 4" in text
        and "'maybe'" in text
        and "I expect it / 理应如此" in text
    )


def test_reppel_fintech_survey_is_classified_without_error():
    src = (
        ROOT / "tests" / "data" / "kano_reppel"
    )  # copied from shared/data/public, see its SOURCE.md
    frames = [
        kano.from_wide(pd.read_csv(p), id_col="ID")
        for p in sorted(src.glob("storage--cohort*-clean.csv"))
    ]
    long = pd.concat(frames, ignore_index=True)
    assert long["feature"].nunique() == 5 and len(long) == 5 * (91 + 97 + 89 + 86)
    parsed = kano.parse_answers(long, table="modified")
    a = parsed.answers
    # F4 lists dysfunctional before functional: read by name, its "like" answers are functional ones
    f4 = long[long["feature"] == "F4"]
    raw = pd.read_csv(sorted(src.glob("storage--cohort1-clean.csv"))[0])
    assert f4["functional"].iloc[0] == raw["F4_functional"].iloc[0]
    ev = kano.evaluate(kano.tally(a)).set_index("feature")
    assert (ev["total"] + parsed.missing / 5 >= 300).all()
    assert ev["cat_aom"].isin(list(kano.CATEGORIES)).all() and ev["better"].between(0, 1).all()
    imp = kano.continuous(a).set_index("feature")["importance"]
    assert imp.between(1, 9).all()


def test_planted_categories_are_recovered_per_persona(demo):
    from kequn.demo import personas

    truth_c = demo.truth_customers.set_index("customer_id")["persona"]
    a = kano.parse(demo.kano.assign(persona=demo.kano["customer_id"].map(truth_c)))
    ev = kano.evaluate(kano.tally(a, by=("persona", "feature")))
    planted = demo.truth_kano.rename(columns={"category": "planted"})
    m = ev.merge(planted, on=["persona", "feature"])
    assert len(m) == len(personas.PERSONAS) * len(personas.KANO_FEATURES)
    solid = m[m["total"] >= 20]
    assert len(solid) >= 0.8 * len(m)
    assert (solid["cat_mode"] == solid["planted"]).mean() >= 0.95


def test_weak_surveys_are_flagged_not_crashed():
    one = kano.parse(
        pd.DataFrame(
            {
                "respondent_id": ["r"],
                "feature": ["x"],
                "functional": ["喜欢"],
                "dysfunctional": ["不喜欢"],
            }
        )
    )
    ev = kano.evaluate(kano.tally(one)).iloc[0]
    assert ev["cat_mode"] == "O" and bool(ev["weak"]) and ev["better"] == 1.0
    same = kano.parse(
        pd.DataFrame(
            {
                "respondent_id": [str(i) for i in range(50)],
                "feature": "x",
                "functional": "I like it",
                "dysfunctional": "I am neutral",
            }
        )
    )
    ev = kano.evaluate(kano.tally(same)).iloc[0]
    assert ev["cat_mode"] == "A" and bool(ev["weak"])  # everyone alike: 50 answers, still flagged
    gaps = kano.parse_answers(
        pd.DataFrame(
            {
                "respondent_id": ["1", "2", "3"],
                "feature": "x",
                "functional": ["喜欢", None, ""],
                "dysfunctional": ["不喜欢", "不喜欢", "无所谓"],
            }
        )
    )
    assert len(gaps.answers) == 1 and gaps.missing == 2


# --- by groups of respondents, key needs on the survey's scale (moved from stage 04) --------


def _answers(rows):
    """Parsed answers from (feature, segment, tier, category, count) rows."""
    return pd.DataFrame(
        [(f, s, tr, c) for f, s, tr, c, k in rows for _ in range(k)],
        columns=["feature", "segment", "tier", "category"],
    )


def test_categories_by_group_and_where_groups_disagree():
    """Segment 1 finds delivery a must-be, segment 2 attractive (they disagree); both find
    points one-dimensional; segment 3 answered too rarely to count (weak, left out)."""
    a = _answers(
        [
            ("delivery", 1, "key", "M", 35),
            ("delivery", 1, "key", "I", 5),
            ("delivery", 2, "important", "A", 35),
            ("delivery", 2, "important", "I", 5),
            ("delivery", 3, "important", "A", 5),
            ("points", 1, "key", "O", 35),
            ("points", 1, "key", "I", 5),
            ("points", 2, "important", "O", 35),
            ("points", 2, "important", "I", 5),
            ("points", 3, "important", "I", 5),
        ]
    )
    k = kano.by_group(a, "segment", "mom", 0.05, 30)
    assert k.categories.fillna("-").to_dict("index") == {
        "delivery": {1: "M", 2: "A", 3: "-"},
        "points": {1: "O", 2: "O", 3: "-"},
    }
    assert k.disagreements.to_dict("index") == {"delivery": {1: "M", 2: "A"}}
    assert set(k.evaluation["segment"]) == {1, 2, 3} and k.evaluation["total"].sum() == len(a)
    tiers = kano.by_group(a, "tier", "mom", 0.05, 30)
    assert list(tiers.categories.columns) == ["key", "important"]  # tiers from key down, not a–z
    assert tiers.categories.loc["delivery"].tolist() == ["M", "A"]  # important: 40 A of 45
    groups = kano.by_groups(a, "mom", 0.05, 30)
    assert kano.disagreeing_features(groups) == {"segment": ["delivery"], "tier": ["delivery"]}
    assert kano.group_evaluation(groups, "tier") is groups["tier"].evaluation


def test_no_group_when_no_respondent_has_one():
    a = _answers([("delivery", 1, "key", "M", 35), ("delivery", 1, "key", "O", 5)])
    a["segment"] = np.nan
    assert kano.by_group(a, "segment") is None
    assert kano.by_group(a.drop(columns="tier"), "tier") is None
    groups = kano.by_groups(a)
    assert groups["segment"] is None and kano.disagreeing_features(groups) == {"tier": []}
    assert kano.by_groups(None) == {}


def test_key_needs_weigh_importance_on_the_surveys_own_scale():
    """Impact = (Better + |Worse|) × importance ÷ the scale's top: 1–10 as intake read it."""
    ev = pd.DataFrame(
        {
            "feature": ["a", "b"],
            "cat_mom": ["O", "O"],
            "better": [0.6, 0.4],
            "worse": [-0.2, -0.5],
            **{f"share_{c}": [0.5, 0.5] for c in kano.CATEGORIES},
        }
    )
    cont = pd.DataFrame({"feature": ["a", "b"], "importance": [2.0, 9.0]})
    quality = {"scales": {"kano.importance": [1, 10]}}
    k = kano.key_needs_on_scale(ev, cont, "cat_mom", quality).set_index("feature")
    assert k.loc["a", "impact"] == pytest.approx(0.8 * 2 / 10)
    assert k.loc["b", "impact"] == pytest.approx(0.9 * 9 / 10)
    assert k["priority"].to_dict() == {"b": 1, "a": 2}
    five = kano.key_needs_on_scale(ev, cont, "cat_mom", {}).set_index("feature")  # default 1–5
    assert five.loc["a", "impact"] == pytest.approx(0.8 * 2 / 5)
    assert kano.importance_scale({"scales": {"kano.importance": [0, 7]}}) == [0, 7]
