"""Issue 15, part A: no value from an export or a config runs as code — escaped HTML, a
Content-Security-Policy on every page, neutralised action lists, SQL without data in it, segment
rules read by a whitelist parser."""

import base64
import csv
import hashlib
import re
from pathlib import Path
from unittest import mock

import nbformat
import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT
from kequn.data.features import feature_table
from kequn.data.io import write_table_atomic
from kequn.data.problems import InputError
from kequn.models import rule_expr, settings_rules
from kequn.models.segment_rules import check_rules, rule_segments
from kequn.models.summary import Headline
from kequn.render import show
from kequn.run import publish
from kequn.run.config import DEFAULTS, load_config
from kequn.stages.summary import headline_html
from test_end_to_end import (
    assert_no_personal_data_downstream,
    open_in_chromium,
    plant_personal_data,
)

IMG = "<img src=x onerror=\"document.title='pwned'\">"
SCRIPT = "<script>console.error('pwned')</script>"
LIVE_TAG = re.compile(r"<img src=x|<script>console|<b>l</b>|<u>|<i>nm")


def _shown(fn, *args, **kw) -> list:
    out = []
    with mock.patch.object(show, "display", out.append):
        fn(*args, **kw)
    return [o.data for o in out]


# --- stored XSS -----------------------------------------------------------------------------


def test_table_escapes_cells_labels_and_axis_names():
    df = pd.DataFrame(
        {IMG: [IMG, SCRIPT, ["<b>l</b>"]], "n": [1, 2, 3]},
        index=pd.Index([SCRIPT, "b", "c"], name="<i>nm</i>"),
    )
    df.columns.name = "<u>cn</u>"
    page = _shown(show.table, df, index=True)[0]
    assert not LIVE_TAG.search(page), page
    assert "&lt;img src=x onerror=" in page and "&lt;script&gt;console.error" in page


def test_sentences_from_data_show_as_text():
    from nbconvert.filters.markdown_mistune import markdown2html_mistune  # as pages render it

    md = _shown(show.markdown, f"segment {IMG} grew; [click](javascript:alert(1)) **bold**")[0]
    page = markdown2html_mistune(md)
    assert "<img" not in page and "href" not in page and "&lt;img" in page
    assert "<strong>bold</strong>" in page


def test_run_names_and_previous_run_are_escaped_in_index_pages(tmp_path):
    reports = tmp_path / "reports"
    run = IMG.replace("/", "")  # a folder name cannot hold "/"
    (reports / run).mkdir(parents=True)
    (reports / run / "index.html").write_text('<html lang="en"></html>', encoding="utf-8")
    publish.point_latest(reports, run, "en")
    page = (reports / "index.html").read_text(encoding="utf-8")
    assert "<img src=x" not in page and "&lt;img src=x" in page
    table = pd.DataFrame(
        [{"key": "customers", "kind": "int", "value": 1.0, "previous": 2.0, "change": -1.0}]
    )
    assert "<img src=x" not in headline_html(Headline(table, run), "en")


# --- Content-Security-Policy ----------------------------------------------------------------


def _executed_notebook(path: Path, df: pd.DataFrame) -> Path:
    """A notebook whose outputs are what the stage notebooks display: a heading, a sentence
    and a sortable table, all with payloads in the data."""
    outs = _shown(show.heading, "profiling.title", "en")
    outs += _shown(show.markdown, f"city {IMG} leads")
    outs += _shown(show.table, df)
    cell = nbformat.v4.new_code_cell("x")
    kind = lambda o: "text/html" if o.lstrip().startswith("<") else "text/markdown"  # noqa: E731
    cell.outputs = [nbformat.v4.new_output("display_data", data={kind(o): o}) for o in outs]
    nb = nbformat.v4.new_notebook(cells=[cell])
    nbformat.write(nb, path)
    return path


def _csp_hashes(page: str) -> tuple[set, set]:
    meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert meta, "no Content-Security-Policy"
    policy = meta.group(1)
    assert "default-src 'none'" in policy and "img-src data:" in policy and "http" not in policy
    allowed = set(re.findall(r"'sha256-([A-Za-z0-9+/=]+)'", policy))
    inline = {
        base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        for body in re.findall(r"<script>(.*?)</script>", page, re.S)
    }
    return allowed, inline


