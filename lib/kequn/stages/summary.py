"""Stage 06: what stakeholders read first, as ``notebooks/06_summary.ipynb`` shows it, one call per
section, in the report's language: the headline figures with the change since the previous run of
the same data set, this period's priorities, the segment map, the attractiveness ranking, one card
per segment (who, how big, what worth, where in the lifecycle, what they need, how they feel, what
to do), what changed, the glossary; and ``summary.json``, from which ``publish`` builds the index.

The figures come from ``kequn.models.summary`` (run inputs, headline, changes, rising topics) and
``kequn.models.segment_cards`` (the cards, their facts and plans, the ranking), which read only
what the earlier stages wrote into the run's folder; here they become HTML fragments and sections.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass

import pandas as pd

from kequn.data.io import write_text_atomic
from kequn.data.paths import RunFolder, resolve
from kequn.lang.i18n import fmt_int, fmt_money, fmt_pct, t
from kequn.models.segment_cards import attractiveness_ranking, card_basis, facts, plan
from kequn.models.summary import Changes, Headline, RisingTopics, RunInputs, read_figures
from kequn.render.section import Section

TABLES = ("customers", "orders", "events", "feedback", "kano")


# ---- HTML fragments: the index page embeds them (summary.json)


def cards_html(cards: pd.DataFrame, lang: str, note: str = "") -> str:
    """The segment cards as HTML (ids ``segment-<n>``), most attractive first; ``note`` (the
    ranking's formula and weights, ``segment_cards.attractiveness_note``) above them; each card's
    rows are ``segment_cards.facts`` and its plan ``segment_cards.plan``."""
    if cards.empty:
        return f"<p>{t('card.none', lang)}</p>"
    order = cards.sort_values(["rank", "segment"], na_position="last") if "rank" in cards else cards
    blocks = []
    for _, c in order.iterrows():
        rows = "".join(
            f"<tr><th>{html.escape(t(k, lang))}</th><td>{html.escape(what).replace(chr(10), '<br>')}</td>"
            f"<td class='why'>{html.escape(why)}</td></tr>"
            for k, what, why in plan(c, lang)
        )
        who = (
            f"<p class='portrait'>{html.escape(c['portrait'])}</p>"
            if isinstance(c.get("portrait"), str)
            else ""
        )
        about = "".join(
            f"<tr><th>{html.escape(t(k, lang))}</th><td>{html.escape(v)}</td></tr>"
            for k, v in facts(c, lang)
            if not (who and k == "card.f.size")
        )  # stage 02's portrait opens with the size
        rank = (
            ""
            if pd.isna(c.get("rank"))
            else f"{t('card.rank_label', lang).format(rank=int(c['rank']))} · "
        )
        seg_id = t("card.seg_id", lang).format(n=int(c["segment"]))
        blocks.append(
            f"<div class='card' id='segment-{int(c['segment'])}'><h3>{rank}"
            f"{html.escape(str(c['segment_name']))} <span class='seg-id'>{seg_id}</span></h3>{who}"
            f"<table class='kq-facts plan'>{about}</table>"
            f"<h4>{t('card.plan', lang)}</h4><table class='kq-facts plan'>{rows}</table></div>"
        )
    basis = f"<p class='attract-basis' id='attract-basis'>{html.escape(note)}</p>" if note else ""
    terms = f"<p class='terms' id='card-terms'>{html.escape(t('card.terms', lang))}</p>"
    return basis + terms + "".join(blocks)


def _basis_span(basis) -> str:
    """A headline figure's basis under its label ("" when none)."""
    return (
        f"<br><small class='basis'>{html.escape(basis)}</small>"
        if isinstance(basis, str) and basis
        else ""
    )


def headline_html(head: Headline, lang: str) -> str:
    """The headline figures with their change since the previous run (id ``headline``)."""
    table, previous = head.table, head.previous

    def show(v, kind):
        if v is None or pd.isna(v):
            return "—"
        return {
            "int": fmt_int(v, lang),
            "money": fmt_money(v, lang),
            "pct": fmt_pct(v, lang),
            "nps": f"{v:+.0f}",
        }[kind]

    def delta(r):
        if r["change"] is None or pd.isna(r["change"]):
            return ""
        unit = {"pct": t("card.points", lang), "nps": t("card.points", lang)}.get(r["kind"], "")
        c = 0.0 if abs(r["change"]) < 0.05 else r["change"]  # no "-0" from rounding noise
        num = f"{c:+,.1f}" if r["kind"] in ("pct", "nps") else f"{c:+,.0f}"
        return f"{num}{unit}"

    rows = "".join(
        f"<tr><th>{html.escape(t(f'h.{r.key}', lang))}"
        f"{_basis_span(getattr(r, 'basis', ''))}</th><td>{show(r.value, r.kind)}</td>"
        f"<td>{delta(r._asdict())}</td></tr>"
        for r in table.itertuples()
    )
    head = (
        f"<tr><th></th><th>{t('card.now', lang)}</th>"
        f"<th>{html.escape(t('card.change', lang).format(run=previous))}</th></tr>"
        if previous
        else ""
    )
    note = "" if previous else f"<p>{t('index.previous_none', lang)}</p>"
    return (
        f"<div class='card' id='headline'><table class='kq-facts'>{head}{rows}</table>{note}</div>"
    )


def changes_html(ch: Changes, topics: RisingTopics, lang: str, top: int = 3) -> str:
    """What changed since the previous run, in a few sentences for the index page (id
    ``changes``): the segments that grew or shrank most, customers who slipped from high value,
    new and rising complaint topics (those compare months within this run, so the first run has
    them too; the headline says when there is no previous run)."""
    items = []
    if ch.sizes is not None:
        sz = ch.sizes.assign(delta=lambda d: d["now"] - d["before"])
        moved = sz.loc[sz["delta"].abs().nlargest(top).index]
        moved = moved[moved["delta"] != 0]
        items.append(
            t("sum.size_moves", lang).format(
                moves=", ".join(f"{m.segment_name} {m.delta:+,}" for m in moved.itertuples())
            )
            if len(moved)
            else t("sum.size_same", lang)
        )
    if ch.slipped is not None:
        items.append(t("sum.slipped", lang).format(n=fmt_int(ch.slipped, lang)))
    sep = "、" if lang == "zh" else ", "
    if topics.new:
        items.append(t("sum.new_topics", lang).format(topics=sep.join(topics.new)))
    items.append(
        t("sum.rising", lang).format(topics=sep.join(topics.rising))
        if topics.rising
        else t("sum.rising_none", lang)
    )
    return (
        "<div id='changes'><ul>"
        + "".join(f"<li>{html.escape(i)}</li>" for i in items)
        + "</ul></div>"
    )


def save_summary(
    processed_dir,
    run: str,
    lang: str,
    head: Headline,
    cards: pd.DataFrame,
    changes: str = "",
    attract_note: str = "",
    priorities: str = "",
    segment_map: str = "",
) -> dict:
    """Write the headline, what changed (``changes_html``) and the cards (with the ranking's
    formula, ``attract_note``) as HTML fragments into ``summary.json`` (the index page embeds
    them) with the figures a check needs; ``priorities`` and ``segment_map``
    (``kequn.models.priorities``) open the index."""
    summary = {
        "run": run,
        "lang": lang,
        "previous": head.previous,
        "headline_html": headline_html(head, lang),
        "changes_html": changes,
        "cards_html": cards_html(cards, lang, attract_note),
        "priorities_html": priorities,
        "map_html": segment_map,
        "segments": int(len(cards)),
    }
    write_text_atomic(
        json.dumps(summary, ensure_ascii=False, indent=1),
        RunFolder.of(processed_dir).figures("summary"),
    )
    return summary


@dataclass(frozen=True, eq=False)
class RankingTable:
    """The attractiveness ranking as the page shows it: ``table`` (labels in the report's
    language) and ``pct``, the labels of its columns that are shares (shown as %)."""

    table: pd.DataFrame
    pct: list[str]


def attractiveness_table(cards: pd.DataFrame, lang: str, processed_dir=None) -> RankingTable:
    """Segments ranked by attractiveness (``segment_cards.attractiveness_ranking``) with the
    figures a choice of target segments weighs, and the score (when ``processed_dir`` holds
    stage 02's figures)."""
    if cards.empty:
        return RankingTable(cards, [])
    c = cards.sort_values(["rank", "segment"], na_position="last")
    basis = card_basis(c.iloc[0])
    clustering = (
        read_figures(RunFolder.of(processed_dir).figures("clustering"))
        if processed_dir is not None
        else {}
    )
    ranking = attractiveness_ranking(cards, clustering)
    out = pd.DataFrame(
        {
            t("seg.rank", lang): c["rank"],
            t("v.segment", lang): [
                f"{int(s)} · {n}" for s, n in zip(c["segment"], c["segment_name"])
            ],
            t("customers", lang): c["customers"],
            t("card.share", lang): c["share"],
        }
    )
    for col, key in (
        ("revenue_share", "card.revenue_share"),
        ("clv_mean", "h.clv_mean"),
        ("high_value_share", "card.high_value"),
        ("churn_risk", "card.churn_risk"),
        ("nps", "h.nps"),
    ):
        if col in c:
            label = t(key, lang).format(**basis)
            out[label] = c[col].round(1) if col in ("clv_mean", "nps") else c[col]
    if ranking is not None:
        by_segment = ranking.table.set_index("segment")
        if ranking.table["growth"].notna().any():
            out[t("seg.growth", lang)] = [
                ("—" if pd.isna(v) else f"{v:+.1%}") for v in c["segment"].map(by_segment["growth"])
            ]
        out[t("seg.score", lang)] = c["segment"].map(by_segment["score"]).round(2).to_numpy()
    shares = ("card.share", "card.revenue_share", "card.high_value", "card.churn_risk")
    return RankingTable(out, [x for x in (t(k, lang).format(**basis) for k in shares) if x in out])


@dataclass(frozen=True, eq=False)
class Overview:
    """What opens the index: this period's ``priorities`` (``kequn.models.priorities``), their
    HTML with the bars (``priorities_html``) and the segment map's HTML (``map_html``)."""

    priorities: pd.DataFrame
    priorities_html: str
    map_html: str


def overview(processed_dir, cards: pd.DataFrame, lang: str) -> Overview:
    """The priorities and the segment map of a run, for the index and this page."""
    from kequn.lang.glossary import settings_basis
    from kequn.models.priorities import clv_basis, priorities
    from kequn.render.overview import priorities_html, segment_map_html

    prios = priorities(processed_dir, lang)
    settings = settings_basis(resolve(processed_dir))
    return Overview(
        prios,
        priorities_html(prios, lang, clv_basis(processed_dir), settings),
        segment_map_html(cards, lang, settings),
    )


# --- sections: what the notebook shows, one call per section (kequn.render.section) -----------


def inputs_section(inputs: RunInputs, lang: str) -> Section:
    """What the summary stands on (``summary.run_inputs``: the run, its as-of date, the previous
    run it is compared with, which stages ran) and the run's data caveats."""
    from kequn.models.profiling import caveats

    ran = [t(f"{stage}.title", lang) for stage in inputs.stages_ran]
    facts = {
        t("run", lang): inputs.run,
        t("as_of", lang): inputs.as_of or "—",
        t("index.previous", lang): inputs.previous or "—",
        t("sum.stages_ran", lang): ("、" if lang == "zh" else ", ").join(ran) or "—",
    }
    return Section().facts(facts).caveats(caveats(inputs.quality, TABLES, lang), lang)


def headline_section(head: Headline, lang: str) -> Section:
    """The headline figures and their change since the previous run."""
    return Section().html(headline_html(head, lang))


def fragment_section(fragment: str) -> Section:
    """An HTML fragment built for the index too (priorities, the segment map); nothing when
    the run has none."""
    sec = Section()
    if fragment:
        sec.html(fragment)
    return sec


def attractiveness_section(cards: pd.DataFrame, note: str, processed_dir, lang: str) -> Section:
    """Segments ranked by attractiveness, with the formula and weights (``note``)."""
    sec = Section().text("sum.attr_note", lang)
    ranking = attractiveness_table(cards, lang, processed_dir)
    sec.table(ranking.table, pct=ranking.pct)  # shares shown as %
    if note:
        sec.markdown(note)
    return sec


def cards_section(cards: pd.DataFrame, lang: str) -> Section:
    """One card per segment with its portrait, figures and service plan."""
    return Section().text("sum.cards_note", lang).html(cards_html(cards, lang))


def changes_section(ch: Changes, changes: str, lang: str) -> Section:
    """What changed since the previous run: the summary (``changes_html``), segment sizes
    before and now, the migration between value tiers."""
    from kequn.render import plotting

    sec = Section().html(changes)
    if ch.sizes is not None:
        sec.heading("sum.sizes", lang, level=3)
        sec.table(
            ch.sizes.rename(
                columns={
                    "segment_name": t("v.segment", lang),
                    "before": t("sum.before", lang),
                    "now": t("sum.now", lang),
                }
            )
        )
    if ch.tiers is not None:
        tiers = ch.tiers.copy()
        tiers.index = [t(f"tier.{x}", lang) for x in tiers.index]
        tiers.columns = [t(f"tier.{x}", lang) for x in tiers.columns]
        sec.chart(
            plotting.heatmap,
            tiers,
            t("sum.tiers", lang),
            t("sum.now", lang),
            t("sum.before", lang),
        )
    return sec


def glossary_section(processed_dir, lang: str) -> Section:
    """The terms the pages use, one definition each, with what each figure is over."""
    from kequn.lang import glossary

    sec = Section().text("glossary.intro", lang)
    return sec.html(glossary.html(lang, **glossary.run_basis(processed_dir)))
