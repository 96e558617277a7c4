"""Stage 02: what ``notebooks/02_clustering.ipynb`` shows, one call per section, in the report's
language.

The figures come from ``kequn.models``: the matrix and the segments from the public API's
estimators (``kequn.models.segmenter``: ``Preparer``, ``Segmenter``, the same classes
``kequn.Preparer`` and ``kequn.Segmenter`` an analyst uses), the method comparison and the
sample check from ``clustering``, names, sizes and attractiveness from ``segment_profile``,
stability and drift from ``segment_quality``. Here they become headings, sentences, tables and
charts, and the run's artifacts are written: the segments (``RunFolder.segments``: customer_id,
segment, segment_name, strength, outlier_score, method) and the figures for the summary stage
(``RunFolder.figures("clustering")``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from kequn.data.io import write_table_atomic
from kequn.data.paths import RunFolder
from kequn.data.settings import ClusteringSettings
from kequn.lang.i18n import fmt_int, fmt_pct, t
from kequn.models import clustering as cl
from kequn.models import segment_profile as sp
from kequn.models.segment_quality import Drift
from kequn.models.segmenter import Preparer, Segmenter
from kequn.render.section import Section


def prep_table(prep: Preparer, lang: str, labels: dict) -> pd.DataFrame:
    """What was done to each clustering column: set, feature, transform, missing, weight."""
    s = prep.steps_
    return pd.DataFrame(
        {
            t("seg.set", lang): s["set"].map(lambda x: t(f"set.{x}", lang)),
            t("seg.feature", lang): [sp.feature_label(c, lang, labels) for c in s["column"]],
            t("seg.transform", lang): s["transform"].map(lambda x: _transform_words(x, lang)),
            t("seg.missing_share", lang): s["missing_share"],
            t("seg.weight", lang): s["weight"].round(3),
        }
    )


def _transform_words(x: str, lang: str) -> str:
    parts = []
    for p in x.split(" → "):
        if p.startswith("median for "):
            parts.append(t("tr.median", lang).format(n=p.split()[2]))
        else:
            parts.append(t(f"tr.{p}", lang))
    return " → ".join(parts)


def dropped_table(prep: Preparer, lang: str, labels: dict) -> pd.DataFrame:
    """The columns left out and the sets the table lacks, each with the reason."""
    if prep.dropped_.empty and not prep.skipped_sets_:
        return pd.DataFrame()
    rows = [
        {
            t("seg.feature", lang): sp.feature_label(r.column, lang, labels),
            t("seg.set", lang): t(f"set.{r.set}", lang),
            t("seg.reason", lang): t(f"drop.{r.reason}", lang),
        }
        for r in prep.dropped_.itertuples()
    ]
    rows += [
        {
            t("seg.feature", lang): "—",
            t("seg.set", lang): t(f"set.{s}", lang),
            t("seg.reason", lang): t("drop.set_absent", lang),
        }
        for s in prep.skipped_sets_
    ]
    return pd.DataFrame(rows)


def k_sentence(segmenter: Segmenter, lang: str) -> str:
    """Why this k (``Segmenter.reason_``), with the criterion, tolerance, range and, for
    HDBSCAN, the smallest cluster size."""
    s = segmenter
    return t(s.reason_, lang).format(
        k=s.k_ if s.k_asked_ is None else s.k_asked_,
        criterion=t(f"crit.{s.criterion}", lang),
        tol=fmt_pct(s.k_tolerance, lang, 0),
        lo=s.k_range[0],
        hi=s.k_range[1],
        mcs=s.min_cluster_size_,
    )


def methods_table(comparison: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``clustering.compare_methods``' table in words."""
    return pd.DataFrame(
        {
            t("seg.method", lang): comparison["method"].map(lambda m: t(f"method.{m}", lang)),
            t("seg.segments", lang): comparison["segments"],
            t("seg.unassigned_share", lang): comparison["unassigned_share"],
            t("crit.silhouette", lang): comparison["silhouette"],
            t("crit.davies_bouldin", lang): comparison["davies_bouldin"],
            t("seg.ari_vs_chosen", lang): comparison["ari_vs_chosen"],
            t("seg.seconds", lang): comparison["seconds"],
        }
    )


def distinct_words(
    dist: pd.DataFrame, names: pd.DataFrame, lang: str, labels: dict, top: int = 5
) -> pd.DataFrame:
    """Per segment its most distinguishing features (``segment_profile.most_distinct``) in
    words: feature, segment vs base, d, higher or lower."""
    seg_names = names.set_index("segment")["segment_name"]
    d = sp.most_distinct(dist, top)
    return pd.DataFrame(
        {
            t("seg.segment", lang): [
                cl.segment_label(s, seg_names.get(s, "")) for s in d["segment"]
            ],
            t("seg.feature", lang): [sp.feature_label(c, lang, labels) for c in d["column"]],
            t("seg.segment_mean", lang): [
                sp.format_value(c, v, lang) for c, v in zip(d["column"], d["segment_mean"])
            ],
            t("seg.base_mean", lang): [
                sp.format_value(c, v, lang) for c, v in zip(d["column"], d["base_mean"])
            ],
            t("seg.std_diff", lang): d["std_diff"].round(2).to_numpy(),
            t("seg.direction", lang): [
                t("seg.higher" if v > 0 else "seg.lower", lang) for v in d["std_diff"]
            ],
        }
    )


