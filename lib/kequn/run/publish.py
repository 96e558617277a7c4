"""Stakeholder HTML: executed notebooks rendered without code, and the run's index page.

The shell every page shares (styles, Content-Security-Policy) is ``kequn.run.page_shell``;
``reports/latest`` and the list of runs are ``kequn.run.latest``, which only ``publish_run``
(after every stage succeeded) and a run with nothing to redo move.
"""

from __future__ import annotations

import base64
import functools
import html
import json
import re
import struct
from pathlib import Path

from kequn.data import crm
from kequn.data.files import write_text_atomic
from kequn.data.paths import RunFolder
from kequn.data.runs import earlier_runs
from kequn.lang.currency import for_run
from kequn.lang.i18n import fmt_int, fmt_money, fmt_pct, t
from kequn.models.profiling import caveats
from kequn.render.navigation import with_navigation
from kequn.run.latest import href as _href
from kequn.run.latest import point_latest
from kequn.run.page_shell import CARD_CSS, CSS, with_csp
from kequn.run.page_shell import html_page as _html
from kequn.stages.summary import TABLES


def render_html(executed: Path) -> Path:
    """HTML beside the executed notebook: outputs and report text only, no code, no
    analyst-only cells (tag ``analyst``), narration only in the run's language (the other
    language's ``lang-xx`` cells dropped, ``kequn.render.narration``), images embedded, nothing
    loaded from the network."""
    import nbformat

    from kequn.render.narration import for_reader

    nb = nbformat.read(executed, as_version=4)
    lang = nb.metadata.get("papermill", {}).get("parameters", {}).get("lang", "zh")
    nb.cells = for_reader(nb.cells, lang)
    body, _ = _exporter(lang).from_notebook_node(nb)
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


@functools.lru_cache(maxsize=4)
def _exporter(lang: str):
    """The page exporter for ``lang``, built once a process (its templates loaded and
    compiled). The notebook is validated once, after all preprocessors, instead of after each:
    each validation compiles nbformat's schema anew (``relax_add_props``), ~0.05 s, which with
    a dozen preprocessors was 0.6 s a page, most of the rendering (nbconvert #1663)."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    from kequn.render.narration import hidden_tags

    c = Config()
    c.TagRemovePreprocessor.remove_cell_tags = hidden_tags(lang)
    c.TagRemovePreprocessor.enabled = True
    c.HTMLExporter.exclude_input = True
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    c.HTMLExporter.optimistic_validation = True
    return HTMLExporter(
        config=c,
        template_name="kequn",  # lab without scripts from the network
        extra_template_basedirs=[str(Path(__file__).parents[1] / "render" / "templates")],
    )


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


def _index_page(title: str, body: str, lang: str) -> str:
    return with_csp(with_navigation(_html(title, body, lang), lang))


def _profiling_figures(processed: Path) -> dict:
    p = RunFolder(processed).figures("profiling")
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else {}


def write_run_lists(
    processed: Path,
    rdir: Path,
    reid_file: Path | None,
    names: tuple[str, ...] = crm.LISTS,
    lang: str | None = None,
) -> list[Path]:
    """The run's action lists ``names`` with CRM ids into ``rdir/actions``
    (``crm.write_lists``), in ``lang`` (None: the run's language, as stage 01 recorded it); the
    CSV files written."""
    lang = lang or _profiling_figures(processed).get("lang", "zh")
    return crm.write_lists(processed, rdir / "actions", reid_file, lang, names=names)


def publish_run(
    reports: Path,
    run: str,
    processed: Path,
    staging: Path | None = None,
    reid_file: Path | None = None,
    lists: list[Path] | None = None,
) -> Path:
    """Write ``reports/<run>/index.html``, point ``reports/latest`` at it, list the runs.

    With ``staging`` (a run's pages built apart, ``kequn.run.runner.staging_dir``) the index is
    written there and the folder then replaces ``reports/<run>`` in one rename. ``lists``: the
    action lists when already written into the folder (``write_run_lists``), else written here."""
    rdir = staging or reports / run
    params = _profiling_figures(processed)
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
    if lists is None:
        lists = write_run_lists(processed, rdir, reid_file)
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


def _stage_title(p: Path) -> str:
    m = re.search(
        r"<title>(.*?)</title>", p.read_text(encoding="utf-8", errors="replace")[:20000], re.S
    )
    return html.unescape(m.group(1)) if m else p.stem
