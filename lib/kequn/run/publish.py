"""Stakeholder HTML: executed notebooks rendered without code, the run's index page, the
``reports/latest`` pointer and the list of runs.

``latest`` is a relative symlink replaced atomically (a new link renamed over the old one),
and only ``publish_run`` moves it, which the Makefile calls after every stage succeeded.

Every page carries a Content-Security-Policy (``with_csp``): its own inline scripts by sha256
hash, inline styles and ``data:`` images, nothing else and nothing from the network; so even a
value that slipped past escaping could not run.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import struct
from pathlib import Path
from urllib.parse import quote

from kequn.data import crm
from kequn.data.io import write_text_atomic
from kequn.data.paths import RunFolder
from kequn.data.runs import earlier_runs
from kequn.lang.currency import for_run
from kequn.lang.i18n import fmt_int, fmt_money, fmt_pct, t
from kequn.models.profiling import caveats
from kequn.render.navigation import with_navigation
from kequn.stages.summary import TABLES

CSS = """
<style>
body { max-width: 1100px; margin: 0 auto; padding: 0 12px;
  font-family: -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; }
.kq-table { overflow-x: auto; max-height: 520px; overflow-y: auto; margin: 6px 0 14px; }
.kq-table table, table.kq-facts { border-collapse: collapse; font-size: 13px; }
.kq-table th, .kq-table td, .kq-facts th, .kq-facts td { padding: 4px 10px; border-bottom: 1px solid #e3e3e3; text-align: right; }
.kq-table th:first-child, .kq-table td:first-child, .kq-facts th { text-align: left; }
.jp-RenderedHTMLCommon table.kq-facts th:first-child, table.kq-facts.inputs td,
.jp-RenderedHTMLCommon table.kq-facts.inputs td { text-align: left; vertical-align: baseline; }
.kq-table thead th { position: sticky; top: 0; background: #f6f8f9; }
img { max-width: 100%; height: auto; }
.kq-caveats { border-left: 4px solid #d9a400; background: #fffbea; padding: 6px 12px; margin: 8px 0 14px; font-size: 14px; }
.kq-caveats ul { margin: 4px 0; padding-left: 1.4em; }
.jp-OutputArea-output pre { white-space: pre-wrap; }
@media (max-width: 600px) { .jp-RenderedImage { overflow-x: auto; } img.kq-wide { max-width: none; }
  body { padding: 0 4px; } .kq-table table { font-size: 12px; } .kq-table th, .kq-table td { min-width: 4.5em; } }
</style>
"""


CARD_CSS = (
    ".card{border:1px solid #ddd;border-radius:8px;padding:10px 14px;margin:10px 0}"
    ".card h3{margin:4px 0 6px} table.kq-facts.plan th{white-space:nowrap;vertical-align:top;text-align:left}"
    "table.kq-facts.plan td{text-align:left;vertical-align:top} table.kq-facts.plan td.why{color:#555;font-size:12px;"
    "max-width:18em} @media (max-width:600px){table.kq-facts.plan th, table.kq-facts.plan td, table.kq-facts.plan td.why{display:block;"
    "max-width:none;border:0;padding:2px 4px} table.kq-facts.plan tr{display:block;border-bottom:1px solid #e3e3e3;"
    "padding:4px 0}}"
    ".seg-id{color:#888;font-size:12px;font-weight:normal;margin-left:6px}"
    "p.terms{color:#555;font-size:12px} #priorities ol{padding-left:1.4em} #priorities li{margin:6px 0}"
    "img.kq-overview{display:block;max-width:100%;height:auto;margin:8px 0}"
)


def render_html(executed: Path) -> Path:
    """HTML beside the executed notebook: outputs and report text only, no code, no
    analyst-only cells (tag ``analyst``), narration only in the run's language (the other
    language's ``lang-xx`` cells dropped, ``kequn.render.narration``), images embedded, nothing
    loaded from the network."""
    import nbformat
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    from kequn.render.narration import for_reader, hidden_tags

    nb = nbformat.read(executed, as_version=4)
    lang = nb.metadata.get("papermill", {}).get("parameters", {}).get("lang", "zh")
    nb.cells = for_reader(nb.cells, lang)
    c = Config()
    c.TagRemovePreprocessor.remove_cell_tags = hidden_tags(lang)
    c.TagRemovePreprocessor.enabled = True
    c.HTMLExporter.exclude_input = True
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    exporter = HTMLExporter(
        config=c,
        template_name="kequn",  # lab without scripts from the network
        extra_template_basedirs=[str(Path(__file__).parents[1] / "render" / "templates")],
    )
    body, _ = exporter.from_notebook_node(nb)
    title = _first_heading(nb) or executed.stem
    body = re.sub(
        r"<title>.*?</title>", f"<title>{html.escape(title)}</title>", body, count=1, flags=re.S
    )
    body = re.sub(  # the page's language, for screen readers and fonts (nbconvert says "en")
        r"<html\b[^>]*>", f'<html lang="{"zh-CN" if lang == "zh" else "en"}">', body, count=1
    )
    body = body.replace("</head>", CSS + f"<style>{CARD_CSS}</style></head>", 1)
    body = with_csp(with_navigation(_mark_wide_images(body), lang))
    out = executed.with_suffix(".html")
    write_text_atomic(body, out)
    return out


_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)


def csp(page: str) -> str:
    """The page's Content-Security-Policy: no network, inline styles, ``data:`` images, and
    only the inline scripts the page holds now (sha256 of each)."""
    digests = {
        hashlib.sha256(body.encode("utf-8")).digest()
        for attrs, body in _SCRIPT.findall(page)
        if "src=" not in attrs.lower()
    }
    scripts = (
        " ".join(sorted(f"'sha256-{base64.b64encode(d).decode()}'" for d in digests)) or "'none'"
    )
    return (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        f"script-src {scripts}; base-uri 'none'; form-action 'none'"
    )


def with_csp(page: str) -> str:
    """``page`` with its Content-Security-Policy as the first element of ``<head>``; call it
    last, once every script is in place."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{csp(page)}">'
    return re.sub(r"<head\b[^>]*>", lambda m: m.group(0) + meta, page, count=1)


WIDE_PX = (
    800  # charts at least this wide (multi-panel) keep their size on a phone and scroll sideways
)
_PNG = re.compile(
    r'<img([^>]*?)class="([^"]*)"([^>]*?src="data:image/png;base64,([A-Za-z0-9+/]{32}))'
)


def _mark_wide_images(page: str) -> str:
    """Class ``kq-wide`` on embedded PNG charts at least ``WIDE_PX`` wide (read from the PNG
    header), so that on a phone they scroll sideways at full size like wide tables instead of
    shrinking until their labels cannot be read."""

    def mark(m):
        width = struct.unpack(">I", base64.b64decode(m.group(4))[16:20])[0]
        cls = (m.group(2) + " kq-wide").strip() if width >= WIDE_PX else m.group(2)
        return f'<img{m.group(1)}class="{cls}"{m.group(3)}'

    return _PNG.sub(mark, page)


def _first_heading(nb) -> str | None:
    """The page's title: its first heading, from a narration cell or a cell's output."""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("#"):
            return cell.source.lstrip("# \n").splitlines()[0]
        for o in cell.get("outputs", []):
            md = o.get("data", {}).get("text/markdown")
            if md and md.lstrip().startswith("#"):
                return md.lstrip("# ").splitlines()[0]
    return None


def _html(title: str, body: str, lang: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>'
        f"{CSS}<style>{CARD_CSS}</style></head><body>{body}</body></html>"
    )


def _page(title: str, body: str, lang: str) -> str:
    return with_csp(_html(title, body, lang))


def _index_page(title: str, body: str, lang: str) -> str:
    return with_csp(with_navigation(_html(title, body, lang), lang))


def _runs(reports: Path) -> list[Path]:
    return sorted(
        (
            p
            for p in reports.iterdir()
            if p.is_dir() and not p.is_symlink() and (p / "index.html").exists()
        ),
        key=lambda p: p.name,
    )


def publish_run(
    reports: Path,
    run: str,
    processed: Path,
    staging: Path | None = None,
    reid_file: Path | None = None,
) -> Path:
    """Write ``reports/<run>/index.html``, point ``reports/latest`` at it, list the runs.

    With ``staging`` (a run's pages built apart, ``kequn.run.runner.staging_dir``) the index is
    written there and the folder then replaces ``reports/<run>`` in one rename."""
    rdir = staging or reports / run
    params = (
        json.loads(RunFolder(processed).figures("profiling").read_text(encoding="utf-8"))
        if RunFolder(processed).figures("profiling").exists()
        else {}
    )
    lang = params.get("lang", "zh")
    quality_path = RunFolder(
        processed
    ).quality  # the run's currency: intake's, else stage 01's parameters
    cur = for_run(
        params,
        json.loads(quality_path.read_text(encoding="utf-8")) if quality_path.exists() else None,
    )
    h = params.get("headline", {})
    stages = sorted(p for p in rdir.glob("[0-9][0-9]_*.html"))
    terms = (  # the glossary closes the summary page
        f"<li id='terms-link'><a href='06_summary.html#glossary'>{t('index.terms', lang)}</a></li>"
        if (rdir / "06_summary.html").exists()
        else ""
    )
    title = f"{t('index.title', lang)} · {run}"
    items = "".join(
        f'<li><a href="{_href(p.name)}">{html.escape(_stage_title(p))}</a></li>' for p in stages
    )
    figures = ""
    if h:
        rows = [
            ("h.customers", fmt_int(h["customers"], lang)),
            ("h.active_90d", fmt_int(h["active_90d"], lang)),
            ("h.revenue", fmt_money(h["revenue"], lang)),
        ]
        if h.get("top20_share") is not None:
            rows.append(("h.top20_share", fmt_pct(h["top20_share"], lang)))
        from kequn.lang.glossary import headline_basis

        basis = headline_basis(processed, lang)  # what each figure is over (glossary)
        figures = (
            "<table class='kq-facts'>"
            + "".join(
                f"<tr><th>{t(k, lang, cur)}<br><small class='basis'>"
                f"{html.escape(basis.get(k[2:], ''))}</small></th><td>{v}</td></tr>"
                for k, v in rows
            )
            + "</table>"
        )
    prev = earlier_runs(reports, run, "index.html")
    prev_txt = (
        f"<p>{t('index.previous', lang)}: <a href='../{_href(prev[-1].name)}/index.html'>"
        f"{html.escape(prev[-1].name)}</a></p>"
        if prev
        else ""
        if RunFolder(processed).figures("summary").exists()
        else f"<p>{t('index.previous_none', lang)}</p>"
    )
    actions = ""
    # action lists with the customers' CRM ids (kequn.data.crm), one file per action, CSV and .xlsx
    lists = crm.write_lists(processed, rdir / "actions", reid_file, lang)
    if lists:
        actions = (
            f"<h2 id='actions-title'>{t('index.actions', lang)}</h2><ul id='actions'>"
            + "".join(
                f'<li><a href="actions/{_href(p.name)}">'
                f"{html.escape(t(f'action.{p.stem}', lang))}</a> ({html.escape(p.name)}, "
                + (
                    f'<a href="actions/{_href(p.stem)}.xlsx">.xlsx</a>)</li>'
                    if p.with_suffix(".xlsx").exists()
                    else f"{html.escape(t('index.csv_only', lang).format(rows=crm.EXCEL_ROWS - 1))})</li>"
                )
                for p in lists
            )
            + "</ul>"
        )
    summary = (
        json.loads(RunFolder(processed).figures("summary").read_text(encoding="utf-8"))
        if RunFolder(processed).figures("summary").exists()
        else {}
    )
    changes = overview = ""
    if summary:  # stage 06 ran: its headline (with changes), what changed and the segment cards lead the page
        figures = summary["headline_html"]
        # this period's priorities and the segment map open the page (kequn.models.priorities)
        if summary.get("priorities_html"):
            overview += (
                f"<h2 id='priorities-title'>{t('index.priorities', lang)}</h2>"
                f"{summary['priorities_html']}"
            )
        if summary.get("map_html"):
            overview += f"<h2 id='map-title'>{t('index.map', lang)}</h2>{summary['map_html']}"
        if summary.get("changes_html"):
            changes = (
                f"<h2 id='changes-title'>{t('index.changes', lang)}</h2>{summary['changes_html']}"
                f"<p><a href='06_summary.html'>{t('sum.changes_more', lang)}</a></p>"
            )
        cards = (
            f"<h2 id='cards-title'>{t('sum.cards', lang)}</h2><p>{t('sum.cards_note', lang)}</p>"
            f"<div id='cards'>{summary['cards_html']}</div>"
        )
    else:
        figures, cards = f"<div class='card' id='headline'>{figures}</div>", ""
    quality = (
        json.loads(RunFolder(processed).quality.read_text(encoding="utf-8"))
        if RunFolder(processed).quality.exists()
        else {}
    )
    notes = caveats(quality, TABLES, lang) if quality else []
    notes_html = (
        (
            f"<details id='caveats' class='kq-caveats'><summary>{t('cav.count', lang).format(n=len(notes))}</summary><ul>"
            + "".join(f"<li>{html.escape(n)}</li>" for n in notes)
            + "</ul></details>"
        )
        if notes
        else ""
    )
    body = (
        f"<h1>{html.escape(title)}</h1><p>{t('as_of', lang)}: {html.escape(str(h.get('as_of', '')))}</p>"
        f"{overview}{figures}{notes_html}{prev_txt}{changes}"
        f"<h2 id='stages-title'>{t('index.stages', lang)}</h2><ul id='stages'>{items}{terms}</ul>"
        f"{actions}{cards}"
    )
    write_text_atomic(_index_page(title, body, lang), rdir / "index.html")
    if staging is not None:
        from kequn.run.runner import swap_in

        swap_in(staging, reports / run)
    point_latest(reports, run, lang)
    return reports / run / "index.html"


def point_latest(reports: Path, run: str, lang: str | None = None) -> None:
    """Point ``reports/latest`` at a finished run (atomic symlink swap) and list the runs,
    in the run's language unless ``lang`` is given."""
    index = reports / run / "index.html"
    if not index.exists():
        raise FileNotFoundError(f"{reports / run} has no index.html: the run did not finish")
    if lang is None:
        lang = "en" if '<html lang="en"' in index.read_text(encoding="utf-8")[:300] else "zh"
    tmp = reports / f".latest.{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(run, tmp)
    os.replace(tmp, reports / "latest")
    runs = _runs(reports)
    lis = "".join(
        f'<li><a href="{_href(p.name)}/index.html">{html.escape(p.name)}</a></li>'
        for p in reversed(runs)
    )
    body = f"<h1>{t('index.runs', lang)}</h1><ul>{lis or t('index.none', lang)}</ul>"
    write_text_atomic(_page(t("index.runs", lang), body, lang), reports / "index.html")


def _href(name: str) -> str:
    """A file or run name as a relative link: percent-encoded, then HTML-escaped."""
    return html.escape(quote(name))


def _stage_title(p: Path) -> str:
    m = re.search(
        r"<title>(.*?)</title>", p.read_text(encoding="utf-8", errors="replace")[:20000], re.S
    )
    return html.unescape(m.group(1)) if m else p.stem
