"""The run's currency (kequn.lang.currency): which one a run uses (intake's quality.json, else the
parameters, else CNY), how amounts and units read in zh and en, that no label hard-codes
元 / CNY any more, and that a page of a GBP run names pounds and never yuan while a CNY run
reads exactly as before."""

import ast
import json
import re
from pathlib import Path

import pandas as pd
import pytest

LIB = Path(__file__).resolve().parents[1] / "lib" / "kequn"
NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
YUAN = re.compile(r"元|CNY|¥|￥|人民币|RMB")


def test_resolve_codes_aliases_symbols_and_unknown_codes():
    from kequn.lang.currency import resolve

    assert resolve() == resolve(None) == resolve("") == resolve("CNY")
    assert (resolve().code, resolve().symbol, resolve().unit("zh"), resolve().unit("en")) == (
        "CNY",
        "¥",
        "元",
        "CNY",
    )
    g = resolve(" gbp ")
    assert (g.code, g.symbol, g.name_zh, g.unit("zh"), g.unit("en")) == (
        "GBP",
        "£",
        "英镑",
        "英镑",
        "GBP",
    )
    assert resolve("RMB").code == resolve("人民币").code == "CNY" and resolve("£").code == "GBP"
    assert (resolve("TWD").symbol, resolve("TWD").unit("zh")) == ("NT$", "新台币")
    assert resolve("GBP", "GB£").symbol == "GB£" and resolve("GBP", "  ").symbol == "£"
    x = resolve("xyz")
    assert (x.code, x.symbol, x.unit("zh"), x.unit("en")) == ("XYZ", "XYZ", "XYZ", "XYZ")


def test_for_run_takes_intake_then_parameters_then_cny():
    from kequn.lang.currency import for_run

    params = {"currency": "USD", "currency_symbol": "US$"}
    # intake wrote the resolved currency (the column map's GBP won over the config there)
    assert for_run(params, {"currency": {"code": "GBP", "symbol": "£"}}).code == "GBP"
    assert for_run(params, {"currency": {"code": "EUR", "symbol": "EUR€"}}).symbol == "EUR€"
    assert for_run(params, {"currency": "HKD"}).code == "HKD"
    # the config's symbol applies to intake's currency when the codes agree (intake does not get it)
    assert (
        for_run(
            {"currency": "gbp", "currency_symbol": "GB£"},
            {"currency": {"code": "GBP", "symbol": "£"}},
        ).symbol
        == "GB£"
    )
    assert (
        for_run(
            {"currency": "USD", "currency_symbol": "US$"},
            {"currency": {"code": "GBP", "symbol": "£"}},
        ).symbol
        == "£"
    )
    # no currency in quality.json (an older intake): the parameters
    got = for_run(params, {"as_of": "2024-01-01"})
    assert (got.code, got.symbol) == ("USD", "US$")
    assert for_run({"currency": "TWD"}, None).symbol == "NT$"
    # neither: CNY
    assert for_run({}, {}).code == for_run(None, None).code == "CNY"
    assert for_run({"currency": None}, {"currency": None}).code == "CNY"


@pytest.mark.parametrize(
    "code, zh_small, zh_large, en",
    [
        ("CNY", "1,234 元", "3,506.1 万元", "¥1,234"),
        ("GBP", "1,234 英镑", "3,506.1 万英镑", "£1,234"),
        ("TWD", "1,234 新台币", "3,506.1 万新台币", "NT$1,234"),
        ("XYZ", "1,234 XYZ", "3,506.1 万XYZ", "XYZ 1,234"),
    ],
)
def test_money_figures_in_both_languages(code, zh_small, zh_large, en):
    from kequn.lang.currency import resolve

    c = resolve(code)
    assert c.fmt(1234.4, "zh") == zh_small and c.fmt(35_061_000, "zh") == zh_large
    assert c.fmt(1234.4, "en") == en and c.fmt(-1234.4, "en") == "-" + en
    assert c.fmt(float("nan"), "en") == c.fmt(None, "zh") == "—"


