"""Stage 04 glue: the steps of ``notebooks/04_needs.ipynb`` as one call each, and the tables
they show, in the report's language.

Writes ``needs.parquet`` (customer_id, score_price, score_service, score_quality,
needs_group, reason) and ``needs.json`` (figures for the summary stage) into the run's folder.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kequn.data.io import write_table_atomic
from kequn.data.paths import RunFolder, resolve
from kequn.data.problems import check_settings
from kequn.data.run_folder import load_segments as _load_segments
from kequn.lang.i18n import fmt_int, fmt_p, fmt_pct, t
from kequn.models import kano, needs
from kequn.models.clustering import segment_label
from kequn.models.value import TIERS
from kequn.render.section import Section

load_segments = _load_segments  # one reader of segments.parquet, re-exported for the notebook
RULE_COLUMN = {"mode": "cat_mode", "mom": "cat_mom", "aom": "cat_aom"}


def settings_check(n: dict) -> None:
    rules = [
        (
            "needs.kano_table",
            n["kano_table"],
            n["kano_table"] in kano.TABLES,
            " / ".join(kano.TABLES),
        ),
        ("needs.kano_rule", n["kano_rule"], n["kano_rule"] in RULE_COLUMN, " / ".join(RULE_COLUMN)),
        ("needs.kano_margin", n["kano_margin"], 0 <= n["kano_margin"] < 0.5, "0–0.5"),
        ("needs.kano_min_n", n["kano_min_n"], n["kano_min_n"] >= 1, "≥ 1"),
        ("needs.min_score", n["min_score"], 0 <= n["min_score"] <= 1, "0–1"),
        ("needs.min_gap", n["min_gap"], 0 <= n["min_gap"] < 1, "0–1"),
        ("needs.horizon_days", n["horizon_days"], n["horizon_days"] >= 7, "≥ 7"),
        ("needs.top_categories", n["top_categories"], 1 <= n["top_categories"] <= 30, "1–30"),
        ("needs.target_share", n["target_share"], 0 < n["target_share"] <= 1, "0–1"),
        (
            "needs.trend_measure",
            n["trend_measure"],
            n["trend_measure"] in ("revenue", "orders", "buyers"),
            "revenue / orders / buyers",
        ),
        ("needs.trend_window", n["trend_window"], 6 <= n["trend_window"] <= 60, "6–60"),
        ("needs.trend_alpha", n["trend_alpha"], 0 < n["trend_alpha"] < 0.5, "0–0.5"),
        ("needs.forecast_months", n["forecast_months"], 1 <= n["forecast_months"] <= 12, "1–12"),
        ("needs.backtest_origins", n["backtest_origins"], 1 <= n["backtest_origins"] <= 24, "1–24"),
    ]
    check_settings(rules)


def load_answers(processed_dir, n: dict) -> pd.DataFrame | None:
    """The run's Kano answers with their category (``kano.parse``), joined to the customer's
    segment and value tier when those stages ran; None when the export has no Kano survey."""
    folder = resolve(processed_dir)
    p = RunFolder(folder).table("kano")
    if not p.exists():
        return None
    a = kano.parse(pd.read_parquet(p), file="kano", table=n["kano_table"])
    missing = a.attrs["missing"]
    for name, cols in (
        ("segments.parquet", ["segment", "segment_name"]),
        ("value.parquet", ["tier"]),
    ):
        q = folder / name
        if q.exists() and "customer_id" in a:
            a = a.merge(
                pd.read_parquet(q, columns=["customer_id"] + cols), on="customer_id", how="left"
            )
    a.attrs["missing"] = missing
    return a


def category_table(ev: pd.DataFrame, rule: str, lang: str) -> pd.DataFrame:
    """Per feature: answers, shares of M O A I R Q, category by the chosen rule (and the
    mode), strengths, Better, Worse and Fong's verdict."""
    col = RULE_COLUMN[rule]
    out = pd.DataFrame({t("k.feature", lang): ev["feature"], t("k.answers", lang): ev["total"]})
    for c in kano.CATEGORIES:
        out[t(f"kano.short.{c}", lang)] = ev[f"share_{c}"]
    out[t("k.category", lang)] = [
        t(f"kano.{c}", lang) + (" *" if w else "") for c, w in zip(ev[col], ev["weak"])
    ]
    out[t("k.mode", lang)] = ev["cat_mode"].map(lambda c: t(f"kano.short.{c}", lang))
    out[t("k.total_strength", lang)] = ev["total_strength"]
    out[t("k.category_strength", lang)] = ev["category_strength"]
    out[t("k.better", lang)] = ev["better"].round(3)
    out[t("k.worse", lang)] = ev["worse"].round(3)
    out[t("k.fong", lang)] = ev["fong_significant"].map(lambda s: t("k.sig" if s else "k.ns", lang))
    return out


