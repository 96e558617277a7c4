"""kequn.render.navigation: the table of contents, and the table sorter run in a real browser."""

import re
import shutil
import subprocess

from kequn.render.navigation import MIN_ROWS, toc, with_navigation
from test_end_to_end import CHROMIUM_FLAGS

# formatted as the reports format them: separators, percentages, Chinese units, signs, "—"
VALUES = [
    "1,234",
    "—",
    "12.5%",
    "−3.0",
    "3,506.1 万",
    "< 0.001",
    "7",
    "+20",
    "0",
    "250",
    "1,000.5",
    "88",
]


def _page(values, words):
    rows = "".join(f"<tr><td>{w}</td><td>{v}</td></tr>" for w, v in zip(words, values))
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"></head><body><h1 id="t">T</h1>'
        f'<h2 id="a">甲</h2><h2 id="b">乙<a class="anchor-link" href="#b">¶</a></h2><h2 id="c">丙</h2>'
        f"<table id='tab'><thead><tr><th>名称</th><th>数值</th></tr></thead><tbody>{rows}</tbody></table></body></html>"
    )


def test_contents_list_the_sections_and_skip_short_pages():
    page = _page(VALUES, "abcdefghijkl")
    nav = toc(page, "en")
    assert (
        re.findall(r'href="#(\w)">(\w)<', nav) == [("a", "甲"), ("b", "乙"), ("c", "丙")]
        and "Contents" in nav
    )
    assert toc("<h1>x</h1><h2 id='a'>A</h2>", "en") == ""  # fewer than three sections: no contents
    out = with_navigation(page, "zh")
    assert out.index('id="toc"') > out.index("</h1>") and out.count("<script>") == 1


def test_long_tables_sort_by_number_then_toggle_in_chromium(tmp_path):
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is missing: `make browser` installs it (make test does)"
    assert len(VALUES) >= MIN_ROWS
    words = ["香蕉", "苹果", "橙子", "梨", "桃", "李", "杏", "枣", "柿", "柚", "橘", "莓"]
    page = with_navigation(_page(VALUES, words), "zh")
    clicks = """<script>
      var th = document.querySelectorAll('#tab thead th');
      function col(i) { return Array.prototype.map.call(document.querySelectorAll('#tab tbody tr'),
                                                          function (r) { return r.cells[i].textContent; }).join('|'); }
      th[1].click(); var first = col(1); th[1].click(); var second = col(1);
      document.body.setAttribute('data-first', first); document.body.setAttribute('data-second', second);
      document.body.setAttribute('data-sorted', th[1].getAttribute('aria-sort'));
    </script></body>"""
    f = tmp_path / "t.html"
    f.write_text(page.replace("</body>", clicks), encoding="utf-8")
    r = subprocess.run(
        [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'p'}",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            f.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert not [x for x in r.stderr.splitlines() if ":CONSOLE" in x], r.stderr[-2000:]
    first = re.search(r'data-first="([^"]*)"', r.stdout).group(1).split("|")
    second = re.search(r'data-second="([^"]*)"', r.stdout).group(1).split("|")
    # numbers largest first, "—" last; "3,506.1 万" reads as 3506.1 and "< 0.001" as 0.001
    assert first == [
        "3,506.1 万",
        "1,234",
        "1,000.5",
        "250",
        "88",
        "+20",
        "12.5%",
        "7",
        "&lt; 0.001",
        "0",
        "−3.0",
        "—",
    ]
    assert second == [
        "−3.0",
        "0",
        "&lt; 0.001",
        "7",
        "12.5%",
        "+20",
        "88",
        "250",
        "1,000.5",
        "1,234",
        "3,506.1 万",
        "—",
    ]
    assert 'data-sorted="ascending"' in r.stdout and 'class="kq-sortable"' in r.stdout
