"""Stage 05 glue: the steps of ``notebooks/05_feedback.ipynb`` as one call each, and the
tables they show, in the report's language.

Writes ``feedback_scored.parquet`` (feedback_id, customer_id, language, sentiment score and
label, topic) and ``feedback.json`` into the run's folder, and ``actions/feedback_alerts.csv``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kequn.data.io import write_table_atomic
from kequn.data.paths import RunFolder, resolve
from kequn.data.problems import check_settings
from kequn.lang.i18n import fmt_int, fmt_p, fmt_pct, t
from kequn.models import complaints, satisfaction, sentiment, text, topics
from kequn.models.clustering import segment_label
from kequn.models.value import TIERS
from kequn.render.section import Section

NEUTRAL_BAND = 0.15  # |P(positive) − threshold| below this is "neutral"
# Texts a language needs before its keywords or topics are shown: one English text would give
# every word it holds "100%" (a share of 1 from n = 1 says nothing).
KEYWORD_MIN_TEXTS = 30
TOPIC_MIN_TEXTS = 200


def settings_check(f: dict) -> None:
    rules = [
        (
            "feedback.response_sla_hours",
            f["response_sla_hours"],
            f["response_sla_hours"] > 0,
            "> 0",
        ),
        (
            "feedback.resolution_sla_hours",
            f["resolution_sla_hours"],
            f["resolution_sla_hours"] > 0,
            "> 0",
        ),
        ("feedback.max_half_width", f["max_half_width"], 0 < f["max_half_width"] <= 50, "0–50"),
        ("feedback.min_answers", f["min_answers"], f["min_answers"] >= 1, "≥ 1"),
        ("feedback.topics", f["topics"], 2 <= f["topics"] <= 30, "2–30"),
        ("feedback.alert_days", f["alert_days"], f["alert_days"] >= 1, "≥ 1"),
    ]
    check_settings(rules)


def load(processed_dir) -> pd.DataFrame | None:
    """The run's feedback with the customer's segment, tier and CLV when those stages ran;
    None when the export has no feedback. A complaint's rating moves to ``handling_rating``."""
    folder = resolve(processed_dir)
    p = RunFolder(folder).table("feedback")
    if not p.exists():
        return None
    fb = pd.read_parquet(p)
    if "rating" in fb and "kind" in fb:
        # a complaint's rating judges its handling, not the product: kept apart for the
        # effectiveness figures, out of CSAT and out of the sentiment labels
        complaint = (fb["kind"].astype("string") == "complaint").fillna(False).to_numpy()
        fb["handling_rating"] = fb["rating"].where(complaint)
        fb["rating"] = fb["rating"].mask(complaint)
    for name, cols in (
        ("segments.parquet", ["segment", "segment_name"]),
        ("value.parquet", ["tier", "clv"]),
    ):
        q = folder / name
        if q.exists():
            fb = fb.merge(
                pd.read_parquet(q, columns=["customer_id"] + cols), on="customer_id", how="left"
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


def prepare_text(fb: pd.DataFrame) -> pd.DataFrame:
    """Adds clean_text (cut to ``text.MAX_CHARS``), boilerplate, cut, language and month
    (YYYY-MM of created_at) columns."""
    out = fb.copy()
    if "created_at" in out:
        out["month"] = pd.to_datetime(out["created_at"]).dt.strftime("%Y-%m")
    none = (pd.Series("", index=out.index), pd.Series(False, index=out.index))
    out["clean_text"], out["boilerplate"] = text.clean(out["text"]) if "text" in out else none
    out["clean_text"], out["cut"] = text.cut(out["clean_text"])
    out["language"] = text.language(out["clean_text"])
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


def keyword_table(
    fb: pd.DataFrame, lang: str, top: int = 15, sample: int = 20_000, seed: int = 7
) -> pd.DataFrame:
    """The commonest content words per language (zh, en), with the share of that language's
    texts that use them; estimated on a random ``sample`` of texts when there are more."""
    rows = []
    for lg in ("zh", "en"):
        texts = fb.loc[fb["language"] == lg, "clean_text"]
        if len(texts) < KEYWORD_MIN_TEXTS:  # too few: said by too_few_notes
            continue
        kw = topics.keywords(texts.sample(min(len(texts), sample), random_state=seed), top=top)
        rows.append(
            pd.DataFrame(
                {
                    t("f.language", lang): t(f"lang.{lg}", lang),
                    t("f.keyword", lang): kw["word"],
                    t("share_of_texts", lang): kw["share"],
                }
            )
        )
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def too_few_notes(fb: pd.DataFrame, what: str, lang: str) -> list[str]:
    """Sentences naming each language (zh, en) with some texts but fewer than the minimum for
    ``what`` ("keywords": KEYWORD_MIN_TEXTS, "topics": TOPIC_MIN_TEXTS): nothing is shown for it."""
    least = {"keywords": KEYWORD_MIN_TEXTS, "topics": TOPIC_MIN_TEXTS}[what]
    counts = fb["language"].value_counts()
    return [
        t(f"f.too_few_{what}", lang).format(
            language=t(f"lang.{lg}", lang),
            n=fmt_int(int(counts[lg]), lang),
            min=fmt_int(least, lang),
        )
        for lg in ("zh", "en")
        if 0 < counts.get(lg, 0) < least
    ]


def language_table(fb: pd.DataFrame, lang: str) -> pd.DataFrame:
    counts = fb["language"].value_counts().reindex(list(text.LANGS), fill_value=0)
    return pd.DataFrame(
        {
            t("f.language", lang): [t(f"lang.{k}", lang) for k in counts.index],
            t("f.texts", lang): counts.to_numpy(),
            t("share_of_texts", lang): counts.to_numpy() / max(len(fb), 1),
        }
    )


def _labels(score: np.ndarray, threshold: float) -> np.ndarray:
    return np.where(
        np.isnan(score),
        None,
        np.where(
            score >= threshold + NEUTRAL_BAND,
            "positive",
            np.where(score <= threshold - NEUTRAL_BAND, "negative", "neutral"),
        ),
    )


def sentiment_run(
    fb: pd.DataFrame, seed: int, min_labelled: int = 200, max_train: int = 20_000
) -> dict:
    """Sentiment score and label for every text.

    When at least ``min_labelled`` texts carry a rating and both sides occur, the model is
    trained on the user's own ratings as weak labels (4–5 positive, 1–2 negative, 3 left out):
    ``source`` "ratings", with its cross-validated ``figures`` and the shipped model's
    ``default_figures`` on the same labelled texts (how far a general model would have gone).
    Otherwise the shipped model scores them (``source`` "default"; ``figures`` against the
    few ratings there are, when there are some of both sides). {"none": "no_text"} when no
    text is left after cleaning. At most ``max_train`` rated texts (a random sample) train and
    cross-validate the model: accuracy has long levelled off there, and six fits on a million
    texts would take the better part of an hour on two cores."""
    has_text = (fb["clean_text"].str.len() > 0).to_numpy()
    if not has_text.any():
        return {"none": "no_text"}
    texts = fb.loc[has_text, "clean_text"].astype(str)
    r = fb["rating"] if "rating" in fb else pd.Series(np.nan, index=fb.index)
    lab = np.where(r >= 4, 1, np.where(r <= 2, 0, -1))
    reads = (
        fb["language"].isin(sentiment.READS).to_numpy()
        if "language" in fb
        else np.ones(len(fb), dtype=bool)
    )
    use = (
        has_text & reads & (lab >= 0) & r.notna().to_numpy()
    )  # a language the model does not read teaches it nothing
    both = len(np.unique(lab[use])) == 2
    default = sentiment.default_model()
    score = np.full(len(fb), np.nan)
    if use.sum() > max_train:
        keep = np.random.default_rng(seed).choice(np.flatnonzero(use), max_train, replace=False)
        use = np.zeros(len(fb), dtype=bool)
        use[keep] = True
    if use.sum() >= min_labelled and both:
        labelled = fb.loc[use, "clean_text"].astype(str)
        model = sentiment.fit(labelled, lab[use], folds=5, seed=seed)
        out = {
            "source": "ratings",
            "figures": model.figures,
            "default_figures": sentiment.transfer(default, labelled, lab[use]),
        }
    else:
        model = default
        out = {
            "source": "default",
            "figures": (
                sentiment.transfer(default, fb.loc[use, "clean_text"].astype(str), lab[use])
                if use.sum() >= 20 and both
                else None
            ),
        }
    a = model.assess(texts, fb.loc[has_text, "language"] if "language" in fb else None)
    score[has_text] = a["score"].to_numpy()
    basis = np.full(len(fb), None, dtype=object)
    reason = np.full(len(fb), None, dtype=object)
    basis[has_text], reason[has_text] = a["basis"].to_numpy(), a["reason"].to_numpy()
    label = _labels(score, model.threshold)
    emoji = (
        basis == "emoji"
    )  # the share of positive emoji: more positive than negative, or the reverse, or a tie
    label[emoji] = np.where(
        score[emoji] > 0.5, "positive", np.where(score[emoji] < 0.5, "negative", "neutral")
    )
    return {
        "none": None,
        **out,
        "labelled": int(use.sum()),
        "threshold": model.threshold,
        "score": score,
        "label": label,
        "basis": basis,
        "reason": reason,
        "scored": int((basis != None).sum()),  # noqa: E711
        "by_emoji": int(emoji.sum()),
        "not_scored": {k: int((reason == k).sum()) for k in sentiment.REASONS},
    }


def not_scored_note(sent: dict, lang: str) -> str:
    """How many texts got a sentiment label and how many did not, and why: the denominator of
    every sentiment share on the page."""
    ns = sent.get("not_scored") or {}
    note = t("f.sent_scored", lang).format(
        n=fmt_int(sent.get("scored", 0), lang), emoji=fmt_int(sent.get("by_emoji", 0), lang)
    )
    if sum(ns.values()):
        note += " " + t("f.sent_not_scored", lang).format(
            n=fmt_int(sum(ns.values()), lang),
            language=fmt_int(ns.get("language", 0), lang),
            signal=fmt_int(ns.get("signal", 0), lang),
        )
    return note


def sentiment_note(sent: dict, lang: str) -> str:
    """What the sentiment figures rest on, in the report's language."""

    def acc_auc(f):
        return {
            "acc": fmt_pct(
                f["accuracy"] if "accuracy_calibrated" not in f else f["accuracy_calibrated"], lang
            ),
            "auc": f"{f['auc']:.3f}",
        }

    if sent["source"] == "ratings":
        note = t("f.sent_note", lang).format(
            n=fmt_int(sent["labelled"], lang),
            th=f"{sent['threshold']:.2f}",
            band=NEUTRAL_BAND,
            **acc_auc(sent["figures"]),
        )
        return (
            note + " " + t("f.sent_default_check", lang).format(**acc_auc(sent["default_figures"]))
        )
    h = sentiment.DEFAULT_HELD_OUT
    note = t("f.sent_default", lang).format(
        n=fmt_int(sentiment.CORPUS_TEXTS, lang),
        zh1=fmt_pct(h["waimai"], lang),
        zh2=fmt_pct(h["online_shopping"], lang),
        en=fmt_pct(h["yelp"], lang),
        th=f"{sent['threshold']:.2f}",
        band=NEUTRAL_BAND,
    )
    if sent["figures"]:
        note += " " + t("f.sent_default_rated", lang).format(
            n=fmt_int(sent["labelled"], lang), **acc_auc(sent["figures"])
        )
    return note


def topics_run(fb: pd.DataFrame, k: int, seed: int, min_texts: int = TOPIC_MIN_TEXTS) -> dict:
    """Topics per language with enough texts (zh, en); topic labels "zh:3" style per text."""
    topic = pd.Series(None, index=fb.index, dtype="object")
    tables = {}
    for lg in ("zh", "en"):
        sel = fb["language"] == lg
        if sel.sum() < min_texts:
            continue
        a, table = topics.fit_topics(fb.loc[sel, "clean_text"], k=k, seed=seed)
        names = table.set_index("topic")["name"]
        topic[sel] = a["topic"].map(lambda i: names.get(i) if i >= 0 else None)
        tables[lg] = table
    return {"topic": topic, "tables": tables}


def topic_table(fb: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Per topic: texts, share, negative share, complaints, mean rating."""
    d = fb[fb["topic"].notna()]
    g = d.groupby("topic")
    out = pd.DataFrame(
        {
            t("f.topic", lang): g.size().index,
            t("f.texts", lang): g.size().to_numpy(),
            t("share_of_texts", lang): g.size().to_numpy() / max(len(fb), 1),
        }
    )
    if "sentiment" in d:
        out[t("f.negative_share", lang)] = (
            g["sentiment"]
            .apply(  # over the texts with a label ("not scored" left out)
                lambda s: (s == "negative").sum() / s.notna().sum() if s.notna().any() else np.nan
            )
            .to_numpy()
        )
    if "kind" in d:  # without it complaints cannot be told apart
        out[t("f.complaint_count", lang)] = (
            g["kind"].apply(lambda s: (s.astype("string") == "complaint").sum()).to_numpy()
        )
    return out.sort_values(t("f.texts", lang), ascending=False).reset_index(drop=True)


def channel_name(value, lang: str) -> str:
    """Common channel codes (app, hotline, wechat …) in the report's language; others as written."""
    key = f"ch.{str(value).strip().lower()}"
    name = t(key, lang)
    return str(value) if name == key else name


def topic_mix(fb: pd.DataFrame, by: str, lang: str, last: int = 12, top: int = 10) -> pd.DataFrame:
    """Share of each of the ``top`` largest topics among a group's texts with a topic: per
    segment (``by`` "segment"; segments as rows, topics as columns, rows summing to 1 over all
    topics) or per month (``by`` "month", the last ``last`` months; topics as rows, months as
    columns). Empty when there are no topics or no such column."""
    if "topic" not in fb or by not in fb or fb["topic"].isna().all():
        return pd.DataFrame()
    d = fb[fb["topic"].notna() & fb[by].notna()]
    keep = d["topic"].value_counts().index[:top]
    if by == "month":
        return pd.crosstab(d["topic"], d["month"], normalize="columns").iloc[:, -last:].loc[keep]
    tab = pd.crosstab(d[by], d["topic"], normalize="index")[keep]
    names = (
        d.drop_duplicates("segment").set_index("segment")["segment_name"]
        if "segment_name" in d
        else {}
    )
    tab.index = [segment_label(int(c), names.get(c, "")) for c in tab.index]
    return tab


def topic_trend_view(tr: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The ``n`` topics that moved most (either way), largest rise first."""
    return tr.loc[tr["change"].abs().nlargest(n).index].sort_values("change", ascending=False)


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


def satisfaction_table(
    fb: pd.DataFrame, group: str, f: dict, lang: str, label=None
) -> pd.DataFrame:
    """NPS and CSAT per group with 95% intervals; figures from too few answers shown as "n < …"."""
    if group not in fb or fb[group].isna().all():
        return pd.DataFrame()
    g = satisfaction.by_group(fb, group, f["max_half_width"], f["min_answers"])
    if group == "tier":  # the pyramid's order, not the alphabet's
        g = g.set_index("tier").reindex([x for x in TIERS if x in set(g["tier"])]).reset_index()
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


def drivers(fb: pd.DataFrame) -> pd.DataFrame:
    """Which topics move NPS: ordinary least squares of the NPS answer on one indicator per topic
    (texts without a topic are the base), robust (HC1) standard errors. Columns topic, effect
    (NPS points on the 0–10 scale), low, high (95%), p, texts."""
    import statsmodels.api as sm

    if "nps" not in fb or "topic" not in fb:
        return pd.DataFrame()
    d = fb[fb["nps"].notna()]
    if len(d) < 50 or d["topic"].notna().sum() < 20:
        return pd.DataFrame()
    X = pd.get_dummies(d["topic"], dtype=float)
    X = X.loc[:, X.sum() >= 10]
    if X.empty:
        return pd.DataFrame()
    res = sm.OLS(d["nps"].astype(float), sm.add_constant(X)).fit(cov_type="HC1")
    ci = res.conf_int()
    rows = [
        {
            "topic": c,
            "effect": res.params[c],
            "low": ci.loc[c, 0],
            "high": ci.loc[c, 1],
            "p": res.pvalues[c],
            "texts": int(X[c].sum()),
        }
        for c in X.columns
    ]
    return pd.DataFrame(rows).sort_values("effect").reset_index(drop=True)


def drivers_table(dr: pd.DataFrame, lang: str) -> pd.DataFrame:
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
    fb: pd.DataFrame, as_of, f: dict, lang: str, quality: dict | None = None
) -> tuple[dict, dict, dict]:
    """The three standards' figures as report facts (label → text), and the raw figures of
    timeliness and effectiveness. A figure that cannot be computed (no complaint answered yet,
    no handling column in the export) reads "—". Answers and resolutions dated before their
    complaint count among the impossible timestamps whether intake (``quality``) or this
    step found them."""
    kind = (
        fb["kind"].astype("string")
        if "kind" in fb
        else pd.Series(pd.NA, index=fb.index, dtype="string")
    )
    c = fb[(kind == "complaint").fillna(False)]
    tm = complaints.timeliness(c, as_of, f["response_sla_hours"], f["resolution_sla_hours"])
    ef = complaints.effectiveness(
        c, rating="handling_rating" if "handling_rating" in c else "rating"
    )

    def h(a, b):
        return "—" if pd.isna(tm[a]) else f"{tm[a]:.1f} h / {tm[b]:.1f} h"

    def pct(x):
        return "—" if pd.isna(x) else f"{100 * x:.1f}%"

    facts = {
        t("f.c.count", lang): f"{tm['complaints']:,}",
        t("f.c.response", lang): h("response_median_h", "response_p90_h"),
        t("f.c.response_sla", lang).format(h=f["response_sla_hours"]): pct(
            tm["response_within_sla"]
        ),
        t("f.c.resolution", lang): h("resolution_median_h", "resolution_p90_h"),
        t("f.c.resolution_sla", lang).format(h=f["resolution_sla_hours"]): pct(
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
        t("f.c.time_travel", lang): f"{tm['time_travel'] + _fixed_at_intake(quality):,}",
    }
    return facts, tm, ef


def _fixed_at_intake(quality: dict | None) -> int:
    rules = (
        "first_response_at_before_creation_set_missing",
        "resolved_at_before_creation_set_missing",
    )
    return sum(
        c["rows"]
        for c in (quality or {}).get("cleaning", [])
        if c["table"] == "feedback" and c["rule"] in rules
    )


def coverage_table(processed_dir, fb: pd.DataFrame, group: str, lang: str) -> pd.DataFrame:
    folder = resolve(processed_dir)
    src = {"segment": "segments.parquet", "tier": "value.parquet"}[group]
    if not (folder / src).exists():
        return pd.DataFrame()
    cust = pd.read_parquet(
        folder / src,
        columns=["customer_id", group] + (["segment_name"] if group == "segment" else []),
    )
    cov = complaints.coverage(cust, fb, group)
    if group == "tier":
        cov = (
            cov.set_index("tier").reindex([x for x in TIERS if x in set(cov["tier"])]).reset_index()
        )
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
    """Valuable customers (key or important tier, or the top decile of CLV) with negative
    feedback in the last ``days`` days or a complaint still open: customer_id, tier, clv,
    segment, reason, last_feedback, feedback_id — most valuable first."""
    if "tier" not in fb:
        return pd.DataFrame()
    recent = pd.to_datetime(fb["created_at"]) >= pd.Timestamp(as_of) - pd.Timedelta(days=days)
    negative = recent & (fb.get("sentiment", pd.Series(None, index=fb.index)) == "negative")
    unresolved = pd.Series(False, index=fb.index)
    if "kind" in fb and (
        "status" in fb or "resolved_at" in fb
    ):  # what is still open can only be told from these
        done = (
            fb["status"].astype("string").isin(complaints.DONE).fillna(False)
            if "status" in fb
            else fb["resolved_at"].notna()
        )
        unresolved = (fb["kind"].astype("string") == "complaint").fillna(False) & ~done
    clv_cut = fb["clv"].quantile(0.9) if "clv" in fb and fb["clv"].notna().any() else np.inf
    valuable = fb["tier"].isin(["key", "important"]) | (
        fb.get("clv", pd.Series(np.nan, index=fb.index)) >= clv_cut
    )
    hit = fb[valuable & (negative | unresolved) & fb["customer_id"].notna()].copy()
    if hit.empty:
        return pd.DataFrame()
    hit["reason"] = np.where(
        unresolved[hit.index] & negative[hit.index],
        t("f.a.both", lang),
        np.where(unresolved[hit.index], t("f.a.unresolved", lang), t("f.a.negative", lang)),
    )
    hit = hit.sort_values("created_at").groupby("customer_id").tail(1)
    cols = [
        "customer_id",
        "tier",
        "clv",
        "segment",
        "segment_name",
        "reason",
        "created_at",
        "feedback_id",
    ]
    out = hit[[c for c in cols if c in hit]].rename(columns={"created_at": "last_feedback"})
    out["tier"] = out["tier"].map(lambda v: t(f"tier.{v}", lang) if isinstance(v, str) else v)
    return out.sort_values("clv", ascending=False).reset_index(drop=True)


def write_outputs(processed_dir, fb: pd.DataFrame, alert_table: pd.DataFrame):
    folder = resolve(processed_dir)
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
    write_table_atomic(fb[cols], RunFolder(folder).feedback_scored)
    if len(alert_table):
        from kequn.data.actions import write_action_list  # formula cells neutralised

        write_action_list(alert_table, folder, "feedback_alerts")


def save_summary(processed_dir, figures: dict):
    from kequn.data.run_folder import save_figures

    return save_figures(processed_dir, "feedback", figures)


def sentiment_truth(data_dir, fb: pd.DataFrame) -> dict | None:
    """On generated data: accuracy of the sentiment labels against the planted ones (neutral
    left out on both sides); None for real data."""
    from kequn.data.database import is_url

    if is_url(data_dir):  # a database holds no planted truth
        return None
    p = resolve(data_dir) / "_truth" / "feedback.parquet"
    if not p.exists() or "sentiment" not in fb:
        return None
    truth = pd.read_parquet(p, columns=["feedback_id", "sentiment"]).rename(
        columns={"sentiment": "planted"}
    )
    m = fb[["feedback_id", "sentiment"]].merge(truth, on="feedback_id")
    m = m[
        m["planted"].isin(["positive", "negative"]) & m["sentiment"].isin(["positive", "negative"])
    ]
    return (
        {"n": int(len(m)), "accuracy": float((m["sentiment"] == m["planted"]).mean())}
        if len(m)
        else None
    )


def sentiment_by_segment(fb: pd.DataFrame, lang: str) -> pd.DataFrame:
    d = fb[fb["sentiment"].notna() & fb["segment"].notna()]
    names = d.drop_duplicates("segment").set_index("segment")["segment_name"]
    tab = pd.crosstab(d["segment"], d["sentiment"], normalize="index").reindex(
        columns=["positive", "neutral", "negative"], fill_value=0.0
    )
    tab.index = [segment_label(int(s), names.get(s, "")) for s in tab.index]
    tab.columns = [t(f"sent.{c}", lang) for c in tab.columns]
    return tab


def summary(
    fb: pd.DataFrame, sent: dict, timeliness: dict, effectiveness: dict, alert_table: pd.DataFrame
) -> dict:
    """Figures of this stage for the summary stage and the nbval check (feedback.json)."""
    n = satisfaction.nps(fb["nps"]) if "nps" in fb else {"nps": None}
    c = satisfaction.csat(fb["rating"]) if "rating" in fb else {"csat": None}
    return {
        "languages": fb["language"].value_counts().to_dict(),
        "nps": None if n["nps"] is None or pd.isna(n["nps"]) else round(float(n["nps"]), 1),
        "csat": None if c["csat"] is None or pd.isna(c["csat"]) else round(float(c["csat"]), 4),
        "sentiment": None
        if sent.get("none")
        else {
            "source": sent["source"],
            **{k: round(v, 4) for k, v in (sent["figures"] or {}).items()},
            "scored": sent.get("scored"),
            "by_emoji": sent.get("by_emoji"),
            "not_scored": sent.get("not_scored"),
        },
        "complaints": {
            k: (
                None
                if isinstance(v, float) and np.isnan(v)
                else round(v, 4)
                if isinstance(v, float)
                else v
            )
            for k, v in {**(timeliness or {}), **(effectiveness or {})}.items()
        },
        "alerts": int(len(alert_table)),
    }


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
    """``prepare_text`` (clean text, boilerplate, cut, language, month); None stays None."""
    return None if fb is None else prepare_text(fb)


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


def score_sentiment(fb: pd.DataFrame | None, data_dir, seed: int):
    """(feedback with sentiment_score, sentiment and sentiment_basis columns, ``sentiment_run``'s
    result, accuracy against the planted labels on the demo data or None). The columns are
    added to ``fb`` itself; without feedback: (None, {"none": "no_feedback"}, None)."""
    if fb is None:
        return None, {"none": "no_feedback"}, None
    sent = sentiment_run(fb, seed)
    if sent["none"]:
        return fb, sent, None
    fb["sentiment_score"], fb["sentiment"], fb["sentiment_basis"] = (
        sent["score"],
        sent["label"],
        sent["basis"],
    )
    return fb, sent, sentiment_truth(data_dir, fb)


def sentiment_section(
    fb: pd.DataFrame | None, sent: dict, truth: dict | None, lang: str
) -> Section:
    """Which model scored the texts and how well, what it could not read, the planted truth on
    the demo data, sentiment per segment."""
    from kequn.render import plotting

    sec = Section()
    if fb is None:
        return sec
    if sent["none"]:
        return sec.text("f.sent_none" if "text" in fb else "f.no_text", lang)
    sec.markdown(sentiment_note(sent, lang))
    sec.markdown(not_scored_note(sent, lang))  # texts it cannot read get no label
    if truth is not None:
        sec.markdown(
            t("f.truth_sent", lang).format(
                acc=fmt_pct(truth["accuracy"], lang), n=fmt_int(truth["n"], lang)
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
    """``fb`` with its ``topic`` column (``topics_run``; added to ``fb`` itself)."""
    if fb is None:
        return None
    fb["topic"] = topics_run(fb, k, seed)["topic"]
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
        topic_mix(fb, "segment", lang),
        t("f.topic_by_segment", lang),
        t("f.topic", lang),
        t("f.by.segment", lang),
        fmt=".0%",
    )
    sec.chart(
        plotting.heatmap,
        topic_mix(fb, "month", lang),
        t("f.topic_by_month", lang),
        t("f.month", lang),
        t("f.topic", lang),
        fmt=".0%",
    )
    trend = topics.topic_trend(fb)
    if len(trend):
        sec.markdown(t("f.topic_trend_note", lang).format(m=3))
        sec.table(
            topic_trend_table(topic_trend_view(trend), lang),
            pct=[t("f.recent_share", lang), t("f.before_share", lang)],
        )
    return sec


def satisfaction_section(fb: pd.DataFrame | None, f: dict, lang: str) -> Section:
    """NPS and CSAT with intervals overall, by segment, value tier and channel, and by month."""
    sec = Section()
    if fb is None:
        return sec
    sec.notes(missing_notes(fb, "satisfaction", lang))
    if "nps" not in fb and "rating" not in fb:
        return sec
    sec.markdown(t("f.sat_note", lang).format(n=f["min_answers"], w=f["max_half_width"]))
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


def complaints_of(fb: pd.DataFrame | None, quality: dict, f: dict, lang: str):
    """``complaint_facts`` (facts in words, timeliness, effectiveness) when the feedback says
    which texts are complaints; (None, None, None) otherwise."""
    if fb is None or "kind" not in fb:
        return None, None, None
    return complaint_facts(fb, quality["as_of"], f, lang, quality)


def complaints_section(
    processed_dir, fb: pd.DataFrame | None, facts, f: dict, lang: str
) -> Section:
    """Complaint handling against the SLAs, then who has a voice (feedback and complaints per
    segment and value tier, silent groups)."""
    sec = Section()
    if fb is None:
        return sec
    sec.notes(missing_notes(fb, "complaints", lang))
    if facts is not None:
        sec.markdown(
            t("f.c_note", lang).format(r=f["response_sla_hours"], s=f["resolution_sla_hours"])
        )
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
    """The topics that move NPS (``drivers``), or why they cannot be measured."""
    sec = Section()
    if fb is None:
        return sec
    notes = missing_notes(fb, "drivers", lang)
    if notes:
        return sec.notes(notes)
    dr = drivers(fb)
    if dr.empty:
        return sec.text("f.drivers_none", lang)
    return sec.text("f.drivers_note", lang).table(drivers_table(dr, lang))


def alert_list(fb: pd.DataFrame | None, quality: dict, f: dict, lang: str) -> pd.DataFrame:
    """``alerts`` when the feedback has texts or complaints; an empty frame otherwise."""
    if fb is None or ("text" not in fb and "kind" not in fb):
        return pd.DataFrame()
    return alerts(fb, quality["as_of"], f["alert_days"], lang)


def alerts_section(
    fb: pd.DataFrame | None, alert_table: pd.DataFrame, f: dict, lang: str
) -> Section:
    """Valuable customers to follow up now, written to ``actions/feedback_alerts.csv``."""
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
            d=f["alert_days"],
            n=fmt_int(len(alert_table), lang),
            file="`actions/feedback_alerts.csv`",
        )
    )
    return sec.table(alerts_view(alert_table, lang))


def write_results(
    processed_dir,
    run: str,
    lang: str,
    fb: pd.DataFrame | None,
    sent: dict,
    timeliness,
    effectiveness,
    alert_table: pd.DataFrame,
) -> dict:
    """Write ``feedback_scored.parquet`` and the alert list (when there is feedback); the
    stage's figures for ``feedback.json``."""
    figures = {"run": run, "lang": lang, "feedback": 0 if fb is None else int(len(fb))}
    if fb is not None:
        write_outputs(processed_dir, fb, alert_table)
        figures.update(summary(fb, sent, timeliness, effectiveness, alert_table))
    return figures