def share_columns(lang: str) -> list[str]:
    return [t(f"kano.short.{c}", lang) for c in kano.CATEGORIES] + [
        t("k.total_strength", lang),
        t("k.category_strength", lang),
    ]


def key_needs_table(kn: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("k.priority", lang): kn["priority"],
            t("k.feature", lang): kn["feature"],
            t("k.category", lang): kn["category"].map(lambda c: t(f"kano.{c}", lang)),
            t("k.frequency", lang): kn["frequency"],
            t("k.importance", lang): kn["importance"],
            t("k.better", lang): kn["better"].round(3),
            t("k.worse", lang): kn["worse"].round(3),
            t("k.impact", lang): kn["impact"].round(3),
        }
    )


def by_group(a: pd.DataFrame, group: str, n: dict, lang: str):
    """(categories per feature × group in words, features where groups disagree in words,
    the evaluation) for ``group`` (segment or tier); (None, None, None) when absent."""
    if group not in a or a[group].isna().all():
        return None, None, None
    col = RULE_COLUMN[n["kano_rule"]]
    ev = kano.evaluate(
        kano.tally(a.dropna(subset=[group]), by=(group, "feature")),
        n["kano_margin"],
        n["kano_min_n"],
    )
    names = _group_names(a, group, lang)
    wide = ev.pivot(index="feature", columns=group, values=col)
    weak = ev.pivot(index="feature", columns=group, values="weak")
    order = [g for g in TIERS if g in wide.columns] if group == "tier" else sorted(wide.columns)
    wide, weak = wide[order], weak[order]
    words = wide.apply(lambda s: s.map(lambda c: t(f"kano.short.{c}", lang))).where(
        ~weak.astype(bool), "—"
    )
    words.columns = [names.get(g, g) for g in words.columns]
    dis = kano.disagreement(ev, group, col, n["kano_min_n"])
    dis = dis[[g for g in order if g in dis.columns]]
    dis_words = dis.apply(
        lambda s: s.map(lambda c: t(f"kano.short.{c}", lang) if isinstance(c, str) else "—")
    )
    dis_words.columns = [names.get(g, g) for g in dis_words.columns]
    return (
        words.rename_axis(t("k.feature", lang)).reset_index(),
        dis_words.rename_axis(t("k.feature", lang)).reset_index(),
        ev,
    )


def _group_names(a: pd.DataFrame, group: str, lang: str) -> dict:
    if group == "segment":
        pairs = a[["segment", "segment_name"]].dropna().drop_duplicates("segment")
        return {
            s: segment_label(int(s), n) for s, n in zip(pairs["segment"], pairs["segment_name"])
        }
    return {g: t(f"tier.{g}", lang) for g in a[group].dropna().unique()}


def needs_table(scores: pd.DataFrame, segments: pd.DataFrame | None, lang: str) -> pd.DataFrame:
    """Per needs group: customers, share, mean score per need."""
    s = scores[scores["needs_group"].notna()]
    rows = []
    for g in needs.NEEDS + ("balanced",):
        sel = s[s["needs_group"] == g]
        row = {
            t("n.group", lang): t(f"need.{g}", lang),
            t("customers", lang): len(sel),
            t("share_of_buyers", lang): len(sel) / len(s) if len(s) else np.nan,
        }
        for need in needs.NEEDS:
            row[t(f"n.score_{need}", lang)] = sel[f"score_{need}"].mean()
        rows.append(row)
    return pd.DataFrame(rows)


