"""Stage 05 glue: the sections of ``notebooks/05_feedback.ipynb`` as one call each, in the
report's language, and the reading and writing around them.

Every figure is computed in ``kequn.models`` (``text``: cleaning and language; ``sentiment_model``:
the sentiment of every text; ``topics``: topics, keywords and trends; ``satisfaction``: NPS,
CSAT and their drivers; ``complaints``: complaint handling and who has a voice; ``feedback``:
the alert list and the stage's figures); here they become headings, sentences, tables and
charts. Writes the scored feedback and the stage's figures into the run's folder and the alert
list into its ``actions`` (names: ``kequn.data.paths.RunFolder``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kequn.data.io import write_table_atomic
from kequn.data.paths import RunFolder
from kequn.data.settings import FeedbackSettings
from kequn.lang.i18n import fmt_int, fmt_p, fmt_pct, t
from kequn.models import complaints, feedback, satisfaction, sentiment, text, topics
from kequn.models.clustering import segment_label
from kequn.models.sentiment_model import SentimentRun, score_feedback
from kequn.models.value import TIERS
from kequn.render.section import Section


def load(processed_dir) -> pd.DataFrame | None:
    """The run's feedback with the customer's segment, tier and CLV when those stages ran;
    None when the export has no feedback. A complaint's rating moves to ``handling_rating``
    (``complaints.rating_apart``)."""
    run = RunFolder.of(processed_dir)
    if not run.table("feedback").exists():
        return None
    fb = complaints.rating_apart(pd.read_parquet(run.table("feedback")))
    for path, cols in ((run.segments, ["segment", "segment_name"]), (run.value, ["tier", "clv"])):
        if path.exists():
            fb = fb.merge(
                pd.read_parquet(path, columns=["customer_id"] + cols), on="customer_id", how="left"
            )
    return fb


HANDLING = ("first_response_at", "resolved_at", "status")


def missing_notes(fb: pd.DataFrame, section: str, lang: str) -> list[str]:
    """Sentences saying which step of ``section`` (texts, satisfaction, complaints, drivers,
    alerts) the feedback export's missing optional columns leave out, and which column would
    enable it; [] when nothing is missing. Nothing is estimated in their place."""
    has = set(fb.columns)
    out = []
    if section in ("texts", "drivers", "alerts") and "text" not in has:
        out.append(t("f.no_text", lang))
    if section == "satisfaction":
        if not has & {"nps", "rating"}:
            out.append(t("f.no_scores", lang))
        elif "nps" not in has:
            out.append(t("f.no_nps", lang))
        elif "rating" not in has:
            out.append(t("f.no_rating", lang))
        if "channel" not in has:
            out.append(t("f.no_channel", lang))
    if section in ("complaints", "alerts") and "kind" not in has:
        out.append(t("f.no_kind", lang))
    if section == "complaints" and "kind" in has and set(HANDLING) - has:
        out.append(
            t("f.no_handling", lang).format(cols=", ".join(c for c in HANDLING if c not in has))
        )
    if section == "drivers" and "nps" not in has:
        out.append(t("f.drivers_no_nps", lang))
    return out


def intake_table(quality: dict, lang: str) -> pd.DataFrame:
    """What intake did to the feedback file (orphans dropped, ratings out of range set missing,
    answers dated before their complaint, contact details masked …), rows affected."""
    from kequn.models.profiling import cleaning_table

    return cleaning_table(
        {
            "cleaning": [
                c for c in quality.get("cleaning", []) if c["table"] == "feedback" and c["rows"]
            ]
        },
        lang,
    )


def keyword_table(fb: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``topics.keywords_by_language``: the commonest content words per language (zh, en),
    with the share of that language's texts that use them."""
    kw = topics.keywords_by_language(fb)
    if kw.empty:
        return pd.DataFrame()
    return pd.DataFrame(
        {
            t("f.language", lang): [t(f"lang.{lg}", lang) for lg in kw["language"]],
            t("f.keyword", lang): kw["word"],
            t("share_of_texts", lang): kw["share"],
        }
    )


def too_few_notes(fb: pd.DataFrame, what: str, lang: str) -> list[str]:
    """Sentences naming each language (zh, en) with some texts but fewer than the minimum for
    ``what`` ("keywords": ``topics.KEYWORD_MIN_TEXTS``, "topics": ``topics.TOPIC_MIN_TEXTS``):
    nothing is shown for it."""
    least = {"keywords": topics.KEYWORD_MIN_TEXTS, "topics": topics.TOPIC_MIN_TEXTS}[what]
    return [
        t(f"f.too_few_{what}", lang).format(
            language=t(f"lang.{lg}", lang), n=fmt_int(n, lang), min=fmt_int(least, lang)
        )
        for lg, n in topics.too_few(fb["language"], least).items()
    ]


