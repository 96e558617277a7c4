"""The glossary (issue 16): one definition per term, computed by one function, and no rule
segment or headline that gives a glossary word a second meaning."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest
from conftest import ROOT
from kequn.lang import glossary
from kequn.lang.i18n import t
from kequn.models.segment_rules import check_rules
from kequn.run.config import DEFAULTS, load_config

LIB = ROOT / "lib" / "kequn"
REQUIRED = (
    "ordered_90d",
    "potential",
    "new",
    "active",
    "sleeping",
    "churned",
    "churn_risk",
    "clv",
    "reach",
    "growth",
    "needs_group",
    "value_tier",
    "nps",
)


def code_of(path: Path) -> str:
    """A module's code without comments and docstrings (string literals kept), one line per
    source line, tokens separated by spaces."""
    src = path.read_text(encoding="utf-8")
    docs = set()
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            b = node.body
            if (
                b
                and isinstance(b[0], ast.Expr)
                and isinstance(b[0].value, ast.Constant)
                and isinstance(b[0].value.value, str)
            ):
                docs.add((b[0].lineno, b[0].col_offset))
    lines: dict[int, list[str]] = {}
    for tok in tokenize.generate_tokens(io.StringIO(src).readline):
        if tok.type == tokenize.COMMENT or (tok.type == tokenize.STRING and tok.start in docs):
            continue
        lines.setdefault(tok.start[0], []).append(tok.string)
    return "\n".join(" ".join(v) for _, v in sorted(lines.items()))


def test_every_term_has_one_definition_in_both_languages():
    g = glossary.load()
    assert set(REQUIRED) <= set(g)
    words = {}
    for k in g:
        for lang in ("zh", "en"):
            w = glossary.term(k, lang)
            assert w and words.setdefault((lang, w), k) == k, f"{w} names two terms"
            d = glossary.definition(k, lang)
            assert d and "{" not in d, (k, lang, d)
    assert "180" in glossary.definition("churn_risk", "en", risk_days=180)
    assert "revenue" in glossary.definition("clv", "en", measure_en="revenue")
    assert "购买客户" in glossary.definition("needs_group", "zh")  # shares of buyers


@pytest.mark.parametrize("key", REQUIRED)
def test_the_function_a_term_names_exists(key):
    assert callable(glossary.function(key))


@pytest.mark.parametrize("key", sorted(glossary.load()))
def test_no_other_module_computes_the_term(key):
    """Each signature of a term's computation (glossary.yaml ``signatures``) occurs only in the
    module of the function it names (or the listed ``modules``): e.g. no second
    ``recency_days <= 90`` count, no second needs-group assignment. The catalogue (i18n.py)
    holds text only."""
    e = glossary.load()[key]
    allowed = {e["function"].rsplit(".", 1)[0], *e.get("modules", [])}
    for sig in e["signatures"]:
        where = {
            ".".join(("kequn", *p.relative_to(LIB).with_suffix("").parts))
            for p in LIB.rglob("*.py")
            if p.name != "i18n.py" and re.search(sig, code_of(p))
        }
        assert where, f"{key}: signature {sig!r} found nowhere (stale glossary)"
        assert where <= allowed, f"{key} computed outside {allowed}: {sorted(where - allowed)}"


def test_the_grep_check_sees_a_second_computation(tmp_path):
    """The check above would catch a second active count written in another module."""
    p = tmp_path / "other.py"
    p.write_text('def n(f):\n    return int((f["recency_days"] <= 90).sum())  # again\n')
    assert re.search(glossary.load()["ordered_90d"]["signatures"][0], code_of(p))


def test_rules_may_not_use_a_lifecycle_word():
    for name in ("沉睡客户", "新客户", "高价值活跃", "Dormant", "New", "High value, active"):
        problems = check_rules({name: "recency_days > 365"})
        assert [p.key for p in problems] == ["rule_lifecycle_word"], name
        zh, _ = problems[0].texts("zh")
        en, _ = problems[0].texts("en")
        key = glossary.lifecycle_word_in(name)[1]
        assert glossary.definition(key, "zh") in zh and glossary.definition(key, "en") in en
        assert problems[0].args["word"] in zh and problems[0].args["word"] in en
    assert check_rules({"一年未购": "recency_days > 365", "尝新人群": "orders > 1"}) == []


def test_default_rules_do_not_collide_with_the_glossary():
    words = glossary.lifecycle_words()
    for name in ("default.yaml", "en.yaml"):
        rules = load_config(ROOT / "config" / name)["clustering"]["rules"]
        assert rules and check_rules(rules) == [], name
        assert not any(glossary.lifecycle_word_in(n) for n in rules), (name, list(rules))
    assert check_rules(DEFAULTS["clustering"]["rules"]) == []
    assert "沉睡" in words and "active" in words


def test_the_headline_does_not_call_recent_buyers_active():
    """ "Active" is the lifecycle stage; the headline's 90-day count has its own word."""
    for lang in ("zh", "en"):
        label = t("h.active_90d", lang)
        assert label == glossary.term("ordered_90d", lang)
        assert glossary.lifecycle_word_in(label) is None, label


def test_headline_figures_state_their_basis(tmp_path):
    (tmp_path / "params.yaml").write_text(
        "value: {horizon_months: 6}\nfeedback: {resolution_sla_hours: 48}\n"
    )
    (tmp_path / "value.json").write_text('{"margin_source": "revenue"}')
    b = glossary.headline_basis(tmp_path, "en")
    assert "6 months" in b["clv_mean"] and "revenue" in b["clv_mean"] and "buyers" in b["clv_mean"]
    assert "48 hours" in b["sla_share"] and "all complaints" in b["sla_share"]
    assert "90 days" in b["active_90d"] and "all customers" in b["top20_share"]
    assert glossary.run_basis(tmp_path)["months"] == 6


def test_glossary_html_lists_every_term():
    page = glossary.html("zh", risk_days=30)
    assert page.count("<dt id='term-") == len(glossary.terms()) and "30 天" in page
    assert page.count("<dt id='method-") == len(glossary.methods())


def test_methods_have_one_chinese_name_used_by_the_zh_pages_and_an_english_term():
    """Issue 17: a zh page names a method in Chinese (Better → 满意系数, AUC → 区分度,
    P(alive) → 存续概率 …), the en page by its English term, and the glossary pairs them: each
    Chinese name occurs in the zh catalogue and each English term in the en catalogue, and the
    zh glossary shows the English term marked as English."""
    from kequn.lang.i18n import CATALOGUE

    zh = "\n".join(z for z, _ in CATALOGUE.values())
    en = "\n".join(e for _, e in CATALOGUE.values())
    names = {}
    for k, m in glossary.methods().items():
        assert m["zh"] in zh, (k, m["zh"])
        assert m["en"].split(" ")[0] in en, (k, m["en"])
        assert m["definition"]["zh"] and m["definition"]["en"], k
        assert names.setdefault(m["zh"], k) == k, f"{m['zh']} names two methods"
        assert not re.search(r"[A-Za-z]{2,}", m["zh"]), (k, m["zh"])  # a Chinese name
    page = glossary.html("zh")
    for m in glossary.methods().values():
        assert f"{m['zh']} <span lang='en'>{m['en']}</span>" in page.replace("&amp;", "&"), m