def needs_by_segment(scores: pd.DataFrame, segments: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Share of each needs group within each segment."""
    m = scores.merge(segments[["customer_id", "segment", "segment_name"]], on="customer_id")
    m = m[m["needs_group"].notna()]
    tab = pd.crosstab([m["segment"], m["segment_name"]], m["needs_group"], normalize="index")
    tab = tab.reindex(columns=list(needs.NEEDS) + ["balanced"], fill_value=0.0)
    tab.index = [segment_label(int(s), n) for s, n in tab.index]
    tab.columns = [t(f"need.{c}", lang) for c in tab.columns]
    return tab


def signals_table(attrs: dict, lang: str, labels: dict) -> pd.DataFrame:
    """Which signals make each need's score (the explainable rule behind the groups)."""
    from kequn.models.segment_profile import feature_label

    sep = "、" if lang == "zh" else ", "
    return pd.DataFrame(
        {
            t("n.need", lang): [t(f"need.{k}", lang) for k in attrs],
            t("n.signals", lang): [
                sep.join(feature_label(c, lang, labels) for c in v) or "—" for v in attrs.values()
            ],
        }
    )


def missing_signals(attrs: dict, lang: str) -> list[str]:
    """For each need without any signal in this data, a sentence naming the inputs that would
    give it one (its score stays missing; nothing is put in their place)."""
    return [
        t("n.no_signals", lang).format(need=t(f"need.{k}", lang), inputs=t(f"n.inputs.{k}", lang))
        for k, v in attrs.items()
        if not v
    ]


def write_needs(processed_dir, scores: pd.DataFrame):
    return write_table_atomic(scores, RunFolder.of(processed_dir).needs)


def save_summary(processed_dir, figures: dict):
    from kequn.data.run_folder import save_figures

    return save_figures(processed_dir, "needs", figures)


def continuous_table(cont: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            t("k.feature", lang): cont["feature"],
            t("k.functional", lang): cont["functional"].round(2),
            t("k.dysfunctional", lang): cont["dysfunctional"].round(2),
        }
    )
    if "importance" in cont:
        out[t("k.importance", lang)] = cont["importance"].round(2)
    return out


def needs_truth(data_dir, privacy: dict, scores: pd.DataFrame, lang: str) -> pd.DataFrame | None:
    """On generated data: share of each planted persona in each needs group (None for real data)."""
    from kequn.data.runs import planted

    persona = planted(data_dir, privacy, "persona")
    if persona is None:
        return None
    s = scores[scores["needs_group"].notna()]
    tab = pd.crosstab(s["customer_id"].map(persona), s["needs_group"], normalize="index")
    tab = tab.reindex(columns=list(needs.NEEDS) + ["balanced"], fill_value=0.0)
    tab.index = [t(f"persona.{p}", lang) for p in tab.index]
    tab.columns = [t(f"need.{c}", lang) for c in tab.columns]
    return tab.rename_axis(t("n.persona", lang))


def segment_kano(
    ev_seg: pd.DataFrame | None,
    ev: pd.DataFrame | None,
    rule_col: str,
    min_n: int = 30,
    top: int = 3,
) -> dict:
    """Per segment (key: its number as text) the Kano view a segment card shows: ``answers``
    (its median answers per feature), ``key`` (its first ``top`` key needs as [feature,
    category], must-be first, as ``kano.key_needs`` orders them) and ``differs`` ([feature,
    its category, everyone's category] where its category is not the whole base's), counting
    only features the segment answered at least ``min_n`` times (empty lists when none);
    {} without a survey or segments."""
    if ev_seg is None or ev is None:
        return {}
    overall = ev.set_index("feature")[rule_col]
    out = {}
    for s, g in ev_seg.groupby("segment"):
        ok = g[g["total"] >= min_n]
        kn = kano.key_needs(ok, None, rule_col).head(top)
        differs = [
            [f, c, overall.get(f)]
            for f, c in zip(ok["feature"], ok[rule_col])
            if overall.get(f) is not None and c != overall.get(f)
        ]
        out[str(int(s))] = {
            "answers": int(g["total"].median()),
            "key": kn[["feature", "category"]].values.tolist(),
            "differs": differs,
        }
    return out


def summary(
    run: str,
    lang: str,
    ev,
    key,
    rule_col: str,
    scores: pd.DataFrame,
    disagree: dict,
    prop: dict | None = None,
    trend_run: dict | None = None,
    kano_segments: dict | None = None,
) -> dict:
    """Figures of this stage for the summary stage and the nbval check (needs.json)."""
    out = {
        "run": run,
        "lang": lang,
        "groups": scores["needs_group"].value_counts().to_dict(),
        "disagree": disagree,
        "kano_segments": kano_segments or {},
    }
    if ev is not None:
        out["categories"] = ev.set_index("feature")[rule_col].to_dict()
        out["better_worse"] = ev.set_index("feature")[["better", "worse"]].round(4).to_dict("index")
        out["key_needs"] = key["feature"].tolist() if key is not None else []
    if prop and not prop["none"]:
        out["propensity"] = (
            prop["figures"]
            .set_index("category")[["auc", "lift_top10", "base_rate"]]
            .round(4)
            .to_dict("index")
        )
    if trend_run and not trend_run["none"]:
        cols = [
            c
            for c in ("direction", "slope_share", "next", "bt_mape", "bt_naive_mape")
            if c in trend_run["table"]
        ]
        out["trends"] = trend_run["table"].set_index("category")[cols].round(4).to_dict("index")
    return out