def language_table(fb: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``text.language_shares``: texts and their share per language."""
    shares = text.language_shares(fb["language"])
    return pd.DataFrame(
        {
            t("f.language", lang): [t(f"lang.{k}", lang) for k in shares["language"]],
            t("f.texts", lang): shares["texts"].to_numpy(),
            t("share_of_texts", lang): shares["share"].to_numpy(),
        }
    )


def not_scored_note(sent: SentimentRun, lang: str) -> str:
    """How many texts got a sentiment label and how many did not, and why: the denominator of
    every sentiment share on the page."""
    ns = sent.not_scored
    note = t("f.sent_scored", lang).format(
        n=fmt_int(sent.scored, lang), emoji=fmt_int(sent.by_emoji, lang)
    )
    if sum(ns.values()):
        note += " " + t("f.sent_not_scored", lang).format(
            n=fmt_int(sum(ns.values()), lang),
            language=fmt_int(ns.get("language", 0), lang),
            signal=fmt_int(ns.get("signal", 0), lang),
        )
    return note


def sentiment_note(sent: SentimentRun, lang: str) -> str:
    """What the sentiment figures rest on, in the report's language."""

    def acc_auc(figs):
        return {
            "acc": fmt_pct(figs.get("accuracy_calibrated", figs["accuracy"]), lang),
            "auc": f"{figs['auc']:.3f}",
        }

    if sent.source == "ratings":
        note = t("f.sent_note", lang).format(
            n=fmt_int(sent.labelled, lang),
            th=f"{sent.threshold:.2f}",
            band=sentiment.NEUTRAL_BAND,
            **acc_auc(sent.figures),
        )
        return note + " " + t("f.sent_default_check", lang).format(**acc_auc(sent.default_figures))
    h = sentiment.DEFAULT_HELD_OUT
    note = t("f.sent_default", lang).format(
        n=fmt_int(sentiment.CORPUS_TEXTS, lang),
        zh1=fmt_pct(h["waimai"], lang),
        zh2=fmt_pct(h["online_shopping"], lang),
        en=fmt_pct(h["yelp"], lang),
        th=f"{sent.threshold:.2f}",
        band=sentiment.NEUTRAL_BAND,
    )
    if sent.figures:
        note += " " + t("f.sent_default_rated", lang).format(
            n=fmt_int(sent.labelled, lang), **acc_auc(sent.figures)
        )
    return note


def topic_table(fb: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``topics.topic_figures``: per topic texts, share, negative share, complaints."""
    figs = topics.topic_figures(fb)
    heads = {
        "topic": "f.topic",
        "texts": "f.texts",
        "share": "share_of_texts",
        "negative_share": "f.negative_share",
        "complaints": "f.complaint_count",
    }
    return figs.rename(columns={c: t(k, lang) for c, k in heads.items()})


def channel_name(value, lang: str) -> str:
    """Common channel codes (app, hotline, wechat …) in the report's language; others as written."""
    key = f"ch.{str(value).strip().lower()}"
    name = t(key, lang)
    return str(value) if name == key else name


def topic_trend_table(tr: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("f.topic", lang): tr["topic"],
            t("f.recent_share", lang): tr["recent"],
            t("f.before_share", lang): tr["before"],
            t("f.change_pts", lang): [
                f"{c:+.1f}" if abs(c) >= 0.05 else "0.0" for c in tr["change"]
            ],
            t("tr.p", lang): tr["p"].map(fmt_p),
            t("f.rising", lang): [
                t("f.new_yes", lang) if n else (t("f.rising_yes", lang) if r else "")
                for r, n in zip(tr["rising"], tr["new"])
            ],
        }
    )


def _in_tier_order(df: pd.DataFrame) -> pd.DataFrame:
    """Rows in the pyramid's order (key … small), not the alphabet's."""
    return df.set_index("tier").reindex([x for x in TIERS if x in set(df["tier"])]).reset_index()


def satisfaction_table(
    fb: pd.DataFrame, group: str, f: FeedbackSettings, lang: str, label=None
) -> pd.DataFrame:
    """NPS and CSAT per group with 95% intervals; figures from too few answers shown as "n < …"."""
    if group not in fb or fb[group].isna().all():
        return pd.DataFrame()
    g = satisfaction.by_group(fb, group, f.max_half_width, f.min_answers)
    if group == "tier":
        g = _in_tier_order(g)
    name = label or (lambda v: str(v))
    rows = []
    for r in g.itertuples():
        row = {t(f"f.by.{group}", lang): name(getattr(r, group))}
        for kind in ("nps", "csat"):
            if f"{kind}_n" not in g:
                continue
            n, v, lo, hi, shown = (
                getattr(r, f"{kind}_n"),
                getattr(r, kind),
                getattr(r, f"{kind}_low"),
                getattr(r, f"{kind}_high"),
                getattr(r, f"{kind}_shown"),
            )
            fmt = (lambda x: f"{x:+.0f}") if kind == "nps" else (lambda x: f"{100 * x:.0f}%")
            row[t(f"f.{kind}", lang)] = (
                f"{fmt(v)} ({fmt(lo)} – {fmt(hi)})" if shown else t("f.too_few", lang).format(n=n)
            )
            row[t(f"f.{kind}_n", lang)] = n
        rows.append(row)
    return pd.DataFrame(rows)


def drivers_table(dr: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``satisfaction.drivers`` with headers in the report's language."""
    return pd.DataFrame(
        {
            t("f.topic", lang): dr["topic"],
            t("f.effect", lang): dr["effect"].round(2),
            t("f.ci", lang): [f"{a:+.2f} – {b:+.2f}" for a, b in zip(dr["low"], dr["high"])],
            t("tr.p", lang): dr["p"].map(fmt_p),
            t("f.texts", lang): dr["texts"],
        }
    )


def complaint_facts(
    fb: pd.DataFrame, as_of, f: FeedbackSettings, lang: str, quality: dict | None = None
) -> tuple[dict, dict, dict]:
    """The three standards' figures (``complaints.handling``) as report facts (label → text),
    and the raw figures of timeliness and effectiveness. A figure that cannot be computed (no
    complaint answered yet, no handling column in the export) reads "—". Answers and
    resolutions dated before their complaint count among the impossible timestamps whether
    intake (``quality``) or this step found them."""
    h = complaints.handling(fb, as_of, f.response_sla_hours, f.resolution_sla_hours, quality)
    tm, ef = h.timeliness, h.effectiveness

    def hours(a, b):
        return "—" if pd.isna(tm[a]) else f"{tm[a]:.1f} h / {tm[b]:.1f} h"

    def pct(x):
        return "—" if pd.isna(x) else f"{100 * x:.1f}%"

    facts = {
        t("f.c.count", lang): f"{tm['complaints']:,}",
        t("f.c.response", lang): hours("response_median_h", "response_p90_h"),
        t("f.c.response_sla", lang).format(h=f.response_sla_hours): pct(tm["response_within_sla"]),
        t("f.c.resolution", lang): hours("resolution_median_h", "resolution_p90_h"),
        t("f.c.resolution_sla", lang).format(h=f.resolution_sla_hours): pct(
            tm["resolution_within_sla"]
        ),
        t("f.c.backlog", lang): (
            "—"
            if tm["backlog"] is None
            else f"{tm['backlog']:,} ({tm['backlog_over_sla']:,} {t('f.c.over_sla', lang)})"
        ),
        t("f.c.resolution_rate", lang): pct(ef["resolution_rate"]),
        t("f.c.reopen", lang): pct(ef["reopen_rate"]),
        t("f.c.satisfied_after", lang): (
            f"{pct(ef['satisfied_after'])} (n = {ef['rated_after']:,})"
            if ef["rated_after"]
            else "—"
        ),
        t("f.c.time_travel", lang): f"{h.time_travel:,}",
    }
    return facts, tm, ef


def coverage_table(processed_dir, fb: pd.DataFrame, group: str, lang: str) -> pd.DataFrame:
    """``complaints.coverage`` per segment or value tier (read from the run's segments or
    value): customers, the share who gave feedback and who complained, silent groups. Empty
    when that stage did not run."""
    run = RunFolder.of(processed_dir)
    src = {"segment": run.segments, "tier": run.value}[group]
    if not src.exists():
        return pd.DataFrame()
    cust = pd.read_parquet(
        src, columns=["customer_id", group] + (["segment_name"] if group == "segment" else [])
    )
    cov = complaints.coverage(cust, fb, group)
    if group == "tier":
        cov = _in_tier_order(cov)
    names = (
        cust.drop_duplicates("segment").set_index("segment")["segment_name"]
        if group == "segment"
        else None
    )
    label = [
        segment_label(int(g), names.get(g, "")) if group == "segment" else t(f"tier.{g}", lang)
        for g in cov[group]
    ]
    out = pd.DataFrame(
        {
            t(f"f.by.{group}", lang): label,
            t("customers", lang): cov["customers"],
            t("f.feedback_share", lang): cov["feedback_share"],
        }
    )
    if "complaint_share" in cov:
        out[t("f.complaint_share", lang)] = cov["complaint_share"].to_numpy()
    out[t("f.silent", lang)] = (
        cov["silent"].map(lambda s: t("f.silent_yes", lang) if s else "").to_numpy()
    )
    return out


def alerts(fb: pd.DataFrame, as_of, days: int, lang: str) -> pd.DataFrame:
    """``feedback.alerts`` with its reasons and tiers in the report's language (as the CSV
    list keeps them)."""
    out = feedback.alerts(fb, as_of, days)
    if out.empty:
        return out
    out["reason"] = [t(f"f.a.{r}", lang) for r in out["reason"]]
    out["tier"] = out["tier"].map(lambda v: t(f"tier.{v}", lang) if isinstance(v, str) else v)
    return out


def write_outputs(processed_dir, fb: pd.DataFrame, alert_table: pd.DataFrame):
    """The scored feedback (ids, language, sentiment, topic) and, when there are alerts, the
    alert list (formula cells neutralised)."""
    run = RunFolder.of(processed_dir)
    cols = [
        c
        for c in (
            "feedback_id",
            "customer_id",
            "language",
            "boilerplate",
            "sentiment_score",
            "sentiment",
            "sentiment_basis",
            "topic",
        )
        if c in fb
    ]
    write_table_atomic(fb[cols], run.feedback_scored)
    if len(alert_table):
        from kequn.data.actions import write_action_list

        write_action_list(alert_table, run.root, run.feedback_alerts.stem)


def save_summary(processed_dir, figures: dict):
    from kequn.data.run_folder import save_figures

    return save_figures(processed_dir, "feedback", figures)


def sentiment_by_segment(fb: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``sentiment.by_segment`` with the labels in the report's language."""
    tab = sentiment.by_segment(fb)
    tab.columns = [t(f"sent.{c}", lang) for c in tab.columns]
    return tab


def alerts_view(alert_table: pd.DataFrame, lang: str, n: int = 10) -> pd.DataFrame:
    """The first ``n`` alerts with headers in the report's language (the CSV keeps plain names)."""
    heads = {
        "customer_id": "p.customer",
        "tier": "v.tier",
        "clv": "f.clv",
        "segment_name": "v.segment",
        "reason": "f.reason",
        "last_feedback": "f.last_feedback",
        "feedback_id": "f.feedback_id",
    }
    view = alert_table.drop(columns=[c for c in ("segment",) if c in alert_table]).head(n)
    return view.rename(columns={c: t(k, lang) for c, k in heads.items()})


# --- steps and sections: what the notebook computes and shows, one call each ------------------
# Without feedback in the export (``fb`` None) every step passes None on and every section
# after the inputs shows nothing (kequn.render.narration leaves it out of the page).


def inputs_section(
    run: str, quality: dict, features: pd.DataFrame, fb: pd.DataFrame | None, lang: str
) -> Section:
    """The run, as-of date, customers and feedback texts; caveats; a sentence when the export
    has no feedback."""
    from kequn.models.profiling import caveats

    sec = Section().facts(
        {
            t("run", lang): run,
            t("as_of", lang): quality["as_of"],
            t("customers", lang): fmt_int(len(features), lang),
            t("f.texts", lang): fmt_int(0 if fb is None else len(fb), lang),
        }
    )
    sec.caveats(caveats(quality, ("feedback",), lang), lang)
    if fb is None:
        sec.text("fsec.none", lang)
    return sec


def prepared(fb: pd.DataFrame | None) -> pd.DataFrame | None:
    """``text.prepare`` (clean text, boilerplate, cut, language, month); None stays None."""
    return None if fb is None else text.prepare(fb)


def texts_section(fb: pd.DataFrame | None, quality: dict, lang: str) -> Section:
    """How many texts, what cleaning removed, the languages; what intake fixed in the file."""
    sec = Section()
    if fb is None:
        return sec
    sec.notes(missing_notes(fb, "texts", lang))
    if "text" in fb:
        sec.markdown(
            t("f.text_facts", lang).format(
                n=fmt_int(len(fb), lang),
                boiler=fmt_int(fb["boilerplate"].sum(), lang),
                empty=fmt_int((fb["language"] == "empty").sum(), lang),
                cut=fmt_int(fb["cut"].sum(), lang),
                max=fmt_int(text.MAX_CHARS, lang),
            )
        )
        sec.table(language_table(fb, lang))
    touched = intake_table(quality, lang)
    if len(touched):
        sec.markdown(t("f.intake_note", lang)).table(touched)
    return sec


def score_sentiment(
    fb: pd.DataFrame | None, data_dir, seed: int
) -> tuple[pd.DataFrame | None, SentimentRun, sentiment.Agreement | None]:
    """(feedback with sentiment_score, sentiment and sentiment_basis columns,
    ``score_feedback``'s run, agreement with the planted labels on the demo data or None). The
    columns are added to ``fb`` itself; without feedback: (None, a run that says so, None)."""
    if fb is None:
        return None, SentimentRun(why_none="fsec.none"), None
    sent = score_feedback(fb, seed)
    if sent.why_none:
        return fb, sent, None
    fb["sentiment_score"], fb["sentiment"], fb["sentiment_basis"] = (
        sent.score,
        sent.label,
        sent.basis,
    )
    return fb, sent, sentiment.planted_agreement(data_dir, fb)


def sentiment_section(
    fb: pd.DataFrame | None, sent: SentimentRun, truth: sentiment.Agreement | None, lang: str
) -> Section:
    """Which model scored the texts and how well, what it could not read, the planted truth on
    the demo data, sentiment per segment."""
    from kequn.render import plotting

    sec = Section()
    if fb is None:
        return sec
    if sent.why_none:
        return sec.text(sent.why_none, lang)
    sec.markdown(sentiment_note(sent, lang))
    sec.markdown(not_scored_note(sent, lang))  # texts it cannot read get no label
    if truth is not None:
        sec.markdown(
            t("f.truth_sent", lang).format(
                acc=fmt_pct(truth.accuracy, lang), n=fmt_int(truth.n, lang)
            )
        )
    if "segment" not in fb:
        return sec
    return sec.chart(
        plotting.heatmap,
        sentiment_by_segment(fb, lang),
        t("f.sent_chart", lang),
        t("f.sentiment", lang),
        t("f.by.segment", lang),
        fmt=".0%",
    )


def with_topics(fb: pd.DataFrame | None, k: int, seed: int) -> pd.DataFrame | None:
    """``fb`` with its ``topic`` column (``topics.per_language``; added to ``fb`` itself)."""
    if fb is None:
        return None
    fb["topic"] = topics.per_language(fb, k, seed).topic
    return fb


def topics_section(fb: pd.DataFrame | None, k: int, lang: str) -> Section:
    """Topics with their share and negative share, keywords, topics by segment and by month,
    and the topics rising in the last months."""
    from kequn.render import plotting

    sec = Section()
    if fb is None:
        return sec
    if "text" not in fb:
        return sec.text("f.no_text", lang)
    sec.markdown(t("f.topics_note", lang).format(k=k))
    sec.notes(too_few_notes(fb, "topics", lang))
    sec.markdown(t("f.unassigned", lang).format(share=fmt_pct(fb["topic"].notna().mean(), lang)))
    sec.table(topic_table(fb, lang), pct=[t("f.negative_share", lang)])
    sec.heading("f.keywords_title", lang, level=3)
    sec.notes(too_few_notes(fb, "keywords", lang))
    sec.table(keyword_table(fb, lang), max_rows=30)
    sec.chart(
        plotting.heatmap,
        topics.mix(fb, "segment"),
        t("f.topic_by_segment", lang),
        t("f.topic", lang),
        t("f.by.segment", lang),
        fmt=".0%",
    )
    sec.chart(
        plotting.heatmap,
        topics.mix(fb, "month"),
        t("f.topic_by_month", lang),
        t("f.month", lang),
        t("f.topic", lang),
        fmt=".0%",
    )
    trend = topics.topic_trend(fb)
    if len(trend):
        sec.markdown(t("f.topic_trend_note", lang).format(m=3))
        sec.table(
            topic_trend_table(topics.largest_moves(trend), lang),
            pct=[t("f.recent_share", lang), t("f.before_share", lang)],
        )
    return sec


def satisfaction_section(fb: pd.DataFrame | None, f: FeedbackSettings, lang: str) -> Section:
    """NPS and CSAT with intervals overall, by segment, value tier and channel, and by month."""
    sec = Section()
    if fb is None:
        return sec
    sec.notes(missing_notes(fb, "satisfaction", lang))
    if "nps" not in fb and "rating" not in fb:
        return sec
    sec.markdown(t("f.sat_note", lang).format(n=f.min_answers, w=f.max_half_width))
    d = fb.assign(all=t("f.overall", lang))
    names = (
        d.drop_duplicates("segment").set_index("segment")["segment_name"] if "segment" in d else {}
    )
    labels = {
        "segment": lambda s: segment_label(int(s), names.get(s, "")),
        "tier": lambda v: t(f"tier.{v}", lang),
        "channel": lambda v: channel_name(v, lang),
    }
    for group in ("all", "segment", "tier", "channel"):
        tab = satisfaction_table(d, group, f, lang, labels.get(group))
        if len(tab):
            sec.table(tab)
    return sec.table(satisfaction_table(d, "month", f, lang).tail(12))


def complaints_of(fb: pd.DataFrame | None, quality: dict, f: FeedbackSettings, lang: str):
    """``complaint_facts`` (facts in words, timeliness, effectiveness) when the feedback says
    which texts are complaints; (None, None, None) otherwise."""
    if fb is None or "kind" not in fb:
        return None, None, None
    return complaint_facts(fb, quality["as_of"], f, lang, quality)


def complaints_section(
    processed_dir, fb: pd.DataFrame | None, facts, f: FeedbackSettings, lang: str
) -> Section:
    """Complaint handling against the SLAs, then who has a voice (feedback and complaints per
    segment and value tier, silent groups)."""
    sec = Section()
    if fb is None:
        return sec
    sec.notes(missing_notes(fb, "complaints", lang))
    if facts is not None:
        sec.markdown(t("f.c_note", lang).format(r=f.response_sla_hours, s=f.resolution_sla_hours))
        sec.facts(facts)
    for group in ("segment", "tier"):
        cov = coverage_table(processed_dir, fb, group, lang)
        if not len(cov):
            continue
        if group == "segment":
            sec.heading("fsec.coverage", lang, level=3)
        sec.table(cov, pct=[t("f.feedback_share", lang), t("f.complaint_share", lang)])
    return sec


def drivers_section(fb: pd.DataFrame | None, lang: str) -> Section:
    """The topics that move NPS (``satisfaction.drivers``), or why they cannot be measured."""
    sec = Section()
    if fb is None:
        return sec
    notes = missing_notes(fb, "drivers", lang)
    if notes:
        return sec.notes(notes)
    dr = satisfaction.drivers(fb)
    if dr.empty:
        return sec.text("f.drivers_none", lang)
    return sec.text("f.drivers_note", lang).table(drivers_table(dr, lang))


def alert_list(
    fb: pd.DataFrame | None, quality: dict, f: FeedbackSettings, lang: str
) -> pd.DataFrame:
    """``alerts`` when the feedback has texts or complaints; an empty frame otherwise."""
    if fb is None or ("text" not in fb and "kind" not in fb):
        return pd.DataFrame()
    return alerts(fb, quality["as_of"], f.alert_days, lang)


def alerts_section(
    fb: pd.DataFrame | None, alert_table: pd.DataFrame, f: FeedbackSettings, lang: str
) -> Section:
    """Valuable customers to follow up now, written to the run's ``actions`` folder."""
    sec = Section()
    if fb is None:
        return sec
    sec.notes(missing_notes(fb, "alerts", lang))
    if "text" not in fb and "kind" not in fb:
        return sec
    if alert_table.empty:
        return sec.text("f.alerts_none", lang)
    sec.markdown(
        t("f.alerts_note", lang).format(
            d=f.alert_days,
            n=fmt_int(len(alert_table), lang),
            file=f"`{RunFolder(Path()).feedback_alerts.as_posix()}`",  # within the run's folder
        )
    )
    return sec.table(alerts_view(alert_table, lang))


def write_results(
    processed_dir,
    run: str,
    lang: str,
    fb: pd.DataFrame | None,
    sent: SentimentRun,
    timeliness,
    effectiveness,
    alert_table: pd.DataFrame,
) -> dict:
    """Write the scored feedback and the alert list (when there is feedback); the stage's
    figures (``feedback.figures``) for the summary."""
    figures = {"run": run, "lang": lang, "feedback": 0 if fb is None else int(len(fb))}
    if fb is not None:
        write_outputs(processed_dir, fb, alert_table)
        figures.update(feedback.figures(fb, sent, timeliness, effectiveness, alert_table))
    return figures
