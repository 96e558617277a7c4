"""Finding one's way in a long report: a table of contents from the page's section headings,
and long tables a reader can sort by clicking a column heading.

Both work offline inside the single HTML file. The sorter is a few lines of plain JavaScript
written here because the table libraries on npm would have to be vendored into every page for
what amounts to "parse the number in each cell, then sort"; the numbers in our tables are
formatted for people ("1,234", "12.3%", "−5.0", "3,506.1 万", "< 0.001"), which is what
``SORT_JS`` reads.
"""

from __future__ import annotations

import html
import re

from kequn.lang.i18n import t

MIN_ROWS = 10  # tables with at least this many body rows become sortable

TOC_CSS = (
    ".kq-toc{border:1px solid #ddd;border-radius:8px;background:#fafafa;padding:6px 14px;margin:10px 0 16px;"
    "font-size:14px}.kq-toc ol{margin:4px 0;padding-left:1.6em;columns:2;column-gap:2em}"
    ".kq-toc li{margin:2px 0;break-inside:avoid}"
    "table.kq-sortable thead tr:last-child th{cursor:pointer;user-select:none}"
    "table.kq-sortable th[aria-sort=ascending]::after{content:' ▲';font-size:10px}"
    "table.kq-sortable th[aria-sort=descending]::after{content:' ▼';font-size:10px}"
    "@media (max-width:600px){.kq-toc ol{columns:1}}"
)

SORT_JS = """<script>
(function () {
  function num(s) {
    var m = s.replace(/\\u2212/g, '-').replace(/,/g, '').match(/[-+]?\\d+(\\.\\d+)?/);
    return m ? parseFloat(m[0]) : null;
  }
  function setup(table) {
    var head = table.tHead, body = table.tBodies[0];
    if (!head || !body || body.rows.length < %(min_rows)d) return;
    table.classList.add('kq-sortable');
    var cells = head.rows[head.rows.length - 1].cells;
    Array.prototype.forEach.call(cells, function (th, col) {
      th.title = th.title || '%(hint)s';
      th.addEventListener('click', function () {
        var rows = Array.prototype.slice.call(body.rows);
        var texts = rows.map(function (r) { return r.cells[col] ? r.cells[col].textContent.trim() : ''; });
        var filled = texts.filter(function (x) { return x && x !== '\\u2014'; });
        var numeric = filled.length > 0 && filled.every(function (x) { return num(x) !== null; });
        var cur = th.getAttribute('aria-sort');  /* first click: numbers largest first, words A to Z; then toggle */
        var dir = cur ? (cur === 'ascending' ? -1 : 1) : (numeric ? -1 : 1);
        var keyed = rows.map(function (r, i) {
          var x = texts[i], empty = !x || x === '\\u2014';
          return {row: r, empty: empty, key: empty ? null : (numeric ? num(x) : x), i: i};
        });
        keyed.sort(function (a, b) {
          if (a.empty !== b.empty) return a.empty ? 1 : -1;  /* missing values always last */
          if (a.empty) return a.i - b.i;
          var c = numeric ? a.key - b.key : a.key.localeCompare(b.key, document.documentElement.lang || undefined);
          return c !== 0 ? dir * c : a.i - b.i;
        });
        keyed.forEach(function (k) { body.appendChild(k.row); });
        Array.prototype.forEach.call(cells, function (o) { o.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', dir > 0 ? 'ascending' : 'descending');
      });
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll('table'), setup);
})();
</script>"""

_H2 = re.compile(r"""<h2 id=["']([^"']+)["'][^>]*>(.*?)</h2>""", re.S)
_ANCHOR = re.compile(r'<a class="anchor-link".*?</a>', re.S)


def sort_script(lang: str) -> str:
    """The sorter for a page in ``lang`` (its tooltip says what a click does)."""
    return SORT_JS % {"min_rows": MIN_ROWS, "hint": t("nav.sort_hint", lang).replace("'", "\\'")}


def toc(page: str, lang: str) -> str:
    """A table of contents (``<nav id="toc">``) of the page's ``<h2 id=…>`` sections; "" when
    the page has fewer than three."""
    items = [
        (hid, re.sub(r"<[^>]+>", "", _ANCHOR.sub("", inner)).strip())
        for hid, inner in _H2.findall(page)
    ]
    items = [(hid, text) for hid, text in items if text]
    if len(items) < 3:
        return ""
    lis = "".join(
        f'<li><a href="#{html.escape(html.unescape(hid))}">'
        f"{html.escape(html.unescape(text))}</a></li>"
        for hid, text in items
    )
    return f'<nav id="toc" class="kq-toc"><strong>{t("nav.contents", lang)}</strong><ol>{lis}</ol></nav>'


def with_navigation(page: str, lang: str) -> str:
    """``page`` with its table of contents after the first ``</h1>`` and the table sorter
    before ``</body>``."""
    nav = toc(page, lang)
    if nav and "</h1>" in page:
        page = page.replace("</h1>", "</h1>" + nav, 1)
    return page.replace("</head>", f"<style>{TOC_CSS}</style></head>", 1).replace(
        "</body>", sort_script(lang) + "</body>", 1
    )