# --- purchase propensity -------------------------------------------------------------------------


def propensity_run(processed_dir, quality: dict, n: dict, seed: int) -> dict:
    """Train / evaluate / score the per-category models on the three time splits (see
    ``kequn.models.propensity``). Returns cuts, evaluation figures and calibration (per category),
    the final models, the scoring snapshot and the categories skipped; {"none": True} when
    orders have no category or the history is shorter than two horizons."""
    import pyarrow.parquet as pq

    from kequn.models import propensity as pr

    clean = RunFolder.of(processed_dir).clean
    h = int(n["horizon_days"])
    as_of = pd.Timestamp(quality["as_of"]).normalize()
    cut_train, cut_eval = as_of - pd.Timedelta(days=2 * h), as_of - pd.Timedelta(days=h)
    has_cat = "category" in pq.read_schema(clean / "orders.parquet").names
    cats = pr.categories(clean, n["top_categories"]) if has_cat else []
    if not cats:
        return {"none": True}
    train = pr.snapshot(clean, cut_train, cats, h)
    if len(train) < 50:
        return {"none": True}
    test = pr.snapshot(clean, cut_eval, cats, h)
    now = pr.snapshot(clean, as_of, cats, h, labels=False)
    figs, cals, final, skipped = [], [], [], []
    for i, c in enumerate(cats):
        m = pr.fit(train, i, seed)
        m_final = pr.fit(test, i, seed)
        if m is None or m_final is None:
            skipped.append(c)
            continue
        f, cal = pr.evaluate(m, test)
        figs.append(f)
        cals.append(cal.assign(category=c))
        final.append(m_final)
    return {
        "none": False,
        "cuts": (cut_train.date(), cut_eval.date(), as_of.date()),
        "categories": cats,
        "figures": pd.DataFrame(figs),
        "calibration": pd.concat(cals, ignore_index=True) if cals else pd.DataFrame(),
        "models": final,
        "now": now,
        "skipped": skipped,
    }


def propensity_table(figs: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("p.category", lang): figs["category"].map(lambda c: t(c, lang)),
            t("customers", lang): figs["customers"],
            t("p.base_rate", lang): figs["base_rate"],
            t("p.auc", lang): figs["auc"].round(3),
            t("p.lift", lang): figs["lift_top10"].round(2),
            t("p.brier", lang): figs["brier"].round(4),
        }
    )


def pooled_calibration(cal: pd.DataFrame) -> pd.DataFrame:
    """Calibration bands of all categories pooled into ten bands of predicted probability."""
    band = pd.qcut(cal["predicted"].rank(method="first"), 10, labels=False)
    return (
        cal.groupby(band)
        .apply(
            lambda g: pd.Series(
                {
                    "predicted": np.average(g["predicted"], weights=g["customers"]),
                    "observed": np.average(g["observed"], weights=g["customers"]),
                }
            ),
            include_groups=False,
        )
        .reset_index(drop=True)
    )


