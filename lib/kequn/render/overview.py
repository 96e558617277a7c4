"""The index's opening pictures as HTML: this period's priorities with their value at stake as
bars, and the segment map (one bubble per segment). Figures in, HTML out; the ranking itself is
``kequn.models.priorities``."""

from __future__ import annotations

import base64
import html
import io

import numpy as np
import pandas as pd

from kequn.lang.glossary import settings_basis
from kequn.lang.i18n import fmt_money, t


def _img(fig, alt: str, id_: str) -> str:
    """The figure as an embedded PNG; its alternative text is ``alt`` and what the chart says
    in words (``plotting.figure_text``)."""
    import matplotlib.pyplot as plt

    from kequn.render.plotting import _STATE, figure_text

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    words = figure_text(fig)
    plt.close(fig)
    alt = f"{alt}{'：' if _STATE['lang'] == 'zh' else ': '}{words}" if words else alt
    return (
        f"<img id='{id_}' class='kq-overview' alt='{html.escape(alt, quote=True)}' "
        f"src='data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}'>"
    )


def priorities_html(
    prios: pd.DataFrame, lang: str, basis: str = "margin", settings: dict | None = None
) -> str:
    """The priorities as an ordered list (id ``priorities``), each with its figure and a link
    to its action list, the ranking rule under it (on the run's ``settings``,
    ``glossary.settings_basis``) and the value at stake as bars."""
    if prios.empty:
        return ""
    from kequn.render import plotting

    plotting.setup(lang)  # the CJK font, also outside a notebook
    items = "".join(
        f"<li><b>{html.escape(r.text)}</b>：{html.escape(r.basis)} "
        f"<a class='prio-list' href='actions/{html.escape(r.action)}.csv'>"
        f"{html.escape(t(f'action.{r.action}', lang))}</a></li>"
        if lang == "zh"
        else f"<li><b>{html.escape(r.text)}</b>: {html.escape(r.basis)} "
        f"<a class='prio-list' href='actions/{html.escape(r.action)}.csv'>"
        f"{html.escape(t(f'action.{r.action}', lang))}</a></li>"
        for r in prios.itertuples()
    )
    rule = t("prio.rule", lang).format(
        **(settings or settings_basis()), clv=t(f"prio.clv.{basis}", lang)
    )
    fig = plotting.value_bars(
        [f"{r.rank}. {r.short}" for r in prios.itertuples()],
        prios["value"].tolist(),
        t("prio.chart", lang).format(clv=t(f"prio.clv.{basis}", lang)),
        lambda v: fmt_money(v, lang),
    )
    return (
        f"<div id='priorities' class='card'><ol>{items}</ol>"
        f"<p class='attract-basis'>{html.escape(rule)}</p>"
        f"{_img(fig, t('prio.chart_alt', lang), 'priority-bars')}</div>"
    )


def segment_map_html(cards: pd.DataFrame, lang: str, settings: dict | None = None) -> str:
    """One bubble per segment (customers × spend per customer; size = revenue share, colour =
    risk of no purchase in the run's window, ``settings``), labelled with its rank and name
    (id ``segment-map``); "" without value figures."""
    need = {"customers", "revenue_share", "churn_risk", "segment_name", "spend_mean"}
    if cards.empty or not need <= set(cards.columns):
        return ""
    from kequn.render import plotting

    plotting.setup(lang)
    settings = settings or settings_basis()
    c = cards.sort_values("rank", na_position="last") if "rank" in cards else cards.copy()
    ranks = c["rank"] if "rank" in c else pd.Series(np.nan, index=c.index)
    label = [str(int(r)) if pd.notna(r) else str(int(s)) for r, s in zip(ranks, c["segment"])]
    names = [f"{lab} {n}" for lab, n in zip(label, c["segment_name"].astype(str))]
    fig = plotting.segment_bubbles(
        c["customers"].to_numpy(),
        c["spend_mean"].to_numpy(),
        c["revenue_share"].to_numpy(),
        c["churn_risk"].to_numpy(),
        label,
        names,
        title=t("map.title", lang),
        xlabel=t("map.x", lang),
        ylabel=t("map.y", lang),
        colour=t("map.colour", lang).format(**settings),
    )
    note = t("map.note", lang).format(**settings)
    return (
        f"<div id='segment-map'><p>{html.escape(note)}</p>"
        f"{_img(fig, t('map.title', lang), 'segment-map-img')}</div>"
    )