def sizes_table(sizes: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``segment_profile.segment_sizes`` in words."""
    return pd.DataFrame(
        {
            t("seg.segment", lang): [
                cl.segment_label(s, n) for s, n in zip(sizes["segment"], sizes["segment_name"])
            ],
            t("customers", lang): sizes["customers"],
            t("share_of_customers", lang): sizes["share"],
            t("revenue_share", lang): sizes["revenue_share"],
            t("seg.strength", lang): sizes["strength"],
        }
    )


def stability_table(stab: pd.DataFrame, names: pd.DataFrame, lang: str) -> pd.DataFrame:
    seg_names = names.set_index("segment")["segment_name"]
    return pd.DataFrame(
        {
            t("seg.segment", lang): [
                cl.segment_label(s, seg_names.get(s, "")) for s in stab["segment"]
            ],
            t("seg.jaccard", lang): stab["jaccard"].round(2),
            t("seg.jaccard_min", lang): stab["jaccard_min"].round(2),
            t("seg.verdict", lang): stab["verdict"].map(lambda v: t(f"verdict.{v}", lang)),
        }
    )


def write_segments(processed_dir, segments: pd.DataFrame) -> Path:
    """The segments (``clustering.segments_frame``) into the run's folder."""
    return write_table_atomic(segments, RunFolder.of(processed_dir).segments)


def drift_table(moves: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("seg.segment", lang): [
                cl.segment_label(s, n) for s, n in zip(moves["segment"], moves["segment_name"])
            ],
            t("seg.matched", lang): moves["matched_previous"],
            t("seg.share_now", lang): moves["share_now"],
            t("seg.share_before", lang): moves["share_before"],
            t("seg.stayed", lang): moves["stayed"],
        }
    )


def attract_table(a: sp.Attractiveness, lang: str) -> pd.DataFrame:
    """The ranking with its components; a component not measured for any segment is left out
    (the note names it), growth shows "—" where it is not measured."""
    tab = a.table
    out = pd.DataFrame(
        {
            t("seg.rank", lang): tab["rank"],
            t("seg.segment", lang): [
                cl.segment_label(s, n) for s, n in zip(tab["segment"], tab["segment_name"])
            ],
            t("customers", lang): tab["customers"],
            t("share_of_customers", lang): tab["share"],
        }
    )
    if "revenue_share" in tab and tab["revenue_share"].notna().any():
        out[t("revenue_share", lang)] = tab["revenue_share"].map(lambda v: fmt_pct(v, lang))
    if "clv" in tab and tab["clv"].notna().any():
        out[t("attr.c.clv", lang)] = tab["clv"].round(1)
    out[t("seg.value", lang)] = tab["value"]
    out[t("seg.growth", lang)] = tab["growth"].map(lambda v: "—" if pd.isna(v) else f"{v:+.1%}")
    if tab["reach"].notna().any():
        out[sp.component_label("reach", lang, a.reach_basis)] = tab["reach"].map(
            lambda v: fmt_pct(v, lang, 0)
        )
    out[t("seg.score", lang)] = tab["score"].round(2)
    return out


HISTORY_COLUMNS = ("tenure_days", "recency_days", "active_days", "first_order", "last_order")


def _uses_history(expr) -> bool:
    return any(re.search(rf"\b{c}\b", str(expr)) for c in HISTORY_COLUMNS)


def rules_history(rules: dict, quality: dict, lang: str) -> str:
    """When a rule segment's expression uses tenure or time since purchase and history starts
    with the export (``profiling.history_note``): a sentence saying so, else ""."""
    from kequn.models.profiling import history_note

    note = history_note(quality, lang)
    uses = any(_uses_history(expr) for expr in (rules or {}).values())
    return t("rules.history", lang).format(note=note) if note and uses else ""


def rules_as_shown(rules: dict, quality: dict, lang: str) -> dict:
    """The rules under the names a page shows: a rule on tenure or time since purchase, when
    history starts with the export (``profiling.history``), carries where it starts —
    "注册半年内（历史始于 2009-12-01）" — so that its name does not claim what the export
    cannot tell; the other rules keep their names. Order and expressions are kept."""
    from kequn.models.profiling import history

    h = history(quality)
    if not h or not h["truncated"]:
        return dict(rules or {})
    since = t("rules.since", lang)
    return {
        (since.format(name=name, first=h["first"]) if _uses_history(expr) else name): expr
        for name, expr in (rules or {}).items()
    }