def targets(run: dict, n: dict, segments: pd.DataFrame | None, lang: str) -> pd.DataFrame:
    """The target lists in the report's language: customer_id, category, segment, score,
    rank, reasons (words)."""
    from kequn.models import propensity as pr

    tl = pr.target_list(run["models"], run["now"], n["target_share"])
    if tl.empty:
        return tl
    cols = ["reason_1", "reason_2", "reason_3"]
    pairs = (
        tl[["category"] + cols]
        .melt(id_vars="category")
        .dropna()
        .drop_duplicates(["category", "value"])
    )
    said = {
        (c, r): pr.reason_words(r, run["categories"], c, lang)
        for c, r in zip(pairs["category"], pairs["value"])
    }
    parts = [
        pd.Series([said.get((c, r)) for c, r in zip(tl["category"], tl[col])], index=tl.index)
        for col in cols
    ]
    words = parts[0].fillna("")
    for p in parts[1:]:  # one translation per distinct (category, reason), joined column-wise
        words = words.str.cat(p, sep=" / ", na_rep="").str.replace(r"( / )+$", "", regex=True)
    out = pd.DataFrame(
        {
            "customer_id": tl["customer_id"],
            "category": tl["category"].map(lambda c: t(c, lang)),
            "score": tl["score"].round(4),
            "rank": tl["rank"],
            "reasons": words,
        }
    )
    if segments is not None:
        seg = segments.set_index("customer_id")
        out.insert(2, "segment", out["customer_id"].map(seg["segment"]).astype("Int64"))
        out.insert(3, "segment_name", out["customer_id"].map(seg["segment_name"]).astype("object"))
    return out


def write_targets(processed_dir, table: pd.DataFrame):
    """actions/propensity_targets.csv (UTF-8 with BOM, formula cells neutralised)."""
    from kequn.data.actions import write_action_list

    return write_action_list(table, processed_dir, "propensity_targets")


def targets_by_segment(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    if "segment" not in table:
        return table.groupby("category").size().rename(t("customers", lang)).reset_index()
    lab = [
        segment_label(int(s), nm) if pd.notna(s) else "—"
        for s, nm in zip(table["segment"], table["segment_name"])
    ]
    tab = pd.crosstab(
        table["category"], pd.Series(lab, index=table.index, name=t("seg.segment", lang))
    )
    return tab.rename_axis(t("p.category", lang)).reset_index()


def top_targets(table: pd.DataFrame, lang: str, n: int = 10) -> pd.DataFrame:
    first = table[table["category"] == table["category"].iloc[0]].head(n)
    return pd.DataFrame(
        {
            t("p.rank", lang): first["rank"],
            t("p.customer", lang): first["customer_id"],
            t("p.category", lang): first["category"],
            t("p.score", lang): first["score"].round(3),
            t("p.reasons", lang): first["reasons"],
        }
    )


# --- demand trends ------------------------------------------------------------------------------


def trends_run(processed_dir, quality: dict, n: dict, segments: pd.DataFrame | None) -> dict:
    """Per category (and, with segments, per segment × category) the monthly demand, its trend,
    the forecast with interval and the backtest (see ``kequn.models.trends``); {"none": True} when
    orders have no category or fewer than 8 complete months."""
    from kequn.models import trends as tr

    clean = RunFolder.of(processed_dir).clean
    import pyarrow.parquet as pq

    if "category" not in pq.read_schema(clean / "orders.parquet").names:
        return {"none": True}
    m = tr.monthly(clean, quality["as_of"], "category")
    if m.empty or m["month"].nunique() < 8:
        return {"none": True}
    measure = n["trend_measure"]
    rows, history, forecasts = [], {}, {}
    top = m.groupby("category")[measure].sum().sort_values(ascending=False).index
    for c in top:
        g = m[m["category"] == c].set_index("month")[measure]
        trd = tr.trend(g.to_numpy(), n["trend_window"], n["trend_alpha"])
        fc = tr.forecast(g.to_numpy(), n["forecast_months"])
        bt = tr.backtest(g.to_numpy(), n["backtest_origins"])
        if fc is not None:
            fc["month"] = pd.date_range(
                g.index.max() + pd.offsets.MonthBegin(1), periods=len(fc), freq="MS"
            )
        history[c], forecasts[c] = g, fc
        rows.append(
            {
                "category": c,
                "last": float(g.iloc[-1]),
                **trd,
                "next": float(fc["mean"].iloc[0]) if fc is not None else np.nan,
                "next_lower": float(fc["lower"].iloc[0]) if fc is not None else np.nan,
                "next_upper": float(fc["upper"].iloc[0]) if fc is not None else np.nan,
                **({f"bt_{k}": v for k, v in bt.items()} if bt else {}),
            }
        )
    out = {
        "none": False,
        "table": pd.DataFrame(rows),
        "history": history,
        "forecasts": forecasts,
        "last_month": m["month"].max().date(),
        "months": int(m["month"].nunique()),
    }
    if segments is not None:
        ms = tr.monthly(clean, quality["as_of"], "category", segments=segments)
        seg_rows = []
        for (c, s), g in ms.groupby(["category", "segment"]):
            seg_rows.append(
                {
                    "category": c,
                    "segment": s,
                    **tr.trend(g[measure].to_numpy(), n["trend_window"], n["trend_alpha"]),
                }
            )
        out["by_segment"] = pd.DataFrame(seg_rows)
    return out


def trends_table(tt: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            t("p.category", lang): tt["category"].map(lambda c: t(c, lang)),
            t("tr.last", lang): tt["last"],
            t("tr.direction", lang): tt["direction"].map(lambda d: t(f"tr.dir.{d}", lang)),
            t("tr.slope", lang): tt["slope_share"].map(lambda v: f"{v:+.1%}"),
            t("tr.p", lang): tt["p"].map(fmt_p),
            t("tr.next", lang): tt["next"],
            t("tr.interval", lang): [
                f"{lo:,.0f} – {hi:,.0f}" if pd.notna(lo) else "—"
                for lo, hi in zip(tt["next_lower"], tt["next_upper"])
            ],
        }
    )
    if "bt_mape" in tt:
        out[t("tr.mape", lang)] = tt["bt_mape"].map(lambda v: f"{v:.1%}" if pd.notna(v) else "—")
        out[t("tr.naive_mape", lang)] = tt["bt_naive_mape"].map(
            lambda v: f"{v:.1%}" if pd.notna(v) else "—"
        )
        out[t("tr.coverage", lang)] = tt["bt_coverage"].map(
            lambda v: f"{v:.0%}" if pd.notna(v) else "—"
        )
    return out