def test_every_page_carries_a_policy_that_allows_exactly_its_inline_scripts(tmp_path):
    df = pd.DataFrame({"city": [IMG, SCRIPT] * 6, "customers": range(12)})
    page = publish.render_html(_executed_notebook(tmp_path / "01_x.ipynb", df))
    page = page.read_text(encoding="utf-8")
    allowed, inline = _csp_hashes(page)
    assert inline and allowed == inline
    assert page.index("Content-Security-Policy") < page.index("<script")
    reports = tmp_path / "reports"
    (reports / "r1").mkdir(parents=True)
    (reports / "r1" / "index.html").write_text('<html lang="en"></html>', encoding="utf-8")
    publish.point_latest(reports, "r1", "en")
    runs = (reports / "index.html").read_text(encoding="utf-8")
    assert "script-src 'none'" in runs and "<script" not in runs


def test_pages_run_their_own_scripts_and_nothing_injected_in_chromium(tmp_path):
    df = pd.DataFrame({"city": [IMG, SCRIPT] * 6, "customers": range(12)})
    out = publish.render_html(_executed_notebook(tmp_path / "01_x.ipynb", df))
    dom, console = open_in_chromium(out, tmp_path / "profile")
    assert not console, console
    assert "kq-sortable" in re.sub(r"<style.*?</style>", "", dom, flags=re.S)  # the sorter ran
    assert "pwned" not in re.search(r"<title>(.*?)</title>", dom, re.S).group(1)
    # a script that slipped past escaping is refused by the policy
    page = out.read_text(encoding="utf-8")
    page = page.replace("</body>", "<script>document.title='pwned'</script></body>")
    out.write_text(page, encoding="utf-8")
    dom, console = open_in_chromium(out, tmp_path / "profile")
    assert "pwned" not in re.search(r"<title>(.*?)</title>", dom, re.S).group(1)
    assert any("Content Security Policy" in line for line in console), console


# --- CSV formula injection ------------------------------------------------------------------