def summary(
    run: str,
    lang: str,
    segmenter: Segmenter,
    sep: cl.Separation,
    stab: pd.DataFrame,
    attract: sp.Attractiveness,
    names: pd.DataFrame,
    drift: Drift,
    agree: float | None,
) -> dict:
    """Figures of this stage for the summary stage and the nbval check (clustering.json)."""
    seg = segmenter.segmentation_
    sizes = pd.Series(seg.labels).value_counts().sort_index()
    ranked = attract.table
    return {
        "run": run,
        "lang": lang,
        "method": seg.method,
        "k": seg.k,
        "k_reason": segmenter.reason_,
        "sizes": {int(s): int(n) for s, n in sizes.items()},
        "names": names.set_index("segment")["segment_name"].to_dict(),
        "portraits": names.set_index("segment")["portrait"].to_dict(),
        "separation": sep.as_dict(),
        "stability": stab.set_index("segment")["jaccard"].round(3).to_dict(),
        "stable_segments": int((stab["verdict"] == "stable").sum()),
        "attractiveness_rank": ranked.set_index("segment")["rank"].to_dict() if len(ranked) else {},
        "attractiveness": attract.figures() if len(ranked) else {},
        "drift": drift.figures,
        "sample_agreement": agree,
    }


def save_summary(processed_dir, figures: dict) -> Path:
    """The figures (``summary``) as the run's ``RunFolder.figures("clustering")``."""
    from kequn.data.run_folder import save_figures

    return save_figures(processed_dir, "clustering", figures)


# --- sections: what the notebook shows, one call per section (kequn.render.section) -----------


def inputs_section(
    run: str, quality: dict, features: pd.DataFrame, c: ClusteringSettings, seed: int, lang: str
) -> Section:
    """The run, as-of date, customers, method and seed; the data caveats."""
    from kequn.models.profiling import caveats

    sec = Section().facts(
        {
            t("run", lang): run,
            t("as_of", lang): quality["as_of"],
            t("customers", lang): fmt_int(len(features), lang),
            t("seg.method", lang): t(f"method.{c.method}", lang),
            t("seed", lang): seed,
        }
    )
    tables = ("customers", "orders", "events", "feedback")
    return sec.caveats(caveats(quality, tables, lang), lang)


def prep_section(prep: Preparer, labels: dict, lang: str) -> Section:
    """How the features were prepared and weighted, and the ones left out."""
    sec = Section().text("sec.prep_note", lang)
    sec.table(prep_table(prep, lang, labels), max_rows=80)
    dropped = dropped_table(prep, lang, labels)
    if not dropped.empty:
        sec.heading("sec.dropped", lang, level=3).table(dropped)
    return sec


def k_section(segmenter: Segmenter, customers: int, agree: float | None, lang: str) -> Section:
    """The criteria over k, why this k, how many customers the fit saw, how the sample agrees
    with a fit on everyone (``clustering.sample_agreement``), and the small segments merged."""
    from kequn.render import plotting

    s = segmenter
    sec = Section().chart(
        plotting.criteria,
        s.scan_,
        s.k_compare_,
        {m: t(f"crit.{m}", lang) for m in cl.CRITERIA},
        t("seg.k_axis", lang),
    )
    sec.markdown(k_sentence(s, lang))
    n_fit = len(s.sample_)
    if n_fit == customers:
        sec.markdown(t("seg.sample_all", lang).format(n=fmt_int(n_fit, lang)))
    else:
        sec.markdown(
            t("seg.sample_note", lang).format(
                n=fmt_int(n_fit, lang), m=fmt_int(customers - n_fit, lang)
            )
        )
    if agree is not None:
        sec.markdown(t("seg.sample_agree", lang).format(ari=f"{agree:.2f}"))
    merged = s.segmentation_.merged
    key = "seg.merged" if len(merged) else "seg.merged_none"
    return sec.markdown(t(key, lang).format(n=len(merged), share=fmt_pct(s.min_share, lang, 0)))


def names_section(names: pd.DataFrame, lang: str) -> Section:
    """Each segment's name and portrait."""
    return Section().table(
        names.rename(
            columns={
                "segment": t("seg.segment", lang),
                "segment_name": t("seg.name", lang),
                "portrait": t("seg.portrait_col", lang),
            }
        )
    )