def segment_trends(by_seg: pd.DataFrame, segments: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Segment × category: monthly slope as a share of the level, where the trend is significant
    (stable cells missing), for the heat map."""
    names = segments.drop_duplicates("segment").set_index("segment")["segment_name"]
    sig = by_seg.assign(
        v=np.where(
            by_seg["direction"].isin(["growing", "declining"]), by_seg["slope_share"], np.nan
        )
    )
    tab = sig.pivot(
        index="segment", columns="category", values="v"
    )  # long segment names read best down the side
    tab.index = [segment_label(int(s), names.get(s, "")) for s in tab.index]
    tab.columns = [t(c, lang) for c in tab.columns]
    return tab


# --- sections: what the notebook shows, one call per section (kequn.render.section) -----------


def inputs_section(
    run: str, quality: dict, features: pd.DataFrame, answers: pd.DataFrame | None, lang: str
) -> Section:
    """The run, as-of date and customers; the Kano survey's size when there is one; caveats."""
    from kequn.models.profiling import caveats

    facts = {
        t("run", lang): run,
        t("as_of", lang): quality["as_of"],
        t("customers", lang): fmt_int(len(features), lang),
    }
    if answers is not None:
        facts.update(
            {
                t("k.respondents", lang): fmt_int(answers["respondent_id"].nunique(), lang),
                t("k.features", lang): fmt_int(answers["feature"].nunique(), lang),
                t("k.answers", lang): fmt_int(len(answers), lang),
                t("k.missing", lang): fmt_int(answers.attrs["missing"], lang),
            }
        )
    return Section().facts(facts).caveats(caveats(quality, ("kano", "orders"), lang), lang)


def kano_evaluation(answers: pd.DataFrame | None, n: dict):
    """(each feature's categories and coefficients, DuMouchel's continuous scores), or
    (None, None) without a Kano survey."""
    if answers is None:
        return None, None
    ev = kano.evaluate(kano.tally(answers), n["kano_margin"], n["kano_min_n"])
    return ev, kano.continuous(answers)


def importance_scale(quality: dict) -> list:
    """The Kano survey's importance scale as intake read it (default 1–5)."""
    return (quality.get("scales") or {}).get("kano.importance") or [1, 5]


def key_needs_of(ev, cont, rule_col: str, quality: dict) -> pd.DataFrame | None:
    """The key needs (``kano.key_needs``) on the survey's importance scale; None without one."""
    if ev is None:
        return None
    return kano.key_needs(ev, cont, rule_col, scale_max=importance_scale(quality)[1])


def kano_section(answers: pd.DataFrame | None, ev, cont, n: dict, lang: str) -> Section:
    """Each feature's Kano category, Better/Worse, DuMouchel's continuous scores; a sentence
    when the export has no Kano survey."""
    from kequn.render import plotting

    sec = Section()
    if ev is None:
        return sec.text("nsec.kano_none", lang)
    sec.markdown(
        t("nsec.kano_note", lang).format(
            table=t(f"k.table.{n['kano_table']}", lang),
            min_n=n["kano_min_n"],
            rule=t(f"k.rule.{n['kano_rule']}", lang).format(
                margin=fmt_pct(n["kano_margin"], lang, 0)
            ),
        )
    )
    sec.table(category_table(ev, n["kano_rule"], lang), pct=share_columns(lang))
    sec.chart(
        plotting.better_worse,
        ev.merge(cont, on="feature"),
        "feature",
        t("k.bw_title", lang),
        t("k.bw_x", lang),
        t("k.bw_y", lang),
        {k: t(f"k.q.{k}", lang) for k in "AOMI"},
        size="importance" if "importance" in cont else None,
    )
    sec.heading("nsec.continuous", lang, level=3).text("nsec.continuous_note", lang)
    return sec.table(continuous_table(cont, lang))


def key_needs_section(answers, key: pd.DataFrame | None, quality: dict, lang: str) -> Section:
    """The key needs ranked by the stated rule; nothing without a Kano survey."""
    sec = Section()
    if key is None:
        return sec
    scale = importance_scale(quality)
    stated = key["importance"].notna().any()
    imp = t("k.imp_note", lang).format(lo=scale[0], hi=scale[1]) if stated else ""
    sec.markdown(t("nsec.key_needs_note", lang).format(imp=imp))
    if "importance" not in answers:
        sec.text("k.no_importance", lang)
    return sec.table(key_needs_table(key, lang), pct=[t("k.frequency", lang)])


KANO_GROUPS = ("segment", "tier")


def kano_by_groups(answers: pd.DataFrame | None, n: dict, lang: str) -> dict:
    """``by_group`` for segments and value tiers: {group: (categories, disagreements,
    evaluation)}; {} without a Kano survey."""
    if answers is None:
        return {}
    return {group: by_group(answers, group, n, lang) for group in KANO_GROUPS}


def disagreements(groups: dict) -> dict:
    """Per group that could be compared, the features where its groups disagree."""
    return {
        group: (dis.iloc[:, 0].tolist() if len(dis) else [])
        for group, (cats, dis, _) in groups.items()
        if cats is not None
    }


def group_evaluation(groups: dict, group: str):
    """The Kano evaluation per ``group`` (segment or tier), None when it could not be made."""
    return groups.get(group, (None, None, None))[2]


def kano_group_section(answers, groups: dict, group: str, n: dict, lang: str) -> Section:
    """Kano categories per segment or per value tier (``group``) and the features where they
    disagree; nothing without a Kano survey."""
    sec = Section()
    if group not in groups:
        return sec
    cats, dis, _ = groups[group]
    if cats is None:
        return sec.markdown(
            t("nsec.by_group_none", lang).format(what=t(f"n.what.{group}", lang))
            if "customer_id" in answers
            else t("k.no_customer_id", lang)
        )
    sec.table(cats).heading("nsec.disagree", lang, level=3)
    if dis.empty:
        return sec.markdown(t("nsec.disagree_none", lang).format(n=n["kano_min_n"]))
    return sec.table(dis)


def needs_groups_section(
    scores: pd.DataFrame,
    segments: pd.DataFrame | None,
    features: pd.DataFrame,
    n: dict,
    lang: str,
) -> Section:
    """How the price / service / quality scores are made and from which signals, the groups
    with their shares, and the groups within each segment (when stage 02 ran)."""
    from kequn.render import plotting

    sec = Section().markdown(
        t("nsec.groups_note", lang).format(min_score=n["min_score"], gap=n["min_gap"])
    )
    sec.table(signals_table(scores.attrs["signals"], lang, features.attrs["labels"]))
    sec.notes(missing_signals(scores.attrs["signals"], lang))
    if not scores["needs_group"].notna().any():  # no signal of any need: no groups
        return sec.text("n.no_groups", lang)
    groups = needs_table(scores, None, lang)
    sec.table(groups).chart(
        plotting.bar,
        groups,
        groups.columns[0],
        groups.columns[2],
        t("n.groups_chart", lang),
        t("n.group", lang),
        t("share_of_buyers", lang),
        pct=True,
    )
    if segments is None:
        return sec
    sec.heading("nsec.groups_by_segment", lang, level=3)
    return sec.chart(
        plotting.heatmap,
        needs_by_segment(scores, segments, lang),
        t("nsec.groups_by_segment", lang),
        t("n.group", lang),
        t("seg.segment", lang),
        fmt=".0%",
    )


def needs_truth_section(truth_mix: pd.DataFrame | None, lang: str) -> Section:
    """On the demo data only: needs groups against the planted personas."""
    sec = Section()
    if truth_mix is None:
        return sec
    sec.text("n.truth_note", lang)
    return sec.table(truth_mix, index=True, pct=list(truth_mix.columns))


def target_list(processed_dir, prop: dict, n: dict, segments, lang: str):
    """The propensity target list (``targets``) written to ``actions/`` : (table, path), or
    (None, None) when no category could be scored."""
    if prop["none"] or not prop["models"]:
        return None, None
    table = targets(prop, n, segments, lang)
    return table, write_targets(processed_dir, table)


def propensity_section(prop: dict, target_table, target_path, n: dict, lang: str) -> Section:
    """The time splits, each category's model figures, its calibration, and the target lists."""
    from kequn.render import plotting

    sec = Section()
    if prop["none"]:
        return sec.markdown(t("p.none", lang).format(h=n["horizon_days"]))
    train_cut, eval_cut, as_of_day = prop["cuts"]
    sec.markdown(
        t("nsec.propensity_note", lang).format(
            train=train_cut, evalc=eval_cut, as_of=as_of_day, h=n["horizon_days"]
        )
    )
    sec.table(propensity_table(prop["figures"], lang), pct=[t("p.base_rate", lang)])
    if prop["skipped"]:
        cats = ", ".join(t(c, lang) for c in prop["skipped"])
        sec.markdown(t("p.skipped", lang).format(cats=cats))
    if len(prop["calibration"]):
        sec.chart(
            plotting.lines,
            pooled_calibration(prop["calibration"]),
            "predicted",
            {t("p.observed", lang): "observed"},
            t("p.cal_title", lang),
            t("p.cal_x", lang),
            t("p.cal_y", lang),
            diagonal=t("v.equality", lang),
            pct=True,
        )
    if target_table is None:
        return sec
    sec.heading("nsec.targets", lang, level=3)
    sec.markdown(
        t("p.targets_note", lang).format(
            share=fmt_pct(n["target_share"], lang, 0), file=f"`actions/{target_path.name}`"
        )
    )
    sec.table(targets_by_segment(target_table, lang))
    return sec.table(top_targets(target_table, lang))


def trends_section(trend_run: dict, segments, n: dict, lang: str) -> Section:
    """Trend tests and forecasts per category (where the model loses to the naive forecast),
    four categories' forecasts drawn, and the trend per segment."""
    from kequn.render import plotting

    sec = Section()
    if trend_run["none"]:
        return sec.text("tr.none", lang)
    measure = t(f"tr.measure.{n['trend_measure']}", lang)
    sec.markdown(
        t("tr.note", lang).format(
            measure=measure,
            last=trend_run["last_month"].strftime("%Y-%m"),
            window=n["trend_window"],
            alpha=n["trend_alpha"],
            origins=n["backtest_origins"],
        )
    )
    tt = trend_run["table"]
    sec.table(trends_table(tt, lang))
    if "bt_mape" in tt and (tt["bt_mape"] > tt["bt_naive_mape"]).any():
        worse = tt.loc[tt["bt_mape"] > tt["bt_naive_mape"], "category"]
        sec.markdown(
            t("tr.worse_than_naive", lang).format(cats=", ".join(t(c, lang) for c in worse))
        )
    first = list(trend_run["history"])[:4]
    sec.chart(
        plotting.forecast_panels,
        {t(c, lang): trend_run["history"][c] for c in first},
        {t(c, lang): trend_run["forecasts"][c] for c in first},
        t("tr.chart", lang),
        measure,
        {
            "history": t("tr.history", lang),
            "forecast": t("tr.forecast", lang),
            "interval": t("tr.band", lang),
        },
    )
    if "by_segment" not in trend_run:
        return sec
    seg_tr = segment_trends(trend_run["by_segment"], segments, lang)
    if seg_tr.isna().all().all():
        return sec.text("tr.by_segment_none", lang)
    return sec.chart(
        plotting.heatmap,
        seg_tr,
        t("tr.by_segment", lang),
        t("p.category", lang),
        t("seg.segment", lang),
        fmt="+.1%",
        diverging=True,
    )