def test_action_lists_neutralise_formulas_and_keep_numbers(tmp_path):
    from kequn.stages.feedback import write_outputs
    from kequn.stages.needs import write_targets

    bad = [
        '=HYPERLINK("http://x","y")',
        "+1+1",
        "-2+3",
        "@SUM(A1)",
        "\tx",
        "\rx",
        "=cmd|' /C calc'!A0",
        "plain",
    ]
    n = len(bad)
    targets = pd.DataFrame(
        {
            "customer_id": [f"K{i:016x}" for i in range(n)],
            "category": bad,
            "segment": pd.array(range(n), "Int64"),
            "segment_name": bad[::-1],
            "score": np.linspace(-0.5, 0.5, n),
            "rank": range(n),
            "reasons": bad,
        }
    )
    alerts = pd.DataFrame(
        {
            "customer_id": targets["customer_id"],
            "tier": bad,
            "clv": np.linspace(-100, 100, n),
            "segment_name": bad,
            "reason": bad,
        }
    )
    write_targets(tmp_path, targets)
    fb = pd.DataFrame({"feedback_id": ["f1"], "customer_id": ["K0"]})
    write_outputs(tmp_path, fb, alerts)
    lists = (("propensity_targets", {"segment", "score", "rank"}), ("feedback_alerts", {"clv"}))
    for name, numeric in lists:
        raw = (tmp_path / "actions" / f"{name}.csv").read_bytes()  # one BOM, every line CRLF
        assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\xef\xbb\xbf") == 1
        assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
        with open(tmp_path / "actions" / f"{name}.csv", encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
        assert len(rows) == n
        for row in rows:
            for col, cell in row.items():
                if col in numeric:
                    float(cell)  # numbers stay numbers, negative ones too
                else:
                    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (name, col, cell)
        back = pd.read_csv(tmp_path / "actions" / f"{name}.csv", encoding="utf-8-sig")
        assert all(pd.api.types.is_numeric_dtype(back[c]) for c in numeric)
        assert (back["score" if name == "propensity_targets" else "clv"] < 0).any()
    assert rows[0]["tier"] == "'" + bad[0]  # readable: the text behind one quote


# --- SQL injection through a header ---------------------------------------------------------


def _clean(tmp_path, extra: dict, category=("食品", "服饰")) -> Path:
    clean = tmp_path / "clean"
    write_table_atomic(
        pd.DataFrame({"customer_id": ["A", "B"], **extra}), clean / "customers.parquet"
    )
    write_table_atomic(
        pd.DataFrame(
            {
                "order_id": ["1", "2"],
                "customer_id": ["A", "B"],
                "order_date": pd.to_datetime(["2024-02-01", "2024-03-01"]),
                "amount": [100.0, 50.0],
                "category": list(category),
                "channel": ["App", "门店"],
            }
        ),
        clean / "orders.parquet",
    )
    return clean


@pytest.mark.parametrize(
    "crafted",
    [
        "psy_x\" FROM t; COPY (SELECT 1) TO '{target}'; --",
        # completes the statement, writes the file, and opens a new one the rest of the query ends
        "psy_x from customers c; copy (select 1) to '{target}'; select c.customer_id, c.psy_x",
    ],
)
def test_a_crafted_psy_header_is_a_name_not_sql(tmp_path, crafted):
    target = tmp_path / "pwned_kequn.csv"
    header = crafted.format(target=target)
    clean = _clean(
        tmp_path,
        {"psy_x": [1.0, 2.0], header: [3.0, 5.0]},
        category=("O'Brien\"; DROP TABLE orders; --", "食品"),
    )
    try:
        table = feature_table(clean, "2024-12-31")
    finally:
        assert not target.exists(), "a header ran as SQL"
    f = table.frame
    assert len(f) == 2 and f["orders"].tolist() == [1, 1] and f["psy_x"].tolist() == [1.0, 2.0]
    psy = [c for c in f.columns if c.startswith("psy") and c != "psy_x"]
    assert len(psy) == 1 and f[psy[0]].tolist() == [3.0, 5.0]
    assert table.labels[psy[0]] == header
    assert "O'Brien\"; DROP TABLE orders; --" in table.labels.values()


def test_ordinary_survey_headers_with_spaces_and_dashes_work(tmp_path):
    clean = _clean(
        tmp_path,
        {"psy 价格 敏感度": [1.0, 7.0], "psy-quality-focus": [2.0, 6.0], "psy_loyal": [4.0, 4.0]},
    )
    table = feature_table(clean, "2024-12-31")
    f = table.frame
    assert f["psy_价格_敏感度"].tolist() == [1.0, 7.0]
    assert f["psy_quality_focus"].tolist() == [2.0, 6.0]
    assert f["psy_loyal"].tolist() == [4.0, 4.0]
    assert table.labels["psy_价格_敏感度"] == "psy 价格 敏感度"


# --- segment rules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expr, kind, pos",
    [
        ("@pd.io.common.os.system('touch {flag}') == 0", "syntax", 1),
        ("__import__('os').system('touch {flag}')", "forbidden", 1),
        ("monetary > 1 and features.eval('1')", "forbidden", 18),
        ("(lambda: 1)() == 1", "forbidden", 1),
        ("monetary[0] > 1", "forbidden", 1),
        ("城市 == '一线' or open('{flag}', 'w')", "forbidden", 15),
        ("monetary ** 2 > 'a' * 9", "forbidden", 17),
        ("monetary is None", "forbidden", 1),
        ("monetary >", "syntax", 11),
    ],
)
def test_rules_outside_the_whitelist_are_refused_with_their_position(tmp_path, expr, kind, pos):
    flag = tmp_path / "ran"
    expr = expr.format(flag=flag)
    with pytest.raises(rule_expr.RuleError) as e:
        rule_expr.parse(expr)
    assert (e.value.kind, e.value.pos) == (kind, pos)
    f = pd.DataFrame({"monetary": [1.0, 2.0], "城市": ["一线", "二线"]})
    with pytest.raises(InputError) as e:
        rule_segments(f, {"evil": expr}, "en")
    msg = e.value.render("en")
    assert "rule segment 'evil'" in msg and f"character {pos}" in msg and "monetary" in msg
    zh = e.value.render("zh")
    assert "规则分群“evil”" in zh and f"第 {pos} 个字符" in zh
    assert not flag.exists()


