"""Notebooks that narrate (issue 18): each section of a stage notebook is a markdown cell saying
why, in zh and en side by side (tags ``lang-zh`` / ``lang-en``), then one call that returns a
``Section`` and its display; no branching in notebook cells. The page of a run shows the
narration in the run's language only."""

from __future__ import annotations

import ast
import json
import re

import nbformat
import pandas as pd
import pytest
from conftest import ROOT
from kequn.render import narration
from kequn.render.section import Section
from kequn.run import publish

STAGES = sorted((ROOT / "notebooks").glob("0[1-6]_*.ipynb"))
CJK = re.compile(r"[\u4e00-\u9fff]")


# ---- no branching in notebook cells


def branching_lines(source: str) -> list[int]:
    """Lines of ``source`` (a code cell) that branch: ``if``/``elif``/``else``, a conditional
    expression, ``match``, ``while``, ``try``/``except``, or a comprehension's ``if``."""
    code = "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
    )
    lines = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, (ast.If, ast.IfExp, ast.Match, ast.While, ast.Try, ast.ExceptHandler)):
            lines.add(node.lineno)
            if isinstance(node, ast.If) and node.orelse and not isinstance(node.orelse[0], ast.If):
                lines.add(node.orelse[0].lineno - 1)  # the else: line
        elif isinstance(node, ast.comprehension) and node.ifs:
            lines.update(i.lineno for i in node.ifs)
    return sorted(lines)


def notebook_branching(path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        out += [
            f"{path.name} cell {i}: {source.splitlines()[n - 1].strip()}"
            for n in branching_lines(source)
        ]
    return out


# Branching lines still in each notebook; the goal is none anywhere (issue 18).
ALLOWED = {
    "01_profiling.ipynb": 0,
    "02_clustering.ipynb": 0,
    "03_value.ipynb": 0,
    "04_needs.ipynb": 0,
    "05_feedback.ipynb": 0,
    "06_summary.ipynb": 0,
}


@pytest.mark.parametrize("path", STAGES, ids=lambda p: p.stem)
def test_no_branching_in_notebook_cells(path):
    found = notebook_branching(path)
    assert len(found) <= ALLOWED[path.name], "\n".join(found)


def test_the_branching_count_sees_every_kind_of_branch():
    cell = (
        "%matplotlib inline\n"
        "x = 1\n"
        "if x:\n"
        "    y = 2\n"
        "elif x > 2:\n"
        "    y = 3\n"
        "else:\n"
        "    y = 4\n"
        "z = 5 if x else 6\n"
        "w = [a for a in range(3) if a]\n"
        "try:\n"
        "    pass\n"
        "except ValueError:\n"
        "    pass\n"
        "while False:\n"
        "    pass\n"
        "show(x)\n"
    )
    assert branching_lines(cell) == [3, 5, 7, 9, 10, 11, 13, 15]
    assert branching_lines("a = f(x)\nshow(a)\nfor g in gs:\n    g()\n") == []


def test_a_notebook_with_branching_fails_the_count(tmp_path):
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("sec = f(x)\nif sec:\n    sec\n")]
    )
    path = tmp_path / "03_value.ipynb"
    nbformat.write(nb, path)
    assert notebook_branching(path) == ["03_value.ipynb cell 0: if sec:"]


# ---- every narration cell in both languages


def narration_problems(cells: list) -> list[str]:
    """What is wrong with a notebook's narration: a reader-visible markdown cell without a
    language tag, a ``lang-zh`` cell not followed by its ``lang-en`` partner (or the other way
    round), a pair whose headings differ in number or level, Chinese missing from the zh cell
    or present in the en cell."""
    problems = []
    visible = narration.ALWAYS_HIDDEN
    i = 0
    while i < len(cells):
        cell = cells[i]
        tags = set(cell.get("metadata", {}).get("tags", []))
        lang = narration.language_of(cell)
        if cell["cell_type"] != "markdown":
            if lang:
                problems.append(f"cell {i}: a {cell['cell_type']} cell tagged for {lang}")
            i += 1
            continue
        if lang is None:
            if not tags & visible:
                problems.append(f"cell {i}: markdown a reader sees, in no language (lang-zh/en)")
            i += 1
            continue
        partner = cells[i + 1] if i + 1 < len(cells) else None
        if lang != "zh" or partner is None or narration.language_of(partner) != "en":
            problems.append(f"cell {i}: {lang} narration without its partner (zh, then en)")
            i += 1
            continue
        zh, en = ("".join(c["source"]) for c in (cell, partner))
        heads = [re.findall(r"^(#+) ", s, re.M) for s in (zh, en)]
        if heads[0] != heads[1]:
            problems.append(f"cells {i}-{i + 1}: headings differ ({heads[0]} vs {heads[1]})")
        if not CJK.search(zh) or CJK.search(en):
            problems.append(f"cells {i}-{i + 1}: zh cell not in Chinese or en cell not English")
        if not zh.strip() or not en.strip():
            problems.append(f"cells {i}-{i + 1}: empty narration")
        i += 2
    return problems


def _md(text: str, *tags: str) -> dict:
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata["tags"] = list(tags)
    return cell


