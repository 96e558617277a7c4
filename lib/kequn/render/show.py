"""Display helpers for notebooks: headings from the catalogue and readable tables.

Stakeholder HTML hides code, so every heading a reader sees is printed by a cell from the
message catalogue (in the run's language), and tables are formatted here once: shares as
percentages, money with separators, long tables scrollable. Values from the data (cells,
labels, words inside sentences) are escaped wherever they reach HTML: a category named
``<script>…`` shows as that text and never runs.
"""

from __future__ import annotations

import hashlib
import html

import pandas as pd
from IPython.display import HTML, Markdown, display

from kequn.lang.i18n import t

_SHARE_WORDS = ("share", "占比", "completeness", "validity", "完整性", "有效性", "rate", "率")


def heading(key: str, lang: str, level: int = 2) -> None:
    display(Markdown(f"{'#' * level} {t(key, lang)}"))


def text(key: str, lang: str) -> None:
    display(Markdown(t(key, lang)))


def md_escape(s) -> str:
    """``s`` safe inside Markdown: HTML special characters become entities and link
    brackets are escaped (Markdown passes raw HTML and ``[x](javascript:…)`` through);
    ``**bold**`` and `` `code` `` still work."""
    return html.escape(str(s), quote=False).replace("[", "\\[").replace("]", "\\]")


def markdown(s: str) -> None:
    """A sentence composed in lib (already in the report's language), often with values from
    the data in it: shown as text, with Markdown emphasis but no HTML or links."""
    display(Markdown(md_escape(s)))


def _format(df: pd.DataFrame, pct=()) -> dict:
    fmt = {}
    for c in df.columns:
        if not pd.api.types.is_numeric_dtype(df[c]):
            continue
        name = str(c).lower()
        if c in pct or any(w in name for w in _SHARE_WORDS):
            fmt[c] = "{:.1%}"
        elif pd.api.types.is_integer_dtype(df[c]):
            fmt[c] = "{:,}"
        elif df[c].abs().max() < 10:  # scores and coefficients (Jaccard, d, means of 1–7 scales)
            fmt[c] = "{:,.2f}"
        else:
            fmt[c] = "{:,.1f}"
    return fmt


def _missing(v) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v)


def _as_text(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every non-numeric cell as ``str`` (Styler escapes strings only, not the
    lists or objects whose ``str`` it shows) and the axis names escaped (Styler never
    escapes those)."""
    out = df.copy()
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if not pd.api.types.is_numeric_dtype(col):
            text = col.astype(object).map(
                lambda v: v if isinstance(v, str) or _missing(v) else str(v)
            )
            out.isetitem(i, text)
    for axis in (out.index, out.columns):
        axis.names = [None if n is None else html.escape(str(n)) for n in axis.names]
    return out


def table(df: pd.DataFrame, max_rows: int = 40, index: bool = False, pct=()) -> None:
    """Show ``df`` formatted (shares — columns named so, or listed in ``pct`` — as %, numbers
    with separators), at most ``max_rows``; cells and labels HTML-escaped."""
    if df is None or df.empty:
        display(Markdown("—"))
        return
    shown = df.head(max_rows)
    fmt = _format(shown, pct)
    shown = _as_text(shown)
    sty = shown.style.format(fmt, na_rep="—", escape="html")
    sty = sty.format_index(escape="html", axis=0).format_index(escape="html", axis=1)
    sty = sty.set_uuid(
        hashlib.sha1(shown.to_csv().encode()).hexdigest()[:8]
    )  # same page for the same data
    text_cols = [c for c in shown.columns if not pd.api.types.is_numeric_dtype(shown[c])]
    if text_cols:  # numbers align right, words left
        sty = sty.set_properties(subset=text_cols, **{"text-align": "left"})
        sty = sty.set_table_styles(
            [
                {
                    "selector": f"th.col_heading.col{shown.columns.get_loc(c)}",
                    "props": "text-align: left",
                }
                for c in text_cols
            ],
            overwrite=False,
        )
    if not index:
        sty = sty.hide(axis="index")
    display(HTML(f'<div class="kq-table">{sty.to_html()}</div>'))


def facts(pairs: dict) -> None:
    """A two-column list of label → value (inputs, parameters)."""
    rows = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
        for k, v in pairs.items()
    )
    display(HTML(f'<table class="kq-facts inputs">{rows}</table>'))


def html_block(fragment: str) -> None:
    """An HTML fragment composed (and escaped) in lib, such as the summary's segment cards."""
    display(HTML(fragment))


def caveats(items: list[str], lang: str) -> None:
    """The report's data-quality caveats, up front under the inputs (id ``caveats``)."""
    body = (
        ("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>")
        if items
        else f"<p>{html.escape(t('cav.none', lang))}</p>"
    )
    display(
        HTML(
            f'<div id="caveats" class="kq-caveats"><strong>{html.escape(t("cav.title", lang))}</strong>{body}</div>'
        )
    )