def test_malicious_rule_is_refused_when_parameters_are_written_before_any_stage(tmp_path):
    flag = tmp_path / "ran"
    cfg = tmp_path / "c.yaml"
    cfg.write_text(
        yaml.safe_dump(
            {
                "lang": "en",
                "clustering": {
                    "rules": {
                        "ok": "monetary >= 3000",
                        "evil": f"@pd.io.common.os.system('touch {flag}') == 0",
                        "typo": "recency_dayz > 3",
                        "survey": "psy_价格 >= 5 and cat_食品 > 0.2",
                    }
                },
            },
            allow_unicode=True,
        )
    )
    from kequn.run.cli import main

    out = tmp_path / "params.yaml"
    assert (
        main(
            [
                "params",
                "--config",
                str(cfg),
                "--data",
                str(tmp_path),
                "--processed",
                str(tmp_path / "p"),
                "--run",
                "r",
                "--out",
                str(out),
            ]
        )
        == 2
    )
    assert not out.exists() and not flag.exists()
    with pytest.raises(InputError) as e:
        settings_rules.clustering(load_config(cfg)["clustering"])
    names = sorted(p.args["name"] for p in e.value.problems)
    assert names == ["evil", "typo"]  # psy_*, cat_*: names from the data, checked when it is there
    typo = next(p for p in e.value.problems if p.args["name"] == "typo")
    assert typo.key == "rule_column" and typo.args["pos"] == 1
    assert "recency_days" in typo.args["allowed"]


def test_configured_rules_pass_the_check():
    for name in ("default.yaml", "en.yaml"):
        rules = load_config(ROOT / "config" / name)["clustering"]["rules"]
        assert rules and check_rules(rules) == [], name
    assert check_rules(DEFAULTS["clustering"]["rules"]) == []


def test_the_evaluator_reads_the_rules_users_write():
    f = pd.DataFrame(
        {
            "monetary": [5000.0, 5000.0, 10.0, np.nan, 300.0],
            "recency_days": pd.array([10, 400, 10, None, 100], "Int64"),
            "city_tier": ["一线", "二线", None, "新一线", "一线"],
            "orders": [3, 1, 0, 0, 2],
        }
    )
    ev = lambda e: rule_expr.evaluate(e, f).tolist()  # noqa: E731
    assert ev("monetary >= 3000 and recency_days <= 90") == [True, False, False, False, False]
    assert ev("recency_days > 365 or not orders") == [False, True, True, True, False]
    assert ev("10 <= recency_days < 200") == [True, False, True, False, True]
    assert ev("city_tier in ['一线', '新一线']") == [True, False, False, True, True]
    assert ev("city_tier not in ('一线',)") == [False, True, False, True, False]  # missing: no
    # 10 / 0 is inf, as in pandas
    assert ev("monetary / orders > 1000 and -monetary < 0") == [True, True, True, False, False]
    assert ev("monetary != 10") == [True, True, False, False, True]  # missing compares False
    assert ev("(orders % 2 == 1) or orders ** 2 >= 4") == [True, True, False, False, True]
    assert ev("monetary ** 10 ** 10 > 0") == [True, True, True, False, True]  # floats: no huge int


# --- a hostile export, end to end -----------------------------------------------------------

FORMULA = '=HYPERLINK("http://x","y")'
# A payload that reached a page unescaped: the img or script tag itself, or an onerror attribute
# on any img (attributes read with their quoted values, so that an escaped payload inside an
# attribute value, e.g. a chart's alternative text naming a hostile category, is text).
UNESCAPED = re.compile(
    r"<img src=x|<script>console\.error"
    r"|<img\b(?:\s+[\w:-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?)*?\s+onerror\b",
    re.I,
)


def test_the_unescaped_check_sees_an_onerror_attribute_not_text_inside_one():
    for tag in (
        '<img src=x onerror="alert(1)">',
        '<img alt="chart" class="" onerror=alert(1)>',
        "<img alt='a > b' ONERROR='x'>",
    ):
        assert UNESCAPED.search(tag), tag
    for tag in (
        '<img alt="Psychographics; psy_img_src_x_onerror" class="" src="data:image/png;base64,A">',
        '<img alt="&lt;img src=x onerror=&quot;document.title=1&quot;&gt;" src="data:,">',
    ):
        assert not UNESCAPED.search(tag), tag