def sizes_section(
    seg: cl.Segmentation, names: pd.DataFrame, features: pd.DataFrame, lang: str
) -> Section:
    """Customers, share and value per segment (``segment_profile.segment_sizes``), the shares
    as bars."""
    from kequn.render import plotting

    tab = sizes_table(sp.segment_sizes(seg.labels, names, features, seg.strength), lang)
    return (
        Section()
        .table(tab)
        .chart(
            plotting.bar,
            tab,
            tab.columns[0],
            tab.columns[2],
            t("sec.sizes", lang),
            t("seg.segment", lang),
            t("share_of_customers", lang),
            pct=True,
            horizontal=True,
        )
    )


def separation_facts(sep: cl.Separation, lang: str) -> dict:
    """The separation figures as label → text (Calinski–Harabasz as a whole number)."""
    return {
        t(f"crit.{m}", lang): f"{v:,.0f}" if m == "calinski_harabasz" else f"{v:.3f}"
        for m, v in sep.as_dict().items()
    }


def distinct_section(
    dist, names: pd.DataFrame, sep: cl.Separation, labels: dict, lang: str
) -> Section:
    """The features that set each segment apart (standardised differences), and the
    separation figures (``clustering.separation``)."""
    sec = Section().text("sec.distinct_note", lang)
    sec.table(distinct_words(dist, names, lang, labels), max_rows=60)
    return sec.heading("sec.separation", lang, level=3).facts(separation_facts(sep, lang))


def profile_section(
    features: pd.DataFrame, seg, names: pd.DataFrame, points, var, labels: dict, lang: str
) -> Section:
    """Each segment against the whole base, and the segment map on two principal components."""
    from kequn.render import plotting

    name_of = names.set_index("segment")["segment_name"].to_dict()
    table = sp.profile_table(features, seg.labels, names, lang, labels)
    sec = Section().table(table, max_rows=30)
    return sec.chart(
        plotting.segment_map,
        points,
        name_of,
        t("sec.map", lang),
        t("seg.pc", lang).format(i=1, v=fmt_pct(var[0], lang, 0)),
        t("seg.pc", lang).format(i=2, v=fmt_pct(var[1], lang, 0)),
    )


def methods_section(comparison: pd.DataFrame, lang: str) -> Section:
    """KMeans, a Gaussian mixture and HDBSCAN on the same sample (``clustering.compare_methods``)."""
    return Section().text("sec.methods_note", lang).table(methods_table(comparison, lang))


def stability_section(
    stab: pd.DataFrame, names: pd.DataFrame, c: ClusteringSettings, lang: str
) -> Section:
    """Bootstrap Jaccard per segment (``segment_quality.segment_stability``) against the stable
    and dissolving lines."""
    from kequn.models.segment_quality import DISSOLVING, STABLE
    from kequn.render import plotting

    tab = stability_table(stab, names, lang)
    sec = Section().markdown(t("sec.stability_note", lang).format(b=c.bootstrap)).table(tab)
    return sec.chart(
        plotting.bars_with_lines,
        tab,
        tab.columns[0],
        tab.columns[1],
        t("sec.stability", lang),
        t("seg.segment", lang),
        t("seg.jaccard", lang),
        lines={t("verdict.stable", lang): STABLE, t("verdict.dissolving", lang): DISSOLVING},
    )


def drift_section(drift: Drift, lang: str) -> Section:
    """How many customers changed segment since the previous run, and between which
    (``segment_quality.drift_since``)."""
    sec = Section()
    if drift.moves is None:
        return sec.text("seg.drift_none", lang)
    f = drift.figures
    sec.markdown(
        t("seg.drift_figures", lang).format(
            run=drift.previous_run,
            both=fmt_int(f["customers_both"], lang),
            changed=fmt_pct(f["changed_share"], lang),
            new=fmt_int(f["new_customers"], lang),
            gone=fmt_int(f["gone_customers"], lang),
        )
    )
    return sec.table(drift_table(drift.moves, lang))


def attract_section(attract: sp.Attractiveness, lang: str) -> Section:
    """The attractiveness ranking (``segment_profile.run_attractiveness``) with its formula and
    weights."""
    return (
        Section()
        .table(attract_table(attract, lang))
        .markdown(sp.attract_note(attract, lang, clv_later=True))
    )


def rules_section(
    features: pd.DataFrame, c: ClusteringSettings, quality: dict, seg, names, lang: str
) -> Section:
    """The configured rule-based segments against the data-driven ones (shares, adjusted Rand
    index), with the caveat when a rule uses tenure on a history the export cuts short."""
    from kequn.models.segment_rules import compare, rule_segments

    sec = Section()
    if not c.rules:
        return sec.text("sec.rules_none", lang)
    shown = rules_as_shown(c.rules, quality, lang)  # history rules say where it starts
    table, ari = compare(rule_segments(features, shown, lang), seg.labels, names, lang)
    sec.markdown(t("sec.rules_note", lang).format(ari=f"{ari:.2f}"))
    history = rules_history(c.rules, quality, lang)  # tenure rules on a cut history
    if history:
        sec.markdown(history)
    return sec.table(table)