def test_labels_name_the_active_currency_and_cny_reads_as_before():
    from kequn.lang.currency import active, resolve, using
    from kequn.lang.i18n import t

    assert active().code == "CNY"
    assert t("h.revenue", "zh") == "净收入（元）" and t("h.revenue", "en") == "Net revenue (CNY)"
    assert t("v.clv_axis", "zh") == "客户终身价值（元，对数刻度；不足 1 元的计为 1 元）"
    assert t("card.clv", "en").format(clv="1,234") == "average CLV 1,234 CNY"
    with using("GBP"):
        assert (
            t("h.revenue", "zh") == "净收入（英镑）" and t("h.revenue", "en") == "Net revenue (GBP)"
        )
        assert t("card.clv", "zh").format(clv="1,234") == "平均终身价值 1,234 英镑"
        assert (
            t("seg.portrait", "en")
            .format(share="10%", n=5, facts="x", spend="9", base_spend="8")
            .endswith("Net spend per customer 9 GBP (all: 8).")
        )
    assert active().code == "CNY"  # restored after the block
    assert t("avg_monetary", "en", cur=resolve("TWD")) == "Net spend per customer (TWD)"
    assert t("avg_monetary", "zh", cur=resolve("TWD")) == "人均净消费（新台币）"


def test_no_catalogue_entry_names_yuan_or_cny():
    from kequn.lang import i18n

    hard = {k: v for k, v in i18n.CATALOGUE.items() if any(YUAN.search(x) for x in v)}
    assert not hard, f"money labels must say {{cur}}, not 元/CNY: {sorted(hard)}"
    assert sum("{cur}" in v[0] and "{cur}" in v[1] for v in i18n.CATALOGUE.values()) >= 15


def _literals(path: Path):
    """String constants of a module that are not docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and node.body
        ):
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docs.add(id(first.value))
    return [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs
    ]


# modules that may spell the yuan: the currency table itself, intake's parsing of "¥1,234 元",
# the demo export's raw values; the setting's default; the contract's description of income
# (never shown); and the notebooks' parameter cells (the setting, not a label)
ALLOWED_FILES = {"currency.py", "coerce.py", "synth.py", "synth_text.py"}
ALLOWED_STRINGS = {("config.py", "CNY"), ("schema.py", "monthly income, CNY")}


def test_no_module_or_notebook_hard_codes_yuan_in_a_label():
    found = [
        (p.name, s)
        for p in sorted(LIB.glob("*.py"))
        if p.name not in ALLOWED_FILES
        for s in _literals(p)
        if YUAN.search(s) and (p.name, s) not in ALLOWED_STRINGS
    ]
    for nb in sorted(NOTEBOOKS.glob("*.ipynb")):
        for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
            if (
                cell["cell_type"] == "code"
                and "parameters" not in cell["metadata"].get("tags", [])
                and YUAN.search("".join(cell["source"]))
            ):
                found.append((nb.name, "".join(cell["source"])[:80]))
    assert not found, found


def test_config_has_the_currency_setting(tmp_path):
    import yaml
    from kequn.data.problems import InputError
    from kequn.run.config import DEFAULTS, load_config

    assert DEFAULTS["currency"] == "CNY" and DEFAULTS["currency_symbol"] is None
    root = Path(__file__).resolve().parents[1] / "config"
    for name in ("default.yaml", "en.yaml"):
        y = yaml.safe_load((root / name).read_text(encoding="utf-8"))
        assert y["currency"] == "CNY" and y["currency_symbol"] is None, name
    good = tmp_path / "gbp.yaml"
    good.write_text("currency: GBP\ncurrency_symbol: '£'\n", encoding="utf-8")
    cfg = load_config(good)
    assert (cfg["currency"], cfg["currency_symbol"]) == ("GBP", "£")
    for bad in ("currency: pounds\n", "currency: GBP\ncurrency_symbol: ''\n", "currency: 12\n"):
        (tmp_path / "bad.yaml").write_text(bad, encoding="utf-8")
        with pytest.raises(InputError):
            load_config(tmp_path / "bad.yaml")


def _run(folder: Path, currency=None, revenue=2300.0, lang="en"):
    """A finished run's folder as stage 06 reads it (two segments, values, a CLV)."""
    folder.mkdir(parents=True)
    ids = [f"K{i}" for i in range(4)]
    pd.DataFrame(
        {
            "customer_id": ids,
            "segment": [1, 1, 2, 2],
            "segment_name": ["Bargain", "Bargain", "Premium", "Premium"],
        }
    ).to_parquet(folder / "segments.parquet")
    pd.DataFrame(
        {
            "customer_id": ids,
            "monetary": [100.0, 200, 1000, 1000],
            "clv": [10.0, 20, 400, 300],
            "tier": ["small", "small", "key", "important"],
            "strategy": ["adaptive"] * 4,
            "stage": ["active"] * 4,
            "churn_risk": [0.2] * 4,
        }
    ).to_parquet(folder / "value.parquet")
    (folder / "profiling.json").write_text(
        json.dumps(
            {
                "lang": lang,
                "headline": {
                    "customers": 4,
                    "active_90d": 4,
                    "revenue": revenue,
                    "top20_share": 0.4,
                    "as_of": "2026-01-01",
                },
            }
        )
    )
    (folder / "value.json").write_text(json.dumps({"clv_mean": 182.5}))
    (folder / "clustering.json").write_text(json.dumps({"attractiveness_rank": {"1": 2, "2": 1}}))
    quality = {"as_of": "2026-01-01", "cleaning": [], "files": {}}
    if currency:
        quality["currency"] = currency
    (folder / "quality.json").write_text(json.dumps(quality))
    return folder