def write_hostile_export(demo, folder: Path) -> Path:
    """The demo export with payloads in every categorical and free-text field, a survey header
    and a formula in a category."""
    from dataclasses import replace

    from kequn.demo import synth

    rng = np.random.default_rng(15)
    tables = {name: getattr(demo, name).copy() for name in synth.Demo.TABLES}

    def plant(table: str, col: str, payload: str, share: float = 0.05, where=None):
        df = tables[table]
        rows = rng.random(len(df)) < share
        if where is not None:
            rows &= where(df).to_numpy()
        df.loc[rows, col] = f"{col} {payload}"

    fields = [
        ("customers", "occupation"),
        ("customers", "education"),
        ("customers", "city"),
        ("customers", "region"),
        ("orders", "category"),
        ("orders", "channel"),
        ("events", "event_type"),
        ("events", "channel"),
        ("feedback", "channel"),
    ]
    for i, (table, col) in enumerate(fields):
        plant(table, col, IMG if i % 2 == 0 else SCRIPT)
    plant("feedback", "text", SCRIPT, 0.1)
    plant("kano", "feature", IMG, 0.5, where=lambda d: d["feature"] == d["feature"].iloc[0])
    o = tables["orders"]
    half_of_top = (o["category"] == o["category"].mode()[0]) & (rng.random(len(o)) < 0.5)
    o.loc[half_of_top, "category"] = FORMULA
    c = tables["customers"]
    c[f"psy_{IMG}"] = rng.integers(1, 8, len(c))
    return synth.write(replace(demo, **tables), folder)


HOSTILE_CONFIG = {
    "lang": "en",
    "privacy": {"salt": "e2e"},
    "clustering": {
        "rules": {
            f"VIP {IMG}": "monetary >= 3000 and recency_days <= 90",
            f"asleep {SCRIPT}": "recency_days > 365",
        }
    },
}


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory, demo):
    """The hostile export, with payloads in the rule names too, run through ``make report``.
    It also carries personal data typed into its text columns (``plant_personal_data``), so
    that one run serves both tests. Returns the run's reports folder and the planted values."""
    from test_end_to_end import make

    data = write_hostile_export(demo, tmp_path_factory.mktemp("hostile-data"))
    planted = plant_personal_data(data)
    tmp = tmp_path_factory.mktemp("hostile")
    (tmp / "config.yaml").write_text(yaml.safe_dump(HOSTILE_CONFIG, allow_unicode=True))
    r = make(tmp, data, "hostile")
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    return tmp / "reports", planted


def test_personal_data_typed_into_any_text_column_appears_nowhere_downstream(hostile_run):
    """A phone, an e-mail and an ID number typed into every categorical and free-text column
    of every table (occupation, city, category, channel, event type, Kano feature …) reach
    neither the clean tables nor the features, JSON summaries, pages or action lists; nor do
    the Kano survey's respondent ids (phone numbers and CRM ids, in a survey that has no
    customer_id column)."""
    reports, planted = hostile_run
    assert len(planted) >= 45
    assert_no_personal_data_downstream(reports.parent, "hostile", planted)


def test_hostile_export_shows_payloads_as_text_and_runs_none(hostile_run, tmp_path):
    reports, _ = hostile_run
    pages = sorted((reports / "hostile").glob("*.html")) + [reports / "index.html"]
    assert len(pages) == 8, pages
    shown = ""
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not UNESCAPED.search(text), (page.name, UNESCAPED.search(text).group(0))
        allowed, inline = _csp_hashes(text)
        assert allowed == inline, page.name
        shown += text
        dom, console = open_in_chromium(page, tmp_path / f"chromium-{page.stem}")
        assert not console, (page.name, console)  # no payload logged, no script refused
        assert "pwned" not in re.search(r"<title>(.*?)</title>", dom, re.S).group(1), page.name
    # the payloads did reach the pages, as text: tables, rule names, Kano features
    assert shown.count("&lt;img src=x onerror=") >= 5 and "&lt;script&gt;console.error" in shown
    for name in ("category_targets", "complaint_followup", "winback", "key_care"):
        path = reports / "hostile" / "actions" / f"{name}.csv"
        with open(path, encoding="utf-8-sig", newline="") as f:
            cells = [cell for row in csv.reader(f) for cell in row]
        assert not [x for x in cells if x.startswith(("=", "+", "@", "\t", "\r"))], name
        number = re.compile(r"-[\d.]+(e-?\d+)?")
        assert not [x for x in cells if x.startswith("-") and not number.fullmatch(x)], name
    targets = reports.parent / "processed" / "hostile" / "actions" / "propensity_targets.csv"
    targets = targets.read_text(encoding="utf-8-sig")
    assert "'" + FORMULA.replace('"', '""') in targets  # the formula category is there, as text