@pytest.mark.parametrize("path", STAGES, ids=lambda p: p.stem)
def test_every_narration_cell_exists_in_both_languages(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    assert narration_problems(cells) == []


@pytest.mark.parametrize("path", STAGES, ids=lambda p: p.stem)
def test_each_stage_notebook_opens_with_a_title_and_narrates_its_sections(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    assert len([c for c in cells if narration.language_of(c) == "zh"]) >= 5
    for lang in ("zh", "en"):
        shown = narration.for_reader(cells, lang)
        first_md = next(c for c in shown if c["cell_type"] == "markdown")
        assert "".join(first_md["source"]).startswith("# ")


def test_the_narration_check_finds_a_missing_or_unpaired_language():
    good = [_md("## 甲\n为什么", "lang-zh"), _md("## A\nWhy", "lang-en")]
    assert narration_problems(good) == []
    assert narration_problems(good[:1])  # zh alone
    assert narration_problems(good[1:])  # en alone
    assert narration_problems(good[::-1])  # en before zh
    assert narration_problems([_md("## Why", "lang-zh"), good[1]])  # "zh" in English
    assert narration_problems([good[0], _md("# A\nWhy", "lang-en")])  # heading levels differ
    assert narration_problems([_md("## A note a reader would see")])  # no language
    assert narration_problems([_md("analyst's note", "analyst")]) == []


# ---- the page shows the run's language only


def _executed(path, lang: str):
    code = nbformat.v4.new_code_cell("sec")
    code.outputs = [nbformat.v4.new_output("display_data", data={"text/markdown": "a figure: 42"})]
    nb = nbformat.v4.new_notebook(
        cells=[
            _md("# 价值\n\n本报告说明……", "lang-zh"),
            _md("# Value\n\nThis report says …", "lang-en"),
            _md("Analysts: run top to bottom.", "analyst"),
            _md("## 为什么分层\n\n因为……", "lang-zh"),
            _md("## Why tiers\n\nBecause …", "lang-en"),
            code,
        ]
    )
    nb.metadata["papermill"] = {"parameters": {"lang": lang}}
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_page_shows_the_narration_in_the_runs_language_only(tmp_path, lang):
    page = publish.render_html(_executed(tmp_path / "03_x.ipynb", lang)).read_text("utf-8")
    mine, other = ("为什么分层", "Why tiers") if lang == "zh" else ("Why tiers", "为什么分层")
    assert mine in page and other not in page
    assert "a figure: 42" in page and "Analysts" not in page
    title = re.search(r"<title>(.*?)</title>", page).group(1)
    assert title == ("价值" if lang == "zh" else "Value")


def test_hidden_tags_hide_the_other_language():
    assert narration.hidden_tags("zh") >= {"analyst", "parameters", "lang-en"}
    assert "lang-zh" not in narration.hidden_tags("zh")
    with pytest.raises(ValueError):
        narration.tag("fr")


# ---- the result object


def test_a_section_shows_its_parts_in_order_and_keeps_its_values():
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output
    from kequn.render import plotting
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    InteractiveShell.instance()
    set_matplotlib_formats("png")
    plotting.setup("en")
    df = pd.DataFrame({"tier": ["key", "small"], "share": [0.2, 0.8]})
    sec = (
        Section(values={"gini": 0.4})
        .heading("vsec.eight", "en")
        .markdown("Gini <b>0.40</b>")
        .table(df)
        .chart(plotting.bar, df, "tier", "share", "Tiers", "tier", "share", pct=True)
        .facts({"a": 1})
    )
    with capture_output() as out:
        sec.show()
    kinds = [
        "image/png" if "image/png" in o.data else next(iter(o.data.keys() - {"text/plain"}))
        for o in out.outputs
    ]
    assert kinds == ["text/markdown", "text/markdown", "text/html", "image/png", "text/html"]
    assert "&lt;b&gt;0.40" in out.outputs[1].data["text/markdown"]  # escaped, as show.markdown
    assert sec.values == {"gini": 0.4} and len(sec.tables()) == 1 and sec.charts() == 1
    assert sec.sentences()[:2] == ["The eight RFM classes", "Gini <b>0.40</b>"]
    import matplotlib.pyplot as plt

    assert plt.get_fignums() == []  # shown in its place, not again at the end of the cell


def test_a_section_that_shows_nothing_leaves_the_page_with_its_narration(tmp_path):
    path = _executed(tmp_path / "04_x.ipynb", "en")
    nb = nbformat.read(path, as_version=4)
    empty = nbformat.v4.new_code_cell("key_needs")  # no Kano survey: the section shows nothing
    nb.cells[3:3] = [
        _md("## 重点需求\n\n因为……", "lang-zh"),
        _md("## Key needs\n\nBecause …", "lang-en"),
        empty,
    ]
    nbformat.write(nb, path)
    kept = narration.for_reader(nb.cells, "en")
    assert [c.source.splitlines()[0] for c in kept if c.cell_type == "markdown"] == [
        "# Value",
        "## Why tiers",
    ]
    page = publish.render_html(path).read_text("utf-8")
    assert "Key needs" not in page and "Why tiers" in page and "a figure: 42" in page


def test_narration_headings_are_the_catalogues_headings():
    """A section's heading is written in its narration cells, in both languages; the pair is
    the catalogue's (``kequn.lang.i18n``), so a heading reads the same on every page that names
    the section and changes in one place."""
    from kequn.lang.i18n import CATALOGUE

    pairs = set(CATALOGUE.values())
    for path in STAGES:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for zh, en in zip(cells, cells[1:]):
            if narration.language_of(zh) != "zh":
                continue
            heads = [re.match(r"#+ (.*)", "".join(c["source"])) for c in (zh, en)]
            assert all(heads), (path.name, "narration without a heading")
            assert (heads[0].group(1), heads[1].group(1)) in pairs, (path.name, heads[1].group(1))