@pytest.mark.parametrize("lang, unit", [("en", "GBP"), ("zh", "英镑")])
def test_summary_page_of_a_gbp_run_names_pounds_never_yuan(tmp_path, lang, unit):
    """Stage 06 as its notebook runs it (currency from quality.json), then the index page."""
    from kequn.lang.currency import for_run, using
    from kequn.models import segment_cards as mc
    from kequn.models import summary as ms
    from kequn.run.publish import publish_run
    from kequn.stages import summary as report

    folder = _run(tmp_path / "processed" / "uk-20260101", {"code": "GBP", "symbol": "£"}, lang=lang)
    quality = ms.run_inputs(folder, "uk-20260101").quality
    with using(for_run({"currency": "CNY"}, quality)):
        head = ms.headline(folder, "uk-20260101")
        cards = mc.segment_cards(folder)
        page = (
            report.headline_html(head, lang)
            + report.cards_html(cards, lang)
            + " ".join(map(str, report.attractiveness_table(cards, lang).table.columns))
        )
        summary = report.save_summary(folder, "uk-20260101", lang, head, cards)
    assert unit in page and not YUAN.search(page), page
    assert unit in summary["headline_html"]
    index = publish_run(tmp_path / "reports", "uk-20260101", folder).read_text(encoding="utf-8")
    assert unit in index and not YUAN.search(index)
    (folder / "summary.json").unlink()  # the index page's own headline (stage 06 did not run)
    index = publish_run(tmp_path / "reports", "uk-20260101", folder).read_text(encoding="utf-8")
    assert ("Net revenue (GBP)" if lang == "en" else "净收入（英镑）") in index and not YUAN.search(
        index
    )


def test_stage_03_sentence_and_headings_of_a_gbp_run(tmp_path):
    from kequn.lang.currency import resolve, using
    from kequn.lang.i18n import t
    from kequn.stages import value as sv

    cuts = {"recency_days": 40.0, "orders": 2.5, "monetary": 350.0}
    assert sv.cuts_sentence(cuts, "mean", "zh").endswith("净消费 350 元。")  # as before on yuan
    with using(resolve("GBP")):
        s = sv.cuts_sentence(cuts, "mean", "zh")
        heads = [
            t(k, lang)
            for k in ("v.mean_value", "v.clv_axis", "f.clv", "h.clv_mean")
            for lang in ("zh", "en")
        ]
    assert s.endswith("净消费 350 英镑。") and not any(YUAN.search(x) for x in [s, *heads])
    assert "Mean value (GBP)" in heads and "客户终身价值（英镑）" in heads


def test_no_change_in_money_figures_across_currencies(tmp_path):
    from kequn.models import summary as ms

    _run(tmp_path / "shop-20260101", None, revenue=1000.0)  # before the setting: yuan
    now = _run(tmp_path / "shop-20260201", {"code": "GBP", "symbol": "£"}, revenue=1500.0)
    h = ms.headline(now, "shop-20260201").table.set_index("key")
    assert pd.isna(h.loc["revenue", "change"]) and h.loc["customers", "change"] == 0
    same = _run(tmp_path / "shop-20260301", {"code": "GBP", "symbol": "£"}, revenue=1800.0)
    assert ms.headline(same, "shop-20260301").table.set_index("key").loc["revenue", "change"] == 300
